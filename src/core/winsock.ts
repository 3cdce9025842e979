// Winsock's numeric vocabulary, shared by every backend, the steps and the reports.
// Values are those of winsock2.h / ws2def.h; the simulator and the agent use them too (the agent's build
// takes this file along), so one table serves all. It imports nothing: node.exe runs it as it is.

export const SOCKET_ERROR = -1;
/** (SOCKET)(~0): a SOCKET is pointer-sized, and the agent reads it as a 64-bit unsigned value. */
export const INVALID_SOCKET = (1n << 64n) - 1n;

/** An overlapped operation was started and will complete later (WSARecv's "error" when it pends); not a failure. */
export const WSA_IO_PENDING = 997;

export const WSA_ERRORS = {
  WSAEINTR: 10004,
  WSAEBADF: 10009,
  WSAEACCES: 10013,
  WSAEFAULT: 10014,
  WSAEINVAL: 10022,
  WSAEMFILE: 10024,
  WSAEWOULDBLOCK: 10035,
  WSAEINPROGRESS: 10036,
  WSAEALREADY: 10037,
  WSAENOTSOCK: 10038,
  WSAEDESTADDRREQ: 10039,
  WSAEMSGSIZE: 10040,
  WSAEPROTOTYPE: 10041,
  WSAENOPROTOOPT: 10042,
  WSAEPROTONOSUPPORT: 10043,
  WSAESOCKTNOSUPPORT: 10044,
  WSAEOPNOTSUPP: 10045,
  WSAEAFNOSUPPORT: 10047,
  WSAEADDRINUSE: 10048,
  WSAEADDRNOTAVAIL: 10049,
  WSAENETDOWN: 10050,
  WSAENETUNREACH: 10051,
  WSAENETRESET: 10052,
  WSAECONNABORTED: 10053,
  WSAECONNRESET: 10054,
  WSAENOBUFS: 10055,
  WSAEISCONN: 10056,
  WSAENOTCONN: 10057,
  WSAESHUTDOWN: 10058,
  WSAETIMEDOUT: 10060,
  WSAECONNREFUSED: 10061,
  WSAEHOSTUNREACH: 10065,
  WSAEDISCON: 10101,
  WSANOTINITIALISED: 10093,
} as const;

export type WsaErrorName = keyof typeof WSA_ERRORS;

export function wsaErrorName(code: number): string {
  if (code === 0) return 'no error';
  const found = (Object.keys(WSA_ERRORS) as WsaErrorName[]).find((name) => WSA_ERRORS[name] === code);
  return found ?? `error ${code}`;
}

export function isWsaErrorName(name: string): name is WsaErrorName {
  return Object.prototype.hasOwnProperty.call(WSA_ERRORS, name);
}

export const AF_INET = 2;
export const AF_ISO = 7;
export const AF_DECNET = 12;
/** Windows' value; Linux's AF_INET6 is 10. */
export const AF_INET6 = 23;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const SD_RECEIVE = 0;
export const SD_SEND = 1;
export const SD_BOTH = 2;

export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_WAITALL = 0x8;

export const SOL_SOCKET = 0xffff;
export const SO_LINGER = 0x0080;
export const SO_TYPE = 0x1008;
/** getsockopt: the WSAPROTOCOL_INFOW of the provider the socket was made by. */
export const SO_PROTOCOL_INFOW = 0x2005;

/** _IOR('f', 127, u_long): the bytes a receive would return now. */
export const FIONREAD = 0x4004667f;
/** _IOW('f', 126, u_long): a non-zero argument makes the socket non-blocking, zero blocking again. */
export const FIONBIO = 0x8004667e;

/** WSAPROTOCOL_INFO.dwServiceFlags1 bits the suite reads or reports. */
export const XP1_CONNECTIONLESS = 0x00000001;
export const XP1_GUARANTEED_DELIVERY = 0x00000002;
export const XP1_GUARANTEED_ORDER = 0x00000004;
export const XP1_MESSAGE_ORIENTED = 0x00000008;
export const XP1_GRACEFUL_CLOSE = 0x00000020;
export const XP1_EXPEDITED_DATA = 0x00000040;
export const XP1_CONNECT_DATA = 0x00000080;
export const XP1_DISCONNECT_DATA = 0x00000100;
export const XP1_SUPPORT_BROADCAST = 0x00000200;
export const XP1_SUPPORT_MULTIPOINT = 0x00000400;
export const XP1_IFS_HANDLES = 0x00020000;

