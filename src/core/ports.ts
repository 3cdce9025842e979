// The ports every backend implements. Steps talk only to these types, so a scenario cannot tell the
// reference simulator from ws2_32.dll in an agent. Everything here is plain JSON: the same shapes travel
// over the agent's control protocol (docs/agent-protocol.md).
import type { BackendName } from './backend-names';

/** A SOCKET (or other handle) value as hex, e.g. "0x1a4". Minted by the backend; a raw value is allowed. */
export type Handle = string;

export interface Endpoint {
  address: string;
  port: number;
}

/** One Winsock call. The names and fields follow the C API; `data` is hex. */
export type Call =
  | { op: 'WSAStartup'; version: number }
  | { op: 'WSACleanup' }
  | { op: 'socket'; af: number; type: number; protocol: number }
  | { op: 'bind'; s: Handle; to: Endpoint }
  | { op: 'listen'; s: Handle; backlog: number }
  | { op: 'accept'; s: Handle }
  | { op: 'connect'; s: Handle; to: Endpoint }
  /** WSAConnect with no caller or callee data and no QOS: lpCallerData, lpCalleeData, lpSQOS and lpGQOS are NULL. */
  | { op: 'WSAConnect'; s: Handle; to: Endpoint }
  | { op: 'getsockname'; s: Handle }
  | { op: 'getpeername'; s: Handle }
  | { op: 'send'; s: Handle; data: string }
  | { op: 'sendto'; s: Handle; data: string; to: Endpoint }
  | { op: 'recv'; s: Handle; len: number; flags: number }
  | { op: 'WSARecv'; s: Handle; len: number }
  /** recvfrom with a SOCKADDR_STORAGE for `from` (not reported: no rule reads it); `ret` is the byte count. */
  | { op: 'recvfrom'; s: Handle; len: number; flags: number }
  /** WSARecvFrom with one WSABUF, flags 0, a SOCKADDR_STORAGE for lpFrom, no overlapped; 0 on success, like WSARecv. */
  | { op: 'WSARecvFrom'; s: Handle; len: number }
  /**
   * WSARecv with an OVERLAPPED whose hEvent is an event object, and no completion routine. Returned: 0 with
   * `data` when it completed (at once, or after WSA_IO_PENDING when the event is signalled); SOCKET_ERROR
   * with the error when it failed at once (any error but WSA_IO_PENDING) or completed with one
   * (WSAGetOverlappedResult's). `value` is 1 when it pended first, else 0. Still pending at the bound:
   * blocked, as a blocking receive is (the socket is closed, which ends the pending receive).
   */
  | { op: 'WSARecvOverlapped'; s: Handle; len: number }
  /**
   * ReadFile on the SOCKET handle, with an OVERLAPPED as WSARecvOverlapped's: a socket is an overlapped
   * handle, for which ReadFile's page asks for one. Reported as a receive is: completed, the number of bytes
   * read (GetOverlappedResult's); failed at once or completed with an error, SOCKET_ERROR with GetLastError
   * (a Win32 code); `value` and a pending one at the bound as for WSARecvOverlapped.
   */
  | { op: 'ReadFile'; s: Handle; len: number }
  /** `buffer` is the WSABUF length offered for disconnect data; null passes a NULL pointer. */
  | { op: 'WSARecvDisconnect'; s: Handle; buffer: number | null }
  /**
   * WSARecvDisconnect(s, NULL) made from a Windows Sockets 1.1 blocking hook: WSASetBlockingHook installs a
   * hook, and recv(blockingOn, 1 byte) blocks (SO_RCVTIMEO set to `waitMs` first, so that a stack that never
   * calls the hook ends the recv itself). The hook's first call makes WSARecvDisconnect(s, NULL) and then
   * WSACancelBlockingCall; the hook is removed (WSAUnhookBlockingHook) after the recv. `ret` and `error` are
   * WSARecvDisconnect's; `blockingHook` says how the rest went (when the hook was never called, no
   * WSARecvDisconnect was made, and `ret` and `error` are 0).
   */
  | { op: 'WSARecvDisconnectInBlockingHook'; s: Handle; blockingOn: Handle; waitMs: number }
  | { op: 'shutdown'; s: Handle; how: number }
  | { op: 'setLinger'; s: Handle; onoff: number; seconds: number }
  | { op: 'getSocketType'; s: Handle }
  /** getsockopt(SOL_SOCKET, SO_PROTOCOL_INFOW): the WSAPROTOCOL_INFOW of the provider the socket belongs to. */
  | { op: 'getProtocolInfo'; s: Handle }
  | { op: 'FIONREAD'; s: Handle }
  /** ioctlsocket(FIONBIO): `nonBlocking` is the u_long passed, non-zero for non-blocking. */
  | { op: 'FIONBIO'; s: Handle; nonBlocking: number }
  | { op: 'closesocket'; s: Handle }
  | { op: 'WSAEnumProtocols' }
  /** A live handle of a kernel object that is not a socket (an event object). */
  | { op: 'createNonSocketHandle' }
  /**
   * DuplicateHandle of `s`, a handle of the process that started this one (the agent's main process, for a
   * probe), into this process: `out.handle` is the duplicate, closed with CloseHandle at release. A probe
   * that never called WSAStartup can so hold a socket's handle. No Winsock call: it works before WSAStartup.
   */
  | { op: 'duplicateFromParent'; s: Handle }
  /** Whether `module` exports `symbol` (GetProcAddress on a real system). */
  | { op: 'resolveExport'; module: string; symbol: string };

