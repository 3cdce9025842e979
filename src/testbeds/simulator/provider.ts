// The simulated Winsock provider: one process's view of Winsock (start-up count, handle table, sockets)
// on top of the simulated network. Each call is answered from the model's state, never from a table of
// canned answers. It keeps every rule of the page; where the page leaves a behaviour open it follows the
// run's choice (options.ts). The mutants (mutants.ts) are subclasses that override the protected methods
// below, each where the implementation it models does otherwise.
import type {
  BlockingHookReport,
  Call,
  CallOutcome,
  CallOutputs,
  Endpoint,
  FaultName,
  Handle,
  ProtocolInfo,
  ReceiveCall,
  WinsockProcess,
} from '../../core/ports';
import {
  AF_DECNET,
  AF_INET,
  BASE_PROTOCOL,
  AF_ISO,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MSG_PEEK,
  NATIVE_TCPIP_PROVIDER_IDS,
  SD_BOTH,
  SD_RECEIVE,
  SD_SEND,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOCKET_ERROR,
  WSA_ERRORS,
  XP1_CONNECT_DATA,
  XP1_CONNECTIONLESS,
  XP1_DISCONNECT_DATA,
  XP1_EXPEDITED_DATA,
  XP1_GRACEFUL_CLOSE,
  XP1_GUARANTEED_DELIVERY,
  XP1_GUARANTEED_ORDER,
  XP1_IFS_HANDLES,
  XP1_MESSAGE_ORIENTED,
  type WsaErrorName,
  WINSOCK_1_1,
  WINSOCK_2_2,
} from '../../core/winsock';
import { DISCONNECT_BUFFER_FILL } from '../../core/ports';
import { Connection, DatagramEndpoint, Listener, SEND_BUFFER } from './endpoints';
import { LOOPBACK, type Network, type Transport } from './network';
import type { SimulatorChoices } from './options';

export interface SimProtocol extends ProtocolInfo {
  transport: Transport;
  /** TCP/IP, where WSAENOPROTOOPT for disconnect data is optional. */
  ipFamily: boolean;
}

/** The catalogue WSAEnumProtocols reports: the native TCP/IP pair (with the ProviderId of Windows' own,
 *  MSAFD Tcpip), two connection-oriented protocols from other families so that both sides of
 *  XP1_DISCONNECT_DATA can be exercised, and a layered provider. The other providers' GUIDs are made up. */
export function protocolCatalogue(): SimProtocol[] {
  const tcpFlags = XP1_GUARANTEED_DELIVERY | XP1_GUARANTEED_ORDER | XP1_GRACEFUL_CLOSE | XP1_EXPEDITED_DATA | XP1_IFS_HANDLES;
  const seqpacket = XP1_GUARANTEED_DELIVERY | XP1_GUARANTEED_ORDER | XP1_MESSAGE_ORIENTED | XP1_GRACEFUL_CLOSE;
  return [
    {
      name: 'Simulated Tcpip [TCP/IP]',
      af: AF_INET,
      type: SOCK_STREAM,
      protocol: IPPROTO_TCP,
      serviceFlags1: tcpFlags,
      chainLen: BASE_PROTOCOL,
      providerId: NATIVE_TCPIP_PROVIDER_IDS.MSAFD_TCPIP,
      transport: 'tcp',
      ipFamily: true,
    },
    {
      name: 'Simulated Tcpip [UDP/IP]',
      af: AF_INET,
      type: SOCK_DGRAM,
      protocol: IPPROTO_UDP,
      serviceFlags1: XP1_CONNECTIONLESS | XP1_MESSAGE_ORIENTED | XP1_IFS_HANDLES,
      chainLen: BASE_PROTOCOL,
      providerId: NATIVE_TCPIP_PROVIDER_IDS.MSAFD_TCPIP,
      transport: 'udp',
      ipFamily: true,
    },
    {
      name: 'Simulated DECnet NSP [with disconnect data]',
      af: AF_DECNET,
      type: SOCK_SEQPACKET,
      protocol: 1,
      serviceFlags1: seqpacket | XP1_CONNECT_DATA | XP1_DISCONNECT_DATA,
      chainLen: BASE_PROTOCOL,
      providerId: '{5E0DEC00-0000-4000-8000-00000000DEC0}',
      transport: 'nsp',
      ipFamily: false,
    },
    {
      name: 'Simulated OSI TP4 [without disconnect data]',
      af: AF_ISO,
      type: SOCK_SEQPACKET,
      protocol: 29,
      serviceFlags1: seqpacket,
      chainLen: BASE_PROTOCOL,
      providerId: '{5E0DEC00-0000-4000-8000-0000000050F4}',
      transport: 'nsp',
      ipFamily: false,
    },
    // A layered provider over TCP/IP (an LSP's protocol chain) that says it carries disconnect data: not
    // the native implementation, so remarks.native-tcpip-no-disconnect-data does not apply to it.
    {
      name: 'Simulated layered provider over Tcpip [TCP/IP]',
      af: AF_INET,
      type: SOCK_STREAM,
      protocol: IPPROTO_TCP,
      serviceFlags1: tcpFlags | XP1_DISCONNECT_DATA,
      chainLen: 2,
      providerId: '{5E0DEC00-0000-4000-8000-00000000015F}',
      transport: 'tcp',
      ipFamily: true,
    },
  ];
}

