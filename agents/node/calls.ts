// The calls the agent executes, one handler per `Call['op']` (docs/agent-protocol.md's table of calls):
// each checks its call's fields, makes its Winsock call through the scope it is given, and reads what
// the call left in memory into the call's outputs. Nothing the controller sends is trusted: a field that
// does not check out is a BadCall, which the agent answers as a protocol error, not as a call outcome.
import { DISCONNECT_BUFFER_FILL, type CallName, type CallOutputs, type Endpoint, type Handle } from '../../src/core/ports';
import {
  FIONBIO,
  FIONREAD,
  INVALID_SOCKET,
  SO_LINGER,
  SO_PROTOCOL_INFOW,
  SO_TYPE,
  SOCKET_ERROR,
  SOL_SOCKET,
  WSA_ERRORS,
  WSA_IO_PENDING,
} from '../../src/core/winsock';
import { MAX_CALL_BUFFER } from '../protocol';
import { decodeProtocolInfos, decodeSockaddr, encodeSockaddr, SOCKADDR_STORAGE_SIZE, WSAPROTOCOL_INFOW_SIZE } from './sockaddr';
import { toBig, WSADATA_SIZE, type Native, type NativeArgument, type NativeFunction } from './bindings';

/** OpenProcess's right to duplicate the process's handles, and DuplicateHandle's option to keep the source's rights (winnt.h). */
const PROCESS_DUP_HANDLE = 0x0040;
/** GetLastError's code for a call that does not apply (winerror.h), as the native agent answers duplicateFromParent outside a probe. */
const ERROR_INVALID_PARAMETER = 87;
const DUPLICATE_SAME_ACCESS = 0x0002;

/** A request the agent cannot execute (bad field); reported as a protocol `error`, not as a call outcome. */
export class BadCall extends Error {
  override readonly name = 'BadCall';
}

/** A call as it arrived: its fields are unchecked until its handler reads them. */
export type UncheckedCall = Readonly<Record<string, unknown>>;

/** What a native call gave: its return value, the error read when it failed (else 0), and how long it took. */
export interface NativeResult {
  value: bigint;
  error: number;
  elapsedMs: number;
}

/** A call's result, before it becomes a `returned` outcome. */
export interface CallResult {
  ret: number;
  error: number;
  elapsedMs: number;
  out?: CallOutputs;
}

/**
 * What a minted handle is, for `release` to close it: a socket, a Windows event object, a duplicate of
 * another process's handle (closed with CloseHandle, never closesocket: the socket stays its owner's), a
 * POSIX pipe's end.
 */
export type HandleKind = 'socket' | 'event' | 'duplicate' | 'pipe';

/** What a handler makes its call with: the bound functions, memory for the call, the process's handles. */
export interface CallScope {
  readonly fn: Record<string, NativeFunction>;
  /** sizeof(void *) in this process: a WSABUF's layout depends on it. */
  readonly pointerSize: number;
  /** GetLastError, for the kernel32 calls (Winsock's own calls set what WSAGetLastError reads). */
  readonly getLastError: () => number;
  /** Zeroed memory, freed when the call is over: for a call reported blocked, when it returns at last. */
  alloc(size: number): Native;
  /** Memory holding a copy of `data`, freed likewise. */
  copy(data: Buffer): Native;
  /**
   * A call that returns at once, timed. When it returns `failure`, `readError` (WSAGetLastError unless
   * given) is read at once; `failure` null means its return value says itself how it went.
   */
  now(f: NativeFunction, args: NativeArgument[], failure: bigint | null, readError?: () => number): NativeResult;
  /**
   * A call that may block, on a worker thread. When its bound passes first, the socket `unblock` (the one
   * it waits on) is closed to wake it and forgotten, and the call is reported blocked; `late` sees its
   * result if it ever comes (null if it failed in koffi), to close what it minted.
   */
  blocking(
    f: NativeFunction,
    args: NativeArgument[],
    failure: bigint,
    unblock: bigint | null,
    late?: (value: bigint | null) => void,
  ): Promise<NativeResult | 'blocked'>;
  /** Record a handle the call created, so that `release` closes it. */
  mint(value: bigint, kind: HandleKind): Handle;
  /** Forget a handle that is closed. */
  forget(handle: bigint): void;
  /** Count a WSAStartup (+1) or WSACleanup (-1) that succeeded, so that `release` can undo it. */
  countStartup(change: 1 | -1): void;
}

