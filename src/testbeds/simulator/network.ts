// The simulated network: one loopback host pair on a virtual clock. Packets are queued and delivered
// in order by a non-reentrant loop, so every run produces the same wire log. Nothing here knows Winsock:
// the simulated provider (provider.ts) and the simulated peer (peer.ts) both sit on these endpoints.
import type { Endpoint, WirePacket } from '../../core/ports';

export const LOOPBACK = '127.0.0.1';
const FIRST_EPHEMERAL_PORT = 49152;

/** The transports the model carries. 'nsp' stands for a connection-oriented protocol with disconnect data. */
export type Transport = 'tcp' | 'udp' | 'nsp';

export interface Segment {
  transport: 'tcp' | 'nsp';
  src: number;
  dst: number;
  flags: readonly ('SYN' | 'ACK' | 'FIN' | 'RST' | 'PSH')[];
  payload: Buffer;
  /** Bytes of the other side's data its sender has received, and the room it has for more (TCP's
   *  acknowledgement and window, with sequence numbers counted from the handshake); absent on a RST. */
  ack?: number;
  window?: number;
  /** Disconnect data carried by a FIN ('nsp' only). */
  disconnectData?: Buffer;
}

export interface Datagram {
  transport: 'udp';
  src: number;
  dst: number;
  payload: Buffer;
}

/** ICMP destination unreachable (type 3), by code (RFC 792, RFC 1812). */
export const ICMP_UNREACHABLE = { host: 1, protocol: 2, port: 3, prohibited: 13 } as const;

/** An ICMP destination unreachable about a datagram; the network sends code `port` where nothing listens. */
export interface IcmpUnreachable {
  transport: 'icmp';
  code: number;
  /** The datagram that could not be delivered: its source is who is told. */
  original: Datagram;
}

export type Packet = Segment | Datagram | IcmpUnreachable;

export interface Receiver {
  receive(packet: Packet): void;
}

export class VirtualClock {
  private ms = 0;
  /** What is due later, earliest first: a stack's delayed effects (a mutant's late reset, say). */
  private readonly timers: { at: number; fire: () => void }[] = [];
  now(): number {
    return this.ms;
  }
  /** Run `fire` when the clock has moved on by `ms`. */
  after(ms: number, fire: () => void): void {
    this.timers.push({ at: this.ms + ms, fire });
    this.timers.sort((a, b) => a.at - b.at);
  }
  /**
   * Move on by `ms`, firing what falls due on the way, in order; stop at a timer after which `until()`
   * holds (an event reached whoever waits).
   */
  advance(ms: number, until: () => boolean = () => false): void {
    if (ms < 0) throw new Error(`the virtual clock cannot go back (${ms} ms)`);
    const end = this.ms + ms;
    for (let next = this.timers[0]; next && next.at <= end; next = this.timers[0]) {
      this.timers.shift();
      this.ms = Math.max(this.ms, next.at);
      next.fire();
      if (until()) return;
    }
    this.ms = end;
  }
}

export class Network {
  readonly clock = new VirtualClock();
  readonly wire: WirePacket[] = [];
  private readonly bindings = new Map<string, Receiver>();
  /** Ports owned by a socket (bound, connected or listening), whether or not anything receives on them. */
  private readonly reserved = new Set<string>();
  private readonly queue: Packet[] = [];
  private delivering = false;
  private nextPort = FIRST_EPHEMERAL_PORT;

  /** Reserve and return the next free ephemeral port. */
  allocatePort(transport: Transport): number {
    for (;;) {
      const port = this.nextPort++;
      if (this.isReserved(transport, port)) continue;
      this.reserve(transport, port);
      return port;
    }
  }

  isReserved(transport: Transport, port: number): boolean {
    return this.reserved.has(`${transport}:${port}`);
  }

  reserve(transport: Transport, port: number): void {
    this.reserved.add(`${transport}:${port}`);
  }

  unreserve(transport: Transport, port: number): void {
    this.reserved.delete(`${transport}:${port}`);
  }

  bind(transport: Transport, port: number, receiver: Receiver): void {
    const key = `${transport}:${port}`;
    if (this.bindings.has(key)) throw new Error(`simulator: ${key} is bound already`);
    this.bindings.set(key, receiver);
  }

  /** A connection's own binding, so that segments for it bypass the listener on the same port. */
  bindConnection(transport: Transport, local: number, remote: number, receiver: Receiver): void {
    this.bindings.set(`${transport}:${local}<${remote}`, receiver);
  }

  unbind(transport: Transport, port: number, remote?: number): void {
    this.bindings.delete(remote === undefined ? `${transport}:${port}` : `${transport}:${port}<${remote}`);
  }

  transmit(packet: Packet): void {
    this.queue.push(packet);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next);
    } finally {
      this.delivering = false;
    }
  }

  private deliver(packet: Packet): void {
    this.wire.push(toWirePacket(packet, this.clock.now()));
    if (packet.transport === 'icmp') {
      this.bindings.get(`udp:${packet.original.src}`)?.receive(packet);
      return;
    }
    const receiver = this.bindings.get(`${packet.transport}:${packet.dst}<${packet.src}`) ?? this.bindings.get(`${packet.transport}:${packet.dst}`);
    if (receiver) {
      receiver.receive(packet);
      return;
    }
    if (packet.transport === 'udp') {
      this.transmit({ transport: 'icmp', code: ICMP_UNREACHABLE.port, original: packet });
    } else if (!packet.flags.includes('RST')) {
      this.transmit({ transport: packet.transport, src: packet.dst, dst: packet.src, flags: ['RST'], payload: Buffer.alloc(0) });
    }
  }
}

function endpoint(port: number): Endpoint {
  return { address: LOOPBACK, port };
}

function toWirePacket(packet: Packet, t: number): WirePacket {
  if (packet.transport === 'icmp') {
    return {
      t,
      proto: 'icmp',
      from: endpoint(packet.original.dst),
      to: endpoint(packet.original.src),
      flags: [],
      length: packet.original.payload.length,
      icmp: { type: 3, code: packet.code },
    };
  }
  return {
    t,
    proto: packet.transport,
    from: endpoint(packet.src),
    to: endpoint(packet.dst),
    flags: packet.transport === 'udp' ? [] : [...packet.flags],
    length: packet.payload.length,
    // The model's window, in bytes; it counts no sequence numbers of its own.
    ...(packet.transport !== 'udp' && packet.window !== undefined ? { win: packet.window } : {}),
  };
}
