// Transport endpoints of the model: a connection (TCP, or 'nsp', a connection-oriented protocol that
// carries disconnect data on its FIN), a listener, and a datagram endpoint. Both the simulated Winsock
// provider and the simulated peer use them; only what each side makes of their state differs.
import type { PeerEvent } from '../../ports';
import type { Datagram, Network, Packet, Receiver, Segment } from './network';

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

  read(max: number, peek: boolean): Buffer {
    const all = Buffer.concat(this.received);
    const taken = all.subarray(0, max);
    if (!peek) {
      this.received.length = 0;
      if (all.length > taken.length) this.received.push(Buffer.from(all.subarray(taken.length)));
    }
    return Buffer.from(taken);
  }

  send(payload: Buffer): void {
    this.emit(['PSH', 'ACK'], payload);
  }

  sendFin(disconnectData?: Buffer): void {
    if (this.finSent || this.state !== 'established') return;
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
  }

  /** Disable reception; per the page, data still queued means the connection is reset. */
  shutdownReceive(resetIfQueued: boolean): void {
    this.receiveShutdown = true;
    if (resetIfQueued && this.queuedBytes() > 0) this.abort();
  }

  /** Forget the 4-tuple: the handle is gone. */
  detach(): void {
    this.net.unbind(this.transport, this.local, this.remote);
    this.sink = null;
  }

  /** Whether data arriving after shutdownReceive resets the connection (the page's rule). */
  resetOnDataAfterShutdown = true;

  receive(packet: Packet): void {
    if (packet.transport !== this.transport) return;
    const seg = packet;
    if (seg.flags.includes('RST')) {
      if (this.state === 'syn-sent') this.state = 'refused';
      else if (this.state !== 'aborted') this.state = 'reset';
      this.sink?.({ kind: 'reset', detail: 'RST received' });
      return;
    }
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
      this.received.push(Buffer.from(seg.payload));
      this.sink?.({ kind: 'data', bytes: seg.payload.length });
    }
    if (seg.flags.includes('FIN')) {
      this.finReceived = true;
      this.disconnectData = seg.disconnectData ? Buffer.from(seg.disconnectData) : null;
      this.sink?.({ kind: 'eof' });
    }
  }

  private emit(flags: Segment['flags'], payload: Buffer = Buffer.alloc(0), disconnectData?: Buffer): void {
    const segment: Segment = { transport: this.transport, src: this.local, dst: this.remote, flags, payload };
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
    child.remote = packet.src;
    this.net.bindConnection(this.transport, this.port, packet.src, child);
    this.pending.push(child);
    this.net.transmit({ transport: this.transport, src: this.port, dst: packet.src, flags: ['SYN', 'ACK'], payload: Buffer.alloc(0) });
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

export class DatagramEndpoint implements Receiver {
  readonly queue: Buffer[] = [];
  connectedTo: number | null = null;
  /** ICMP port unreachable reported on a connected endpoint and not yet read. */
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
      this.refused = true;
      this.sink?.({ kind: 'refused', detail: 'ICMP port unreachable' });
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