/** WSAPROTOCOLCHAIN.ChainLen of a base provider: the protocol's own implementation, not a layer over it. */
export const BASE_PROTOCOL = 1;

/**
 * WSAPROTOCOL_INFO.ProviderId of Windows' own implementation of TCP/IP, the MSAFD Tcpip provider of
 * mswsock.dll, as StringFromGUID2 writes a GUID: its IPv4 entries ("MSAFD Tcpip [TCP/IP]", "[UDP/IP]",
 * "[RAW/IP]") and its IPv6 entries ("MSAFD Tcpip [TCP/IPv6]", ...). Wine's ws2_32 lists its TCP/IP under the
 * same two (dlls/ws2_32/socket.c, supported_protocols), with other names ("TCP/IP", "TCP/IPv6").
 */
export const NATIVE_TCPIP_PROVIDER_IDS = {
  MSAFD_TCPIP: '{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}',
  MSAFD_TCPIP6: '{F9EAB0C0-26D4-11D0-BBBF-00AA006C34E4}',
} as const;

/** MAKEWORD(2, 2), the version every Winsock 2 client asks for. */
export const WINSOCK_2_2 = 0x0202;
/** MAKEWORD(1, 1): Windows Sockets 1.1, whose blocking hooks Winsock 2 removed. */
export const WINSOCK_1_1 = 0x0101;

// The reverse lookups, for reports that show a call with its constants by name (strace's way): groups of
// the constants above, by the argument they are passed as. A value no constant names reads as its number.

export const ADDRESS_FAMILIES = { AF_INET, AF_ISO, AF_DECNET, AF_INET6 } as const;
export const SOCKET_TYPES = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET } as const;
export const PROTOCOLS = { IPPROTO_TCP, IPPROTO_UDP } as const;
export const SHUTDOWN_HOW = { SD_RECEIVE, SD_SEND, SD_BOTH } as const;
export const SOCKET_LEVELS = { SOL_SOCKET } as const;
export const SOCKET_OPTIONS = { SO_LINGER, SO_TYPE, SO_PROTOCOL_INFOW } as const;
export const IOCTL_COMMANDS = { FIONREAD, FIONBIO } as const;
export const MESSAGE_FLAGS = { MSG_PEEK } as const;
export const SERVICE_FLAGS = {
  XP1_CONNECTIONLESS,
  XP1_GUARANTEED_DELIVERY,
  XP1_GUARANTEED_ORDER,
  XP1_MESSAGE_ORIENTED,
  XP1_GRACEFUL_CLOSE,
  XP1_EXPEDITED_DATA,
  XP1_CONNECT_DATA,
  XP1_DISCONNECT_DATA,
  XP1_SUPPORT_BROADCAST,
  XP1_SUPPORT_MULTIPOINT,
  XP1_IFS_HANDLES,
} as const;

/** The name `group` gives `value` (`AF_INET` for 2 among ADDRESS_FAMILIES), else the number in decimal. */
export function constantName(group: Readonly<Record<string, number>>, value: number): string {
  return Object.keys(group).find((name) => group[name] === value) ?? String(value);
}

/**
 * A set of flags by name, as C writes them: `MSG_PEEK`, `XP1_GRACEFUL_CLOSE|XP1_DISCONNECT_DATA`; bits no
 * flag of `group` names are added in hex (`MSG_PEEK|0x100`); no flag at all reads `0`.
 */
export function flagNames(group: Readonly<Record<string, number>>, value: number): string {
  const named = Object.keys(group).filter((name) => (group[name] ?? 0) !== 0 && (value & (group[name] ?? 0)) === group[name]);
  const rest = named.reduce((left, name) => left & ~(group[name] ?? 0), value) >>> 0;
  const parts = rest === 0 ? named : [...named, `0x${rest.toString(16)}`];
  return parts.length > 0 ? parts.join('|') : '0';
}
