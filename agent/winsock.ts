// ws2_32.dll and kernel32.dll through koffi, and the executor that runs one port `Call` at a time.
//
// Errors: koffi (>= 3.3) keeps each call's GetLastError() value in the calling thread's TEB and, for an
// `.async` call, hands the worker thread's value to the completion callback (changelog 3.3: "Make errno and
// GetLastError() available in async callbacks"). So WSAGetLastError() called synchronously, first thing
// in the callback, reads the value the worker thread left, and a synchronous call reads its own value.
// WSAGetLastError is GetLastError on Windows and on Wine.
import type * as KoffiModule from 'koffi';
import type { Call, CallName, CallOutcome, CallOutputs, Endpoint, Returned } from '../src/core/ports';
import { FIONREAD, INVALID_SOCKET, SO_LINGER, SO_TYPE, SOCKET_ERROR, SOL_SOCKET, WINSOCK_2_2, WSA_ERRORS } from '../src/core/winsock';
import { decodeProtocolInfos, decodeSockaddr, encodeSockaddr, SOCKADDR_STORAGE_SIZE, WSAPROTOCOL_INFOW_SIZE } from './sockaddr';

type Koffi = typeof KoffiModule;
type NativeFunction = ReturnType<KoffiModule.LibraryHandle['func']>;
type Scalar = number | bigint | null | string;

export const SUPPORTED_OPS: CallName[] = [
  'WSAStartup', 'WSACleanup', 'socket', 'bind', 'listen', 'accept', 'connect', 'getsockname', 'send', 'sendto',
  'recv', 'WSARecv', 'WSARecvDisconnect', 'shutdown', 'setLinger', 'getSocketType', 'FIONREAD', 'closesocket',
  'WSAEnumProtocols', 'createNonSocketHandle', 'resolveExport',
];

/** A request the agent cannot execute (bad field); reported as a protocol `error`, not as a call outcome. */
export class BadCall extends Error {
  override readonly name = 'BadCall';
}

export function toBig(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  throw new Error(`koffi returned ${typeof value} where an integer was expected`);
}

export function hexHandle(value: bigint): string {
  return `0x${value.toString(16)}`;
}

/** A Handle from the port: "0x1a4" (any hex) or a decimal string; raw values that were never minted are fine. */
export function parseHandle(handle: unknown): bigint {
  if (typeof handle !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(handle)) throw new BadCall(`handle must be a hex string like "0x1a4", not ${JSON.stringify(handle)}`);
  const value = BigInt(handle);
  if (value > INVALID_SOCKET) throw new BadCall(`handle ${handle} does not fit in a SOCKET`);
  return value;
}

function int(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new BadCall(`${field} must be an integer, not ${JSON.stringify(value)}`);
  return value;
}

function hexData(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !/^([0-9a-f]{2})*$/i.test(value)) throw new BadCall(`${field} must be hex bytes, not ${JSON.stringify(value)}`);
  return Buffer.from(value, 'hex');
}

function endpoint(value: unknown, field: string): Endpoint {
  const e = value as Partial<Endpoint> | null;
  if (typeof e !== 'object' || e === null || typeof e.address !== 'string' || typeof e.port !== 'number') throw new BadCall(`${field} must be {address, port}`);
  return { address: e.address, port: e.port };
}

