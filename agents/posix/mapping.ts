// The POSIX comparison's porting table: how each Winsock call of the suite is carried onto the host's BSD
// sockets, as a careful porting layer would carry it, and which calls have no POSIX counterpart (their
// scenarios are N/A, with the reason given here). This table is the one place the mapping is decided: the
// POSIX agent's handlers (agents/posix/calls.ts) execute it, the posix backend (src/testbeds/posix/) makes
// the N/A rows not applicable, and docs/interpreting.md ("The POSIX column") prints it.
//
// It is a comparison, not a Winsock implementation: what the host's calls do is reported as they do it,
// through this table, so that where the page and POSIX differ the matrix shows it.
//
// Pure data and functions (no koffi): the controller and the unit tests read it on any host. The numbers
// are Linux's (x86-64 and arm64; other architectures and the BSDs number some of them differently), which
// is why the backend runs on Linux only.
import type { CallName } from '../../src/core/ports';
import { AF_INET, AF_INET6, MSG_OOB, MSG_PEEK, MSG_WAITALL, WSA_ERRORS, type WsaErrorName } from '../../src/core/winsock';

/** A call the layer executes: the POSIX call(s), and what the layer does around them. */
export interface PosixCall {
  posix: string;
  /** What a porting layer must add or decide, where it is more than renaming the call. */
  note?: string;
}

/** The calls with no POSIX counterpart: every scenario that needs one is N/A, for the reason given. */
export const NO_POSIX_COUNTERPART = {
  WSAStartup: 'POSIX sockets need no start-up: there is no WSAStartup and no reference count to take',
  WSACleanup: 'POSIX sockets need no start-up: there is no WSACleanup and no reference count to release',
  WSAEnumProtocols:
    'POSIX has no protocol catalogue: no providers to enumerate, no WSAPROTOCOL_INFO and no XP1_ service flags (TCP on POSIX carries no disconnect data)',
  WSARecvOverlapped:
    "POSIX sockets have no overlapped I/O: no OVERLAPPED and no completion event. A layer would build it on another interface (aio_read, io_uring, or a thread of its own making a blocking read), whose behaviour is its own, not the host's receive",
  getProtocolInfo:
    'POSIX has no protocol catalogue: a socket belongs to no provider and has no WSAPROTOCOL_INFO to give through getsockopt (SO_PROTOCOL_INFOW has no counterpart)',
  resolveExport: 'POSIX sockets are functions of libc, not exports of a ws2_32.dll: there is no DLL to ask',
  duplicateFromParent:
    'POSIX has no process whose sockets are not initialised to hand a descriptor to (no WSANOTINITIALISED), the one use of a duplicate from the parent',
  WSARecvDisconnectInBlockingHook:
    'POSIX has no Windows Sockets 1.1 blocking hook (WSASetBlockingHook, WSACancelBlockingCall): a blocking call runs no code of the application until it returns',
} as const satisfies Partial<Record<CallName, string>>;

/** The ops the layer carries onto POSIX. */
export type PosixOp = Exclude<CallName, keyof typeof NO_POSIX_COUNTERPART>;

