// The native agent (agents/native/, control protocol v1 in C): cross-compiled with Debian's mingw-w64 for x64 and
// x86 Windows, linked only against ws2_32, kernel32 and msvcrt, with the compilers' hardening flags. A build
// is redone only when a source file or a flag changed (a stamp beside the executables records what built
// them), so the Wine set-up can ask for it on every run.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CannotRun } from '../../core/outcomes';
import { REPO_ROOT } from '../../core/paths';

export const NATIVE_AGENT_SOURCES = path.join(REPO_ROOT, 'agents', 'native', 'src');

export type NativeArch = 'x64' | 'x86';

/** The compiler of each architecture (Debian's gcc-mingw-w64-x86-64 and gcc-mingw-w64-i686, in mingw-w64). */
const COMPILERS: Record<NativeArch, string> = { x64: 'x86_64-w64-mingw32-gcc', x86: 'i686-w64-mingw32-gcc' };

export const INSTALL_MINGW = 'apt-get install mingw-w64';

/**
 * Hardening: stack protector (its guard is agents/native/src/ssp.c's, so that libssp and its advapi32 stay out),
 * fortified libc calls, format checks as errors, ASLR (high entropy on x64) and DEP. -static takes libgcc
 * in, so the executable needs no DLL beyond the system's; -s strips it.
 */
const FLAGS = [
  '-std=c99',
  '-O2',
  '-Wall',
  '-Wextra',
  '-Wshadow',
  '-Wformat=2',
  '-Werror=format-security',
  '-Werror',
  '-fstack-protector-strong',
  '-D_FORTIFY_SOURCE=2',
  // mingw's own printf: C99 formats on every msvcrt.dll, XP's included.
  '-D__USE_MINGW_ANSI_STDIO=1',
  '-static',
  '-s',
  '-Wl,--dynamicbase',
  '-Wl,--nxcompat',
];
const ARCH_FLAGS: Record<NativeArch, string[]> = { x64: ['-Wl,--high-entropy-va'], x86: [] };
const LIBRARIES = ['-lws2_32'];

/** The DLLs the executables may import: the system's, present on every Windows from XP on and in ReactOS and Wine. */
export const SYSTEM_DLLS = ['kernel32.dll', 'msvcrt.dll', 'ws2_32.dll'];

