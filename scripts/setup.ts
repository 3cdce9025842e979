// npm run setup — everything `npm test` needs on this machine, which `npm test` runs first: the Debian
// packages wine64 (the Wine run), mingw-w64 (the native agent's compilers), chromium-headless-shell
// (the browser tests) and, as root, tcpdump (wire evidence) and iproute2 (the network namespace
// of the run against another host), installed together when root;
// then the wine backend's own set-up (Windows node.exe and koffi in .cache/wine, a private Windows 10
// prefix, the native agent built into .cache/native-agent). Idempotent: a second run only checks. Exit 2 with one line
// naming the command to run when it cannot be done here (not root, no apt-get, no npm registry).
import * as fs from 'node:fs';
import { parseCommandLine } from '../src/cli/arguments';
import { runAsProgram, type Command } from '../src/cli/command';
import { tcpdumpPath } from '../src/testbeds/loopback/capture';
import {
  ensureWineSetup,
  findWine32,
  findWine64,
  installDebianPackages,
  SetupError,
  WINE32_PACKAGE,
  wineVersion,
} from '../src/testbeds/agent-controller/wine-setup';
import { findMingw } from '../src/testbeds/agent-controller/native-build';
import { ipPath } from '../test/prerequisites';

/**
 * Debian's headless shell of Chromium, which the browser tests (test/e2e/*.browser.test.ts) drive: the same
 * Blink as the browser, without its windowing layers; Playwright's own headless mode runs this shell too.
 * Measured: about a third less CPU than the whole browser, run headless, to launch it, load the reports and
 * take their screenshots (npm run bench -- --npm-test).
 */
export const CHROMIUM = '/usr/bin/chromium-headless-shell';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether Wine's 32-bit loader is beside the wine64 found (Debian installs both into /usr/lib/wine). */
function wine32Present(): boolean {
  const wine64 = findWine64();
  return wine64 !== null && findWine32(wine64) !== null;
}

/** The Debian packages this machine lacks, by the files the suite and its tests use. */
export function missingDebianPackages(root: boolean): string[] {
  const needed: { name: string; present: () => boolean; needed: boolean }[] = [
    { name: 'wine64', present: () => findWine64() !== null, needed: true },
    // Wine's 32-bit loader, which runs the x86 native agent (the wine32 backend); its dpkg architecture is added first.
    { name: WINE32_PACKAGE, present: () => wine32Present(), needed: true },
    // Both compilers: x86_64-w64-mingw32-gcc and i686-w64-mingw32-gcc.
    { name: 'mingw-w64', present: () => findMingw('x64') !== null && findMingw('x86') !== null, needed: true },
    // Capture runs only as root (src/testbeds/loopback/capture.ts): anyone else's runs have no use for it.
    { name: 'tcpdump', present: () => tcpdumpPath() !== null, needed: root },
    { name: 'chromium-headless-shell', present: () => isExecutable(CHROMIUM), needed: true },
    // npm test's run against another host makes it a network namespace, as root (test/e2e/namespace-host.ts).
    { name: 'iproute2', present: () => ipPath() !== null, needed: root },
  ];
  return needed.filter((p) => p.needed && !p.present()).map((p) => p.name);
}

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  parseCommandLine(argv, {});
  const t0 = performance.now();
  const log = (line: string): void => {
    stdout.write(`setup: ${line}\n`);
  };
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const missing = missingDebianPackages(root);
  if (missing.length > 0) {
    await installDebianPackages(missing, log);
    const still = missingDebianPackages(root);
    if (still.length > 0)
      throw new SetupError(
        `apt-get installed ${missing.join(', ')}, yet ${still.join(', ')} ${still.length === 1 ? 'is' : 'are'} not where the suite looks (wine64 in PATH or /usr/lib/wine, the mingw-w64 compilers in PATH, ${CHROMIUM}, tcpdump in /usr/sbin, ip in /usr/sbin or /bin)`,
      );
  }
  // wine64 is there now; the wine set-up must not start an apt-get of its own.
  const setup = await ensureWineSetup({ log, installWine: false, wow64: true });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  log(
    `ready in ${seconds} s: ${await wineVersion(setup.wine64)}, node.exe ${setup.nodeVersion}, koffi ${setup.koffiVersion}, prefix ${setup.prefix}, native agents ${setup.nativeAgents ? Object.values(setup.nativeAgents).join(', ') : 'not built'}, Wine's 32-bit loader ${setup.wine32 ?? 'not installed'}, ${CHROMIUM}`,
  );
  return 0;
}

const setupCommand: Command = { usage: 'usage: npm run setup', main };

// What cannot be done here (a SetupError) is one line, exit 2, by the exit path every command of the suite
// shares; tests import CHROMIUM from here.
runAsProgram(module, 'setup', setupCommand);