/** A protocol's WSAPROTOCOL_INFO, as WSAEnumProtocols and getsockopt(SO_PROTOCOL_INFOW) report it. */
function protocolInfo({ name, af, type, protocol, serviceFlags1, chainLen, providerId }: SimProtocol): ProtocolInfo {
  return { name, af, type, protocol, serviceFlags1, chainLen, providerId };
}

/** Whether a protocol really carries disconnect data: it says so, and its transport has room for it on the FIN. */
export function carriesDisconnectData(protocol: SimProtocol): boolean {
  return (protocol.serviceFlags1 & XP1_DISCONNECT_DATA) !== 0 && protocol.transport === 'nsp';
}

/** What the simulated ws2_32.dll exports: the functions the model implements. */
const WS2_32_EXPORTS = [
  'WSAStartup',
  'WSACleanup',
  'WSAGetLastError',
  'socket',
  'bind',
  'listen',
  'accept',
  'connect',
  'WSAConnect',
  'getsockname',
  'getpeername',
  'send',
  'sendto',
  'recv',
  'WSARecv',
  'recvfrom',
  'WSARecvFrom',
  'WSAGetOverlappedResult',
  'WSARecvDisconnect',
  'shutdown',
  'setsockopt',
  'getsockopt',
  'ioctlsocket',
  'closesocket',
  'WSAEnumProtocolsW',
  'WSACreateEvent',
];

export interface SocketEntry {
  kind: 'socket';
  protocol: SimProtocol;
  localPort: number | null;
  /** False for an accepted socket, which shares its listener's port. */
  ownsPort: boolean;
  listener: Listener | null;
  conn: Connection | null;
  dgram: DatagramEndpoint | null;
  receiveShutdown: boolean;
  sendShutdown: boolean;
  /** WSARecvDisconnect succeeded on it (reuse is then a provider's choice). */
  recvDisconnected: boolean;
  linger: { onoff: number; seconds: number };
  /** FIONBIO: a call that would block fails with WSAEWOULDBLOCK instead. */
  nonBlocking: boolean;
}

type Entry = SocketEntry | { kind: 'event' };

export class Fail {
  /** `out`: what a failing call still reports, such as the size WSAEFAULT needed. */
  constructor(
    readonly code: WsaErrorName,
    readonly out: CallOutputs = {},
  ) {}
}

/**
 * A call that returns a value with outputs. `elapsedMs` is how long it waits before returning (Infinity:
 * until something that cannot happen during the call); `reportedMs` is the time a misreporting agent claims
 * instead, answering at its bound as if the call had returned.
 */
export interface Success {
  ret: number;
  out?: CallOutputs;
  elapsedMs?: number;
  reportedMs?: number;
}

