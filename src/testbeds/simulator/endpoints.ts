// Transport endpoints of the model: a connection (TCP, or 'nsp', a connection-oriented protocol that
// carries disconnect data on its FIN), a listener, and a datagram endpoint. Both the simulated Winsock
// provider and the simulated peer use them; only what each side makes of their state differs.
import type { PeerEvent } from '../../core/ports';
import { ICMP_UNREACHABLE, type Datagram, type Network, type Packet, type Receiver, type Segment } from './network';

export type ConnectionState =
  | 'syn-sent'
  | 'syn-received'
  | 'established'
  /** The remote answered the SYN with RST. */
  | 'refused'
  /** A RST arrived. */
  | 'reset'
  /** This side sent RST. */
  | 'aborted';

/** Subscribers hear what happens to an endpoint; the peer turns it into PeerEvents. */
export type EventSink = (event: PeerEvent) => void;

/** A connection's receive buffer: what the sender may have in flight before the application reads (64 KiB - 1). */
export const RECEIVE_WINDOW = 65535;

/**
 * A connection's send buffer: what the application may hand over beyond the remote's window before a
 * send blocks (or fails with WSAEWOULDBLOCK on a non-blocking socket). Data the remote's window admits
 * goes out at once, so what the buffer holds is exactly the data not yet sent (64 KiB).
 */
export const SEND_BUFFER = 65536;

export class Connection implements Receiver {
  state: ConnectionState;
  remote = 0;
  readonly received: Buffer[] = [];
  finReceived = false;
  finSent = false;
  disconnectData: Buffer | null = null;
  /** Reception disabled locally: data that is queued or arrives later resets the connection. */
  receiveShutdown = false;
  sink: EventSink | null = null;
  /** Bytes of data sent and received so far: the model's sequence numbers, counted from the handshake. */
  private sentBytes = 0;
  private receivedBytes = 0;
  /** How far the remote lets this side send: its last acknowledgement plus its window. Data beyond waits in `unsent`. */
  private sendLimit = 0;
  private readonly unsent: Buffer[] = [];
  /** How far this side last let the remote send: its acknowledgement plus its window, when it last sent a segment. */
  private offeredLimit = RECEIVE_WINDOW;
  /** A FIN asked for while data still waits for the remote's window: it follows that data. */
  private finAfterUnsent: { disconnectData?: Buffer } | null = null;
  private detachWhenSent = false;

  constructor(
    private readonly net: Network,
    readonly transport: 'tcp' | 'nsp',
    readonly local: number,
    initial: ConnectionState,
  ) {
    this.state = initial;
  }

  /** Active open: bind this connection's own 4-tuple and send SYN. */
  open(remote: number): void {
    this.remote = remote;
    this.net.bindConnection(this.transport, this.local, remote, this);
    this.emit(['SYN']);
  }

  queuedBytes(): number {
    return this.received.reduce((n, b) => n + b.length, 0);
  }

  /** Data the application handed over that waits for the remote's window: it is in the send buffer. */
  unsentBytes(): number {
    return this.unsent.reduce((n, b) => n + b.length, 0);
  }

  /** Free room in the receive buffer: the window this side can advertise. */
  private window(): number {
    return RECEIVE_WINDOW - this.queuedBytes();
  }

  read(max: number, peek: boolean): Buffer {
    const all = Buffer.concat(this.received);
    const taken = all.subarray(0, max);
    if (!peek) {
      this.received.length = 0;
      if (all.length > taken.length) this.received.push(Buffer.from(all.subarray(taken.length)));
      // A window update, once the window has opened by half the buffer, or at all when the remote had
      // no room left (as TCP's receiver avoids advertising a window that opens a byte at a time).
      const opened = this.receivedBytes + this.window() - this.offeredLimit;
      const closed = this.offeredLimit === this.receivedBytes;
      if (this.state === 'established' && opened > 0 && (closed || opened >= RECEIVE_WINDOW / 2)) this.emit(['ACK']);
    }
    return Buffer.from(taken);
  }

