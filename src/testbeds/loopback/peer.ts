// The remote party for real stacks: the controller's own (Linux or Windows) sockets, on 127.0.0.1 by
// default. It speaks TCP over IPv4 for listen/connect, and UDP through openDatagramSocket. What it
// reports is what a BSD socket sees: data, EOF (FIN), reset (ECONNRESET/EPIPE), datagrams, and the ICMP
// errors a connected UDP socket is told of (ECONNREFUSED for port unreachable, and the errnos of the others).
// Waiting is on events with a timer, never polling.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Endpoint, Peer, PeerDatagramSocket, PeerEvent, PeerListener, PeerStream, ProtocolInfo } from '../../core/ports';
import { NotApplicable } from '../../core/outcomes';
import { deadline } from '../../core/deadline';
import { AF_INET, IPPROTO_TCP, SOCK_STREAM } from '../../core/winsock';

/** Events not consumed yet, and at most one waiter for the next one. */
export class EventQueue {
  private readonly events: PeerEvent[] = [];
  private waiter: ((event: PeerEvent) => void) | null = null;

  push(event: PeerEvent): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter(event);
    } else {
      this.events.push(event);
    }
  }

  next(withinMs: number): Promise<PeerEvent | null> {
    const ready = this.events.shift();
    if (ready) return Promise.resolve(ready);
    if (this.waiter) return Promise.reject(new Error('the peer is already waiting for an event on this socket'));
    return new Promise((resolve) => {
      // The window's end reads what the kernel already held first (a reset that came inside the window).
      const cancel = deadline(withinMs, () => {
        this.waiter = null;
        resolve(null);
      });
      this.waiter = (event) => {
        cancel();
        resolve(event);
      };
    });
  }
}

function errorCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
}

/**
 * The errnos a connected datagram socket reports for an ICMP error about its flow (Linux: net/ipv4/udp.c
 * __udp4_lib_err with icmp_err_convert, and net/ipv6/udp.c's icmpv6_err_convert): port unreachable is
 * ECONNREFUSED; protocol, network or host unreachable, administratively prohibited, time exceeded,
 * parameter problem and fragmentation needed are the others. An ICMP error that Linux does not report to a
 * socket without IP_RECVERR (host unreachable, say) only the wire shows.
 */
const ICMP_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENONET',
  'ENOPROTOOPT',
  'EOPNOTSUPP',
  'EPROTO',
  'EMSGSIZE',
]);

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isTcpIPv4(protocol: ProtocolInfo): boolean {
  return protocol.af === AF_INET && protocol.type === SOCK_STREAM && (protocol.protocol === IPPROTO_TCP || protocol.protocol === 0);
}

/**
 * Start a write or end and wait for its callback. A socket destroyed meanwhile (closeAll at the end of a
 * scenario, or a testbed closed by Ctrl-C) never calls back an end: its close ends the wait instead.
 */
function untilDone(socket: net.Socket, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('close', done);
      resolve();
    };
    if (socket.destroyed) return done();
    socket.once('close', done);
    start(() => done());
  });
}

/** Wrap a connected TCP socket as a PeerStream. */
function streamOf(socket: net.Socket): PeerStream {
  const events = new EventQueue();
  let ended = false;
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => events.push({ kind: 'data', bytes: chunk.length }));
  socket.on('end', () => events.push({ kind: 'eof' }));
  socket.on('error', (e) => {
    const code = errorCode(e);
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      if (!ended) events.push({ kind: 'reset', detail: `${code}: ${describe(e)}` });
      ended = true;
    } else {
      events.push({ kind: 'reset', detail: `unexpected socket error ${code || describe(e)}` });
    }
  });
  // Read when asked: a connecting socket learns its own address only once it is connected.
  const endpoint = (address: string | undefined, port: number | undefined): Endpoint => ({ address: address ?? '', port: port ?? 0 });
  return {
    get local() {
      return endpoint(socket.localAddress, socket.localPort);
    },
    get remote() {
      return endpoint(socket.remoteAddress, socket.remotePort);
    },
    next: (withinMs) => events.next(withinMs),
    // A write on a connection that was reset is not a harness failure: the reset is the observation,
    // and it reaches `next` through the 'error' event.
    send: (data) => untilDone(socket, (done) => socket.write(Buffer.from(data, 'hex'), done)),
    // pause() stops reading from the kernel (libuv's readStop), so the receive buffer fills and the
    // window closes; resume() reads again.
    pauseReading: async () => {
      socket.pause();
    },
    resumeReading: async () => {
      socket.resume();
    },
    endWriting: () => untilDone(socket, (done) => socket.end(done)),
    disconnectWithData: async () => {
      throw new NotApplicable('TCP carries no disconnect data, and the loopback peer speaks only TCP');
    },
  };
}