/** A call either returns, fails with a WSA code, or would block. */
export type Answer = Success | Fail | 'would-block';

/** A WSARecv-style answer: 0 on success, the byte count going through lpNumberOfBytesRecvd (the data). */
function returnsZero(answer: Answer): Answer {
  return answer === 'would-block' || answer instanceof Fail ? answer : { ...answer, ret: 0 };
}

/** How ending reception was asked for: both calls take the same path. */
export type ReceptionEnder = 'shutdown' | 'WSARecvDisconnect';

/** The application's disconnect-data buffer of `size` bytes, as the agent hands it over (DISCONNECT_BUFFER_FILL, src/core/ports.ts). */
export function applicationBuffer(size: number): Buffer {
  return Buffer.alloc(size, DISCONNECT_BUFFER_FILL);
}

/** What comes back of a disconnect-data buffer: the WSABUF's length and the whole buffer. */
export function handBack(buffer: Buffer, bufferLength: number): CallOutputs {
  return { bufferLength, data: buffer.toString('hex') };
}

/** Whether a connection-oriented socket is connected: its connection got past the handshake. */
function isConnected(conn: Connection | null): boolean {
  return conn !== null && conn.state !== 'syn-sent' && conn.state !== 'refused';
}

const FIRST_HANDLE = 0x100;

/** MAKEWORD(2, 2): the version the main process negotiated, as node.exe and the agents do at start. */

/** The version WSAStartup negotiates for `requested`, as Winsock answers it: 2.2 at most, 1.1 for 1.x above 1.1. */
function negotiatedVersion(requested: number): number {
  const major = requested & 0xff;
  const minor = requested >> 8;
  if (major >= 2) return WINSOCK_2_2;
  return major === 1 && minor > 1 ? WINSOCK_1_1 : requested;
}

export class SimulatedProcess implements WinsockProcess {
  protected startupCount: number;
  /** The Windows Sockets version the process's first WSAStartup negotiated (wVersion). */
  private version: number;
  /** A Windows Sockets 1.1 blocking call is in progress: the blocking hook is running. */
  private blockingCallInProgress = false;
  private readonly handles = new Map<Handle, Entry>();
  /** Handles duplicated from the parent: they name the parent's sockets, which closing them leaves open. */
  private readonly duplicates = new Set<Handle>();
  private nextHandle = FIRST_HANDLE;
  readonly faults = new Set<FaultName>();
  private readonly protocols = this.catalogue();

  constructor(
    protected readonly net: Network,
    private readonly options: { readonly choices: SimulatorChoices },
    winsockInitialised: boolean,
    /** The process that started this one (the main process, for a probe); null for the main process. */
    private readonly parent: SimulatedProcess | null = null,
  ) {
    this.startupCount = winsockInitialised ? 1 : 0;
    this.version = WINSOCK_2_2;
  }

  /** The protocols WSAEnumProtocols reports and socket creates. Read while the provider is constructed. */
  protected catalogue(): SimProtocol[] {
    return protocolCatalogue();
  }

  /** Whether ws2_32.dll exports `symbol`. */
  protected ws2_32Exports(symbol: string): boolean {
    return WS2_32_EXPORTS.includes(symbol);
  }

  async call(call: Call, boundMs: number): Promise<CallOutcome> {
    const answer = this.answer(call);
    if (answer === 'would-block') {
      this.net.clock.advance(boundMs);
      return { status: 'blocked', boundMs };
    }
    if (answer instanceof Fail) return { status: 'returned', ret: SOCKET_ERROR, error: WSA_ERRORS[answer.code], elapsedMs: 0, out: answer.out };
    const waits = answer.elapsedMs ?? 0;
    const out = answer.out ?? {};
    if (waits > boundMs) {
      // The agent's bound ends the wait: the call is reported blocked, unless its agent misreports it.
      this.net.clock.advance(boundMs);
      if (answer.reportedMs !== undefined) return { status: 'returned', ret: answer.ret, error: 0, elapsedMs: answer.reportedMs, out };
      return { status: 'blocked', boundMs };
    }
    this.net.clock.advance(waits);
    return { status: 'returned', ret: answer.ret, error: 0, elapsedMs: answer.reportedMs ?? waits, out };
  }