/** Every op the layer executes, with its POSIX call. The types make the two tables cover every op between them. */
export const POSIX_CALLS: { readonly [Op in PosixOp]: PosixCall } = {
  socket: {
    posix: 'socket(af, type, protocol)',
    note: 'AF_INET6 is 23 in Winsock and 10 on Linux; an address family other than AF_INET and AF_INET6 is WSAEAFNOSUPPORT from the layer itself',
  },
  bind: { posix: 'bind(fd, sockaddr, len)', note: 'SOCKADDR_IN and sockaddr_in share their layout; SOCKADDR_IN6 differs only in its family number' },
  listen: { posix: 'listen(fd, backlog)' },
  accept: { posix: 'accept(fd, NULL, NULL)' },
  connect: { posix: 'connect(fd, sockaddr, len)', note: 'EINPROGRESS (a non-blocking connect under way) is WSAEWOULDBLOCK, as Winsock reports it' },
  WSAConnect: { posix: 'connect(fd, sockaddr, len)', note: 'no caller or callee data and no QOS are asked for, so nothing is lost' },
  getsockname: { posix: 'getsockname(fd, sockaddr, &len)' },
  getpeername: { posix: 'getpeername(fd, sockaddr, &len)' },
  send: {
    posix: 'send(fd, buf, len, MSG_NOSIGNAL)',
    note: 'MSG_NOSIGNAL: a send on a broken connection fails with EPIPE instead of killing the process with SIGPIPE, which Winsock never raises',
  },
  sendto: { posix: 'sendto(fd, buf, len, MSG_NOSIGNAL, sockaddr, len)', note: 'MSG_NOSIGNAL, as for send' },
  recv: {
    posix: 'recv(fd, buf, len, flags)',
    note: 'MSG_OOB, MSG_PEEK and MSG_WAITALL are carried over; any other flag is WSAEOPNOTSUPP from the layer itself',
  },
  WSARecv: {
    posix: 'recvmsg(fd, {one iovec of len bytes}, 0)',
    note: 'WSARecv returns 0 and the byte count through lpNumberOfBytesRecvd; recvmsg returns the count, which the layer hands back the same way',
  },
  recvfrom: {
    posix: 'recvfrom(fd, buf, len, flags, sockaddr, &len)',
    note: "flags as for recv; the sender's address is Linux's sockaddr, which no rule reads",
  },
  WSARecvFrom: {
    posix: 'recvfrom(fd, buf, len, 0, sockaddr, &len)',
    note: 'WSARecvFrom returns 0 and the byte count through lpNumberOfBytesRecvd; recvfrom returns the count, which the layer hands back the same way',
  },
  ReadFile: {
    posix: 'read(fd, buf, len)',
    note: "ReadFile on a SOCKET handle is read(2) on the descriptor; its TRUE and byte count are read's count, its FALSE is read's -1 with errno as its WSA code",
  },
  WSARecvDisconnect: {
    posix: 'shutdown(fd, SHUT_RD)',
    note: 'POSIX has no disconnect data: a disconnect data buffer is not touched, and is handed back as it was given (its length and its bytes)',
  },
  shutdown: { posix: 'shutdown(fd, how)', note: 'SD_RECEIVE, SD_SEND and SD_BOTH have the values of SHUT_RD, SHUT_WR and SHUT_RDWR' },
  setLinger: { posix: 'setsockopt(fd, SOL_SOCKET, SO_LINGER, struct linger)', note: "Winsock's linger is two u_shorts, POSIX's two ints" },
  getSocketType: { posix: 'getsockopt(fd, SOL_SOCKET, SO_TYPE)', note: 'SOCK_STREAM and SOCK_DGRAM have the same values' },
  FIONREAD: { posix: 'ioctl(fd, FIONREAD, &n)', note: 'on a UDP socket Linux counts the next datagram, not every byte queued' },
  FIONBIO: { posix: 'ioctl(fd, FIONBIO, &n)', note: 'non-zero makes the socket non-blocking, as with ioctlsocket' },
  closesocket: { posix: 'close(fd)', note: 'may wait for SO_LINGER, as closesocket does' },
  createNonSocketHandle: {
    posix: 'pipe(fds)',
    note: "a pipe's read end: a descriptor that is not a socket, as an event object is a handle that is not a socket",
  },
};

/** Why a process in which Winsock is not initialised cannot exist on POSIX. */
export const NO_UNINITIALISED_PROCESS = 'POSIX sockets need no start-up, so there is no process in which they are not initialised (no WSANOTINITIALISED)';

/** The reason an op is N/A on POSIX, or null when the layer executes it. */
export function notApplicableOnPosix(op: CallName): string | null {
  return Object.hasOwn(NO_POSIX_COUNTERPART, op) ? NO_POSIX_COUNTERPART[op as keyof typeof NO_POSIX_COUNTERPART] : null;
}

/**
 * Requirements this table keeps by its own construction, whatever the host does: a verdict on them would
 * tell nothing of POSIX, so their scenarios are N/A on the column, with the reason.
 */
const KEPT_BY_THE_TABLE: Readonly<Record<string, string>> = {
  'remarks.equivalent-to-shutdown-receive':
    'the table carries WSARecvDisconnect and shutdown(SD_RECEIVE) to the same host call, shutdown(fd, SHUT_RD), so the two cannot differ',
  'remarks.disconnect-data-needs-xp1': 'the table never touches a disconnect data buffer (POSIX has no disconnect data), so it cannot hand any back',
};

/** Why the table keeps `requirement` by construction rather than the host by behaviour, or null. */
export function keptByTheTable(requirement: string): string | null {
  return Object.hasOwn(KEPT_BY_THE_TABLE, requirement) ? (KEPT_BY_THE_TABLE[requirement] ?? null) : null;
}

/** The ops the POSIX agent executes, as its hello lists them. */
export const POSIX_OPS = Object.keys(POSIX_CALLS) as PosixOp[];

/**
 * errno, by its name, as the WSA code a porting layer reports for it through WSAGetLastError. Names, not
 * numbers: the numbers are the host's (koffi.os.errno), and differ between Linux and the BSDs.
 */