export type CallName = Call['op'];

/** The calls that receive on a socket, each as an application would make it. */
export type ReceiveCall = Extract<Call, { op: 'recv' | 'WSARecv' | 'recvfrom' | 'WSARecvFrom' | 'WSARecvOverlapped' | 'ReadFile' }>;

/** A receive of up to `len` bytes on `s`, with no flags. */
export function receiveCall(op: ReceiveCall['op'], s: Handle, len: number): ReceiveCall {
  return op === 'recv' || op === 'recvfrom' ? { op, s, len, flags: 0 } : { op, s, len };
}

/** How a WSARecvDisconnectInBlockingHook went, besides WSARecvDisconnect's own result. */
export interface BlockingHookReport {
  /** Why the agent made none of it (it cannot give Winsock a hook); absent when it did. */
  declined?: string;
  /** 0 when WSASetBlockingHook installed the hook; else WSAGetLastError after it returned NULL. */
  setError: number;
  /** How many times the stack called the hook while the recv blocked. */
  hookCalls: number;
  /** The blocking recv's return value and WSAGetLastError (WSAEINTR once cancelled); absent when it was not made. */
  recvRet?: number;
  recvError?: number;
}

export interface ProtocolInfo {
  name: string;
  af: number;
  type: number;
  protocol: number;
  serviceFlags1: number;
  /**
   * WSAPROTOCOL_INFO.ProtocolChain.ChainLen: 1 for a base provider (the stack's own implementation), 0 for a
   * layered protocol, more for a chain of layers over a base provider.
   */
  chainLen: number;
  /**
   * WSAPROTOCOL_INFO.ProviderId, the GUID of the provider, as StringFromGUID2 writes it
   * (`{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}`): what names Windows' own TCP/IP (NATIVE_TCPIP_PROVIDER_IDS).
   */
  providerId: string;
}

/**
 * The byte a WSARecvDisconnect buffer is filled with before the call. The whole buffer comes back with
 * the outcome, so the controller can tell a buffer left untouched from bytes written into it. Every
 * implementation of the call fills it: the agents and the simulator; agents/native/src/protocol.h states it
 * again in C, and test/unit/native-protocol.test.ts holds the two equal.
 */
export const DISCONNECT_BUFFER_FILL = 0xa5;

/** What a call produced besides its return value. Only the fields the call defines are present. */
export interface CallOutputs {
  handle?: Handle;
  data?: string;
  endpoint?: Endpoint;
  /** A count or a type (FIONREAD, getSocketType, WSAStartup's version); WSARecvOverlapped and ReadFile: 1 when it pended first. */
  value?: number;
  protocols?: ProtocolInfo[];
  /** getProtocolInfo: the socket's own provider. */
  protocolInfo?: ProtocolInfo;
  /**
   * WSARecvDisconnect: the WSABUF length after the call (bytes of disconnect data, or the size needed).
   * Its `data` is then the whole buffer after the call, which was filled with DISCONNECT_BUFFER_FILL
   * before it.
   */
  bufferLength?: number;
  /** WSARecvDisconnectInBlockingHook: the hook, and the blocking call it was called during. */
  blockingHook?: BlockingHookReport;
}