/** Native memory that does not move, so a worker thread may use it while JS runs on. */
class Native {
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
  static from(koffi: Koffi, data: Buffer): Native {
    const n = new Native(koffi, data.length);
    data.copy(n.bytes());
    return n;
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
  const w = (decl: string): void => {
    const f = ws.func(decl);
    fn[f.info.name] = f;
  };
  const k = (decl: string): void => {
    const f = k32.func(decl);
    fn[f.info.name] = f;
  };
  w('int __stdcall WSAStartup(uint16_t wVersionRequested, void *lpWSAData)');
  w('int __stdcall WSACleanup()');
  w('int __stdcall WSAGetLastError()');
  w('uintptr_t __stdcall socket(int af, int type, int protocol)');
  w('int __stdcall bind(uintptr_t s, void *name, int namelen)');
  w('int __stdcall listen(uintptr_t s, int backlog)');
  w('uintptr_t __stdcall accept(uintptr_t s, void *addr, void *addrlen)');
  w('int __stdcall connect(uintptr_t s, void *name, int namelen)');
  w('int __stdcall getsockname(uintptr_t s, void *name, void *namelen)');
  w('int __stdcall send(uintptr_t s, void *buf, int len, int flags)');
  w('int __stdcall sendto(uintptr_t s, void *buf, int len, int flags, void *to, int tolen)');
  w('int __stdcall recv(uintptr_t s, void *buf, int len, int flags)');
  w('int __stdcall WSARecv(uintptr_t s, void *lpBuffers, uint32_t dwBufferCount, void *lpNumberOfBytesRecvd, void *lpFlags, void *lpOverlapped, void *lpCompletionRoutine)');
  w('int __stdcall WSARecvDisconnect(uintptr_t s, void *lpInboundDisconnectData)');
  w('int __stdcall shutdown(uintptr_t s, int how)');
  w('int __stdcall setsockopt(uintptr_t s, int level, int optname, void *optval, int optlen)');
  w('int __stdcall getsockopt(uintptr_t s, int level, int optname, void *optval, void *optlen)');
  w('int __stdcall ioctlsocket(uintptr_t s, int32_t cmd, void *argp)');
  w('int __stdcall closesocket(uintptr_t s)');
  w('int __stdcall WSAEnumProtocolsW(void *lpiProtocols, void *lpProtocolBuffer, void *lpdwBufferLength)');
  k('uintptr_t __stdcall CreateEventW(void *lpEventAttributes, int bManualReset, int bInitialState, void *lpName)');
  k('int __stdcall CloseHandle(uintptr_t hObject)');
  k('uintptr_t __stdcall LoadLibraryW(str16 lpLibFileName)');
  k('int __stdcall FreeLibrary(uintptr_t hLibModule)');
  k('uintptr_t __stdcall GetProcAddress(uintptr_t hModule, str lpProcName)');
  k('uintptr_t __stdcall GetModuleHandleW(str16 lpModuleName)');
  k('uint32_t __stdcall GetModuleFileNameW(uintptr_t hModule, void *lpFilename, uint32_t nSize)');
  k('uint32_t __stdcall GetLastError()');

  const mod = toBig(fn.GetModuleHandleW('ws2_32.dll'));
  const name = new Native(koffi, 1040);
  const len = Number(fn.GetModuleFileNameW(mod, name.ptr, 520));
  const ws2_32Path = name.bytes().subarray(0, len * 2).toString('utf16le') || 'ws2_32.dll';
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

type Raw = { ret: number; error: number; elapsedMs: number; out?: CallOutputs };

/**
 * One Winsock process's executor: runs calls, keeps the handles it minted so `release` can close them,
 * and the balance of WSAStartup/WSACleanup so `release` can restore the reference count.
 */
export class Executor {
  private readonly minted = new Map<string, 'socket' | 'event'>();
  private startupBalance = 0;
  private readonly fn: Record<string, NativeFunction>;
  private readonly koffi: Koffi;

  constructor(b: Bindings) {
    this.fn = b.fn;
    this.koffi = b.koffi;
  }

  private lastError(): number {
    return Number(this.fn.WSAGetLastError());
  }

  /** WSAStartup(2.2) for the agent itself; returns its result code. */
  startup(): number {
    const data = new Native(this.koffi, 1024);
    try {
      return Number(this.fn.WSAStartup(WINSOCK_2_2, data.ptr));
    } finally {
      data.free();
    }
  }

  /**
   * libuv starts every thread of its pool at the first work queued to it: 16 threads, tens of
   * milliseconds under Wine. This queues a call of no consequence so that they start now, not in a
   * scenario's first blocking call.
   */
  startThreadPool(): Promise<void> {
    return new Promise((resolve) => this.fn.WSAGetLastError.async(() => resolve()));
  }

  /** WSACleanup until it fails; returns how many succeeded and the last error (WSANOTINITIALISED expected). */
  cleanupToZero(): { cleanups: number; error: number } {
    let cleanups = 0;
    for (; cleanups < 1000; cleanups += 1) {
      if (Number(this.fn.WSACleanup()) !== 0) return { cleanups, error: this.lastError() };
    }
    return { cleanups, error: 0 };
  }

  /** A synchronous call, timed, with WSAGetLastError read at once when it failed. */
  private sync(run: () => Scalar, failed: (ret: bigint) => boolean): { value: bigint; error: number; elapsedMs: number } {
    const t0 = performance.now();
    const value = toBig(run());
    const error = failed(value) ? this.lastError() : 0;
    return { value, error, elapsedMs: performance.now() - t0 };
  }

  /**
   * A call that may block, on a koffi worker thread. When `boundMs` passes first, `unblock` (the socket
   * the call waits on) is closed to wake the worker, the handle is forgotten, and the call counts as
   * blocked; `late` sees its result if it ever comes (to close what it minted, free memory).
   */
  private blocking(
    f: NativeFunction,
    args: Scalar[],
    failed: (ret: bigint) => boolean,
    boundMs: number,
    unblock: bigint | null,
    late: (value: bigint | null) => void,
  ): Promise<{ value: bigint; error: number; elapsedMs: number } | 'blocked'> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        if (unblock !== null) {
          this.fn.closesocket(unblock);
          this.minted.delete(hexHandle(unblock));
        }
        resolve('blocked');
      }, boundMs);
      const done = (err: unknown, ret: unknown): void => {
        // First thing: the worker thread's last error, which koffi exposes during this callback only.
        const lastError = this.lastError();
        const elapsedMs = performance.now() - t0;
        if (settled) {
          late(err ? null : toBig(ret));
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const value = toBig(ret);
        resolve({ value, error: failed(value) ? lastError : 0, elapsedMs });
      };
      try {
        f.async(...args, done);
      } catch (e) {
        // Refused before it ran (bad argument, async queue full): nothing to unblock.
        settled = true;
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private mint(value: bigint, kind: 'socket' | 'event'): string {
    const h = hexHandle(value);
    this.minted.set(h, kind);
    return h;
  }

  async execute(call: Call, boundMs: number): Promise<CallOutcome> {
    const r = await this.run(call, boundMs);
    if (r === 'blocked') return { status: 'blocked', boundMs };
    const outcome: Returned = { status: 'returned', ret: r.ret, error: r.error, elapsedMs: Math.round(r.elapsedMs * 1000) / 1000, out: r.out ?? {} };
    return outcome;
  }

  private async run(call: Call, boundMs: number): Promise<Raw | 'blocked'> {
    const fn = this.fn;
    const intFailed = (v: bigint): boolean => v === BigInt(SOCKET_ERROR);
    const sockFailed = (v: bigint): boolean => v === INVALID_SOCKET;
    const asInt = (v: bigint): number => Number(BigInt.asIntN(32, v));
    const simple = (r: { value: bigint; error: number; elapsedMs: number }): Raw => ({ ret: asInt(r.value), error: r.error, elapsedMs: r.elapsedMs });
    const c = call as Call & Record<string, unknown>;

    switch (call.op) {
      case 'WSAStartup': {
        const data = new Native(this.koffi, 1024);
        try {
          const r = this.sync(() => fn.WSAStartup(int(c.version, 'version'), data.ptr), () => false);
          const code = asInt(r.value);
          if (code === 0) this.startupBalance += 1;
          return { ret: code === 0 ? 0 : SOCKET_ERROR, error: code, elapsedMs: r.elapsedMs, out: code === 0 ? { value: data.bytes().readUInt16LE(0) } : {} };
        } finally {
          data.free();
        }
      }
      case 'WSACleanup': {
        const r = this.sync(() => fn.WSACleanup(), intFailed);
        if (r.value === 0n) this.startupBalance -= 1;
        return simple(r);
      }
      case 'socket': {
        const r = this.sync(() => fn.socket(int(c.af, 'af'), int(c.type, 'type'), int(c.protocol, 'protocol')), sockFailed);
        if (r.value === INVALID_SOCKET) return { ret: SOCKET_ERROR, error: r.error, elapsedMs: r.elapsedMs };
        return { ret: 0, error: 0, elapsedMs: r.elapsedMs, out: { handle: this.mint(r.value, 'socket') } };
      }
      case 'bind':
      case 'connect': {
        const s = parseHandle(c.s);
        const addr = Native.from(this.koffi, this.sockaddr(c.to, 'to'));
        if (call.op === 'bind') {
          try {
            return simple(this.sync(() => fn.bind(s, addr.ptr, addr.size), intFailed));
          } finally {
            addr.free();
          }
        }
        const r = await this.blocking(fn.connect, [s, addr.ptr, addr.size], intFailed, boundMs, s, () => addr.free());
        if (r === 'blocked') return r;
        addr.free();
        return simple(r);
      }
      case 'listen':
        return simple(this.sync(() => fn.listen(parseHandle(c.s), int(c.backlog, 'backlog')), intFailed));
      case 'accept': {
        const s = parseHandle(c.s);
        const r = await this.blocking(fn.accept, [s, null, null], sockFailed, boundMs, s, (v) => {
          if (v !== null && v !== INVALID_SOCKET) fn.closesocket(v);
        });
        if (r === 'blocked') return r;
        if (r.value === INVALID_SOCKET) return { ret: SOCKET_ERROR, error: r.error, elapsedMs: r.elapsedMs };
        return { ret: 0, error: 0, elapsedMs: r.elapsedMs, out: { handle: this.mint(r.value, 'socket') } };
      }
      case 'getsockname': {
        const name = new Native(this.koffi, SOCKADDR_STORAGE_SIZE + 4);
        try {
          name.bytes().writeInt32LE(SOCKADDR_STORAGE_SIZE, SOCKADDR_STORAGE_SIZE);
          const r = this.sync(() => fn.getsockname(parseHandle(c.s), name.ptr, name.ptr + BigInt(SOCKADDR_STORAGE_SIZE)), intFailed);
          const raw = simple(r);
          if (raw.ret === 0) {
            const bytes = name.bytes();
            const ep = decodeSockaddr(bytes.subarray(0, Math.min(SOCKADDR_STORAGE_SIZE, bytes.readInt32LE(SOCKADDR_STORAGE_SIZE))));
            if (ep) raw.out = { endpoint: ep };
          }
          return raw;
        } finally {
          name.free();
        }
      }
      case 'send':
      case 'sendto': {
        const s = parseHandle(c.s);
        const data = Native.from(this.koffi, hexData(c.data, 'data'));
        const to = call.op === 'sendto' ? Native.from(this.koffi, this.sockaddr(c.to, 'to')) : null;
        const free = (): void => {
          data.free();
          to?.free();
        };
        const args: Scalar[] = to ? [s, data.ptr, data.size, 0, to.ptr, to.size] : [s, data.ptr, data.size, 0];
        const r = await this.blocking(to ? fn.sendto : fn.send, args, intFailed, boundMs, s, free);
        if (r === 'blocked') return r;
        free();
        return simple(r);
      }
      case 'recv': {
        const s = parseHandle(c.s);
        const len = int(c.len, 'len');
        const buf = new Native(this.koffi, len);
        const r = await this.blocking(fn.recv, [s, buf.ptr, len, int(c.flags, 'flags')], intFailed, boundMs, s, () => buf.free());
        if (r === 'blocked') return r;
        const raw = simple(r);
        if (raw.ret >= 0) raw.out = { data: buf.bytes().subarray(0, Math.min(raw.ret, len)).toString('hex') };
        buf.free();
        return raw;
      }
      case 'WSARecv': {
        const s = parseHandle(c.s);
        const len = int(c.len, 'len');
        const buf = new Native(this.koffi, len);
        // WSABUF {ULONG len; CHAR *buf;} is 16 bytes on x64 (8 on x86); then DWORD bytes, DWORD flags.
        const ptrSize = this.koffi.sizeof('void *');
        const wsabuf = new Native(this.koffi, 2 * ptrSize + 8);
        this.writeWsabuf(wsabuf, len, buf.ptr);
        const counters = wsabuf.ptr + BigInt(2 * ptrSize);
        const free = (): void => {
          buf.free();
          wsabuf.free();
        };
        const r = await this.blocking(fn.WSARecv, [s, wsabuf.ptr, 1, counters, counters + 4n, null, null], intFailed, boundMs, s, free);
        if (r === 'blocked') return r;
        const raw = simple(r);
        if (raw.ret === 0) {
          const got = wsabuf.bytes().readUInt32LE(2 * ptrSize);
          raw.out = { data: buf.bytes().subarray(0, Math.min(got, len)).toString('hex') };
        }
        free();
        return raw;
      }
      case 'WSARecvDisconnect': {
        const s = parseHandle(c.s);
        const size = c.buffer === null ? null : int(c.buffer, 'buffer');
        if (size !== null && size < 0) throw new BadCall('buffer must be null or a length >= 0');
        const buf = size === null ? null : new Native(this.koffi, size);
        const ptrSize = this.koffi.sizeof('void *');
        const wsabuf = buf ? new Native(this.koffi, 2 * ptrSize) : null;
        if (wsabuf && buf && size !== null) this.writeWsabuf(wsabuf, size, buf.ptr);
        const free = (): void => {
          buf?.free();
          wsabuf?.free();
        };
        const r = await this.blocking(fn.WSARecvDisconnect, [s, wsabuf ? wsabuf.ptr : null], intFailed, boundMs, s, free);
        if (r === 'blocked') return r;
        const raw = simple(r);
        if (wsabuf && buf && size !== null) {
          // The length is reported whatever the result (on WSAEFAULT it may be the size needed); data only on success.
          const bufferLength = wsabuf.bytes().readUInt32LE(0);
          raw.out = raw.ret === 0 ? { bufferLength, data: buf.bytes().subarray(0, Math.min(bufferLength, size)).toString('hex') } : { bufferLength };
        }
        free();
        return raw;
      }
      case 'shutdown':
        return simple(this.sync(() => fn.shutdown(parseHandle(c.s), int(c.how, 'how')), intFailed));
      case 'setLinger': {
        const l = Native.from(this.koffi, Buffer.from([0, 0, 0, 0]));
        try {
          // Windows' linger is {u_short l_onoff; u_short l_linger;}.
          l.bytes().writeUInt16LE(int(c.onoff, 'onoff') & 0xffff, 0);
          l.bytes().writeUInt16LE(int(c.seconds, 'seconds') & 0xffff, 2);
          return simple(this.sync(() => fn.setsockopt(parseHandle(c.s), SOL_SOCKET, SO_LINGER, l.ptr, 4), intFailed));
        } finally {
          l.free();
        }
      }
      case 'getSocketType': {
        const v = new Native(this.koffi, 8);
        try {
          v.bytes().writeInt32LE(4, 4);
          const raw = simple(this.sync(() => fn.getsockopt(parseHandle(c.s), SOL_SOCKET, SO_TYPE, v.ptr, v.ptr + 4n), intFailed));
          if (raw.ret === 0) raw.out = { value: v.bytes().readInt32LE(0) };
          return raw;
        } finally {
          v.free();
        }
      }
      case 'FIONREAD': {
        const v = new Native(this.koffi, 4);
        try {
          const raw = simple(this.sync(() => fn.ioctlsocket(parseHandle(c.s), FIONREAD, v.ptr), intFailed));
          if (raw.ret === 0) raw.out = { value: v.bytes().readUInt32LE(0) };
          return raw;
        } finally {
          v.free();
        }
      }
      case 'closesocket': {
        const s = parseHandle(c.s);
        // May block for SO_LINGER; nothing can wake it early, so a blocked close is just reported.
        const r = await this.blocking(fn.closesocket, [s], intFailed, boundMs, null, () => undefined);
        if (r === 'blocked' || r.value === 0n) this.minted.delete(hexHandle(s));
        if (r === 'blocked') return r;
        return simple(r);
      }
      case 'WSAEnumProtocols':
        return this.enumProtocols();
      case 'createNonSocketHandle': {
        const t0 = performance.now();
        const h = toBig(fn.CreateEventW(null, 1, 0, null));
        const error = h === 0n ? Number(fn.GetLastError()) : 0;
        const elapsedMs = performance.now() - t0;
        if (h === 0n) return { ret: SOCKET_ERROR, error, elapsedMs };
        return { ret: 0, error: 0, elapsedMs, out: { handle: this.mint(h, 'event') } };
      }
      case 'resolveExport': {
        if (typeof c.module !== 'string' || typeof c.symbol !== 'string') throw new BadCall('resolveExport needs module and symbol strings');
        const t0 = performance.now();
        const mod = toBig(fn.LoadLibraryW(c.module));
        if (mod === 0n) return { ret: 0, error: Number(fn.GetLastError()), elapsedMs: performance.now() - t0, out: { value: 0 } };
        const proc = toBig(fn.GetProcAddress(mod, c.symbol));
        const error = proc === 0n ? Number(fn.GetLastError()) : 0;
        fn.FreeLibrary(mod);
        const found = proc !== 0n ? 1 : 0;
        return { ret: found, error, elapsedMs: performance.now() - t0, out: { value: found } };
      }
      default: {
        const op: string = (call as { op: unknown }).op as string;
        throw new BadCall(`unknown call op ${JSON.stringify(op)}; this agent executes ${SUPPORTED_OPS.join(', ')}`);
      }
    }
  }

  private sockaddr(value: unknown, field: string): Buffer {
    try {
      return encodeSockaddr(endpoint(value, field));
    } catch (e) {
      throw new BadCall(`${field}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private writeWsabuf(wsabuf: Native, len: number, ptr: bigint): void {
    const b = wsabuf.bytes();
    b.writeUInt32LE(len, 0);
    if (this.koffi.sizeof('void *') === 8) b.writeBigUInt64LE(ptr, 8);
    else b.writeUInt32LE(Number(ptr), 4);
  }

  private enumProtocols(): Raw {
    const fn = this.fn;
    const t0 = performance.now();
    const len = new Native(this.koffi, 4);
    try {
      let ret = Number(fn.WSAEnumProtocolsW(null, null, len.ptr));
      let error = ret === SOCKET_ERROR ? this.lastError() : 0;
      if (ret === SOCKET_ERROR && error !== WSA_ERRORS.WSAENOBUFS) return { ret, error, elapsedMs: performance.now() - t0 };
      const size = Math.max(len.bytes().readUInt32LE(0), WSAPROTOCOL_INFOW_SIZE);
      const buf = new Native(this.koffi, size);
      try {
        len.bytes().writeUInt32LE(size, 0);
        ret = Number(fn.WSAEnumProtocolsW(null, buf.ptr, len.ptr));
        error = ret === SOCKET_ERROR ? this.lastError() : 0;
        const elapsedMs = performance.now() - t0;
        if (ret === SOCKET_ERROR) return { ret, error, elapsedMs };
        return { ret, error, elapsedMs, out: { protocols: decodeProtocolInfos(buf.bytes(), ret) } };
      } finally {
        buf.free();
      }
    } finally {
      len.free();
    }
  }

  /**
   * Close every handle minted since the last release and restore the WSAStartup reference count.
   * A socket is closed gracefully without lingering (SO_LINGER off first), so release never blocks.
   */
  release(): string[] {
    const closed: string[] = [];
    const off = new Native(this.koffi, 4);
    try {
      for (const [h, kind] of this.minted) {
        const v = BigInt(h);
        if (kind === 'socket') {
          this.fn.setsockopt(v, SOL_SOCKET, SO_LINGER, off.ptr, 4);
          this.fn.closesocket(v);
        } else {
          this.fn.CloseHandle(v);
        }
        closed.push(h);
      }
    } finally {
      off.free();
    }
    this.minted.clear();
    for (; this.startupBalance > 0; this.startupBalance -= 1) this.fn.WSACleanup();
    for (; this.startupBalance < 0; this.startupBalance += 1) this.startup();
    return closed;
  }
}
