// The simulated remote host. It speaks every protocol of the simulator's catalogue and reports what a
// BSD-socket peer would see: data, EOF, reset, datagrams, and the ICMP errors a connected datagram socket is told of.
import type { Endpoint, Peer, PeerDatagramSocket, PeerEvent, PeerListener, PeerStream, ProtocolInfo } from '../../core/ports';
import { NotApplicable } from '../../core/outcomes';
import { Connection, DatagramEndpoint, Listener } from './endpoints';
import { LOOPBACK, type Network } from './network';
import { carriesDisconnectData, protocolCatalogue, type SimProtocol } from './provider';

/** Events an endpoint reported and the peer has not consumed yet. Waiting costs virtual time only. */
class EventQueue {
  private readonly events: PeerEvent[] = [];
  constructor(private readonly net: Network) {}
  readonly push = (event: PeerEvent): void => {
    this.events.push(event);
  };
  async next(withinMs: number): Promise<PeerEvent | null> {
    if (this.events.length === 0) this.net.clock.advance(withinMs, () => this.events.length > 0);
    return this.events.shift() ?? null;
  }
}

function streamOf(net: Network, conn: Connection, carriesDisconnectData: boolean): PeerStream {
  const events = new EventQueue(net);
  let paused = false;
  /** What arrived while the application did not read: its data and a FIN behind it, reported when read. */
  const held: PeerEvent[] = [];
  conn.sink = (event) => {
    if (paused && event.kind !== 'reset') {
      held.push(event);
      return;
    }
    // The remote application reads what arrives, so its window stays open; only the counts are events.
    if (event.kind === 'data') conn.read(event.bytes, false);
    events.push(event);
  };
  return {
    get local() {
      return { address: LOOPBACK, port: conn.local };
    },
    get remote() {
      return { address: LOOPBACK, port: conn.remote };
    },
    next: (withinMs) => events.next(withinMs),
    send: async (data) => conn.send(Buffer.from(data, 'hex')),
    pauseReading: async () => {
      paused = true;
    },
    resumeReading: async () => {
      paused = false;
      // Reading what the buffer holds opens the window, which lets the other side's unsent data in: that
      // arrives through the sink, read at once, behind what was held.
      const backlog = held.splice(0);
      const bytes = backlog.reduce((n, e) => n + (e.kind === 'data' ? e.bytes : 0), 0);
      if (bytes > 0) {
        events.push({ kind: 'data', bytes });
        conn.read(bytes, false);
      }
      for (const e of backlog) if (e.kind !== 'data') events.push(e);
    },
    endWriting: async () => conn.sendFin(),
    disconnectWithData: async (data) => {
      // As the loopback peer says of TCP: a provider may list the protocol with XP1_DISCONNECT_DATA (a
      // mutant does), but the wire protocol has none for the peer to send.
      if (!carriesDisconnectData) throw new NotApplicable('the peer cannot disconnect with data: this protocol carries no disconnect data on the wire');
      conn.sendFin(Buffer.from(data, 'hex'));
    },
  };
}

export class SimulatedPeer implements Peer {
  private readonly owned: { close(): void }[] = [];

  constructor(private readonly net: Network) {}

  /** The peer's own view of a protocol: the reference catalogue, whatever the provider (a mutant) advertises. */
  private known(protocol: ProtocolInfo): SimProtocol | undefined {
    return protocolCatalogue().find((p) => p.af === protocol.af && p.type === protocol.type && p.protocol === protocol.protocol);
  }

  private transportOf(protocol: ProtocolInfo): { transport: 'tcp' | 'nsp' | 'udp'; disconnectData: boolean } {
    const found = this.known(protocol);
    if (!found) throw new Error(`the simulated peer does not speak ${protocol.name}`);
    return { transport: found.transport, disconnectData: carriesDisconnectData(found) };
  }

  speaks(protocol: ProtocolInfo): boolean {
    return this.known(protocol) !== undefined;
  }

  async listen(protocol: ProtocolInfo): Promise<PeerListener> {
    const { transport, disconnectData } = this.transportOf(protocol);
    if (transport === 'udp') throw new Error('listen needs a connection-oriented protocol');
    const port = this.net.allocatePort(transport);
    const listener = new Listener(this.net, transport, port);
    this.net.bind(transport, port, listener);
    this.owned.push({
      close: () => {
        listener.close();
        this.net.unreserve(transport, port);
      },
    });
    const net = this.net;
    return {
      endpoint: { address: LOOPBACK, port },
      async accept(withinMs) {
        const conn = listener.pending.shift();
        if (!conn) {
          net.clock.advance(withinMs);
          throw new Error(`no connection reached the peer within ${withinMs} ms`);
        }
        return streamOf(net, conn, disconnectData);
      },
    };
  }

  async connect(protocol: ProtocolInfo, to: Endpoint): Promise<PeerStream> {
    const { transport, disconnectData } = this.transportOf(protocol);
    if (transport === 'udp') throw new Error('connect needs a connection-oriented protocol');
    const conn = new Connection(this.net, transport, this.net.allocatePort(transport), 'syn-sent');
    this.owned.push({
      close: () => {
        conn.detach();
        this.net.unreserve(transport, conn.local);
      },
    });
    const stream = streamOf(this.net, conn, disconnectData);
    conn.open(to.port);
    if (conn.state !== 'established') throw new Error(`the peer could not connect to port ${to.port}`);
    return stream;
  }

  async openDatagramSocket(): Promise<PeerDatagramSocket> {
    const port = this.net.allocatePort('udp');
    const endpoint = new DatagramEndpoint(this.net, port);
    this.net.bind('udp', port, endpoint);
    this.owned.push({
      close: () => {
        endpoint.close();
        this.net.unreserve('udp', port);
      },
    });
    const events = new EventQueue(this.net);
    endpoint.sink = events.push;
    return {
      endpoint: { address: LOOPBACK, port },
      next: (withinMs) => events.next(withinMs),
      connect: async (to) => {
        endpoint.connectedTo = to.port;
      },
      send: async (data) => {
        if (endpoint.connectedTo === null) throw new Error('the peer datagram socket is not connected');
        endpoint.send(endpoint.connectedTo, Buffer.from(data, 'hex'));
      },
    };
  }

  /** Drop every peer endpoint without a word on the wire: the scenario is over. */
  endScenario(): void {
    for (const endpoint of this.owned.splice(0)) endpoint.close();
  }
}