export interface Returned {
  status: 'returned';
  /** The C return value; SOCKET_ERROR is -1 and INVALID_SOCKET is reported as -1 too. */
  ret: number;
  /** WSAGetLastError read right after the call; 0 when the call succeeded. */
  error: number;
  /**
   * How long the call took, as the backend itself reports it (the agent's own timing; the simulator's
   * virtual clock). Recorded, never trusted alone: the World times each call's round trip on the
   * controller's clock (Testbed.now) beside it, and timing checks rest on that.
   */
  elapsedMs: number;
  out: CallOutputs;
}

/** The call had not returned when its bound ran out; the backend unblocked it and its result is unknown. */
export interface StillBlocked {
  status: 'blocked';
  boundMs: number;
}

export type CallOutcome = Returned | StillBlocked;

/** A process with its own Winsock state. The main one starts with Winsock initialised (as node.exe does). */
export interface WinsockProcess {
  call(call: Call, boundMs: number): Promise<CallOutcome>;
  /** Close every handle this process minted in the current scenario (a fresh probe process is ended). */
  release(): Promise<void>;
}

export type PeerEvent =
  | { kind: 'data'; bytes: number }
  | { kind: 'eof' }
  | { kind: 'reset'; detail: string }
  | { kind: 'datagram'; bytes: number }
  /**
   * An ICMP error about the flow, as a connected datagram socket is told of it: its errno (ECONNREFUSED for
   * port unreachable; EHOSTUNREACH, ENETUNREACH, ENOPROTOOPT, EPROTO... for the others a BSD socket reports).
   */
  | { kind: 'icmp-error'; detail: string };

/** Something the peer watches: the next event within a window, or null when the window passed quietly. */
export interface PeerWatch {
  next(withinMs: number): Promise<PeerEvent | null>;
}

export interface PeerStream extends PeerWatch {
  /** The connection's two ends as the peer's own socket names them: its end, and the far end (the backend's socket). */
  readonly local: Endpoint;
  readonly remote: Endpoint;
  send(data: string): Promise<void>;
  /**
   * The remote application stops reading: what arrives stays in its receive buffer, whose window closes
   * once it is full, so the other side's data waits unsent. Data is reported as events when read.
   */
  pauseReading(): Promise<void>;
  /** The remote application reads again, from what its buffer holds on. */
  resumeReading(): Promise<void>;
  /** Half-close: the peer sends FIN. */
  endWriting(): Promise<void>;
  /** Close the circuit with disconnect data; only where the protocol carries it. */
  disconnectWithData(data: string): Promise<void>;
}

export interface PeerListener {
  readonly endpoint: Endpoint;
  accept(withinMs: number): Promise<PeerStream>;
}

export interface PeerDatagramSocket extends PeerWatch {
  readonly endpoint: Endpoint;
  /** Connect, so that an ICMP error for this flow is reported to the peer (an icmp-error event). */
  connect(to: Endpoint): Promise<void>;
  send(data: string): Promise<void>;
}

/** The remote party on the network: the simulator's modelled host, or the controller's own sockets. */
export interface Peer {
  /** Listen for one connection of `protocol` (TCP, or a protocol from the backend's catalogue). */
  listen(protocol: ProtocolInfo): Promise<PeerListener>;
  connect(protocol: ProtocolInfo, to: Endpoint): Promise<PeerStream>;
  openDatagramSocket(): Promise<PeerDatagramSocket>;
  /** Which protocols the peer can speak; a scenario needing another one is not applicable. */
  speaks(protocol: ProtocolInfo): boolean;
}

export interface WirePacket {
  /** Milliseconds since the scenario's capture started. */
  t: number;
  proto: 'tcp' | 'udp' | 'icmp' | string;
  from: Endpoint;
  to: Endpoint;
  /** TCP flags in tcpdump order, e.g. ['SYN'], ['FIN','ACK'], ['RST']. */
  flags: string[];
  length: number;
  /** TCP's sequence and acknowledgement numbers and window field, as in its header, where the wire knows them (the simulator models the window alone). */
  seq?: number;
  ack?: number;
  win?: number;
  icmp?: { type: number; code: number };
  /** On a SYN or SYN-ACK a capture decoded: what it tells of the TCP/IP stack that sent it (its fingerprint). */
  syn?: SynSignature;
}

/**
 * The parts of a SYN or SYN-ACK that differ from one TCP/IP stack to another (p0f's signature, less what
 * depends on the link): the IP header's TTL and don't-fragment bit and the TCP options in the order sent.
 * The window is the segment's `win`.
 */