  async release(): Promise<void> {
    for (const [handle, entry] of this.handles) {
      if (entry.kind === 'socket' && !this.duplicates.has(handle)) this.closeSocket(entry);
      this.handles.delete(handle);
    }
    this.duplicates.clear();
  }

  protected answer(call: Call): Answer {
    switch (call.op) {
      case 'WSAStartup':
        if (this.startupCount === 0) this.version = negotiatedVersion(call.version);
        this.startupCount += 1;
        return { ret: 0, out: { value: this.version } };
      case 'createNonSocketHandle':
        return { ret: 0, out: { handle: this.mint({ kind: 'event' }) } };
      case 'duplicateFromParent':
        return this.duplicateFromParent(call.s);
      case 'resolveExport':
        return { ret: call.module.toLowerCase() === 'ws2_32.dll' && this.ws2_32Exports(call.symbol) ? 1 : 0 };
      default:
        break;
    }
    if (this.startupCount === 0) return new Fail('WSANOTINITIALISED');
    if (call.op === 'WSACleanup') {
      this.startupCount -= 1;
      if (this.startupCount === 0) void this.release();
      return { ret: 0 };
    }
    if (call.op === 'WSAEnumProtocols') {
      const protocols = this.protocols.map(protocolInfo);
      return { ret: protocols.length, out: { protocols } };
    }
    const faulted = this.faultFor(call);
    if (faulted) return faulted;
    if (call.op === 'socket') return this.socket(call.af, call.type, call.protocol);
    if (call.op === 'WSARecvDisconnectInBlockingHook') return this.recvDisconnectInBlockingHook(call.s, call.blockingOn);

    const entry = this.handles.get(call.s);
    if (!entry || entry.kind !== 'socket') return new Fail('WSAENOTSOCK');
    const answer = this.socketCall(entry, call);
    return answer === 'would-block' && entry.nonBlocking ? new Fail('WSAEWOULDBLOCK') : answer;
  }

  /**
   * Winsock 1.1's blocking hook: a recv on `blockingOn` that would block calls the hook while it is in
   * progress; the hook makes WSARecvDisconnect(s, NULL), then WSACancelBlockingCall ends the recv with
   * WSAEINTR. Winsock 2 removed blocking hooks: WSASetBlockingHook fails with WSAEOPNOTSUPP in a process
   * that negotiated 2.x.
   */
  private recvDisconnectInBlockingHook(s: Handle, blockingOn: Handle): Answer {
    if ((this.version & 0xff) >= 2) return { ret: 0, out: { blockingHook: { setError: WSA_ERRORS.WSAEOPNOTSUPP, hookCalls: 0 } } };
    const entry = this.handles.get(blockingOn);
    const recv: Answer = !entry || entry.kind !== 'socket' ? new Fail('WSAENOTSOCK') : this.recv(entry, 1, false, 'recv');
    const blocks = recv === 'would-block' && !(entry?.kind === 'socket' && entry.nonBlocking);
    if (!blocks) {
      const ended = recv === 'would-block' ? new Fail('WSAEWOULDBLOCK') : recv;
      const report: BlockingHookReport =
        ended instanceof Fail
          ? { setError: 0, hookCalls: 0, recvRet: SOCKET_ERROR, recvError: WSA_ERRORS[ended.code] }
          : { setError: 0, hookCalls: 0, recvRet: ended.ret, recvError: 0 };
      return { ret: 0, out: { blockingHook: report } };
    }
    this.blockingCallInProgress = true;
    const inHook = this.answer({ op: 'WSARecvDisconnect', s, buffer: null });
    // WSACancelBlockingCall: the recv ends with WSAEINTR.
    this.blockingCallInProgress = false;
    const blockingHook: BlockingHookReport = { setError: 0, hookCalls: 1, recvRet: SOCKET_ERROR, recvError: WSA_ERRORS.WSAEINTR };
    if (inHook instanceof Fail) return new Fail(inHook.code, { ...inHook.out, blockingHook });
    if (inHook === 'would-block') return 'would-block';
    return { ...inHook, out: { ...inHook.out, blockingHook } };
  }

