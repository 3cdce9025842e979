// Wire capture on the loopback interface with tcpdump, decoded here (no libpcap binding): the pcap file
// format, Ethernet (DLT_EN10MB, what Linux reports for lo), Linux cooked (DLT_LINUX_SLL) and raw IP;
// IPv4 and IPv6; TCP flags, UDP and ICMP/ICMPv6 type and code.
//
// WirePacket.length is the transport payload: TCP or UDP data bytes (as tcpdump's "length N"), or the
// whole ICMP message.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Endpoint, Wire, WirePacket, WireSlice } from '../../core/ports';

const DLT_NULL = 0;
const DLT_EN10MB = 1;
const DLT_RAW = 101;
const DLT_LINUX_SLL = 113;
const DLT_RAW_ALT = 12;

/** tcpdump's order: F S R P . U E W (see print-tcp.c tcp_flag_values). */
const TCP_FLAGS: [number, string][] = [
  [0x01, 'FIN'],
  [0x02, 'SYN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
  [0x20, 'URG'],
  [0x40, 'ECE'],
  [0x80, 'CWR'],
];

export interface DecodedPacket extends WirePacket {
  /** Capture time in ms since the Unix epoch (microsecond precision). */
  epochMs: number;
  /** Its record in the file, header included: with the file's header, a pcap file of its own. */
  record: Buffer;
}

export class PcapFormatError extends Error {
  override readonly name = 'PcapFormatError';
}

function ipv4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ipv6(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 1) groups.push(b.readUInt16BE(at + 2 * i).toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j > i ? j : i + 1;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/**
 * The ports of the packet an ICMP destination-unreachable message quotes (its IP header, then at least
 * the first 8 bytes of its UDP or TCP header), or null for any other message.
 */
function icmpAbout(b: Buffer, at: number, end: number, proto: number): { from: number; to: number } | null {
  const unreachable = proto === 1 ? 3 : 1;
  if (b[at] !== unreachable) return null;
  const quoted = at + 8;
  let ports: number;
  let carried: number | undefined;
  if (proto === 1) {
    if (end - quoted < 20) return null;
    ports = quoted + ((b[quoted] as number) & 0x0f) * 4;
    carried = b[quoted + 9];
  } else {
    ports = quoted + 40;
    carried = b[quoted + 6];
  }
  if ((carried !== 6 && carried !== 17) || end - ports < 4) return null;
  return { from: b.readUInt16BE(ports), to: b.readUInt16BE(ports + 2) };
}

/** Decode the transport header that starts at `at` (IP payload of `len` bytes). */
function transport(b: Buffer, at: number, len: number, proto: number, from: string, to: string): Omit<WirePacket, 't'> | null {
  const end = Math.min(b.length, at + len);
  if (proto === 6 && end - at >= 20) {
    const offset = (b[at + 12] >> 4) * 4;
    const flagsByte = b[at + 13];
    return {
      proto: 'tcp',
      from: { address: from, port: b.readUInt16BE(at) },
      to: { address: to, port: b.readUInt16BE(at + 2) },
      flags: TCP_FLAGS.filter(([bit]) => flagsByte & bit).map(([, name]) => name),
      length: Math.max(0, len - offset),
    };
  }
  if (proto === 17 && end - at >= 8) {
    return {
      proto: 'udp',
      from: { address: from, port: b.readUInt16BE(at) },
      to: { address: to, port: b.readUInt16BE(at + 2) },
      flags: [],
      length: Math.max(0, b.readUInt16BE(at + 4) - 8),
    };
  }
  if ((proto === 1 || proto === 58) && end - at >= 2) {
    const about = icmpAbout(b, at, end, proto);
    return {
      proto: proto === 1 ? 'icmp' : 'icmp6',
      // As the simulator writes it: from where the offending packet went, to where it came from.
      from: { address: from, port: about?.to ?? 0 },
      to: { address: to, port: about?.from ?? 0 },
      flags: [],
      length: len,
      icmp: { type: b[at] as number, code: b[at + 1] as number },
    };
  }
  const other: Endpoint = { address: from, port: 0 };
  return { proto: `ip-proto-${proto}`, from: other, to: { address: to, port: 0 }, flags: [], length: len };
}

/** Decode an IP packet starting at `at`; null when it is not IP. */
function ipPacket(b: Buffer, at: number): Omit<WirePacket, 't'> | null {
  if (b.length - at < 1) return null;
  const version = b[at] >> 4;
  if (version === 4 && b.length - at >= 20) {
    const ihl = (b[at] & 0x0f) * 4;
    const total = b.readUInt16BE(at + 2);
    return transport(b, at + ihl, total - ihl, b[at + 9], ipv4(b, at + 12), ipv4(b, at + 16));
  }
  if (version === 6 && b.length - at >= 40) {
    // Extension headers are not walked: loopback test traffic has none.
    return transport(b, at + 40, b.readUInt16BE(at + 4), b[at + 6], ipv6(b, at + 8), ipv6(b, at + 24));
  }
  return null;
}

/** Decode a whole pcap file (classic format, either byte order, micro- or nanosecond timestamps). */
export function decodePcap(file: Buffer): DecodedPacket[] {
  if (file.length < 24) throw new PcapFormatError(`a pcap file has a 24-byte header; this one has ${file.length} bytes`);
  const magicLE = file.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = file.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new PcapFormatError(`not a pcap file (magic 0x${magicLE.toString(16)})`);
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linktype = u32(20) & 0x0fffffff;
  const packets: DecodedPacket[] = [];
  let at = 24;
  while (at + 16 <= file.length) {
    const sec = u32(at);
    const frac = u32(at + 4);
    const incl = u32(at + 8);
    const record = file.subarray(at, Math.min(file.length, at + 16 + incl));
    const data = record.subarray(16);
    at += 16 + incl;
    const epochMs = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    let ip: Omit<WirePacket, 't'> | null = null;
    if (linktype === DLT_EN10MB && data.length >= 14) {
      let type = data.readUInt16BE(12);
      let off = 14;
      if (type === 0x8100 && data.length >= 18) {
        type = data.readUInt16BE(16);
        off = 18;
      }
      if (type === 0x0800 || type === 0x86dd) ip = ipPacket(data, off);
    } else if (linktype === DLT_LINUX_SLL && data.length >= 16) {
      const type = data.readUInt16BE(14);
      if (type === 0x0800 || type === 0x86dd) ip = ipPacket(data, 16);
    } else if (linktype === DLT_RAW || linktype === DLT_RAW_ALT) {
      ip = ipPacket(data, 0);
    } else if (linktype === DLT_NULL && data.length >= 4) {
      ip = ipPacket(data, 4);
    }
    if (ip) packets.push({ t: 0, epochMs, record, ...ip });
  }
  return packets;
}

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
  interface?: string;
  /** Ports whose traffic is not evidence (the agent's control channel); read at start and at stop. */
  excludedPorts: () => number[];
  /**
   * When it returns ports, a scenario's packets are only those to or from one of them. A parallel run's
   * workers each capture all of lo, so each keeps its own peer's traffic.
   */
  onlyPorts?: () => ReadonlySet<number> | null;
  /** Bound on waiting for tcpdump's "listening on" line. */
  startTimeoutMs?: number;
  /** Bound on waiting for the end-of-capture marker to reach the file. */
  flushTimeoutMs?: number;
}

/**
 * A capture with tcpdump into a temporary pcap file. `start` resolves once tcpdump says it is listening;
 * `stop` interrupts it, waits for it to exit, and decodes the file.
 */
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

  /** A wire when capture is possible here (root and tcpdump present), else null. */
  static create(options: CaptureOptions): TcpdumpWire | null {
    if (process.platform === 'win32' || typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
    const tcpdump = tcpdumpPath();
    if (!tcpdump) return null;
    return new TcpdumpWire(tcpdump, options);
  }

  private filter(): string[] {
    const ports = [...new Set(this.options.excludedPorts())];
    return ports.length ? ['not', '(', ports.map((p) => `port ${p}`).join(' or '), ')'] : [];
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
    this.startedAt = Date.now();
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
    const args = ['-i', this.options.interface ?? 'lo', '-n', '-U', '--immediate-mode', '-Z', 'root', '-w', this.file, ...this.filter()];
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

  async stop(): Promise<WireSlice> {
    const none: WireSlice = { packets: [], pcap: null };
    const child = this.child;
    const offset = this.offset;
    if (!child || offset === null) return none;
    this.offset = null;
    const port = child.exitCode === null && child.signalCode === null ? await this.flush(child) : null;
    if (port !== null) this.markerPorts.add(port);
    // The file's own header, then this scenario's records: the capture of the whole run is not read again.
    const header = readBytes(this.file, 0, 24);
    const records = readBytes(this.file, Math.max(24, offset));
    if (!header || header.length < 24 || !records) return none;
    const excluded = new Set([...this.options.excludedPorts(), ...this.markerPorts]);
    const slice = Buffer.concat([header, records]);
    const only = this.options.onlyPorts?.() ?? null;
    const kept = decodePcap(slice)
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
    void this.markerSocket?.then(({ socket }) => socket.close(), () => undefined);
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

/** Whether tcpdump can run here at all (for reports). */
export function tcpdumpVersion(): string | null {
  const bin = tcpdumpPath();
  if (!bin) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0] || null;
}
