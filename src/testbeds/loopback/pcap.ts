// The pcap file format, decoded here (no libpcap binding): classic pcap files, Ethernet (DLT_EN10MB,
// what Linux reports for lo), Linux cooked (DLT_LINUX_SLL), BSD loopback (DLT_NULL) and raw IP; IPv4 and
// IPv6; TCP flags, UDP and ICMP/ICMPv6 type and code, and the ports an ICMP error quotes; and on a SYN or
// SYN-ACK, its stack's signature: the TTL (hop limit), the don't-fragment bit and the TCP options in order
// (stack-fingerprint.ts reads them). Pure functions over Buffers: the capture (capture.ts) hands them what
// tcpdump wrote.
//
// WirePacket.length is the transport payload: TCP or UDP data bytes (as tcpdump's "length N"), or the
// whole ICMP message. A TCP segment's seq, ack and win are its header's, unscaled, as tcpdump prints them.
// Only a SYN's options are kept: later segments' (timestamps, SACK blocks) say nothing of the stack that a
// SYN did not, and every packet's would weigh on the wire log's JSON.
import { ipv4Text, ipv6Text } from '../../../agents/node/sockaddr';
import type { Endpoint, SynSignature, WirePacket } from '../../core/ports';

/** A pcap file's global header, which every file (and every slice of one) starts with. */
export const PCAP_HEADER_BYTES = 24;
/** Each record's header: seconds, fraction, captured length, original length. */
const RECORD_HEADER_BYTES = 16;

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

/** The ICMP and ICMPv6 error messages, each of which quotes the packet it is about after its 8-byte header. */
const QUOTING_TYPES: Record<number, readonly number[]> = {
  // Destination unreachable, source quench, time exceeded, parameter problem (RFC 792).
  1: [3, 4, 11, 12],
  // Destination unreachable, packet too big, time exceeded, parameter problem (RFC 4443).
  58: [1, 2, 3, 4],
};

/**
 * The ports of the packet an ICMP error message quotes (its IP header, then at least the first 8 bytes
 * of its UDP or TCP header), or null for any other message.
 */
function icmpAbout(b: Buffer, at: number, end: number, proto: number): { from: number; to: number } | null {
  if (!QUOTING_TYPES[proto]?.includes(b[at] as number)) return null;
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

/** The TCP option kinds a stack's signature names, by tcpdump's names (RFC 793, 7323, 2018). */
const TCP_OPTION_NAMES: Record<number, string> = { 0: 'eol', 1: 'nop', 2: 'mss', 3: 'wscale', 4: 'sackOK', 5: 'sack', 8: 'TS' };

/** The options of the TCP header at `at` (`offset` bytes long, within `end`), in order, up to an end-of-list. */
function tcpOptions(b: Buffer, at: number, offset: number, end: number): Pick<SynSignature, 'options' | 'mss' | 'wscale'> {
  const found: Pick<SynSignature, 'options' | 'mss' | 'wscale'> = { options: [], mss: null, wscale: null };
  const stop = Math.min(end, at + offset);
  let i = at + 20;
  while (i < stop) {
    const kind = b[i] as number;
    found.options.push(TCP_OPTION_NAMES[kind] ?? `opt-${kind}`);
    if (kind === 0) break;
    if (kind === 1) {
      i += 1;
      continue;
    }
    const length = i + 1 < stop ? (b[i + 1] as number) : 0;
    // A length that cannot be (shorter than its own two bytes, or past the header) ends the reading.
    if (length < 2 || i + length > stop) break;
    if (kind === 2 && length === 4) found.mss = b.readUInt16BE(i + 2);
    if (kind === 3 && length === 3) found.wscale = b[i + 2] as number;
    i += length;
  }
  return found;
}

/** What the IP header tells of the sender: its TTL (hop limit) and don't-fragment bit (null on IPv6). */
type IpFacts = Pick<SynSignature, 'ttl' | 'df'>;

/** Decode the transport header that starts at `at` (IP payload of `len` bytes). */
function transport(b: Buffer, at: number, len: number, proto: number, from: string, to: string, ip: IpFacts): Omit<WirePacket, 't'> | null {
  const end = Math.min(b.length, at + len);
  if (proto === 6 && end - at >= 20) {
    const offset = (b[at + 12] >> 4) * 4;
    const flagsByte = b[at + 13];
    const syn = (flagsByte & 0x02) !== 0 ? { syn: { ...ip, ...tcpOptions(b, at, offset, end) } } : {};
    return {
      proto: 'tcp',
      from: { address: from, port: b.readUInt16BE(at) },
      to: { address: to, port: b.readUInt16BE(at + 2) },
      flags: TCP_FLAGS.filter(([bit]) => flagsByte & bit).map(([, name]) => name),
      length: Math.max(0, len - offset),
      seq: b.readUInt32BE(at + 4),
      ack: b.readUInt32BE(at + 8),
      win: b.readUInt16BE(at + 14),
      ...syn,
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
    const ip = { ttl: b[at + 8] as number, df: ((b[at + 6] as number) & 0x40) !== 0 };
    return transport(b, at + ihl, total - ihl, b[at + 9], ipv4Text(b, at + 12), ipv4Text(b, at + 16), ip);
  }
  if (version === 6 && b.length - at >= 40) {
    // Extension headers are not walked: loopback test traffic has none.
    return transport(b, at + 40, b.readUInt16BE(at + 4), b[at + 6], ipv6Text(b, at + 8), ipv6Text(b, at + 24), { ttl: b[at + 7] as number, df: null });
  }
  return null;
}

/** Decode a whole pcap file (classic format, either byte order, micro- or nanosecond timestamps). */
export function decodePcap(file: Buffer): DecodedPacket[] {
  if (file.length < PCAP_HEADER_BYTES) throw new PcapFormatError(`a pcap file has a ${PCAP_HEADER_BYTES}-byte header; this one has ${file.length} bytes`);
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
  let at = PCAP_HEADER_BYTES;
  while (at + RECORD_HEADER_BYTES <= file.length) {
    const sec = u32(at);
    const frac = u32(at + 4);
    const incl = u32(at + 8);
    const record = file.subarray(at, Math.min(file.length, at + RECORD_HEADER_BYTES + incl));
    const data = record.subarray(RECORD_HEADER_BYTES);
    at += RECORD_HEADER_BYTES + incl;
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
