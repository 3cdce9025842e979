// The POSIX comparison's calls, one handler per op that the porting table (mapping.ts) carries onto BSD
// sockets: each checks its call's fields as the Winsock agent's handlers do (agents/node/calls.ts, whose helpers
// it shares), makes the POSIX call of the table, and hands back what a Winsock caller would get: handles
// are descriptors, errors are errno as its WSA code. Ops the table marks N/A have no handler: the backend
// makes their scenarios not applicable before a call is sent.
import { SOCKET_ERROR, WSA_ERRORS } from '../../src/core/winsock';
import { DISCONNECT_BUFFER_FILL } from '../../src/core/ports';
import {
  BadCall,
  FAILED,
  handle,
  hexData,
  hexOf,
  int,
  newHandle,
  returned,
  returnedUnlessBlocked,
  sockaddr,
  sourceAddress,
  type CallResult,
  type CallScope,
  type Handler,
  type NativeResult,
} from '../node/calls';
import { decodeSockaddr, SOCKADDR_STORAGE_SIZE } from '../node/sockaddr';
import { LINUX, linuxFamily, linuxRecvFlags, POSIX_OPS, winsockFamily, type PosixOp } from './mapping';

/** A failed descriptor call: -1, as a bigint. */
const INVALID_FD = -1n;
/** The largest descriptor: a C int. */
const MAX_FD = 0x7fffffffn;

/** What the layer answers by itself, without a POSIX call: SOCKET_ERROR with `error`. */
function refused(error: number): CallResult {
  return { ret: SOCKET_ERROR, error, elapsedMs: 0 };
}

/** The descriptor a handle names, or null for a value no descriptor can have (the layer answers WSAENOTSOCK). */
function descriptor(value: unknown): number | null {
  const h = handle(value);
  return h <= MAX_FD ? Number(h) : null;
}

/** A SOCKADDR_IN or SOCKADDR_IN6 of an endpoint field, with Linux's family number: the layouts are otherwise the same. */
function linuxSockaddr(value: unknown, field: string): Buffer {
  const b = sockaddr(value, field);
  const family = linuxFamily(b.readUInt16LE(0));
  if (family === null) throw new BadCall(`${field}: no address family the layer carries`);
  b.writeUInt16LE(family, 0);
  return b;
}

/** getsockname or getpeername: the sockaddr_storage, then the socklen_t that says how much the host filled. */
function socketName(scope: CallScope, f: CallScope['fn'][string], fd: number): CallResult {
  const name = scope.alloc(SOCKADDR_STORAGE_SIZE + 4);
  name.bytes().writeUInt32LE(SOCKADDR_STORAGE_SIZE, SOCKADDR_STORAGE_SIZE);
  const r = returned(scope.now(f, [fd, name.ptr, name.ptr + BigInt(SOCKADDR_STORAGE_SIZE)], FAILED));
  if (r.ret !== 0) return r;
  const bytes = Buffer.from(name.bytes());
  const family = winsockFamily(bytes.readUInt16LE(0));
  if (family === null) return r;
  bytes.writeUInt16LE(family, 0);
  const endpoint = decodeSockaddr(bytes.subarray(0, Math.min(SOCKADDR_STORAGE_SIZE, bytes.readUInt32LE(SOCKADDR_STORAGE_SIZE))));
  return endpoint ? { ...r, out: { endpoint } } : r;
}

/** A call through ioctl(fd, request, &int): the int before and after. */
function ioctlInt(scope: CallScope, fd: number, request: number, value: number): { result: CallResult; value: number } {
  const arg = scope.alloc(4);
  arg.bytes().writeInt32LE(value, 0);
  const result = returned(scope.now(scope.fn.ioctl, [fd, request, 'void *', arg.ptr], FAILED));
  return { result, value: arg.bytes().readInt32LE(0) };
}

/** recvfrom into `len` bytes, with a sockaddr_storage for the sender: the byte count and the data. */
async function receiveFrom(scope: CallScope, fd: number, len: number, flags: number): Promise<CallResult | 'blocked'> {
  const buf = scope.alloc(len);
  const { from, fromLength } = sourceAddress(scope);
  const args = [fd, buf.ptr, len, flags, from, fromLength];
  const r = await scope.blocking(scope.fn.recvfrom, args, FAILED, BigInt(fd));
  if (r === 'blocked') return r;
  const result = returned(r);
  return result.ret >= 0 ? { ...result, out: { data: hexOf(buf, result.ret) } } : result;
}

/** The descriptor's result when the layer refuses its value, else the handler's. */
type WithDescriptor = (fd: number) => CallResult | 'blocked' | Promise<CallResult | 'blocked'>;
function onDescriptor(value: unknown, body: WithDescriptor): CallResult | 'blocked' | Promise<CallResult | 'blocked'> {
  const fd = descriptor(value);
  return fd === null ? refused(WSA_ERRORS.WSAENOTSOCK) : body(fd);
}

