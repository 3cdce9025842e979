// Which TCP/IP stack sent a SYN or SYN-ACK, told from what the controller captured on the wire: the two parts
// of a segment that differ between stacks and survive the path, the initial TTL (the captured TTL rounded up
// to 32, 64, 128 or 255: what a sender starts from, less the hops it crossed) and the layout of its TCP options
// (their kinds, in the order sent). The window, MSS and window scale are recorded, not matched: on loopback or
// a veth they follow the link's MTU and the host's memory, not the stack.
//
// STACKS is the suite's own small table of the stacks it tells apart. The facts of each signature (the option
// layouts and the initial TTL) are those of p0f's fingerprint database, p0f 3.09b (github.com/p0f/p0f, commit
// e8b924ae7fa0, "p0f-3.09b"; the same p0f.fp at 4abbd20ecd74, the repository's head): read there, not copied.
// The initial TTL is rounded up as p0f's guess_dist does (fp_tcp.c:39-44), on p0f's own account that almost
// every stack starts from 64, 128 or 255 (docs/README:526-528). A segment that matches no row is `unknown`: the
// suite never guesses.
import type { Endpoint, SynSignature, WirePacket } from '../../core/ports';

export type HandshakeSegment = 'SYN' | 'SYN-ACK';

/** A stack the suite tells apart by its SYN's and SYN-ACK's signatures. */
export interface StackSignatures {
  stack: 'Linux' | 'Windows';
  initialTtl: number;
  /** The option layouts of its SYN, by tcpdump's names joined with commas. */
  syn: readonly string[];
  /**
   * Of its SYN-ACK: a stack answers with the options the SYN offered, so a SYN-ACK's layout varies with
   * its peer's SYN (here the controller's Linux peer offers mss, sackOK, TS and wscale).
   */
  synAck: readonly string[];
  /** Where the signatures were read. */
  source: string;
}

const P0F = 'p0f 3.09b (github.com/p0f/p0f at e8b924ae7fa0) p0f.fp';

export const STACKS: readonly StackSignatures[] = [
  {
    stack: 'Linux',
    initialTtl: 64,
    // [tcp:request], labels "Linux:3.11 and newer" to "Linux:2.2.x-3.x (no timestamps)".
    syn: ['mss,sackOK,TS,nop,wscale', 'mss,nop,nop,sackOK,nop,wscale'],
    // [tcp:response], labels "Linux:3.x" to "Linux:2.6.x": the layouts less the options the SYN did not offer.
    synAck: [
      'mss',
      'mss,sackOK,TS',
      'mss,nop,nop,TS',
      'mss,nop,nop,sackOK',
      'mss,nop,wscale',
      'mss,sackOK,TS,nop,wscale',
      'mss,nop,nop,TS,nop,wscale',
      'mss,nop,nop,sackOK,nop,wscale',
    ],
    source: `${P0F}:95-167 (SYN), 361-387 (SYN-ACK)`,
  },
  {
    stack: 'Windows',
    initialTtl: 128,
    // [tcp:request], labels "Windows:XP", "Windows:7 or 8" and the catch-alls "Windows:NT kernel 5.x", "6.x" and "NT kernel".
    syn: ['mss,nop,nop,sackOK', 'mss,nop,wscale,nop,nop,sackOK', 'mss,nop,wscale,sackOK,TS'],
    // [tcp:response], labels "Windows:XP" and "Windows:7 or 8".
    synAck: [
      'mss',
      'mss,nop,wscale',
      'mss,nop,nop,sackOK',
      'mss,nop,nop,TS',
      'mss,nop,wscale,nop,nop,sackOK',
      'mss,nop,wscale,nop,nop,TS',
      'mss,nop,nop,TS,nop,nop,sackOK',
      'mss,nop,wscale,nop,nop,TS,nop,nop,sackOK',
      'mss,sackOK,TS',
      'mss,nop,wscale,sackOK,TS',
    ],
    source: `${P0F}:176-209 (SYN), 393-420 (SYN-ACK)`,
  },
];

/** The TTL a sender started from, as p0f guesses it: the captured TTL rounded up to 32, 64, 128 or 255. */
export function initialTtl(ttl: number): number {
  return [32, 64, 128].find((start) => ttl <= start) ?? 255;
}