  /** The calls on one socket; the blocking hook's call, which names two, is answered before. */
  private socketCall(
    entry: SocketEntry,
    call: Exclude<Extract<Call, { s: Handle }>, { op: 'duplicateFromParent' | 'WSARecvDisconnectInBlockingHook' }>,
  ): Answer {
    switch (call.op) {
      case 'bind':
        return this.bind(entry, call.to);
      case 'listen':
        return this.listen(entry);
      case 'accept':
        return this.accept(entry);
      case 'connect':
      case 'WSAConnect':
        return this.connect(entry, call.to);
      case 'getsockname':
        return this.localName(entry);
      case 'getpeername':
        return this.peerName(entry);
      case 'send':
        return this.send(entry, Buffer.from(call.data, 'hex'), null);
      case 'sendto':
        return this.send(entry, Buffer.from(call.data, 'hex'), call.to);
      case 'recv':
      case 'recvfrom':
        return this.recv(entry, call.len, (call.flags & MSG_PEEK) !== 0, call.op);
      case 'ReadFile':
        return this.recv(entry, call.len, false, call.op);
      case 'WSARecv':
      case 'WSARecvFrom':
        return returnsZero(this.recv(entry, call.len, false, call.op));
      case 'WSARecvOverlapped': {
        // The model completes a receive at once or not at all: one it cannot complete pends until the bound.
        const answer = returnsZero(this.recv(entry, call.len, false, call.op));
        if (answer instanceof Fail) return new Fail(answer.code, { value: 0 });
        return answer === 'would-block' ? answer : { ...answer, out: { ...answer.out, value: 0 } };
      }
      case 'WSARecvDisconnect':
        return this.recvDisconnect(entry, call.buffer);
      case 'shutdown':
        return this.shutdown(entry, call.how);
      case 'setLinger':
        entry.linger = { onoff: call.onoff, seconds: call.seconds };
        return { ret: 0 };
      case 'getSocketType':
        return { ret: 0, out: { value: entry.protocol.type } };
      case 'getProtocolInfo':
        return { ret: 0, out: { protocolInfo: protocolInfo(entry.protocol) } };
      case 'FIONREAD':
        return { ret: 0, out: { value: entry.conn?.queuedBytes() ?? entry.dgram?.queuedBytes() ?? 0 } };
      case 'FIONBIO':
        entry.nonBlocking = call.nonBlocking !== 0;
        return { ret: 0 };
      case 'closesocket':
        if (!this.duplicates.delete(call.s)) this.closeSocket(entry);
        this.handles.delete(call.s);
        return { ret: 0 };
    }
  }

  /**
   * DuplicateHandle from the parent: a new handle of this process naming the parent's object, a kernel
   * call that needs no WSAStartup. A handle the parent does not hold fails; a real system reports
   * ERROR_INVALID_HANDLE through GetLastError, which has no name among the WSA codes, so WSAEBADF stands for it.
   */
  private duplicateFromParent(source: Handle): Answer {
    const entry = this.parent?.handles.get(source);
    if (!entry) return new Fail('WSAEBADF');
    const handle = this.mint(entry);
    this.duplicates.add(handle);
    return { ret: 0, out: { handle } };
  }

  /**
   * An injected fault fails every call that takes a socket, before the socket is looked at; so does a
   * Windows Sockets 1.1 blocking call in progress, for a call made from its blocking hook.
   */
  private faultFor(call: Call): Fail | null {
    const faults = this.faultsFelt(call);
    if (faults.has('network-down')) return new Fail('WSAENETDOWN');
    if (this.blockingCallInProgress && this.feelsBlockingCall(call)) return new Fail('WSAEINPROGRESS');
    return null;
  }

  /** Whether a call made from the blocking hook fails because a blocking call is in progress: every one does. */
  protected feelsBlockingCall(_call: Call): boolean {
    return true;
  }