export class LoopbackPeer implements Peer {
  private readonly owned = new Set<{ close(): void }>();
  /** Ports of the sockets the peer opened, or named unused, since the last takePorts. */
  private readonly portsUsed = new Set<number>();

  constructor(private readonly address = '127.0.0.1') {}

  speaks(protocol: ProtocolInfo): boolean {
    return isTcpIPv4(protocol);
  }

  private own(close: () => void): void {
    this.owned.add({ close });
  }

  private requireTcp(protocol: ProtocolInfo): void {
    if (!isTcpIPv4(protocol)) throw new NotApplicable(`the loopback peer speaks TCP over IPv4 only, not ${protocol.name}`);
  }

  async listen(protocol: ProtocolInfo): Promise<PeerListener> {
    this.requireTcp(protocol);
    const accepted: net.Socket[] = [];
    let waiter: ((socket: net.Socket) => void) | null = null;
    const sockets = new Set<net.Socket>();
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) => {
      sockets.add(socket);
      // Every accepted socket is read from the start, so that a reset or FIN is never missed.
      const stream = streamOf(socket);
      streams.set(socket, stream);
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(socket);
      } else {
        accepted.push(socket);
      }
    });
    const streams = new Map<net.Socket, PeerStream>();
    this.own(() => {
      server.close();
      for (const s of sockets) s.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.address, () => resolve());
    });
    const address = server.address() as net.AddressInfo;
    this.portsUsed.add(address.port);
    return {
      endpoint: { address: address.address, port: address.port },
      accept: (withinMs) => {
        const ready = accepted.shift();
        if (ready) return Promise.resolve(streams.get(ready) as PeerStream);
        return new Promise((resolve, reject) => {
          const cancel = deadline(withinMs, () => {
            waiter = null;
            reject(new Error(`no connection reached the peer within ${withinMs} ms`));
          });
          waiter = (socket) => {
            cancel();
            resolve(streams.get(socket) as PeerStream);
          };
        });
      },
    };
  }

  async connect(protocol: ProtocolInfo, to: Endpoint): Promise<PeerStream> {
    this.requireTcp(protocol);
    const socket = net.connect({ host: to.address, port: to.port, localAddress: this.address, allowHalfOpen: true });
    this.own(() => socket.destroy());
    const stream = streamOf(socket);
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => reject(new Error(`the peer could not connect to ${to.address}:${to.port}: ${e.message}`));
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        if (socket.localPort !== undefined) this.portsUsed.add(socket.localPort);
        resolve();
      });
    });
    return stream;
  }

  async openDatagramSocket(): Promise<PeerDatagramSocket> {
    const socket = dgram.createSocket('udp4');
    this.own(() => {
      try {
        socket.close();
      } catch {
        // already closed
      }
    });
    const events = new EventQueue();
    socket.on('message', (msg) => events.push({ kind: 'datagram', bytes: msg.length }));
    socket.on('error', (e) => {
      const code = errorCode(e);
      events.push(
        ICMP_ERRNOS.has(code)
          ? { kind: 'icmp-error', detail: `${code}: ${describe(e)}` }
          : { kind: 'reset', detail: `unexpected datagram socket error ${code || describe(e)}` },
      );
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, this.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const address = socket.address();
    this.portsUsed.add(address.port);
    return {
      endpoint: { address: address.address, port: address.port },
      next: (withinMs) => events.next(withinMs),
      connect: (to) =>
        new Promise<void>((resolve, reject) => {
          socket.connect(to.port, to.address, (e?: Error) => (e ? reject(e) : resolve()));
        }),
      send: (data) =>
        new Promise<void>((resolve, reject) => {
          socket.send(Buffer.from(data, 'hex'), (e) => {
            // The error of a previous ICMP message may surface here; it is an observation, not a failure.
            if (e && !ICMP_ERRNOS.has(errorCode(e))) reject(e);
            else {
              if (e) events.push({ kind: 'icmp-error', detail: `${errorCode(e)}: ${describe(e)}` });
              resolve();
            }
          });
        }),
    };
  }

  /** The ports this peer's sockets used since the last takePorts: the scenario's so far. */
  ports(): Set<number> {
    return new Set(this.portsUsed);
  }

  /** The ports this peer's sockets used since the last call (one scenario's), forgotten here. */
  takePorts(): Set<number> {
    const ports = new Set(this.portsUsed);
    this.portsUsed.clear();
    return ports;
  }

  /** Close everything the peer opened in this scenario. */
  closeAll(): void {
    for (const item of this.owned) item.close();
    this.owned.clear();
  }
}