/** One op's handler: checks its call's fields, makes the call through its scope, reads the outputs. */
export type Handler = (call: UncheckedCall, scope: CallScope) => CallResult | 'blocked' | Promise<CallResult | 'blocked'>;

/**
 * Why the node agent gives Winsock no Windows Sockets 1.1 blocking hook. Winsock calls a hook on the thread
 * of the blocking call, inside it; the agent's blocking calls run on koffi's worker threads, where a
 * JavaScript callback is run on node's main thread instead, so no call it made would be made during the
 * blocking call. And node.exe's libuv initialised Windows Sockets 2.2 as the process started.
 */
export const NO_BLOCKING_HOOK =
  "the node agent cannot give Winsock a Windows Sockets 1.1 blocking hook: node.exe's libuv initialised Windows Sockets 2.2 at start, and a JavaScript hook called during a blocking call on koffi's worker thread would run on node's main thread, not inside that call (the native agent makes this call)";

/** SOCKET_ERROR as the bigint a native int function's result becomes. */
export const FAILED = BigInt(SOCKET_ERROR);

/** A Handle from the port: "0x1a4" (any hex) or a decimal string; raw values that were never minted are fine. */
export function handle(value: unknown): bigint {
  if (typeof value !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(value))
    throw new BadCall(`handle must be a hex string like "0x1a4", not ${JSON.stringify(value)}`);
  const parsed = BigInt(value);
  if (parsed > INVALID_SOCKET) throw new BadCall(`handle ${value} does not fit in a SOCKET`);
  return parsed;
}

/** An integer field within its C type's range (a C int unless given), as docs/agent-protocol.md requires. */
export function int(value: unknown, field: string, min = -(2 ** 31), max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new BadCall(`${field} must be an integer, not ${JSON.stringify(value)}`);
  if (value < min || value > max) throw new BadCall(`${field} is out of range for its C type (${min} to ${max}), not ${value}`);
  return value;
}

export function hexData(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !/^([0-9a-f]{2})*$/i.test(value)) throw new BadCall(`${field} must be hex bytes, not ${JSON.stringify(value)}`);
  return Buffer.from(value, 'hex');
}

