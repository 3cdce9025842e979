// npm run setup:wine — prepare the wine backend: wine64, Windows node.exe and koffi in .cache/wine,
// a private Windows 10 prefix. Idempotent; the second run only checks markers. Exit 2 with one line
// naming what to install when it cannot be done here.
import { spawnSync } from 'node:child_process';
import { tcpdumpPath } from '../src/testbeds/loopback/capture';
import { ensureWineSetup, SetupError, wineVersion } from '../src/testbeds/agent/wine-setup';

/** Wire capture is evidence only: install tcpdump when root and missing, and carry on if that fails. */
function ensureTcpdump(log: (line: string) => void): void {
  if (tcpdumpPath() || typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  log('tcpdump not found: apt-get install -y tcpdump (for wire evidence)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'tcpdump'], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { env, encoding: 'utf8' });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'tcpdump'], { env, encoding: 'utf8' });
  }
  if (!tcpdumpPath()) log('tcpdump could not be installed; runs will have no wire evidence');
}

async function main(): Promise<number> {
  const t0 = performance.now();
  try {
    const log = (line: string): void => {
      process.stdout.write(`setup:wine: ${line}\n`);
    };
    const setup = await ensureWineSetup({ log });
    ensureTcpdump(log);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    process.stdout.write(`setup:wine: ready in ${seconds} s: ${await wineVersion(setup.wine64)}, node.exe ${setup.nodeVersion}, koffi ${setup.koffiVersion}, prefix ${setup.prefix}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`setup:wine: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof SetupError ? 2 : 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