  /** Send what the remote's window takes now; the rest goes as the window opens. */
  send(payload: Buffer): void {
    if (payload.length > 0) this.unsent.push(Buffer.from(payload));
    this.flush();
  }

  private flush(): void {
    while (this.unsent.length > 0 && this.sendLimit > this.sentBytes && this.state === 'established') {
      const next = this.unsent[0] as Buffer;
      const size = Math.min(next.length, this.sendLimit - this.sentBytes);
      if (size === next.length) this.unsent.shift();
      else this.unsent[0] = next.subarray(size);
      this.sentBytes += size;
      this.emit(['PSH', 'ACK'], next.subarray(0, size));
    }
    if (this.finAfterUnsent && this.unsent.length === 0) {
      const { disconnectData } = this.finAfterUnsent;
      this.finAfterUnsent = null;
      this.sendFin(disconnectData);
      if (this.detachWhenSent) this.net.unbind(this.transport, this.local, this.remote);
    }
  }

  sendFin(disconnectData?: Buffer): void {
    if (this.finSent || this.state !== 'established') return;
    if (this.unsent.length > 0) {
      this.finAfterUnsent = disconnectData ? { disconnectData } : {};
      return;
    }
    this.finSent = true;
    this.emit(['FIN', 'ACK'], Buffer.alloc(0), disconnectData);
  }

  /** Abortive close from this side. */
  abort(): void {
    if (this.state === 'established' || this.state === 'syn-received') {
      this.emit(['RST']);
    }
    this.state = 'aborted';
    this.received.length = 0;
    this.dropUnsent();
  }

  /** The connection is gone: what waited for the window never goes, and a closed handle's binding is freed. */
  private dropUnsent(): void {
    this.unsent.length = 0;
    this.finAfterUnsent = null;
    if (this.detachWhenSent) this.net.unbind(this.transport, this.local, this.remote);
  }

  /** Disable reception; per the page, data still queued means the connection is reset. */
  shutdownReceive(resetIfQueued: boolean): void {
    this.receiveShutdown = true;
    if (resetIfQueued && this.queuedBytes() > 0) this.abort();
  }

  /** Passive open: the SYN's window is the remote's, and the SYN-ACK advertises this side's. */
  acceptSyn(syn: Segment): void {
    this.remote = syn.src;
    if (syn.window !== undefined) this.sendLimit = syn.window;
    this.emit(['SYN', 'ACK']);
  }

  /** Forget the 4-tuple: the handle is gone. */
  detach(): void {
    this.sink = null;
    // A graceful close still owes the remote its data and FIN, which go as the window opens.
    if (this.finAfterUnsent) this.detachWhenSent = true;
    else this.net.unbind(this.transport, this.local, this.remote);
  }

  /** Whether data arriving after shutdownReceive resets the connection (the page's rule). */
  resetOnDataAfterShutdown = true;

  receive(packet: Packet): void {
    if (packet.transport !== this.transport) return;
    const seg = packet;
    if (seg.flags.includes('RST')) {
      if (this.state === 'syn-sent') this.state = 'refused';
      else if (this.state !== 'aborted') this.state = 'reset';
      this.dropUnsent();
      this.sink?.({ kind: 'reset', detail: 'RST received' });
      return;
    }
    if (seg.window !== undefined) this.sendLimit = (seg.ack ?? 0) + seg.window;
    if (this.state === 'syn-sent' && seg.flags.includes('SYN')) {
      this.state = 'established';
      this.emit(['ACK']);
      return;
    }
    if (this.state === 'syn-received' && seg.flags.includes('ACK')) {
      this.state = 'established';
    }
    if (this.state !== 'established') return;
    if (seg.payload.length > 0) {
      if (this.receiveShutdown && this.resetOnDataAfterShutdown) {
        this.abort();
        return;
      }
      // A sender keeps within the window it was given, so nothing beyond it arrives.
      if (seg.payload.length > this.window()) throw new Error(`simulator: ${seg.payload.length} bytes arrived for a window of ${this.window()}`);
      this.received.push(Buffer.from(seg.payload));
      this.receivedBytes += seg.payload.length;
      this.sink?.({ kind: 'data', bytes: seg.payload.length });
    }
    this.flush();
    if (seg.flags.includes('FIN')) {
      this.finReceived = true;
      this.disconnectData = seg.disconnectData ? Buffer.from(seg.disconnectData) : null;
      this.sink?.({ kind: 'eof' });
    }
  }