/** The SOCKADDR_IN or SOCKADDR_IN6 of an endpoint field. */
export function sockaddr(value: unknown, field: string): Buffer {
  const e = value as Partial<Endpoint> | null;
  try {
    if (typeof e !== 'object' || e === null || typeof e.address !== 'string' || typeof e.port !== 'number') throw new Error(`${field} must be {address, port}`);
    return encodeSockaddr({ address: e.address, port: e.port });
  } catch (err) {
    throw new BadCall(`${field}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A C int return value, from the bigint a native result is kept as. */
function cInt(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

/** The result of a function that returns a C int. */
export function returned(r: NativeResult): CallResult {
  return { ret: cInt(r.value), error: r.error, elapsedMs: r.elapsedMs };
}

export function returnedUnlessBlocked(r: NativeResult | 'blocked'): CallResult | 'blocked' {
  return r === 'blocked' ? r : returned(r);
}

/** The result of a function that returns a new handle, `invalid` on failure: the port reports -1, or 0 and the handle. */
export function newHandle(scope: CallScope, r: NativeResult, kind: HandleKind, invalid: bigint): CallResult {
  if (r.value === invalid) return { ret: SOCKET_ERROR, error: r.error, elapsedMs: r.elapsedMs };
  return { ret: 0, error: 0, elapsedMs: r.elapsedMs, out: { handle: scope.mint(r.value, kind) } };
}

/** A WSABUF {ULONG len; CHAR *buf;} over `buf` (16 bytes on x64, 8 on x86), then `trailing` bytes. */
function wsabuf(scope: CallScope, buf: Native, trailing = 0): Native {
  const w = scope.alloc(2 * scope.pointerSize + trailing);
  const b = w.bytes();
  b.writeUInt32LE(buf.size, 0);
  if (scope.pointerSize === 8) b.writeBigUInt64LE(buf.ptr, 8);
  else b.writeUInt32LE(Number(buf.ptr), 4);
  return w;
}

/** The first `length` bytes of `buf` (at most all of it), as the port's hex. */
export function hexOf(buf: Native, length: number): string {
  return buf.bytes().subarray(0, Math.min(length, buf.size)).toString('hex');
}

/** A SOCKADDR_STORAGE, then the int length the call reads and writes: a receive's `from` and `fromlen`. */
export function sourceAddress(scope: CallScope): { from: bigint; fromLength: bigint } {
  const from = scope.alloc(SOCKADDR_STORAGE_SIZE + 4);
  from.bytes().writeInt32LE(SOCKADDR_STORAGE_SIZE, SOCKADDR_STORAGE_SIZE);
  return { from: from.ptr, fromLength: from.ptr + BigInt(SOCKADDR_STORAGE_SIZE) };
}

/** An OVERLAPPED {ULONG_PTR Internal, InternalHigh; DWORD Offset, OffsetHigh; HANDLE hEvent;} whose hEvent is `event`. */
function overlappedWith(scope: CallScope, event: bigint): Native {
  const hEventAt = 2 * scope.pointerSize + 8;
  const o = scope.alloc(hEventAt + scope.pointerSize);
  if (scope.pointerSize === 8) o.bytes().writeBigUInt64LE(event, hEventAt);
  else o.bytes().writeUInt32LE(Number(event), hEventAt);
  return o;
}

/** WaitForSingleObject's INFINITE, and its WAIT_FAILED. */
const INFINITE = 0xffffffff;
const WAIT_FAILED = 0xffffffffn;

/** How one overlapped receive starts, how its result is read, and what it returns for `count` bytes received. */
interface OverlappedReceive {
  start(overlapped: bigint): NativeResult;
  /** WSAGetOverlappedResult or GetOverlappedResult, not waiting (the event has been signalled): FALSE is 0. */
  result(overlapped: bigint, count: bigint): NativeResult;
  ret(count: number): number;
}

/**
 * A receive into `buf` with an OVERLAPPED whose hEvent is a new event. It fails at once (any error but
 * WSA_IO_PENDING, which is ERROR_IO_PENDING too), or completes, at once or after pending; a pending one
 * is waited for on its event until the bound, when the socket is closed, which ends the receive and
 * signals the event: only then may the event, the OVERLAPPED and the buffer go. `value`: 1 if it pended.
 */
async function overlappedReceive(scope: CallScope, s: bigint, buf: Native, how: OverlappedReceive): Promise<CallResult | 'blocked'> {
  const t0 = performance.now();
  const madeEvent = scope.now(scope.fn.CreateEventW, [null, 1, 0, null], 0n, scope.getLastError);
  if (madeEvent.value === 0n) throw new Error(`CreateEventW failed with ${madeEvent.error}, so the overlapped receive has no event`);
  const event = madeEvent.value;
  const overlapped = overlappedWith(scope, event);
  const count = scope.alloc(4);
  const started = how.start(overlapped.ptr);
  const pended = started.error === WSA_IO_PENDING ? 1 : 0;
  if (started.error !== 0 && !pended) {
    scope.fn.CloseHandle(event);
    return { ret: SOCKET_ERROR, error: started.error, elapsedMs: performance.now() - t0, out: { value: 0 } };
  }
  if (pended) {
    const waited = await scope.blocking(scope.fn.WaitForSingleObject, [event, INFINITE], WAIT_FAILED, s, () => scope.fn.CloseHandle(event));
    if (waited === 'blocked') return waited;
    if (waited.value === WAIT_FAILED) {
      scope.fn.CloseHandle(event);
      throw new Error(`WaitForSingleObject on the overlapped receive's event failed with ${waited.error}`);
    }
  }
  const result = how.result(overlapped.ptr, count.ptr);
  scope.fn.CloseHandle(event);
  const elapsedMs = performance.now() - t0;
  if (result.value === 0n) return { ret: SOCKET_ERROR, error: result.error, elapsedMs, out: { value: pended } };
  const bytes = count.bytes().readUInt32LE(0);
  return { ret: how.ret(bytes), error: 0, elapsedMs, out: { data: hexOf(buf, bytes), value: pended } };
}

