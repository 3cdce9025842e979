// The simulated Winsock provider: one process's view of Winsock (start-up count, handle table, sockets)
// on top of the simulated network. Each call is answered from the model's state, never from a table of
// canned answers. Mutant hooks are marked `mutant(...)`: each flips exactly one documented rule.
import type { Call, CallOutcome, CallOutputs, Endpoint, FaultName, Handle, ProtocolInfo, WinsockProcess } from '../../core/ports';
import {
  AF_DECNET,
  AF_INET,
  BASE_PROTOCOL,
  AF_ISO,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MSG_PEEK,
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
} from '../../core/winsock';
import { DISCONNECT_BUFFER_FILL } from '../../core/ports';
import { Connection, DatagramEndpoint, Listener, SEND_BUFFER } from './endpoints';
import { LOOPBACK, type Network, type Transport } from './network';
import type { MutantName, SimulatorOptions } from './options';

export interface SimProtocol extends ProtocolInfo {
  transport: Transport;
  /** TCP/IP, where WSAENOPROTOOPT for disconnect data is optional. */
  ipFamily: boolean;
}

/** The catalogue WSAEnumProtocols reports: the native TCP/IP pair, two connection-oriented protocols
 *  from other families so that both sides of XP1_DISCONNECT_DATA can be exercised, and a layered provider. */
export function protocolCatalogue(mutant: MutantName | null): SimProtocol[] {
  const tcpFlags = XP1_GUARANTEED_DELIVERY | XP1_GUARANTEED_ORDER | XP1_GRACEFUL_CLOSE | XP1_EXPEDITED_DATA | XP1_IFS_HANDLES;
  const seqpacket = XP1_GUARANTEED_DELIVERY | XP1_GUARANTEED_ORDER | XP1_MESSAGE_ORIENTED | XP1_GRACEFUL_CLOSE;
  return [
    {
      name: 'Simulated Tcpip [TCP/IP]',
      af: AF_INET,
      type: SOCK_STREAM,
      protocol: IPPROTO_TCP,
      serviceFlags1: mutant === 'tcp-advertises-disconnect-data' ? tcpFlags | XP1_DISCONNECT_DATA : tcpFlags,
      chainLen: BASE_PROTOCOL,
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
      transport: 'tcp',
      ipFamily: true,
    },
  ];
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
  'WSARecvDisconnect',
  'shutdown',
  'setsockopt',
  'getsockopt',
  'ioctlsocket',
  'closesocket',
  'WSAEnumProtocolsW',
  'WSACreateEvent',
];

interface SocketEntry {
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
  /** Mutant name-dissociated: the socket no longer answers getsockname. */
  nameDissociated: boolean;
  linger: { onoff: number; seconds: number };
  /** FIONBIO: a call that would block fails with WSAEWOULDBLOCK instead. */
  nonBlocking: boolean;
}

type Entry = SocketEntry | { kind: 'event' };

class Fail {
  /** `out`: what a failing call still reports, such as the size WSAEFAULT needed. */
  constructor(
    readonly code: WsaErrorName,
    readonly out: CallOutputs = {},
  ) {}
}

/**
 * A call either returns a value with outputs, fails with a WSA code, or would block. `elapsedMs` is how long
 * it waits before returning (Infinity: until something that cannot happen during the call); `reportedMs`,
 * set by a mutant only, is the time its agent claims instead, answering at its bound as if it had returned.
 */
type Answer = { ret: number; out?: CallOutputs; elapsedMs?: number; reportedMs?: number } | Fail | 'would-block';

const FIRST_HANDLE = 0x100;

export class SimulatedProcess implements WinsockProcess {
  private startupCount: number;
  private readonly handles = new Map<Handle, Entry>();
  private nextHandle = FIRST_HANDLE;
  readonly faults = new Set<FaultName>();
  private readonly protocols: SimProtocol[];

  constructor(
    private readonly net: Network,
    private readonly options: SimulatorOptions,
    winsockInitialised: boolean,
  ) {
    this.startupCount = winsockInitialised ? 1 : 0;
    this.protocols = protocolCatalogue(options.mutant);
  }