export const ERRNO_TO_WSA: Readonly<Record<string, WsaErrorName>> = {
  EINTR: 'WSAEINTR',
  // A descriptor that is not open: Winsock's handle of a closed socket is no socket at all.
  EBADF: 'WSAENOTSOCK',
  ENOTSOCK: 'WSAENOTSOCK',
  EACCES: 'WSAEACCES',
  EPERM: 'WSAEACCES',
  EFAULT: 'WSAEFAULT',
  EINVAL: 'WSAEINVAL',
  EMFILE: 'WSAEMFILE',
  ENFILE: 'WSAEMFILE',
  EAGAIN: 'WSAEWOULDBLOCK',
  EWOULDBLOCK: 'WSAEWOULDBLOCK',
  // A non-blocking connect under way: Winsock answers WSAEWOULDBLOCK.
  EINPROGRESS: 'WSAEWOULDBLOCK',
  EALREADY: 'WSAEALREADY',
  EDESTADDRREQ: 'WSAEDESTADDRREQ',
  EMSGSIZE: 'WSAEMSGSIZE',
  EPROTOTYPE: 'WSAEPROTOTYPE',
  ENOPROTOOPT: 'WSAENOPROTOOPT',
  EPROTONOSUPPORT: 'WSAEPROTONOSUPPORT',
  ESOCKTNOSUPPORT: 'WSAESOCKTNOSUPPORT',
  EOPNOTSUPP: 'WSAEOPNOTSUPP',
  EAFNOSUPPORT: 'WSAEAFNOSUPPORT',
  EADDRINUSE: 'WSAEADDRINUSE',
  EADDRNOTAVAIL: 'WSAEADDRNOTAVAIL',
  ENETDOWN: 'WSAENETDOWN',
  ENETUNREACH: 'WSAENETUNREACH',
  ENETRESET: 'WSAENETRESET',
  ECONNABORTED: 'WSAECONNABORTED',
  ECONNRESET: 'WSAECONNRESET',
  // A send after shutdown(SHUT_WR), or on a connection the peer reset: Winsock's WSAESHUTDOWN for the first.
  EPIPE: 'WSAESHUTDOWN',
  ESHUTDOWN: 'WSAESHUTDOWN',
  ENOBUFS: 'WSAENOBUFS',
  ENOMEM: 'WSAENOBUFS',
  EISCONN: 'WSAEISCONN',
  ENOTCONN: 'WSAENOTCONN',
  ETIMEDOUT: 'WSAETIMEDOUT',
  ECONNREFUSED: 'WSAECONNREFUSED',
  EHOSTUNREACH: 'WSAEHOSTUNREACH',
};

/** What an errno no row above names becomes: an invalid argument, the layer's catch-all. */
export const UNMAPPED_ERRNO: WsaErrorName = 'WSAEINVAL';

/** The WSA code for errno `value`, given the host's errno numbers by name (koffi.os.errno). */
export function wsaCodeForErrno(value: number, hostErrno: Readonly<Record<string, number>>): number {
  if (value === 0) return 0;
  for (const [name, wsa] of Object.entries(ERRNO_TO_WSA)) if (hostErrno[name] === value) return WSA_ERRORS[wsa];
  return WSA_ERRORS[UNMAPPED_ERRNO];
}

/** Linux's numbers (x86-64, arm64) for what the layer translates or passes. */
export const LINUX = {
  AF_INET: 2,
  AF_INET6: 10,
  SOL_SOCKET: 1,
  SO_TYPE: 3,
  SO_LINGER: 13,
  FIONREAD: 0x541b,
  FIONBIO: 0x5421,
  MSG_OOB: 0x1,
  MSG_PEEK: 0x2,
  MSG_WAITALL: 0x100,
  MSG_NOSIGNAL: 0x4000,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
} as const;

/** Linux's address family for Winsock's, or null for one the layer does not carry (WSAEAFNOSUPPORT). */
export function linuxFamily(af: number): number | null {
  if (af === AF_INET) return LINUX.AF_INET;
  if (af === AF_INET6) return LINUX.AF_INET6;
  return null;
}

/** Winsock's address family for Linux's, the other way (a sockaddr the host filled). */
export function winsockFamily(af: number): number | null {
  if (af === LINUX.AF_INET) return AF_INET;
  if (af === LINUX.AF_INET6) return AF_INET6;
  return null;
}

/** Linux's recv flags for Winsock's, or null when one of them has no counterpart (WSAEOPNOTSUPP). */
export function linuxRecvFlags(flags: number): number | null {
  const carried: [number, number][] = [
    [MSG_OOB, LINUX.MSG_OOB],
    [MSG_PEEK, LINUX.MSG_PEEK],
    [MSG_WAITALL, LINUX.MSG_WAITALL],
  ];
  let out = 0;
  let left = flags;
  for (const [winsock, linux] of carried) {
    if ((left & winsock) === 0) continue;
    out |= linux;
    left &= ~winsock;
  }
  return left === 0 ? out : null;
}