  /** The injected faults a call feels: every one. */
  protected faultsFelt(_call: Call): ReadonlySet<FaultName> {
    return this.faults;
  }

  private mint(entry: Entry): Handle {
    const handle = `0x${this.nextHandle.toString(16)}`;
    this.nextHandle += 4;
    this.handles.set(handle, entry);
    return handle;
  }

  private socket(af: number, type: number, protocol: number): Answer {
    const found = this.protocols.find((p) => p.af === af && p.type === type && (protocol === 0 || p.protocol === protocol));
    if (!found) return new Fail(this.protocols.some((p) => p.af === af) ? 'WSAEPROTONOSUPPORT' : 'WSAEAFNOSUPPORT');
    return { ret: 0, out: { handle: this.mint(this.newSocketEntry(found)) } };
  }

  private newSocketEntry(protocol: SimProtocol): SocketEntry {
    return {
      kind: 'socket',
      protocol,
      localPort: null,
      ownsPort: true,
      listener: null,
      conn: null,
      dgram: null,
      receiveShutdown: false,
      sendShutdown: false,
      recvDisconnected: false,
      linger: { onoff: 0, seconds: 0 },
      nonBlocking: false,
    };
  }

  private bind(entry: SocketEntry, to: Endpoint): Answer {
    if (entry.localPort !== null) return new Fail('WSAEINVAL');
    const transport = entry.protocol.transport;
    if (to.port !== 0 && this.net.isReserved(transport, to.port)) return new Fail('WSAEADDRINUSE');
    if (to.port === 0) entry.localPort = this.net.allocatePort(transport);
    else {
      this.net.reserve(transport, to.port);
      entry.localPort = to.port;
    }
    if (transport === 'udp') this.openDatagram(entry, entry.localPort);
    return { ret: 0 };
  }

  private ensureBound(entry: SocketEntry): number {
    if (entry.localPort === null) {
      entry.localPort = this.net.allocatePort(entry.protocol.transport);
      if (entry.protocol.transport === 'udp') this.openDatagram(entry, entry.localPort);
    }
    return entry.localPort;
  }

  private openDatagram(entry: SocketEntry, port: number): void {
    entry.dgram = new DatagramEndpoint(this.net, port);
    this.net.bind('udp', port, entry.dgram);
  }

  private listen(entry: SocketEntry): Answer {
    const transport = entry.protocol.transport;
    if (transport === 'udp') return new Fail('WSAEOPNOTSUPP');
    if (entry.localPort === null) return new Fail('WSAEINVAL');
    if (!entry.listener) {
      entry.listener = new Listener(this.net, transport, entry.localPort);
      this.net.bind(transport, entry.localPort, entry.listener);
    }
    return { ret: 0 };
  }

  protected localName(entry: SocketEntry): Answer {
    return entry.localPort === null ? new Fail('WSAEINVAL') : { ret: 0, out: { endpoint: { address: LOOPBACK, port: entry.localPort } } };
  }

  private accept(entry: SocketEntry): Answer {
    if (!entry.listener) return new Fail('WSAEINVAL');
    const conn = entry.listener.pending.shift();
    if (!conn) return 'would-block';
    const child: SocketEntry = { ...this.newSocketEntry(entry.protocol), localPort: entry.localPort, ownsPort: false, conn };
    return { ret: 0, out: { handle: this.mint(child) } };
  }

  private connect(entry: SocketEntry, to: Endpoint): Answer {
    if (entry.protocol.transport === 'udp') {
      this.ensureBound(entry);
      if (entry.dgram) entry.dgram.connectedTo = to.port;
      return { ret: 0 };
    }
    if (entry.listener) return new Fail('WSAEINVAL');
    if (entry.conn) {
      const finished = entry.conn.state === 'reset' || entry.conn.state === 'aborted' || (entry.conn.finSent && entry.conn.finReceived);
      const reusable = entry.recvDisconnected && finished && this.options.choices.reuseAfterRecvDisconnect === 'supported';
      if (!reusable) return new Fail('WSAEISCONN');
      entry.conn.detach();
      entry.conn = null;
      entry.receiveShutdown = false;
      entry.sendShutdown = false;
      entry.recvDisconnected = false;
    }
    const conn = new Connection(this.net, entry.protocol.transport as 'tcp' | 'nsp', this.ensureBound(entry), 'syn-sent');
    entry.conn = conn;
    conn.open(to.port);
    if (conn.state === 'established') return { ret: 0 };
    conn.detach();
    entry.conn = null;
    return new Fail('WSAECONNREFUSED');
  }