/** getsockname or getpeername: the SOCKADDR_STORAGE, then the int namelen that says how much of it the call filled. */
function socketName(scope: CallScope, f: NativeFunction, s: bigint): CallResult {
  const name = scope.alloc(SOCKADDR_STORAGE_SIZE + 4);
  name.bytes().writeInt32LE(SOCKADDR_STORAGE_SIZE, SOCKADDR_STORAGE_SIZE);
  const r = returned(scope.now(f, [s, name.ptr, name.ptr + BigInt(SOCKADDR_STORAGE_SIZE)], FAILED));
  if (r.ret !== 0) return r;
  const bytes = name.bytes();
  const endpoint = decodeSockaddr(bytes.subarray(0, Math.min(SOCKADDR_STORAGE_SIZE, bytes.readInt32LE(SOCKADDR_STORAGE_SIZE))));
  return endpoint ? { ...r, out: { endpoint } } : r;
}

/** Every op's handler. The type makes the table complete: an op of `Call` without a handler does not compile. */
const HANDLERS: { readonly [Op in CallName]: Handler } = {
  WSAStartup(call, scope) {
    const version = int(call.version, 'version', 0, 0xffff);
    const data = scope.alloc(WSADATA_SIZE);
    // WSAStartup returns its error code instead of setting one.
    const r = scope.now(scope.fn.WSAStartup, [version, data.ptr], null);
    const code = cInt(r.value);
    if (code !== 0) return { ret: SOCKET_ERROR, error: code, elapsedMs: r.elapsedMs };
    scope.countStartup(1);
    return { ret: 0, error: 0, elapsedMs: r.elapsedMs, out: { value: data.bytes().readUInt16LE(0) } };
  },

  WSACleanup(_call, scope) {
    const r = scope.now(scope.fn.WSACleanup, [], FAILED);
    if (r.value === 0n) scope.countStartup(-1);
    return returned(r);
  },

  socket(call, scope) {
    const args = [int(call.af, 'af'), int(call.type, 'type'), int(call.protocol, 'protocol')];
    return newHandle(scope, scope.now(scope.fn.socket, args, INVALID_SOCKET), 'socket', INVALID_SOCKET);
  },

  bind(call, scope) {
    const s = handle(call.s);
    const to = scope.copy(sockaddr(call.to, 'to'));
    return returned(scope.now(scope.fn.bind, [s, to.ptr, to.size], FAILED));
  },

  listen(call, scope) {
    const s = handle(call.s);
    return returned(scope.now(scope.fn.listen, [s, int(call.backlog, 'backlog')], FAILED));
  },

  async accept(call, scope) {
    const s = handle(call.s);
    const r = await scope.blocking(scope.fn.accept, [s, null, null], INVALID_SOCKET, s, (late) => {
      if (late !== null && late !== INVALID_SOCKET) scope.fn.closesocket(late);
    });
    return r === 'blocked' ? r : newHandle(scope, r, 'socket', INVALID_SOCKET);
  },

  async connect(call, scope) {
    const s = handle(call.s);
    const to = scope.copy(sockaddr(call.to, 'to'));
    return returnedUnlessBlocked(await scope.blocking(scope.fn.connect, [s, to.ptr, to.size], FAILED, s));
  },

  async WSAConnect(call, scope) {
    const s = handle(call.s);
    const to = scope.copy(sockaddr(call.to, 'to'));
    // No caller or callee data, no QOS: lpCallerData, lpCalleeData, lpSQOS and lpGQOS are NULL.
    return returnedUnlessBlocked(await scope.blocking(scope.fn.WSAConnect, [s, to.ptr, to.size, null, null, null, null], FAILED, s));
  },

  getsockname(call, scope) {
    return socketName(scope, scope.fn.getsockname, handle(call.s));
  },

  getpeername(call, scope) {
    return socketName(scope, scope.fn.getpeername, handle(call.s));
  },

  async send(call, scope) {
    const s = handle(call.s);
    const data = scope.copy(hexData(call.data, 'data'));
    return returnedUnlessBlocked(await scope.blocking(scope.fn.send, [s, data.ptr, data.size, 0], FAILED, s));
  },

  async sendto(call, scope) {
    const s = handle(call.s);
    const data = scope.copy(hexData(call.data, 'data'));
    const to = scope.copy(sockaddr(call.to, 'to'));
    return returnedUnlessBlocked(await scope.blocking(scope.fn.sendto, [s, data.ptr, data.size, 0, to.ptr, to.size], FAILED, s));
  },

  async recv(call, scope) {
    const s = handle(call.s);
    const len = int(call.len, 'len', 0, MAX_CALL_BUFFER);
    const flags = int(call.flags, 'flags');
    const buf = scope.alloc(len);
    const r = await scope.blocking(scope.fn.recv, [s, buf.ptr, len, flags], FAILED, s);
    if (r === 'blocked') return r;
    const result = returned(r);
    // ret is the byte count; 0 (the peer's FIN) still reports its empty data.
    return result.ret >= 0 ? { ...result, out: { data: hexOf(buf, result.ret) } } : result;
  },

  async WSARecv(call, scope) {
    const s = handle(call.s);
    const buf = scope.alloc(int(call.len, 'len', 0, MAX_CALL_BUFFER));
    // One WSABUF, then the DWORDs lpNumberOfBytesRecvd and lpFlags (0: no flags).
    const buffers = wsabuf(scope, buf, 8);
    const received = buffers.ptr + BigInt(2 * scope.pointerSize);
    const r = await scope.blocking(scope.fn.WSARecv, [s, buffers.ptr, 1, received, received + 4n, null, null], FAILED, s);
    if (r === 'blocked') return r;
    const result = returned(r);
    if (result.ret !== 0) return result;
    return { ...result, out: { data: hexOf(buf, buffers.bytes().readUInt32LE(2 * scope.pointerSize)) } };
  },

  async recvfrom(call, scope) {
    const s = handle(call.s);
    const len = int(call.len, 'len', 0, MAX_CALL_BUFFER);
    const flags = int(call.flags, 'flags');
    const buf = scope.alloc(len);
    const { from, fromLength } = sourceAddress(scope);
    const r = await scope.blocking(scope.fn.recvfrom, [s, buf.ptr, len, flags, from, fromLength], FAILED, s);
    if (r === 'blocked') return r;
    const result = returned(r);
    return result.ret >= 0 ? { ...result, out: { data: hexOf(buf, result.ret) } } : result;
  },

  async WSARecvFrom(call, scope) {
    const s = handle(call.s);
    const buf = scope.alloc(int(call.len, 'len', 0, MAX_CALL_BUFFER));
    const buffers = wsabuf(scope, buf, 8);
    const received = buffers.ptr + BigInt(2 * scope.pointerSize);
    const { from, fromLength } = sourceAddress(scope);
    const args = [s, buffers.ptr, 1, received, received + 4n, from, fromLength, null, null];
    const r = await scope.blocking(scope.fn.WSARecvFrom, args, FAILED, s);
    if (r === 'blocked') return r;
    const result = returned(r);
    if (result.ret !== 0) return result;
    return { ...result, out: { data: hexOf(buf, buffers.bytes().readUInt32LE(2 * scope.pointerSize)) } };
  },

  WSARecvOverlapped(call, scope) {
    const s = handle(call.s);
    const buf = scope.alloc(int(call.len, 'len', 0, MAX_CALL_BUFFER));
    const buffers = wsabuf(scope, buf, 8);
    const received = buffers.ptr + BigInt(2 * scope.pointerSize);
    return overlappedReceive(scope, s, buf, {
      start: (overlapped) => scope.now(scope.fn.WSARecv, [s, buffers.ptr, 1, received, received + 4n, overlapped, null], FAILED),
      result: (overlapped, count) => scope.now(scope.fn.WSAGetOverlappedResult, [s, overlapped, count, 0, received + 4n], 0n),
      // WSARecv returns 0; the count is its data.
      ret: () => 0,
    });
  },

  ReadFile(call, scope) {
    const s = handle(call.s);
    const len = int(call.len, 'len', 0, MAX_CALL_BUFFER);
    const buf = scope.alloc(len);
    // With an OVERLAPPED, as ReadFile's page asks on an overlapped handle (a socket is one); without one, a
    // ReadFile still blocked when its socket was closed to unblock it crashed wineserver 8.0 (an assertion
    // in sock_get_poll_events). lpNumberOfBytesRead NULL, as the page asks; GetOverlappedResult gives the count.
    return overlappedReceive(scope, s, buf, {
      start: (overlapped) => scope.now(scope.fn.ReadFile, [s, buf.ptr, len, null, overlapped], 0n, scope.getLastError),
      result: (overlapped, count) => scope.now(scope.fn.GetOverlappedResult, [s, overlapped, count, 0], 0n, scope.getLastError),
      ret: (count) => count,
    });
  },

  async WSARecvDisconnect(call, scope) {
    const s = handle(call.s);
    const size = call.buffer === null ? null : int(call.buffer, 'buffer', 0, MAX_CALL_BUFFER);
    const buf = size === null ? null : scope.alloc(size);
    buf?.bytes().fill(DISCONNECT_BUFFER_FILL);
    const inbound = buf ? wsabuf(scope, buf) : null;
    const r = await scope.blocking(scope.fn.WSARecvDisconnect, [s, inbound ? inbound.ptr : null], FAILED, s);
    if (r === 'blocked') return r;
    const result = returned(r);
    if (!buf || !inbound) return result;
    // The length and the whole buffer, whatever the result: on WSAEFAULT the length may be the size needed,
    // and bytes written where none were due are a result too.
    return { ...result, out: { bufferLength: inbound.bytes().readUInt32LE(0), data: hexOf(buf, size ?? 0) } };
  },

  // The node agent makes none of it: the blockingHook report says why, and the scenario is N/A with that.
  WSARecvDisconnectInBlockingHook(call) {
    handle(call.s);
    handle(call.blockingOn);
    int(call.waitMs, 'waitMs', 0);
    return { ret: 0, error: 0, elapsedMs: 0, out: { blockingHook: { declined: NO_BLOCKING_HOOK, setError: 0, hookCalls: 0 } } };
  },

  shutdown(call, scope) {
    const s = handle(call.s);
    return returned(scope.now(scope.fn.shutdown, [s, int(call.how, 'how')], FAILED));
  },

  setLinger(call, scope) {
    // Windows' linger is {u_short l_onoff; u_short l_linger;}.
    const onoff = int(call.onoff, 'onoff');
    const seconds = int(call.seconds, 'seconds');
    const linger = scope.alloc(4);
    linger.bytes().writeUInt16LE(onoff & 0xffff, 0);
    linger.bytes().writeUInt16LE(seconds & 0xffff, 2);
    return returned(scope.now(scope.fn.setsockopt, [handle(call.s), SOL_SOCKET, SO_LINGER, linger.ptr, linger.size], FAILED));
  },

  getSocketType(call, scope) {
    const s = handle(call.s);
    // The int the option is written to, then its optlen.
    const option = scope.alloc(8);
    option.bytes().writeInt32LE(4, 4);
    const r = returned(scope.now(scope.fn.getsockopt, [s, SOL_SOCKET, SO_TYPE, option.ptr, option.ptr + 4n], FAILED));
    return r.ret === 0 ? { ...r, out: { value: option.bytes().readInt32LE(0) } } : r;
  },

  getProtocolInfo(call, scope) {
    const s = handle(call.s);
    // The WSAPROTOCOL_INFOW the option is written to, then its optlen.
    const option = scope.alloc(WSAPROTOCOL_INFOW_SIZE + 4);
    option.bytes().writeInt32LE(WSAPROTOCOL_INFOW_SIZE, WSAPROTOCOL_INFOW_SIZE);
    const optlen = option.ptr + BigInt(WSAPROTOCOL_INFOW_SIZE);
    const r = returned(scope.now(scope.fn.getsockopt, [s, SOL_SOCKET, SO_PROTOCOL_INFOW, option.ptr, optlen], FAILED));
    const [protocolInfo] = r.ret === 0 ? decodeProtocolInfos(option.bytes(), 1) : [];
    return protocolInfo ? { ...r, out: { protocolInfo } } : r;
  },

  FIONREAD(call, scope) {
    const s = handle(call.s);
    const count = scope.alloc(4);
    const r = returned(scope.now(scope.fn.ioctlsocket, [s, FIONREAD, count.ptr], FAILED));
    return r.ret === 0 ? { ...r, out: { value: count.bytes().readUInt32LE(0) } } : r;
  },

  FIONBIO(call, scope) {
    const s = handle(call.s);
    const mode = scope.alloc(4);
    mode.bytes().writeUInt32LE(int(call.nonBlocking, 'nonBlocking') >>> 0, 0);
    // ioctlsocket's cmd is a C long: FIONBIO's bit pattern as a signed 32-bit value.
    return returned(scope.now(scope.fn.ioctlsocket, [s, FIONBIO | 0, mode.ptr], FAILED));
  },

  async closesocket(call, scope) {
    const s = handle(call.s);
    // May block for SO_LINGER; nothing can wake it early, so a blocked close is just reported.
    const r = await scope.blocking(scope.fn.closesocket, [s], FAILED, null);
    if (r === 'blocked' || r.value === 0n) scope.forget(s);
    return returnedUnlessBlocked(r);
  },

  WSAEnumProtocols(_call, scope) {
    const t0 = performance.now();
    // First asked with no buffer, for the size it needs (WSAENOBUFS), then with a buffer of that size.
    const length = scope.alloc(4);
    const probe = scope.now(scope.fn.WSAEnumProtocolsW, [null, null, length.ptr], FAILED);
    if (probe.value === FAILED && probe.error !== WSA_ERRORS.WSAENOBUFS) return { ...returned(probe), elapsedMs: performance.now() - t0 };
    const size = Math.max(length.bytes().readUInt32LE(0), WSAPROTOCOL_INFOW_SIZE);
    const buf = scope.alloc(size);
    length.bytes().writeUInt32LE(size, 0);
    const r = returned(scope.now(scope.fn.WSAEnumProtocolsW, [null, buf.ptr, length.ptr], FAILED));
    const elapsedMs = performance.now() - t0;
    // ret is the count of protocols.
    return r.ret === SOCKET_ERROR ? { ...r, elapsedMs } : { ...r, elapsedMs, out: { protocols: decodeProtocolInfos(buf.bytes(), r.ret) } };
  },

  createNonSocketHandle(_call, scope) {
    const r = scope.now(scope.fn.CreateEventW, [null, 1, 0, null], 0n, scope.getLastError);
    return newHandle(scope, r, 'event', 0n);
  },

  duplicateFromParent(call, scope) {
    const source = handle(call.s);
    const t0 = performance.now();
    const failed = (error: number): CallResult => ({ ret: SOCKET_ERROR, error, elapsedMs: performance.now() - t0 });
    // The parent of a probe is the agent's main process, which forked it (session.ts starts it with --probe).
    // The main process has no parent of the agent's to duplicate from: refused, as the native agent does.
    if (!process.argv.includes('--probe')) return failed(ERROR_INVALID_PARAMETER);
    const parent = scope.now(scope.fn.OpenProcess, [PROCESS_DUP_HANDLE, 0, process.ppid], 0n, scope.getLastError);
    if (parent.value === 0n) return failed(parent.error);
    const target = scope.alloc(scope.pointerSize);
    const self = toBig(scope.fn.GetCurrentProcess());
    const dup = scope.now(scope.fn.DuplicateHandle, [parent.value, source, self, target.ptr, 0, 0, DUPLICATE_SAME_ACCESS], 0n, scope.getLastError);
    scope.fn.CloseHandle(parent.value);
    if (dup.value === 0n) return failed(dup.error);
    const value = scope.pointerSize === 8 ? target.bytes().readBigUInt64LE(0) : BigInt(target.bytes().readUInt32LE(0));
    return { ret: 0, error: 0, elapsedMs: performance.now() - t0, out: { handle: scope.mint(value, 'duplicate') } };
  },

  resolveExport(call, scope) {
    const { module, symbol } = call;
    if (typeof module !== 'string' || typeof symbol !== 'string') throw new BadCall('resolveExport needs module and symbol strings');
    const t0 = performance.now();
    const loaded = scope.now(scope.fn.LoadLibraryW, [module], 0n, scope.getLastError);
    if (loaded.value === 0n) return { ret: 0, error: loaded.error, elapsedMs: performance.now() - t0, out: { value: 0 } };
    const proc = scope.now(scope.fn.GetProcAddress, [loaded.value, symbol], 0n, scope.getLastError);
    scope.fn.FreeLibrary(loaded.value);
    const found = proc.value !== 0n ? 1 : 0;
    return { ret: found, error: proc.error, elapsedMs: performance.now() - t0, out: { value: found } };
  },
};

/** The ops this agent executes, as its hello lists them. */
export const SUPPORTED_OPS = Object.keys(HANDLERS) as CallName[];

/** The handler of an op; a BadCall naming the ops there are for any other. */
export function handlerOf(op: unknown): Handler {
  if (typeof op === 'string' && Object.hasOwn(HANDLERS, op)) return HANDLERS[op as CallName];
  throw new BadCall(`unknown call op ${JSON.stringify(op)}; this agent executes ${SUPPORTED_OPS.join(', ')}`);
}