export interface SynSignature {
  /** IPv4's time to live or IPv6's hop limit, as captured: the sender's initial value less the hops it crossed. */
  ttl: number;
  /** IPv4's don't-fragment bit; null on IPv6, which has none. */
  df: boolean | null;
  /**
   * The TCP options in the order sent, by the names tcpdump prints: `mss`, `sackOK`, `TS`, `nop`, `wscale`,
   * `eol`, `sack`; another kind as `opt-N`. What follows an end-of-list is not listed.
   */
  options: string[];
  /** The maximum segment size option's value, and the window scale's shift count; null when not sent. */
  mss: number | null;
  wscale: number | null;
}

/**
 * The ICMP messages that report an error about a packet (RFC 792, RFC 4443), by protocol: destination
 * unreachable, source quench, time exceeded and parameter problem for ICMP; destination unreachable,
 * packet too big, time exceeded and parameter problem for ICMPv6. Echo and the other queries are not errors.
 */
const ICMP_ERROR_TYPES: Record<string, readonly number[]> = { icmp: [3, 4, 11, 12], icmp6: [1, 2, 3, 4] };

/** Whether a packet on the wire is an ICMP error message; its `to` is then the port of the packet it quotes. */
export function isIcmpError(packet: WirePacket): boolean {
  return packet.icmp !== undefined && (ICMP_ERROR_TYPES[packet.proto]?.includes(packet.icmp.type) ?? false);
}

/** One scenario's capture. */
export interface WireSlice {
  packets: WirePacket[];
  /** The same packets as a pcap file, from a real capture; null from a model, or when nothing was seen. */
  pcap: Buffer | null;
}

/** Packet capture. The peer's own observations are the first line of proof; the wire sees what they cannot (a bare ACK). */
export interface Wire {
  start(): Promise<void>;
  /** The scenario's packets so far, every one sent before this call included; the capture goes on. */
  seen(): Promise<WirePacket[]>;
  stop(): Promise<WireSlice>;
  /**
   * How many of the scenario's packets there are now, where the wire knows it at once (a model's): the
   * scenario's timeline then orders its calls and marks among packets of the same moment, which a virtual
   * clock does not tell apart. A capture, which must wait for its packets, leaves it out.
   */
  packetsSoFar?(): number;
}

export type FaultName = 'network-down';

export interface Testbed {
  readonly backend: BackendName;
  readonly peer: Peer;
  /** null where nothing is captured: notCapturedBecause says why. */
  readonly wire: Wire | null;
  /**
   * Why `wire` is null, the one reason that applied (e.g. "capture=off turned it off", "capture needs root,
   * and this run is not root"); null where there is a wire.
   */
  readonly notCapturedBecause: string | null;
  /** Faults this backend can produce on demand; real stacks offer none. */
  readonly faults: readonly FaultName[];
  /** The backend's clock, in ms. The simulator's is virtual: waiting on it costs no real time. */
  now(): number;
  /**
   * The address of the implementation's host as the peer reaches it: where a scenario binds a socket the
   * peer sends to. 127.0.0.1 when the two share a host; for an agent on another host, the address its
   * connection to the peer came from, as the peer saw it. Known once mainProcess() has resolved.
   */
  hostAddress(): string;
  /** The process scenarios run in; started once per run. */
  mainProcess(): Promise<WinsockProcess>;
  /** A fresh process in which Winsock has never been initialised (or has been cleaned up to zero). */
  uninitialisedProcess(): Promise<WinsockProcess>;
  inject(fault: FaultName): Promise<void>;
  /** Undo injected faults and forget scenario state; called after every scenario. */
  endScenario(): Promise<void>;
  /** Facts recorded with every run: versions, revision, host. */
  metadata(): Promise<Record<string, string>>;
  /**
   * Why this backend keeps `requirement` by its own construction rather than by the behaviour under test
   * (the POSIX column's porting table), or null. Such a scenario is N/A: its verdict would tell nothing.
   */
  keptByConstruction?(requirement: string): string | null;
  close(): Promise<void>;
}

/** What a backend's module gives the registry (src/testbeds/registry.ts, which names and describes it). */
export interface TestbedFactory {
  /** Throw a one-line error naming the valid options if `options` has one this backend does not take. */
  checkOptions(options: Record<string, string>): void;
  create(options: Record<string, string>): Promise<Testbed>;
}