  /** The connected peer's name: a TCP connection's remote end (also after the connection was reset), a connected UDP socket's. */
  private peerName(entry: SocketEntry): Answer {
    const remote = entry.conn && entry.conn.state !== 'syn-sent' && entry.conn.state !== 'refused' ? entry.conn.remote : (entry.dgram?.connectedTo ?? null);
    return remote === null ? new Fail('WSAENOTCONN') : { ret: 0, out: { endpoint: { address: LOOPBACK, port: remote } } };
  }

  private connectionFailure(entry: SocketEntry): Fail | null {
    const conn = entry.conn;
    if (!conn || conn.state === 'syn-sent' || conn.state === 'refused' || conn.state === 'syn-received') return new Fail('WSAENOTCONN');
    if (conn.state === 'reset') return new Fail('WSAECONNRESET');
    if (conn.state === 'aborted') return new Fail('WSAECONNABORTED');
    return null;
  }

  private send(entry: SocketEntry, data: Buffer, to: Endpoint | null): Answer {
    if (entry.sendShutdown) return new Fail('WSAESHUTDOWN');
    if (entry.protocol.transport === 'udp') {
      this.ensureBound(entry);
      const dst = to?.port ?? entry.dgram?.connectedTo ?? null;
      if (dst === null || !entry.dgram) return new Fail('WSAENOTCONN');
      entry.dgram.send(dst, data);
      return { ret: data.length };
    }
    const failure = this.connectionFailure(entry);
    if (failure) return failure;
    // The send buffer takes what the remote's window does not: up to SEND_BUFFER bytes wait unsent.
    const conn = entry.conn as Connection;
    let taken = 0;
    while (taken < data.length) {
      const room = SEND_BUFFER - conn.unsentBytes();
      if (room <= 0) break;
      const piece = data.subarray(taken, taken + room);
      conn.send(piece);
      taken += piece.length;
    }
    // A blocking send returns once all its data is buffered; a non-blocking one takes what fits.
    if (taken < data.length && (!entry.nonBlocking || taken === 0)) return 'would-block';
    return { ret: taken };
  }

  private recv(entry: SocketEntry, len: number, peek: boolean, via: ReceiveCall['op']): Answer {
    const cutShort = this.answerBeforeReading(entry, via);
    if (cutShort) return cutShort;
    if (entry.dgram) {
      const datagram = entry.dgram.queue[0];
      if (datagram) {
        if (!peek) entry.dgram.queue.shift();
        return { ret: Math.min(len, datagram.length), out: { data: datagram.subarray(0, len).toString('hex') } };
      }
      if (entry.dgram.refused) {
        entry.dgram.refused = false;
        return new Fail('WSAECONNRESET');
      }
      return 'would-block';
    }
    if (entry.protocol.transport === 'udp') return 'would-block';
    const failure = this.connectionFailure(entry);
    if (failure) return failure;
    const conn = entry.conn as Connection;
    if (conn.queuedBytes() > 0) {
      const data = conn.read(len, peek);
      return { ret: data.length, out: { data: data.toString('hex') } };
    }
    if (conn.finReceived) {
      // A message-oriented protocol reports the peer's graceful close as WSAEDISCON, TCP as a zero return.
      return entry.protocol.transport === 'nsp' ? new Fail('WSAEDISCON') : { ret: 0, out: { data: '' } };
    }
    return 'would-block';
  }

