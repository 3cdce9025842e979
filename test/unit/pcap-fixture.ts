// Packets and pcap files built byte by byte, for the tests of the decoder (pcap.test.ts) and of what the
// controller reads of a TCP/IP stack from its SYN (stack-fingerprint.test.ts).

export interface Rec {
  sec: number;
  usec: number;
  frame: Buffer;
}

export function pcapFile(records: Rec[], opts: { linktype?: number; bigEndian?: boolean; nano?: boolean } = {}): Buffer {
  const be = opts.bigEndian ?? false;
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(v);
    else b.writeUInt32LE(v);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  };
  const header = Buffer.concat([u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(262144), u32(opts.linktype ?? 1)]);
  return Buffer.concat([header, ...records.flatMap((r) => [u32(r.sec), u32(r.usec), u32(r.frame.length), u32(r.frame.length), r.frame])]);
}

/** An IPv4 packet from `src` to `dst`, with the TTL and don't-fragment bit given (64 and clear unless told). */
export function ipv4(proto: number, payload: Buffer, src = [127, 0, 0, 1], dst = [127, 0, 0, 1], sender: { ttl?: number; df?: boolean } = {}): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  if (sender.df) h[6] = 0x40;
  h[8] = sender.ttl ?? 64;
  h[9] = proto;
  Buffer.from(src).copy(h, 12);
  Buffer.from(dst).copy(h, 16);
  return Buffer.concat([h, payload]);
}

/** A TCP segment; `options` are the header's option bytes (a multiple of 4). */
export function tcp(
  sport: number,
  dport: number,
  flags: number,
  data: Buffer = Buffer.alloc(0),
  options: Buffer = Buffer.alloc(0),
  numbers = { seq: 0, ack: 0, win: 0 },
): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(numbers.seq, 4);
  h.writeUInt32BE(numbers.ack, 8);
  h[12] = ((20 + options.length) / 4) << 4;
  h[13] = flags;
  h.writeUInt16BE(numbers.win, 14);
  return Buffer.concat([h, options, data]);
}

export function udp(sport: number, dport: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([h, data]);
}

export function ether(ip: Buffer, type = 0x0800): Buffer {
  const h = Buffer.alloc(14);
  h.writeUInt16BE(type, 12);
  return Buffer.concat([h, ip]);
}

/** A Linux SYN's options as Linux sends them: MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (20 bytes). */
export const LINUX_SYN_OPTIONS = Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]);

/** A Windows SYN's options as Windows sends them: MSS 1460, NOP, window scale 8, NOP, NOP, SACK permitted (12 bytes). */
export const WINDOWS_SYN_OPTIONS = Buffer.from([2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2]);
