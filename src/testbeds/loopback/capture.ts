// Wire capture: one tcpdump for the whole run, writing a pcap file, sliced per scenario between marker
// datagrams and decoded by pcap.ts. On lo when the peer is on loopback; on every interface, for the peer's
// address, when the peer's traffic crosses a link to another host.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Wire, WirePacket, WireSlice } from '../../core/ports';
import { decodePcap, PCAP_HEADER_BYTES } from './pcap';

/**
 * Why this host cannot capture, said as the run's facts and a check that could not look say it; null when it
 * can (root, and tcpdump installed).
 */
export function captureUnavailableBecause(): string | null {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return `capture needs tcpdump, which does not run on ${process.platform}`;
  if (process.getuid() !== 0) return 'capture needs root, and this run is not root';
  if (!tcpdumpPath()) return 'capture needs tcpdump, which is not installed (`npm run setup` installs it)';
  return null;
}

/** Bytes kept of each packet: link, IP and TCP headers with their options, and the start of the payload. */
const SNAPLEN = 256;

export function tcpdumpPath(): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(path.delimiter)]) {
    const candidate = path.join(dir, 'tcpdump');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

export interface CaptureOptions {
  /**
   * The peer's address when it is not on loopback: the capture is then on every interface (`any`: the
   * peer's packets cross whichever one routes to the implementation's host, and the markers cross lo), of
   * the packets to or from this address and the markers. Without it, all of lo.
   */
  peerHost?: string;
  /** Ports whose traffic is not evidence (the agent's control channel); read at start and at stop. */
  excludedPorts: () => number[];
  /**
   * When it returns ports, a scenario's packets are only those to or from one of them. Each capture sees
   * all of lo (a parallel run's other workers, any other program on the host), so each keeps its own
   * peer's traffic.
   */
  onlyPorts?: () => ReadonlySet<number> | null;
  /** Bound on waiting for tcpdump's "listening on" line. */
  startTimeoutMs?: number;
  /** Bound on waiting for the end-of-capture marker to reach the file. */
  flushTimeoutMs?: number;
}

/**
 * One tcpdump for the whole run, sliced per scenario: start() and stop() each send a marker datagram and
 * wait until it is in the file, so a scenario's packets are exactly those between its two markers.
 * (A tcpdump per scenario cost about 60 ms of start-up and shut-down each time.)
 */
export class TcpdumpWire implements Wire {
  private child: ChildProcess | null = null;
  private file = '';
  private startedAt = 0;
  /** Where the current scenario's packets begin in the capture file; null when no scenario is capturing. */
  private offset: number | null = null;
  /** The markers' ports: their datagrams are the harness's, not evidence. */
  private readonly markerPorts = new Set<number>();
  private dir: string | null = null;
  private stderr = '';
  /** Set by dispose: a start still under way (a scenario cut short by Ctrl-C) must not leave a tcpdump behind. */
  private disposed = false;
  /** Every tcpdump of ours that has not exited yet (one being stopped is no longer `child`). */
  private readonly running = new Set<ChildProcess>();
  /** A launch under way, started by prepare(); the first start() waits for it instead of launching again. */
  private launching: Promise<void> | null = null;

  constructor(
    private readonly tcpdump: string,
    private readonly options: CaptureOptions,
  ) {}

  /** A wire when capture is possible here (captureUnavailableBecause), else null. */
  static create(options: CaptureOptions): TcpdumpWire | null {
    const tcpdump = tcpdumpPath();
    if (captureUnavailableBecause() !== null || !tcpdump) return null;
    return new TcpdumpWire(tcpdump, options);
  }

  private filter(): string[] {
    const ports = [...new Set(this.options.excludedPorts())];
    const notExcluded = ports.length ? ['not', '(', ports.map((p) => `port ${p}`).join(' or '), ')'] : [];
    const host = this.options.peerHost;
    if (host === undefined) return notExcluded;
    // The markers are datagrams from loopback to loopback (flush): kept, and left out again when decoding.
    const peerTraffic = ['host', host, ...(notExcluded.length ? ['and', ...notExcluded] : [])];
    return ['(', ...peerTraffic, ')', 'or', '(', 'udp', 'and', 'src', 'host', '127.0.0.1', 'and', 'dst', 'host', '127.0.0.1', ')'];
  }

  /** Where the capture listens, for the run's facts. */
  describe(): string {
    return this.options.peerHost === undefined
      ? 'tcpdump on lo'
      : `tcpdump on every interface, the packets to or from the peer's address ${this.options.peerHost}`;
  }

  async start(): Promise<void> {
    await this.launching;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const port = await this.flush(child);
      if (port !== null) this.markerPorts.add(port);
    } else {
      await this.launch();
    }
    this.offset = fileSize(this.file);
    // To the microsecond, as the packets' own times are: the scenario's timeline lines them up with its calls.
    this.startedAt = performance.timeOrigin + performance.now();
  }

  /**
   * Start tcpdump ahead of the first scenario, once the ports to leave out are known (tcpdump takes a
   * few tens of milliseconds to say it is listening). A failure is the first start()'s to report.
   */
  prepare(): void {
    if (this.disposed || this.child || this.launching) return;
    this.launching = this.launch()
      .catch(() => undefined)
      .finally(() => {
        this.launching = null;
      });
  }

  private async launch(): Promise<void> {
    // A start that waited for prepare()'s launch comes here after a dispose too (Ctrl-C in a scenario's
    // Before hook): a tcpdump started now would outlive the run.
    if (this.disposed) throw new Error('the capture was disposed');
    this.dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'winsock-wire-'));
    this.file = path.join(this.dir, 'capture.pcap');
    fs.rmSync(this.file, { force: true });
    this.stderr = '';
    // -s: each packet's headers and the first bytes of its payload. The decoder reads lengths from the IP
    // header, and a scenario that fills a send buffer moves megabytes, which the reports need not hold.
    // Linux cooked headers (DLT_LINUX_SLL) on `any`, whose links differ: pcap.ts decodes them as it does lo's Ethernet.
    const where = this.options.peerHost === undefined ? ['-i', 'lo'] : ['-i', 'any', '-y', 'LINUX_SLL'];
    const args = [...where, '-n', '-s', String(SNAPLEN), '-U', '--immediate-mode', '-Z', 'root', '-w', this.file, ...this.filter()];
    const child = spawn(this.tcpdump, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    const bound = this.options.startTimeoutMs ?? 5000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`tcpdump did not report listening within ${bound} ms: ${this.stderr.trim()}`));
      }, bound);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`tcpdump exited (${code}) before listening: ${this.stderr.trim()}`));
      };
      child.once('exit', onExit);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        this.stderr += text;
        if (/listening on /.test(this.stderr)) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve();
        }
      });
    }).catch((e: unknown) => {
      this.child = null;
      throw e;
    });
  }

  /** The socket markers are sent from, bound once per capture; null until the first flush. */
  private markerSocket: Promise<{ socket: dgram.Socket; port: number }> | null = null;

  private openMarkerSocket(): Promise<{ socket: dgram.Socket; port: number }> {
    const socket = dgram.createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.on('error', () => undefined);
        socket.on('message', () => undefined);
        socket.unref();
        resolve({ socket, port: socket.address().port });
      });
    });
  }

  /**
   * Send a marker datagram over lo and wait (on file-change events, bounded) until tcpdump has written it:
   * the kernel hands packets to the capture in order, so everything before the marker is then in the
   * file, and an interrupt cannot lose the last packets of the scenario. Returns the marker's port.
   */
  private async flush(child: ChildProcess): Promise<number | null> {
    try {
      this.markerSocket ??= this.openMarkerSocket();
      const { socket, port } = await this.markerSocket;
      const marker = Buffer.from(`winsock-conformance wire marker ${process.pid} ${Date.now()} ${Math.random()}`);
      // The marker can only be in what was written after now: read from here on (the marker's length
      // back, in case a write was under way).
      const from = Math.max(0, fileSize(this.file) - marker.length);
      const seen = (): boolean => readBytes(this.file, from)?.includes(marker) ?? false;
      await new Promise<void>((resolve) => {
        let watcher: fs.FSWatcher | null = null;
        const done = (): void => {
          clearTimeout(timer);
          watcher?.close();
          child.off('exit', done);
          resolve();
        };
        const timer = setTimeout(done, this.options.flushTimeoutMs ?? 1000);
        child.once('exit', done);
        try {
          watcher = fs.watch(this.file, () => {
            if (seen()) done();
          });
        } catch {
          watcher = null; // no file yet: the bound ends the wait
        }
        socket.send(marker, port, '127.0.0.1', () => {
          if (seen()) done();
        });
      });
      return port;
    } catch {
      return null;
    }
  }

  async seen(): Promise<WirePacket[]> {
    return (await this.slice(this.offset)).packets;
  }

  async stop(): Promise<WireSlice> {
    const offset = this.offset;
    this.offset = null;
    return this.slice(offset);
  }

  /** The records from `offset` on, up to a marker sent now, decoded; the file is read, not consumed. */
  private async slice(offset: number | null): Promise<WireSlice> {
    const none: WireSlice = { packets: [], pcap: null };
    const child = this.child;
    if (!child || offset === null) return none;
    const port = child.exitCode === null && child.signalCode === null ? await this.flush(child) : null;
    if (port !== null) this.markerPorts.add(port);
    // The file's own header, then this scenario's records: the capture of the whole run is not read again.
    const header = readBytes(this.file, 0, PCAP_HEADER_BYTES);
    const records = readBytes(this.file, Math.max(PCAP_HEADER_BYTES, offset));
    if (!header || header.length < PCAP_HEADER_BYTES || !records) return none;
    const excluded = new Set([...this.options.excludedPorts(), ...this.markerPorts]);
    const slice = Buffer.concat([header, records]);
    const only = this.options.onlyPorts?.() ?? null;
    // Against a peer's address, the filter lets in loopback datagrams only for the markers: every process's
    // on this host, whose port may be one of the scenario's by chance (it was, once, in CI). Only the
    // peer's packets are the scenario's.
    const peer = this.options.peerHost;
    const kept = decodePcap(slice)
      .filter((p) => peer === undefined || p.from.address === peer || p.to.address === peer)
      .filter((p) => !excluded.has(p.from.port) && !excluded.has(p.to.port))
      .filter((p) => !only || only.has(p.from.port) || only.has(p.to.port));
    return {
      packets: kept.map(({ epochMs, record: _record, ...p }) => ({ ...p, t: Math.max(0, Math.round((epochMs - this.startedAt) * 1000) / 1000) })),
      pcap: kept.length > 0 ? Buffer.concat([header, ...kept.map((p) => p.record)]) : null,
    };
  }

  /** Stop without decoding and remove the temporary folder; resolves when no tcpdump of ours runs. */
  dispose(): Promise<void> {
    this.disposed = true;
    void this.markerSocket?.then(
      ({ socket }) => socket.close(),
      () => undefined,
    );
    this.markerSocket = null;
    this.child = null;
    this.offset = null;
    const gone = [...this.running].map((child) => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      return exited;
    });
    this.running.clear();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    return Promise.all(gone).then(() => undefined);
  }
}

/** Bytes `start` to `end` (or to the end) of `file` as it is now; null when it cannot be read. */
function readBytes(file: string, start: number, end = Infinity): Buffer | null {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const length = Math.max(0, Math.min(end, fs.fstatSync(fd).size) - start);
      const bytes = Buffer.alloc(length);
      fs.readSync(fd, bytes, 0, length, start);
      return bytes;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