/** A segment of the implementation under test that carries a signature: a SYN or SYN-ACK, as captured. */
export interface ObservedSegment {
  segment: HandshakeSegment;
  from: Endpoint;
  win: number | null;
  signature: SynSignature;
}

/** The stack whose table row has this segment's initial TTL and option layout, or null: no row does. */
export function stackOf(observed: ObservedSegment): StackSignatures | null {
  const layout = observed.signature.options.join(',');
  const ttl = initialTtl(observed.signature.ttl);
  return STACKS.find((s) => s.initialTtl === ttl && (observed.segment === 'SYN' ? s.syn : s.synAck).includes(layout)) ?? null;
}

/** `mss 65495,sackOK,TS,nop,wscale 10`: the options as tcpdump lists them, with the values a signature records. */
function optionsText(signature: SynSignature): string {
  return signature.options
    .map((name) =>
      name === 'mss' && signature.mss !== null ? `mss ${signature.mss}` : name === 'wscale' && signature.wscale !== null ? `wscale ${signature.wscale}` : name,
    )
    .join(',');
}

/** `SYN from 127.0.0.1:35724: TTL 64, DF, window 65495, options [mss 65495,sackOK,TS,nop,wscale 10]`. */
export function segmentText(observed: ObservedSegment): string {
  const { signature } = observed;
  const df = signature.df === null ? 'IPv6' : signature.df ? 'DF' : 'no DF';
  const win = observed.win === null ? '' : `, window ${observed.win}`;
  return `${observed.segment} from ${observed.from.address}:${observed.from.port}: TTL ${signature.ttl}, ${df}${win}, options [${optionsText(signature)}]`;
}

/** `SYN: initial TTL 64, options mss,sackOK,TS,nop,wscale`: what a segment's stack is told by. */
function evidenceText(observed: ObservedSegment): string {
  return `${observed.segment}: initial TTL ${initialTtl(observed.signature.ttl)}, options ${observed.signature.options.join(',') || 'none'}`;
}

/**
 * The stack the segments match: `Linux (SYN: initial TTL 64, options ...; SYN-ACK: ...; signatures of p0f ...)`,
 * said once where every segment matches the same row, else each segment's own reading; one that matches no
 * row says so (`unknown: ...`).
 */
export function stackText(segments: readonly ObservedSegment[]): string {
  const stacks = segments.map(stackOf);
  const first = stacks[0];
  if (first && stacks.every((s) => s === first)) return `${first.stack} (${segments.map(evidenceText).join('; ')}; signatures of ${first.source})`;
  return segments
    .map((segment, i) => {
      const stack = stacks[i];
      if (stack) return `${stack.stack} (${evidenceText(segment)}; signatures of ${stack.source})`;
      return `unknown (${evidenceText(segment)}): no stack's in the suite's table (src/testbeds/loopback/stack-fingerprint.ts), which knows ${STACKS.map((s) => s.stack).join(' and ')}`;
    })
    .join('; ');
}

/** The stacks of the table that the segments match, each once. */
export function stacksOf(segments: readonly ObservedSegment[]): StackSignatures['stack'][] {
  return [...new Set(segments.map((s) => stackOf(s)?.stack).filter((s) => s !== undefined))];
}

/**
 * The first SYN and the first SYN-ACK among `packets` that the implementation under test sent: to one of the
 * peer's ports, from a port that is not one of them. Only a decoded capture's segments carry a signature.
 */
export function implementationHandshake(packets: readonly WirePacket[], peerPorts: ReadonlySet<number>): ObservedSegment[] {
  const found: ObservedSegment[] = [];
  for (const segment of ['SYN', 'SYN-ACK'] as const) {
    const flags = segment === 'SYN' ? ['SYN'] : ['SYN', 'ACK'];
    const p = packets.find((q) => q.proto === 'tcp' && q.syn && q.flags.join() === flags.join() && peerPorts.has(q.to.port) && !peerPorts.has(q.from.port));
    if (p?.syn) found.push({ segment, from: p.from, win: p.win ?? null, signature: p.syn });
  }
  return found;
}
