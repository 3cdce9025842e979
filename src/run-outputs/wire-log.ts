// The wire log as a person reads it: the scenario's packets in tcpdump's words (`tcpdump -n`), merged with
// its calls and marks (the observation windows, the teardown) on one timeline, times in seconds from the
// call under test. A reset the teardown caused then reads after "teardown begins", not as one the
// scenario waited for and missed:
//    0.000 call  WSARecvDisconnect(0x1a4, NULL) = 0
//    0.001 ----- window opens: the peer watches for a reset, up to 500 ms
//    0.501 ----- window closes: nothing seen
//    0.509 ----- teardown begins: the scenario's sockets are closed
//    0.510 127.0.0.1.50000 > 127.0.0.1.41234: Flags [R.], seq 7, ack 1, win 0, length 0
import type { WirePacket } from '../core/ports';
import { anchorText } from './call-log';
import { anchorMs, timeColumn, type TimelineEvent } from './timeline';

/** tcpdump's flag letters (print-tcp.c): FIN F, SYN S, RST R, PSH P, ACK ., URG U, ECE E, CWR W. */
const FLAG_LETTERS: Record<string, string> = { FIN: 'F', SYN: 'S', RST: 'R', PSH: 'P', ACK: '.', URG: 'U', ECE: 'E', CWR: 'W' };

/** `127.0.0.1.5000`, as tcpdump writes an address and port. */
function hostPort(address: string, port: number): string {
  return `${address}.${port}`;
}

/** Each direction's initial sequence number, from its SYN: tcpdump counts later sequence numbers from it. */
export type InitialSequences = ReadonlyMap<string, number>;

function direction(p: WirePacket): string {
  return `${hostPort(p.from.address, p.from.port)}>${hostPort(p.to.address, p.to.port)}`;
}

function reverse(p: WirePacket): string {
  return `${hostPort(p.to.address, p.to.port)}>${hostPort(p.from.address, p.from.port)}`;
}

/** The initial sequence numbers of the connections whose SYNs `packets` hold. */
export function initialSequences(packets: readonly WirePacket[]): InitialSequences {
  const isn = new Map<string, number>();
  for (const p of packets) if (p.proto === 'tcp' && p.flags.includes('SYN') && p.seq !== undefined && !isn.has(direction(p))) isn.set(direction(p), p.seq);
  return isn;
}

/** A 32-bit sequence number relative to `base` (wrapping as TCP's do). */
function relative(value: number, base: number | undefined): number {
  return base === undefined ? value : (value - base) >>> 0;
}

/**
 * One packet as `tcpdump -n` prints it, without its time: sequence numbers relative to the connection's
 * SYN where the capture holds it (absolute on the SYNs themselves, as tcpdump does), `seq` shown where the
 * segment carries data, SYN, FIN or RST, `ack` where ACK is set.
 */
export function tcpdumpLine(p: WirePacket, isn: InitialSequences = new Map()): string {
  const ends = `${hostPort(p.from.address, p.from.port)} > ${hostPort(p.to.address, p.to.port)}`;
  if (p.proto === 'udp') return `${ends}: UDP, length ${p.length}`;
  if (p.icmp) {
    const unreachable = (p.proto === 'icmp' && p.icmp.type === 3 && p.icmp.code === 3) || (p.proto === 'icmp6' && p.icmp.type === 1 && p.icmp.code === 4);
    const what = unreachable ? `${p.from.address} udp port ${p.from.port} unreachable` : `type ${p.icmp.type}, code ${p.icmp.code}`;
    return `${p.from.address} > ${p.to.address}: ${p.proto === 'icmp6' ? 'ICMP6' : 'ICMP'} ${what}, length ${p.length}`;
  }
  const parts = [`Flags [${p.flags.map((f) => FLAG_LETTERS[f] ?? f).join('')}]`];
  const syn = p.flags.includes('SYN');
  if (p.seq !== undefined && (p.length > 0 || syn || p.flags.includes('FIN') || p.flags.includes('RST'))) {
    const seq = syn ? p.seq : relative(p.seq, isn.get(direction(p)));
    parts.push(p.length > 0 ? `seq ${seq}:${seq + p.length}` : `seq ${seq}`);
  }
  if (p.ack !== undefined && p.flags.includes('ACK')) parts.push(`ack ${syn ? p.ack : relative(p.ack, isn.get(reverse(p)))}`);
  if (p.win !== undefined) parts.push(`win ${p.win}`);
  parts.push(`length ${p.length}`);
  return `${ends}: ${p.proto === 'tcp' ? '' : `${p.proto.toUpperCase()} `}${parts.join(', ')}`;
}

/**
 * The wire log: the scenario's packets among what it did (its timeline), times in seconds from the call
 * under test. A packet comes before an event of the timeline when the wire counted it before the event
 * (Wire.packetsSoFar: a model, whose virtual clock gives a call and its packets one time), else when it was
 * captured before the event's time.
 */
export function wireLogText(packets: readonly WirePacket[], timeline: readonly TimelineEvent[], pcapName: string | null): string {
  const calls = timeline.flatMap((e) => ('call' in e ? [e.call] : []));
  const anchor = anchorMs(calls);
  const isn = initialSequences(packets);
  const lines: string[] = [];
  let next = 0;
  const packetLine = (p: WirePacket): string => `${timeColumn(p.t, anchor)} ${tcpdumpLine(p, isn)}`;
  for (const event of timeline) {
    const before = (p: WirePacket, i: number): boolean => (event.packetsBefore === undefined ? p.t < event.at : i < event.packetsBefore);
    for (let p = packets[next]; p && before(p, next); p = packets[++next]) lines.push(packetLine(p));
    lines.push(`${timeColumn(event.at, anchor)} ${'call' in event ? `call  ${event.text}` : `----- ${event.mark}`}`);
  }
  lines.push(...packets.slice(next).map(packetLine));
  const summary =
    packets.length === 0 ? '# no packet of the scenario was captured' : `# ${packets.length} packets${pcapName ? `, as a pcap file: ${pcapName}` : ''}`;
  return [
    '# tcpdump -n style; "call": the calls the scenario made; "-----": its observation windows and teardown',
    `# times: s from ${anchorText(calls)}`,
    ...lines,
    summary,
    '',
  ].join('\n');
}

/**
 * What the files of a scenario's evidence are named after: its feature, line and name, e.g.
 * `reception-85-data-still-queued-resets-the-tcp-connection`, unique in a run (a line holds one scenario,
 * or one Examples row) and telling which scenario it is once downloaded.
 */
export function scenarioFileStem(featureUri: string, line: number | undefined, scenarioName: string): string {
  const feature = (featureUri.split('/').pop() ?? featureUri).replace(/\.feature$/, '');
  const slug = scenarioName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return [feature, line, slug].filter((part) => part !== undefined && part !== '').join('-');
}

/** The file name of a scenario's packets: `reception-85-data-still-queued-resets-the-tcp-connection.pcap`. */
export function pcapFileName(featureUri: string, line: number | undefined, scenarioName: string): string {
  return `${scenarioFileStem(featureUri, line, scenarioName)}.pcap`;
}