  /** A bare ACK with the current window: what a stack sends to tell the remote its window changed. */
  sendWindowUpdate(): void {
    this.emit(['ACK']);
  }

  private emit(flags: Segment['flags'], payload: Buffer = Buffer.alloc(0), disconnectData?: Buffer): void {
    const segment: Segment = { transport: this.transport, src: this.local, dst: this.remote, flags, payload };
    if (!flags.includes('RST')) {
      const window = this.window();
      this.offeredLimit = this.receivedBytes + window;
      Object.assign(segment, { ack: this.receivedBytes, window });
    }
    if (disconnectData) segment.disconnectData = disconnectData;
    this.net.transmit(segment);
  }
}

export class Listener implements Receiver {
  readonly pending: Connection[] = [];
  onConnection: ((c: Connection) => void) | null = null;

  constructor(
    private readonly net: Network,
    readonly transport: 'tcp' | 'nsp',
    readonly port: number,
  ) {}

  receive(packet: Packet): void {
    if (packet.transport !== this.transport || !packet.flags.includes('SYN')) return;
    const child = new Connection(this.net, this.transport, this.port, 'syn-received');
    this.net.bindConnection(this.transport, this.port, packet.src, child);
    this.pending.push(child);
    child.acceptSyn(packet);
    this.onConnection?.(child);
  }

  close(): void {
    this.net.unbind(this.transport, this.port);
    for (const c of this.pending) {
      c.abort();
      c.detach();
    }
    this.pending.length = 0;
  }
}

/**
 * What a connected BSD datagram socket is told of an ICMP destination unreachable, by code, as Linux tells
 * it (net/ipv4/udp.c __udp4_lib_err, with icmp_err_convert's errno and "fatal" flag): only a fatal code
 * reaches a socket without IP_RECVERR; host and network unreachable are not fatal, and only the wire shows them.
 */
const TOLD_OF_UNREACHABLE: Record<number, string> = {
  [ICMP_UNREACHABLE.protocol]: 'ENOPROTOOPT',
  [ICMP_UNREACHABLE.port]: 'ECONNREFUSED',
  [ICMP_UNREACHABLE.prohibited]: 'EHOSTUNREACH',
};

export class DatagramEndpoint implements Receiver {
  readonly queue: Buffer[] = [];
  connectedTo: number | null = null;
  /** ICMP port unreachable reported on a connected endpoint and not yet read (Winsock's WSAECONNRESET). */
  refused = false;
  sink: EventSink | null = null;

  constructor(
    private readonly net: Network,
    readonly port: number,
  ) {}

  send(dst: number, payload: Buffer): void {
    const datagram: Datagram = { transport: 'udp', src: this.port, dst, payload };
    this.net.transmit(datagram);
  }

  queuedBytes(): number {
    return this.queue.reduce((n, b) => n + b.length, 0);
  }

  receive(packet: Packet): void {
    if (packet.transport === 'icmp') {
      if (this.connectedTo !== packet.original.dst) return;
      if (packet.code === ICMP_UNREACHABLE.port) this.refused = true;
      const told = TOLD_OF_UNREACHABLE[packet.code];
      if (told) this.sink?.({ kind: 'icmp-error', detail: `${told}: ICMP destination unreachable, code ${packet.code}` });
      return;
    }
    if (packet.transport !== 'udp') return;
    if (this.connectedTo !== null && packet.src !== this.connectedTo) return;
    this.queue.push(Buffer.from(packet.payload));
    this.sink?.({ kind: 'datagram', bytes: packet.payload.length });
  }

  close(): void {
    this.net.unbind('udp', this.port);
    this.sink = null;
  }
}