/** The native agent could not be built here (no compiler, or the compiler failed): one line saying what to do. */
export class NativeBuildError extends CannotRun {
  override readonly name = 'NativeBuildError';
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** The mingw-w64 compiler of `arch`, or null when it is not installed. */
export function findMingw(arch: NativeArch = 'x64'): string | null {
  return onPath(COMPILERS[arch]);
}

/** Where the executables go: <cache>/native-agent/winsock-agent-ARCH.exe. */
export function nativeAgentPath(cacheDir: string, arch: NativeArch): string {
  return path.join(cacheDir, 'native-agent', `winsock-agent-${arch}.exe`);
}

/** What a build depends on: every source file's bytes and the flags. */
function sourceDigest(arch: NativeArch): { digest: string; sources: string[] } {
  const hash = createHash('sha256');
  const files = fs
    .readdirSync(NATIVE_AGENT_SOURCES)
    .filter((f) => /\.[ch]$/.test(f))
    .sort();
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(fs.readFileSync(path.join(NATIVE_AGENT_SOURCES, f)))
      .update('\0');
  hash.update([COMPILERS[arch], ...FLAGS, ...ARCH_FLAGS[arch], ...LIBRARIES].join(' '));
  return { digest: hash.digest('hex'), sources: files.filter((f) => f.endsWith('.c')).map((f) => path.join(NATIVE_AGENT_SOURCES, f)) };
}

/** Build the executable of `arch` into `cacheDir` unless the one there was built from these sources; its path. */
export async function buildNativeAgent(cacheDir: string, arch: NativeArch, log: (line: string) => void = () => undefined): Promise<string> {
  const compiler = findMingw(arch);
  if (!compiler)
    throw new NativeBuildError(`${COMPILERS[arch]} is not installed: install it with \`${INSTALL_MINGW}\` (Debian, as root), or run \`npm run setup\``);
  const exe = nativeAgentPath(cacheDir, arch);
  const stamp = `${exe}.built`;
  const { digest, sources } = sourceDigest(arch);
  if (fs.existsSync(exe) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === digest) return exe;
  fs.mkdirSync(path.dirname(exe), { recursive: true });
  log(`building the native agent for ${arch} (${path.relative(REPO_ROOT, exe) || exe})`);
  // Built beside and renamed: a run that reads the executable meanwhile sees the old one or the new one.
  const partial = `${exe}.${process.pid}.partial`;
  try {
    await promisify(execFile)(compiler, [...FLAGS, ...ARCH_FLAGS[arch], '-o', partial, ...sources, ...LIBRARIES], { encoding: 'utf8' });
  } catch (e) {
    fs.rmSync(partial, { force: true });
    const output = (e as { stderr?: string }).stderr ?? (e instanceof Error ? e.message : String(e));
    const first = output.split('\n').find((l) => /error/.test(l)) ?? output.split('\n')[0];
    throw new NativeBuildError(`the native agent does not compile for ${arch}: ${first?.trim() ?? 'no output'}`);
  }
  fs.renameSync(partial, exe);
  fs.writeFileSync(stamp, `${digest}\n`);
  return exe;
}

/** Both executables, built when stale; the paths by architecture. */
export async function buildNativeAgents(cacheDir: string, log?: (line: string) => void): Promise<Record<NativeArch, string>> {
  return { x64: await buildNativeAgent(cacheDir, 'x64', log), x86: await buildNativeAgent(cacheDir, 'x86', log) };
}

/** The functions a PE executable imports, by DLL (lowercased), read from its import directory with the PE format's own offsets. */
export function importedFunctions(exe: string): Record<string, string[]> {
  const b = fs.readFileSync(exe);
  const pe = b.readUInt32LE(0x3c);
  if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error(`${exe} is not a PE executable`);
  const optional = pe + 24;
  const pe32plus = b.readUInt16LE(optional) === 0x20b;
  const directories = optional + (pe32plus ? 112 : 96);
  const importRva = b.readUInt32LE(directories + 8);
  const sections = optional + b.readUInt16LE(pe + 20);
  const count = b.readUInt16LE(pe + 6);
  const fileOffset = (rva: number): number => {
    for (let i = 0; i < count; i += 1) {
      const s = sections + i * 40;
      const va = b.readUInt32LE(s + 12);
      const size = Math.max(b.readUInt32LE(s + 8), b.readUInt32LE(s + 16));
      if (rva >= va && rva < va + size) return rva - va + b.readUInt32LE(s + 20);
    }
    throw new Error(`${exe}: RVA 0x${rva.toString(16)} is in no section`);
  };
  const text = (at: number): string => b.toString('latin1', at, b.indexOf(0, at));
  const imports: Record<string, string[]> = {};
  // Each import descriptor (20 bytes): its lookup table's RVA at 0 (or, absent, the address table's at 16), its name's at 12.
  for (let at = fileOffset(importRva); b.readUInt32LE(at + 12) !== 0; at += 20) {
    const names: string[] = [];
    const width = pe32plus ? 8 : 4;
    for (let thunk = fileOffset(b.readUInt32LE(at) || b.readUInt32LE(at + 16)); ; thunk += width) {
      const entry = pe32plus ? b.readBigUInt64LE(thunk) : BigInt(b.readUInt32LE(thunk));
      if (entry === 0n) break;
      const byOrdinal = pe32plus ? entry >> 63n === 1n : entry >> 31n === 1n;
      names.push(byOrdinal ? `#${Number(entry & 0xffffn)}` : text(fileOffset(Number(entry & 0x7fffffffn)) + 2));
    }
    imports[text(fileOffset(b.readUInt32LE(at + 12))).toLowerCase()] = names.sort();
  }
  return imports;
}

/** The DLLs a PE executable imports, lowercased. */
export function importedDlls(exe: string): string[] {
  return Object.keys(importedFunctions(exe)).sort();
}