  /** What a receive (any of them, `via`) answers before it reads anything: WSAESHUTDOWN once reception has ended; null reads on. */
  protected answerBeforeReading(entry: SocketEntry, _via: ReceiveCall['op']): Answer | null {
    return entry.receiveShutdown ? new Fail('WSAESHUTDOWN') : null;
  }

  /** The one path both shutdown(SD_RECEIVE) and WSARecvDisconnect take to end reception. */
  protected disableReception(entry: SocketEntry, via: ReceptionEnder): void {
    entry.receiveShutdown = true;
    if (entry.conn) this.disableConnectionReception(entry.conn);
    if (via === 'WSARecvDisconnect') entry.recvDisconnected = true;
  }

  /** Per the page, data still queued resets the connection, and so does data that arrives later. */
  protected disableConnectionReception(conn: Connection): void {
    conn.shutdownReceive(true);
  }

  protected shutdown(entry: SocketEntry, how: number): Answer {
    if (how !== SD_RECEIVE && how !== SD_SEND && how !== SD_BOTH) return new Fail('WSAEINVAL');
    if (entry.protocol.transport !== 'udp' && !isConnected(entry.conn)) return new Fail('WSAENOTCONN');
    if (how !== SD_SEND) this.disableReception(entry, 'shutdown');
    if (how !== SD_RECEIVE) {
      entry.sendShutdown = true;
      entry.conn?.sendFin();
    }
    return { ret: 0 };
  }

  /** WSARecvDisconnect: refused where the page says so; otherwise it hands back any disconnect data and ends reception. */
  protected recvDisconnect(entry: SocketEntry, buffer: number | null): Answer {
    const refused = this.recvDisconnectRefusal(entry);
    if (refused) return refused;
    const out = buffer === null ? {} : this.disconnectData(entry, buffer);
    if (out instanceof Fail) return out;
    this.disableReception(entry, 'WSARecvDisconnect');
    return { ret: 0, out };
  }

  /** WSARecvDisconnect fails with WSAENOTCONN on a connection-oriented socket that is not connected, and only there. */
  protected recvDisconnectRefusal(entry: SocketEntry): Fail | null {
    return entry.protocol.transport !== 'udp' && !isConnected(entry.conn) ? new Fail('WSAENOTCONN') : null;
  }

  /** What WSARecvDisconnect hands back in a disconnect-data buffer of `size` bytes, or how it fails. */
  protected disconnectData(entry: SocketEntry, size: number): CallOutputs | Fail {
    const given = applicationBuffer(size);
    if (!carriesDisconnectData(entry.protocol)) {
      // WSAENOPROTOOPT, which is optional on TCP/IP: there the run's choice answers.
      const answer = entry.protocol.ipFamily ? this.options.choices.tcpipDisconnectBuffer : 'WSAENOPROTOOPT';
      if (answer === 'WSAENOPROTOOPT') return new Fail('WSAENOPROTOOPT', handBack(given, size));
      return handBack(given, answer === 'untouched' ? size : 0);
    }
    const data = entry.conn?.disconnectData ?? Buffer.alloc(0);
    // The WSABUF's length comes back as the size needed, so that the application can try again.
    if (data.length > size) return new Fail('WSAEFAULT', handBack(given, data.length));
    data.copy(given);
    return handBack(given, data.length);
  }

  /** closesocket on whichever handle names `entry`. */
  protected closeHandleOf(entry: SocketEntry): void {
    for (const [handle, candidate] of this.handles) if (candidate === entry) this.handles.delete(handle);
    this.closeSocket(entry);
  }
  private closeSocket(entry: SocketEntry): void {
    const conn = entry.conn;
    if (conn) {
      const abortive = (entry.linger.onoff !== 0 && entry.linger.seconds === 0) || conn.queuedBytes() > 0;
      if (conn.state === 'established' && abortive) conn.abort();
      else if (conn.state === 'established') conn.sendFin();
      conn.detach();
    }
    entry.listener?.close();
    entry.dgram?.close();
    if (entry.localPort !== null && entry.ownsPort) this.net.unreserve(entry.protocol.transport, entry.localPort);
    entry.conn = null;
    entry.listener = null;
    entry.dgram = null;
  }
}
