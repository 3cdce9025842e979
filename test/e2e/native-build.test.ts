// The native agent's executables, as a vendor copies them to an old Windows: built by `npm run build:agent`
// (here into a scratch cache), importing the system DLLs only and from them only functions Windows XP SP3
// exports, hardened (ASLR, DEP), and marked to load on Windows XP (x86: subsystem 5.1 or lower; x64: XP
// x64's 5.2). Needs mingw-w64 (`npm run setup`).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { buildNativeAgents, importedDlls, importedFunctions, SYSTEM_DLLS } from '../../src/testbeds/agent-controller/native-build';
import path from 'node:path';
import { REPO_ROOT } from '../../src/core/paths';

/** The PE optional header's subsystem version and DllCharacteristics. */
function peHeader(exe: string): { subsystem: number; characteristics: number } {
  const b = fs.readFileSync(exe);
  const optional = b.readUInt32LE(0x3c) + 24;
  return { subsystem: b.readUInt16LE(optional + 48) + b.readUInt16LE(optional + 50) / 10, characteristics: b.readUInt16LE(optional + 70) };
}

/**
 * Every function the executables may import, each one exported by Windows XP SP3's kernel32, msvcrt and
 * ws2_32 (and by XP x64's, for the x64 build): the agent's own calls and what mingw-w64's start-up code
 * and printf use. A new import fails the test until it is checked against XP and added here, or avoided
 * (a newer call belongs behind GetProcAddress, as RtlGetVersion is in agents/native/src/facts.c).
 */
const XP_SP3_EXPORTS: Record<string, string[]> = {
  'kernel32.dll': (
    'CancelIo CloseHandle ConnectNamedPipe CreateEventW CreateFileW CreateNamedPipeW CreateProcessW CreateThread DeleteCriticalSection ' +
    'DuplicateHandle EnterCriticalSection ExitProcess FreeLibrary GetCurrentProcess GetCurrentProcessId GetCurrentThreadId GetExitCodeProcess ' +
    'GetLastError GetModuleFileNameW GetModuleHandleA GetModuleHandleW GetOverlappedResult GetProcAddress GetStartupInfoA GetStdHandle ' +
    'GetSystemTime GetTickCount InitializeCriticalSection IsDBCSLeadByteEx LeaveCriticalSection LoadLibraryA LoadLibraryW MultiByteToWideChar OpenProcess ' +
    'QueryPerformanceCounter QueryPerformanceFrequency ReadFile SetEvent SetUnhandledExceptionFilter Sleep TerminateProcess TlsAlloc TlsGetValue TlsSetValue ' +
    'VirtualProtect VirtualQuery WaitForMultipleObjects WaitForSingleObject WideCharToMultiByte WriteFile'
  ).split(' '),
  'msvcrt.dll': (
    '__C_specific_handler ___lc_codepage_func ___mb_cur_max_func __getmainargs __initenv __iob_func __mb_cur_max __p__acmdln __p__commode ' +
    '__p__fmode __set_app_type __setusermatherr _acmdln _amsg_exit _cexit _commode _errno _fmode _initterm _iob _lock _onexit _unlock abort ' +
    'atoi calloc exit fflush fprintf fputc fputwc free fwprintf fwrite localeconv malloc memchr memcmp memcpy memmove memset realloc setlocale ' +
    'signal strchr strcmp strerror strlen strncmp strrchr vfprintf wcslen'
  ).split(' '),
  'ws2_32.dll': (
    'WSACancelBlockingCall WSACleanup WSACloseEvent WSAConnect WSACreateEvent WSAEnumProtocolsW WSAGetLastError WSAGetOverlappedResult WSARecv ' +
    'WSARecvDisconnect WSARecvFrom WSASetBlockingHook WSAStartup WSAUnhookBlockingHook accept bind closesocket connect getpeername recvfrom ' +
    'getsockname getsockopt ioctlsocket listen recv select send sendto setsockopt shutdown socket'
  ).split(' '),
};

const DYNAMIC_BASE = 0x40;
const NX_COMPAT = 0x100;
const HIGH_ENTROPY_VA = 0x20;

describe('the native agent build', () => {
  it('gives x64 and x86 executables that import only the system DLLs, are hardened, and load on Windows XP; a build from the same sources reuses them', async () => {
    // The checkout's own build, which npm run setup (npm test's first step) makes from these sources on a
    // fresh machine and reuses on a warm one: the executables vendors copy are the ones checked.
    const cache = path.join(REPO_ROOT, '.cache');
    const built = await buildNativeAgents(cache);
    for (const [arch, exe] of Object.entries(built)) {
      assert.deepEqual(importedDlls(exe), SYSTEM_DLLS, `${arch} imports`);
      for (const [dll, functions] of Object.entries(importedFunctions(exe))) {
        const unchecked = functions.filter((f) => !XP_SP3_EXPORTS[dll]?.includes(f));
        assert.deepEqual(unchecked, [], `${arch}: ${dll} functions not checked against Windows XP SP3`);
      }
      const { subsystem, characteristics } = peHeader(exe);
      assert.ok(subsystem <= (arch === 'x64' ? 5.2 : 5.1), `${arch}: subsystem version ${subsystem}`);
      assert.equal(characteristics & (DYNAMIC_BASE | NX_COMPAT), DYNAMIC_BASE | NX_COMPAT, `${arch}: ASLR and DEP`);
      if (arch === 'x64') assert.equal(characteristics & HIGH_ENTROPY_VA, HIGH_ENTROPY_VA, 'x64: high-entropy ASLR');
    }
    const before = fs.statSync(built.x64).mtimeMs;
    const again = await buildNativeAgents(cache);
    assert.equal(again.x64, built.x64);
    assert.equal(fs.statSync(built.x64).mtimeMs, before, 'not rebuilt when nothing changed');
  });
});
