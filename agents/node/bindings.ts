// ws2_32.dll and kernel32.dll through koffi: the functions the agent calls, bound once per process, and
// native memory that a worker thread may use while JavaScript runs on.
import type * as KoffiModule from 'koffi';

export type Koffi = typeof KoffiModule;
export type NativeFunction = ReturnType<KoffiModule.LibraryHandle['func']>;

/** A declarer of `lib`'s functions from their C prototypes, each put into `fn` under its own name. */
export function declarer(lib: KoffiModule.LibraryHandle, fn: Record<string, NativeFunction>): (decl: string) => void {
  return (decl) => {
    const f = lib.func(decl);
    fn[f.info.name] = f;
  };
}
/** What the agent passes to a native function: integers, pointers (bigint), NULL, and strings. */
export type NativeArgument = number | bigint | null | string;

/** Room for the WSADATA that WSAStartup fills (408 bytes on x64). */
export const WSADATA_SIZE = 1024;

/** An integer koffi returned (a number, or a bigint), as a bigint. */
export function toBig(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  throw new Error(`koffi returned ${typeof value} where an integer was expected`);
}

/** Native memory that does not move, so a worker thread may use it while JS runs on. */
export class Native {
  readonly ptr: bigint;
  private freed = false;
  constructor(
    private readonly koffi: Koffi,
    readonly size: number,
  ) {
    this.ptr = toBig(koffi.alloc('uint8_t', Math.max(1, size)));
    this.bytes().fill(0);
  }
  bytes(): Buffer {
    return Buffer.from(this.koffi.view(this.ptr, Math.max(1, this.size))).subarray(0, this.size);
  }
  free(): void {
    if (!this.freed) this.koffi.free(this.ptr);
    this.freed = true;
  }
}

export interface Bindings {
  koffi: Koffi;
  ws2_32Path: string;
  wine: string | null;
  fn: Record<string, NativeFunction>;
}

/** Bind every function the executor needs. `koffi` is the module (the caller resolves its path). */
export function bind(koffi: Koffi): Bindings {
  const ws = koffi.load('ws2_32.dll');
  const k32 = koffi.load('kernel32.dll');
  const fn: Record<string, NativeFunction> = {};
  const w = declarer(ws, fn);
  const k = declarer(k32, fn);
  w('int __stdcall WSAStartup(uint16_t wVersionRequested, void *lpWSAData)');
  w('int __stdcall WSACleanup()');
  w('int __stdcall WSAGetLastError()');
  w('uintptr_t __stdcall socket(int af, int type, int protocol)');
  w('int __stdcall bind(uintptr_t s, void *name, int namelen)');
  w('int __stdcall listen(uintptr_t s, int backlog)');
  w('uintptr_t __stdcall accept(uintptr_t s, void *addr, void *addrlen)');
  w('int __stdcall connect(uintptr_t s, void *name, int namelen)');
  w('int __stdcall WSAConnect(uintptr_t s, void *name, int namelen, void *lpCallerData, void *lpCalleeData, void *lpSQOS, void *lpGQOS)');
  w('int __stdcall getsockname(uintptr_t s, void *name, void *namelen)');
  w('int __stdcall getpeername(uintptr_t s, void *name, void *namelen)');
  w('int __stdcall send(uintptr_t s, void *buf, int len, int flags)');
  w('int __stdcall sendto(uintptr_t s, void *buf, int len, int flags, void *to, int tolen)');
  w('int __stdcall recv(uintptr_t s, void *buf, int len, int flags)');
  w(
    'int __stdcall WSARecv(uintptr_t s, void *lpBuffers, uint32_t dwBufferCount, void *lpNumberOfBytesRecvd, void *lpFlags, void *lpOverlapped, void *lpCompletionRoutine)',
  );
  w('int __stdcall recvfrom(uintptr_t s, void *buf, int len, int flags, void *from, void *fromlen)');
  w(
    'int __stdcall WSARecvFrom(uintptr_t s, void *lpBuffers, uint32_t dwBufferCount, void *lpNumberOfBytesRecvd, void *lpFlags, void *lpFrom, void *lpFromlen, void *lpOverlapped, void *lpCompletionRoutine)',
  );
  w('int __stdcall WSAGetOverlappedResult(uintptr_t s, void *lpOverlapped, void *lpcbTransfer, int fWait, void *lpdwFlags)');
  w('int __stdcall WSARecvDisconnect(uintptr_t s, void *lpInboundDisconnectData)');
  w('int __stdcall shutdown(uintptr_t s, int how)');
  w('int __stdcall setsockopt(uintptr_t s, int level, int optname, void *optval, int optlen)');
  w('int __stdcall getsockopt(uintptr_t s, int level, int optname, void *optval, void *optlen)');
  w('int __stdcall ioctlsocket(uintptr_t s, int32_t cmd, void *argp)');
  w('int __stdcall closesocket(uintptr_t s)');
  w('int __stdcall WSAEnumProtocolsW(void *lpiProtocols, void *lpProtocolBuffer, void *lpdwBufferLength)');
  k('uintptr_t __stdcall CreateEventW(void *lpEventAttributes, int bManualReset, int bInitialState, void *lpName)');
  k('int __stdcall CloseHandle(uintptr_t hObject)');
  k('uintptr_t __stdcall OpenProcess(uint32_t dwDesiredAccess, int bInheritHandle, uint32_t dwProcessId)');
  k('uintptr_t __stdcall GetCurrentProcess()');
  k(
    'int __stdcall DuplicateHandle(uintptr_t hSourceProcessHandle, uintptr_t hSourceHandle, uintptr_t hTargetProcessHandle, void *lpTargetHandle, uint32_t dwDesiredAccess, int bInheritHandle, uint32_t dwOptions)',
  );
  k('uint32_t __stdcall WaitForSingleObject(uintptr_t hHandle, uint32_t dwMilliseconds)');
  k('int __stdcall ReadFile(uintptr_t hFile, void *lpBuffer, uint32_t nNumberOfBytesToRead, void *lpNumberOfBytesRead, void *lpOverlapped)');
  k('int __stdcall GetOverlappedResult(uintptr_t hFile, void *lpOverlapped, void *lpNumberOfBytesTransferred, int bWait)');
  k('uintptr_t __stdcall LoadLibraryW(str16 lpLibFileName)');
  k('int __stdcall FreeLibrary(uintptr_t hLibModule)');
  k('uintptr_t __stdcall GetProcAddress(uintptr_t hModule, str lpProcName)');
  k('uintptr_t __stdcall GetModuleHandleW(str16 lpModuleName)');
  k('uint32_t __stdcall GetModuleFileNameW(uintptr_t hModule, void *lpFilename, uint32_t nSize)');
  k('uint32_t __stdcall GetLastError()');

  const mod = toBig(fn.GetModuleHandleW('ws2_32.dll'));
  const name = new Native(koffi, 1040);
  const len = Number(fn.GetModuleFileNameW(mod, name.ptr, 520));
  const ws2_32Path =
    name
      .bytes()
      .subarray(0, len * 2)
      .toString('utf16le') || 'ws2_32.dll';
  name.free();

  let wine: string | null = null;
  try {
    const ver = koffi.load('ntdll.dll').func('str wine_get_version()');
    wine = String(ver());
  } catch {
    wine = null; // not Wine
  }
  return { koffi, ws2_32Path, wine, fn };
}