  private mutant(name: MutantName): boolean {
    return this.options.mutant === name;
  }

  async call(call: Call, boundMs: number): Promise<CallOutcome> {
    const answer = this.answer(call);
    if (answer === 'would-block') {
      this.net.clock.advance(boundMs);
      return { status: 'blocked', boundMs };
    }
    if (answer instanceof Fail) {
      const lost = call.op === 'WSARecvDisconnect' && (this.mutant('error-code-lost') || (call.buffer !== null && this.mutant('buffer-error-code-lost')));
      const error = lost ? 0 : WSA_ERRORS[answer.code];
      return { status: 'returned', ret: SOCKET_ERROR, error, elapsedMs: 0, out: answer.out };
    }
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
      if (entry.kind === 'socket') this.closeSocket(entry);
      this.handles.delete(handle);
    }
  }

  private answer(call: Call): Answer {
    switch (call.op) {
      case 'WSAStartup':
        this.startupCount += 1;
        return { ret: 0 };
      case 'createNonSocketHandle':
        return { ret: 0, out: { handle: this.mint({ kind: 'event' }) } };
      case 'resolveExport': {
        const exported = call.module.toLowerCase() === 'ws2_32.dll' && WS2_32_EXPORTS.includes(call.symbol);
        const hidden = this.mutant('not-exported') && call.symbol === 'WSARecvDisconnect';
        return { ret: exported && !hidden ? 1 : 0 };
      }
      default:
        break;
    }
    if (this.startupCount === 0) {
      // The buffer path answered first: "no disconnect data", before the start-up count is looked at.
      if (call.op === 'WSARecvDisconnect' && call.buffer !== null && this.mutant('buffer-before-startup')) return { ret: 0, out: { bufferLength: 0 } };
      const beforeStartup = call.op === 'WSARecvDisconnect' && this.mutant('enotsock-before-startup');
      return new Fail(beforeStartup ? 'WSAENOTSOCK' : 'WSANOTINITIALISED');
    }
    if (call.op === 'WSACleanup') {
      this.startupCount -= 1;
      if (this.startupCount === 0) void this.release();
      return { ret: 0 };
    }
    if (call.op === 'WSAEnumProtocols') {
      const protocols = this.protocols.map(({ name, af, type, protocol, serviceFlags1, chainLen }) => ({ name, af, type, protocol, serviceFlags1, chainLen }));
      return { ret: protocols.length, out: { protocols } };
    }
    const faulted = this.faultFor(call.op);
    if (faulted) return faulted;
    if (call.op === 'socket') return this.socket(call.af, call.type, call.protocol);

    const entry = this.handles.get(call.s);
    if (!entry || entry.kind !== 'socket') {
      if (call.op === 'WSARecvDisconnect' && this.mutant('non-socket-accepted')) return { ret: 0 };
      // The buffer checked against the protocol of a handle that has none, before the handle itself.
      if (call.op === 'WSARecvDisconnect' && call.buffer !== null && this.mutant('non-socket-with-buffer')) return new Fail('WSAENOPROTOOPT');
      return new Fail('WSAENOTSOCK');
    }
    const answer = this.socketCall(entry, call);
    return answer === 'would-block' && entry.nonBlocking ? new Fail('WSAEWOULDBLOCK') : answer;
  }

  private socketCall(entry: SocketEntry, call: Extract<Call, { s: Handle }>): Answer {
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
        if (entry.nameDissociated) return new Fail('WSAEINVAL');
        return entry.localPort === null ? new Fail('WSAEINVAL') : { ret: 0, out: { endpoint: { address: LOOPBACK, port: entry.localPort } } };
      case 'getpeername':
        return this.peerName(entry);
      case 'send':
        return this.send(entry, Buffer.from(call.data, 'hex'), null);
      case 'sendto':
        return this.send(entry, Buffer.from(call.data, 'hex'), call.to);
      case 'recv':
        return this.recv(entry, call.len, (call.flags & MSG_PEEK) !== 0);
      case 'WSARecv':
        return this.recv(entry, call.len, false);
      case 'WSARecvDisconnect':
        return this.recvDisconnect(entry, call.buffer);
      case 'shutdown':
        return this.shutdown(entry, call.how);
      case 'setLinger':
        entry.linger = { onoff: call.onoff, seconds: call.seconds };
        return { ret: 0 };
      case 'getSocketType':
        return { ret: 0, out: { value: entry.protocol.type } };
      case 'FIONREAD':
        return { ret: 0, out: { value: entry.conn?.queuedBytes() ?? entry.dgram?.queuedBytes() ?? 0 } };
      case 'FIONBIO':
        entry.nonBlocking = call.nonBlocking !== 0;
        return { ret: 0 };
      case 'closesocket':
        this.closeSocket(entry);
        this.handles.delete(call.s);
        return { ret: 0 };
    }
  }

  private faultFor(op: Call['op']): Fail | null {
    const muted = (name: MutantName) => op === 'WSARecvDisconnect' && this.mutant(name);
    if (this.faults.has('network-down') && !muted('netdown-unreported')) return new Fail('WSAENETDOWN');
    if (this.faults.has('blocking-call-in-progress') && !muted('inprogress-unreported')) return new Fail('WSAEINPROGRESS');
    return null;
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
      nameDissociated: false,
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

  private recv(entry: SocketEntry, len: number, peek: boolean): Answer {
    if (entry.recvDisconnected && this.mutant('recv-enotsock')) return new Fail('WSAENOTSOCK');
    const udp = entry.protocol.transport === 'udp';
    const allowed = entry.recvDisconnected && (this.mutant('receives-allowed') || (udp && this.mutant('udp-receives-allowed')));
    // Linux: after SHUT_RD a receive reads what is queued, then reports the end of the stream.
    if (entry.receiveShutdown && this.mutant('linux-shut-rd')) {
      const queued = entry.dgram ? entry.dgram.queue.length : (entry.conn?.queuedBytes() ?? 0);
      if (queued === 0) return { ret: 0, out: { data: '' } };
    } else if (entry.receiveShutdown && !allowed) return new Fail('WSAESHUTDOWN');
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

  /** The one path both shutdown(SD_RECEIVE) and WSARecvDisconnect take to end reception. */
  /**
   * Mutant linux-shut-rd, for both calls: what Linux's shutdown(SHUT_RD) answers where Windows' differs
   * (inet_shutdown): ENOTCONN on an unconnected datagram socket, and a listening socket disconnected, so that
   * it stops listening. Null where it goes on as the model does (the rest is in disableReception and recv).
   */
  private linuxShutdownRead(entry: SocketEntry): Answer | null {
    if (!this.mutant('linux-shut-rd')) return null;
    if (entry.protocol.transport === 'udp' && entry.dgram?.connectedTo == null) return new Fail('WSAENOTCONN');
    if (entry.listener) {
      entry.listener.close();
      entry.listener = null;
      return { ret: 0 };
    }
    return null;
  }

  private disableReception(entry: SocketEntry, via: 'shutdown' | 'WSARecvDisconnect'): void {
    entry.receiveShutdown = true;
    if (!entry.conn) return;
    if (this.mutant('linux-shut-rd')) {
      // Linux keeps what is queued readable and lets more in, and resets nothing.
      entry.conn.resetOnDataAfterShutdown = false;
      entry.conn.shutdownReceive(false);
      return;
    }
    if (this.mutant('reset-after-window') && entry.conn.queuedBytes() > 0) {
      const conn = entry.conn;
      conn.resetOnDataAfterShutdown = true;
      conn.shutdownReceive(false);
      this.net.clock.after(700, () => conn.abort());
      return;
    }
    const quietLater = this.mutant('no-reset-later') || (via === 'shutdown' && this.mutant('shutdown-receive-diverges-later-data'));
    entry.conn.resetOnDataAfterShutdown = !quietLater;
    entry.conn.shutdownReceive(!this.mutant('no-reset-queued'));
  }

  private shutdown(entry: SocketEntry, how: number): Answer {
    if (how !== SD_RECEIVE && how !== SD_SEND && how !== SD_BOTH) return new Fail('WSAEINVAL');
    const linux = how === SD_SEND ? null : this.linuxShutdownRead(entry);
    if (linux) return linux;
    if (how !== SD_SEND && entry.listener && this.mutant('shutdown-receive-diverges-listening')) {
      // As Linux's shutdown(SHUT_RD) on a listening socket: it stops listening, and succeeds.
      this.net.unbind(entry.protocol.transport, entry.listener.port);
      entry.listener = null;
      entry.receiveShutdown = true;
      return { ret: 0 };
    }
    if (entry.protocol.transport !== 'udp') {
      const conn = entry.conn;
      if (!conn || conn.state === 'syn-sent' || conn.state === 'refused') return new Fail('WSAENOTCONN');
    }
    const diverges = this.mutant('shutdown-receive-diverges') || (entry.protocol.transport === 'udp' && this.mutant('shutdown-receive-diverges-udp'));
    if (how !== SD_SEND && !diverges) this.disableReception(entry, 'shutdown');
    if (how !== SD_RECEIVE) {
      entry.sendShutdown = true;
      entry.conn?.sendFin();
    }
    return { ret: 0 };
  }

  private recvDisconnect(entry: SocketEntry, buffer: number | null): Answer {
    const answer = this.recvDisconnectAnswer(entry, buffer);
    if (buffer !== null) {
      // Mutants of a disconnect path that, given a buffer, ends the circuit's resources whatever it answers.
      if (this.mutant('buffer-frees-port') && entry.localPort !== null) this.net.unreserve(entry.protocol.transport, entry.localPort);
      if (this.mutant('buffer-closes-socket')) this.closeHandleOf(entry);
    }
    return answer;
  }

  private closeHandleOf(entry: SocketEntry): void {
    for (const [handle, candidate] of this.handles) if (candidate === entry) this.handles.delete(handle);
    this.closeSocket(entry);
  }

  private recvDisconnectAnswer(entry: SocketEntry, buffer: number | null): Answer {
    // ReactOS's ws2_32 finds the socket's provider (WSAENOTSOCK is still answered), whose stub returns 0.
    if (this.mutant('provider-stub'))
      return buffer === null ? { ret: 0 } : { ret: 0, out: { bufferLength: buffer, data: Buffer.alloc(buffer, DISCONNECT_BUFFER_FILL).toString('hex') } };
    const linux = this.linuxShutdownRead(entry);
    if (linux) return linux;
    const protocol = entry.protocol;
    const connectionOriented = protocol.transport !== 'udp';
    if (connectionOriented) {
      const conn = entry.conn;
      const connected = conn !== null && conn.state !== 'syn-sent' && conn.state !== 'refused';
      // unconnected-succeeds-with-buffer: the buffer path answers "no disconnect data" before the state is checked.
      if (!connected && buffer !== null && this.mutant('unconnected-succeeds-with-buffer')) return { ret: 0, out: { bufferLength: 0 } };
      if (!connected && !this.mutant('unconnected-succeeds')) return new Fail('WSAENOTCONN');
    } else if (this.mutant('enotconn-on-udp') && entry.dgram?.connectedTo == null) {
      return new Fail('WSAENOTCONN');
    } else if (buffer !== null && this.mutant('enotconn-on-udp-with-buffer') && entry.dgram?.connectedTo == null) {
      // Disconnect data is taken from a connection, and an unconnected datagram socket has none.
      return new Fail('WSAENOTCONN');
    }

    let out: CallOutputs = {};
    if (buffer !== null) {
      // The application's buffer as the agent hands it over (agents/protocol.ts), and what comes back: the
      // WSABUF's length and the whole buffer.
      const given = Buffer.alloc(buffer, DISCONNECT_BUFFER_FILL);
      const handBack = (bufferLength: number): CallOutputs => ({ bufferLength, data: given.toString('hex') });
      if (!carriesDisconnectData(protocol)) {
        if (protocol.ipFamily && this.mutant('buffer-eopnotsupp')) return new Fail('WSAEOPNOTSUPP');
        const choice = protocol.ipFamily
          ? this.mutant('buffer-keeps-reception')
            ? 'untouched'
            : this.options.choices.tcpipDisconnectBuffer
          : this.mutant('enoprotoopt-unreported')
            ? 'zero-length'
            : 'WSAENOPROTOOPT';
        if (this.mutant('phantom-disconnect-data')) {
          given.fill(0x3f);
          out = handBack(buffer);
        } else if (choice === 'WSAENOPROTOOPT') {
          return new Fail('WSAENOPROTOOPT', handBack(buffer));
        } else {
          out = handBack(choice === 'untouched' ? buffer : 0);
        }
      } else {
        const data = this.mutant('disconnect-data-lost') ? Buffer.alloc(0) : (entry.conn?.disconnectData ?? Buffer.alloc(0));
        // The WSABUF's length comes back as the size needed, so that the application can try again.
        if (data.length > buffer && !this.mutant('efault-truncates')) return new Fail('WSAEFAULT', handBack(data.length));
        const kept = data.subarray(0, buffer);
        kept.copy(given);
        out = handBack(kept.length);
      }
    }

    if (buffer !== null && protocol.ipFamily && this.mutant('buffer-keeps-reception')) return { ret: 0, out };
    const queued = entry.conn?.queuedBytes() ?? 0;
    this.disableReception(entry, 'WSARecvDisconnect');
    entry.recvDisconnected = true;
    if (this.mutant('fin-sent')) entry.conn?.sendFin();
    if (this.mutant('window-update-sent')) entry.conn?.sendWindowUpdate();
    if (this.mutant('udp-dropped') && entry.dgram) entry.dgram.receive = () => undefined;
    if ((this.mutant('icmp-sent') || this.mutant('icmp-sent-late')) && entry.dgram) {
      const dgram = entry.dgram;
      const delayMs = this.mutant('icmp-sent-late') ? 550 : 0;
      dgram.receive = (packet) => {
        if (packet.transport !== 'udp') return;
        const answer = (): void => this.net.transmit({ transport: 'icmp', original: packet });
        if (delayMs > 0) this.net.clock.after(delayMs, answer);
        else answer();
      };
    }
    if (this.mutant('frees-port') && entry.localPort !== null) this.net.unreserve(protocol.transport, entry.localPort);
    if (this.mutant('name-dissociated')) entry.nameDissociated = true;
    if (this.mutant('reset-by-abortive-close') && queued > 0) {
      entry.linger = { onoff: 1, seconds: 0 };
      this.closeHandleOf(entry);
    }
    if (this.mutant('closes-socket')) this.closeHandleOf(entry);
    const ret = this.mutant('success-returns-one') ? 1 : 0;
    return { ret, out, ...this.lingerMutantWait(entry) };
  }

  /**
   * The mutants of remarks.does-not-block-linger: WSARecvDisconnect made a graceful close that waits for data
   * still unsent. On a blocking socket, closesocket with SO_LINGER on and a non-zero timeout waits until that
   * data has gone or the timeout passes; nothing drains while the caller waits here (the peer's window stays
   * shut), so a wait lasts its whole timeout.
   */
  private lingerMutantWait(entry: SocketEntry): { elapsedMs?: number; reportedMs?: number } {
    const unsent = entry.conn?.unsentBytes() ?? 0;
    if (unsent === 0 || entry.nonBlocking) return {};
    const lingerMs = entry.linger.onoff !== 0 ? entry.linger.seconds * 1000 : 0;
    if (this.mutant('lingers-on-unsent') && lingerMs > 0) return { elapsedMs: lingerMs };
    if (this.mutant('lingers-on-unsent-misreported') && lingerMs > 0) return { elapsedMs: lingerMs, reportedMs: 0 };
    if (this.mutant('drains-unsent')) return { elapsedMs: Number.POSITIVE_INFINITY };
    return {};
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