/** The ops the layer executes (every op of the table that is not N/A). */
const POSIX_HANDLERS: { readonly [Op in PosixOp]: Handler } = {
  socket(call, scope) {
    const af = linuxFamily(int(call.af, 'af'));
    if (af === null) return refused(WSA_ERRORS.WSAEAFNOSUPPORT);
    const r = scope.now(scope.fn.socket, [af, int(call.type, 'type'), int(call.protocol, 'protocol')], INVALID_FD);
    return newHandle(scope, r, 'socket', INVALID_FD);
  },

  bind(call, scope) {
    return onDescriptor(call.s, (fd) => {
      const to = scope.copy(linuxSockaddr(call.to, 'to'));
      return returned(scope.now(scope.fn.bind, [fd, to.ptr, to.size], FAILED));
    });
  },

  listen(call, scope) {
    return onDescriptor(call.s, (fd) => returned(scope.now(scope.fn.listen, [fd, int(call.backlog, 'backlog')], FAILED)));
  },

  accept(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const r = await scope.blocking(scope.fn.accept, [fd, null, null], INVALID_FD, BigInt(fd), (late) => {
        if (late !== null && late !== INVALID_FD) scope.fn.close(Number(late));
      });
      return r === 'blocked' ? r : newHandle(scope, r, 'socket', INVALID_FD);
    });
  },

  connect(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const to = scope.copy(linuxSockaddr(call.to, 'to'));
      return returnedUnlessBlocked(await scope.blocking(scope.fn.connect, [fd, to.ptr, to.size], FAILED, BigInt(fd)));
    });
  },

  WSAConnect(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const to = scope.copy(linuxSockaddr(call.to, 'to'));
      return returnedUnlessBlocked(await scope.blocking(scope.fn.connect, [fd, to.ptr, to.size], FAILED, BigInt(fd)));
    });
  },

  getsockname(call, scope) {
    return onDescriptor(call.s, (fd) => socketName(scope, scope.fn.getsockname, fd));
  },

  getpeername(call, scope) {
    return onDescriptor(call.s, (fd) => socketName(scope, scope.fn.getpeername, fd));
  },

  send(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const data = scope.copy(hexData(call.data, 'data'));
      return returnedUnlessBlocked(await scope.blocking(scope.fn.send, [fd, data.ptr, data.size, LINUX.MSG_NOSIGNAL], FAILED, BigInt(fd)));
    });
  },

  sendto(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const data = scope.copy(hexData(call.data, 'data'));
      const to = scope.copy(linuxSockaddr(call.to, 'to'));
      const args = [fd, data.ptr, data.size, LINUX.MSG_NOSIGNAL, to.ptr, to.size];
      return returnedUnlessBlocked(await scope.blocking(scope.fn.sendto, args, FAILED, BigInt(fd)));
    });
  },

  recv(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const len = int(call.len, 'len');
      const flags = linuxRecvFlags(int(call.flags, 'flags'));
      if (flags === null) return refused(WSA_ERRORS.WSAEOPNOTSUPP);
      const buf = scope.alloc(len);
      const r = await scope.blocking(scope.fn.recv, [fd, buf.ptr, len, flags], FAILED, BigInt(fd));
      if (r === 'blocked') return r;
      const result = returned(r);
      // ret is the byte count; 0 (the peer's FIN, or a receive side shut down) still reports its empty data.
      return result.ret >= 0 ? { ...result, out: { data: hexOf(buf, result.ret) } } : result;
    });
  },

  WSARecv(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const buf = scope.alloc(int(call.len, 'len'));
      // struct msghdr (LP64): msg_name 0, msg_namelen 8, msg_iov 16, msg_iovlen 24, msg_control 32,
      // msg_controllen 40, msg_flags 48; 56 bytes. Then its one struct iovec {iov_base; iov_len;} at 56.
      const msg = scope.alloc(56 + 16);
      const m = msg.bytes();
      m.writeBigUInt64LE(msg.ptr + 56n, 16);
      m.writeBigUInt64LE(1n, 24);
      m.writeBigUInt64LE(buf.ptr, 56);
      m.writeBigUInt64LE(BigInt(buf.size), 64);
      const r = await scope.blocking(scope.fn.recvmsg, [fd, msg.ptr, 0], FAILED, BigInt(fd));
      if (r === 'blocked') return r;
      const count = returned(r);
      if (count.ret === SOCKET_ERROR) return count;
      // WSARecv returns 0, and the count through lpNumberOfBytesRecvd.
      return { ...count, ret: 0, out: { data: hexOf(buf, count.ret) } };
    });
  },

  recvfrom(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const flags = linuxRecvFlags(int(call.flags, 'flags'));
      if (flags === null) return refused(WSA_ERRORS.WSAEOPNOTSUPP);
      return receiveFrom(scope, fd, int(call.len, 'len'), flags);
    });
  },

  WSARecvFrom(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const r = await receiveFrom(scope, fd, int(call.len, 'len'), 0);
      // WSARecvFrom returns 0, and the count through lpNumberOfBytesRecvd.
      return r === 'blocked' || r.ret === SOCKET_ERROR ? r : { ...r, ret: 0 };
    });
  },

  ReadFile(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      const len = int(call.len, 'len');
      const buf = scope.alloc(len);
      const r = await scope.blocking(scope.fn.read, [fd, buf.ptr, len], FAILED, BigInt(fd));
      if (r === 'blocked') return r;
      const result = returned(r);
      // The port reports ReadFile's TRUE as the byte count read, as read(2) returns it.
      return result.ret >= 0 ? { ...result, out: { data: hexOf(buf, result.ret) } } : result;
    });
  },

  WSARecvDisconnect(call, scope) {
    const size = call.buffer === null ? null : int(call.buffer, 'buffer');
    if (size !== null && size < 0) throw new BadCall('buffer must be null or a length >= 0');
    return onDescriptor(call.s, async (fd) => {
      // The buffer as a Winsock caller gives it; POSIX has no disconnect data, so shutdown never sees it.
      const buf = size === null ? null : scope.alloc(size);
      buf?.bytes().fill(DISCONNECT_BUFFER_FILL);
      const r = await scope.blocking(scope.fn.shutdown, [fd, LINUX.SHUT_RD], FAILED, BigInt(fd));
      if (r === 'blocked') return r;
      const result = returned(r);
      if (!buf || size === null) return result;
      return { ...result, out: { bufferLength: size, data: hexOf(buf, size) } };
    });
  },

  shutdown(call, scope) {
    return onDescriptor(call.s, (fd) => returned(scope.now(scope.fn.shutdown, [fd, int(call.how, 'how')], FAILED)));
  },

  setLinger(call, scope) {
    const onoff = int(call.onoff, 'onoff');
    const seconds = int(call.seconds, 'seconds');
    return onDescriptor(call.s, (fd) => {
      // POSIX's linger is {int l_onoff; int l_linger;}; Winsock's u_short values carry over as they are.
      const linger = scope.alloc(8);
      linger.bytes().writeInt32LE(onoff & 0xffff, 0);
      linger.bytes().writeInt32LE(seconds & 0xffff, 4);
      return returned(scope.now(scope.fn.setsockopt, [fd, LINUX.SOL_SOCKET, LINUX.SO_LINGER, linger.ptr, linger.size], FAILED));
    });
  },

  getSocketType(call, scope) {
    return onDescriptor(call.s, (fd) => {
      // The int the option is written to, then its socklen_t.
      const option = scope.alloc(8);
      option.bytes().writeUInt32LE(4, 4);
      const r = returned(scope.now(scope.fn.getsockopt, [fd, LINUX.SOL_SOCKET, LINUX.SO_TYPE, option.ptr, option.ptr + 4n], FAILED));
      return r.ret === 0 ? { ...r, out: { value: option.bytes().readInt32LE(0) } } : r;
    });
  },

  FIONREAD(call, scope) {
    return onDescriptor(call.s, (fd) => {
      const { result, value } = ioctlInt(scope, fd, LINUX.FIONREAD, 0);
      return result.ret === 0 ? { ...result, out: { value } } : result;
    });
  },

  FIONBIO(call, scope) {
    const nonBlocking = int(call.nonBlocking, 'nonBlocking') === 0 ? 0 : 1;
    return onDescriptor(call.s, (fd) => ioctlInt(scope, fd, LINUX.FIONBIO, nonBlocking).result);
  },

  closesocket(call, scope) {
    return onDescriptor(call.s, async (fd) => {
      // May block for SO_LINGER, as closesocket does; nothing can wake it early, so a blocked close is just reported.
      const r = await scope.blocking(scope.fn.close, [fd], FAILED, null);
      if (r === 'blocked' || r.value === 0n) scope.forget(BigInt(fd));
      return returnedUnlessBlocked(r);
    });
  },

  createNonSocketHandle(_call, scope) {
    const fds = scope.alloc(8);
    const r: NativeResult = scope.now(scope.fn.pipe, [fds.ptr], FAILED);
    if (r.value === FAILED) return returned(r);
    const [readEnd, writeEnd] = [fds.bytes().readInt32LE(0), fds.bytes().readInt32LE(4)];
    // The write end is the layer's own, closed with the read end at release.
    scope.mint(BigInt(writeEnd), 'pipe');
    return newHandle(scope, { ...r, value: BigInt(readEnd) }, 'pipe', INVALID_FD);
  },
};

/** The handler of an op the layer executes; a BadCall naming the ops there are for any other. */
export function posixHandlerOf(op: unknown): Handler {
  if (typeof op === 'string' && Object.hasOwn(POSIX_HANDLERS, op)) return POSIX_HANDLERS[op as PosixOp];
  throw new BadCall(`unknown call op ${JSON.stringify(op)}; the POSIX agent executes ${POSIX_OPS.join(', ')}`);
}
