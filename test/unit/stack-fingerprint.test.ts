// What the controller reads of the implementation's TCP/IP from its SYN or SYN-ACK on the wire, and how the run's
// facts hold it against what the agent says it runs on: a Linux-like and a Windows-like SYN in pcap files built
// here, decoded as a capture is, and agents that tell the truth, run under Wine, or lie.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentFacts } from '../../agents/protocol';
import { decodePcap } from '../../src/testbeds/loopback/pcap';
import { implementationHandshake, initialTtl, stackOf, stackText, type ObservedSegment } from '../../src/testbeds/loopback/stack-fingerprint';
import {
  CONTRADICTION_FACT,
  namedFacts,
  runFacts,
  WINE_WIRE_FACT,
  WIRE_FINGERPRINT_FACT,
  WIRE_STACK_FACT,
  type ControllerFacts,
  type WireFingerprint,
} from '../../src/testbeds/agent-controller/facts';
import { ether, ipv4, LINUX_SYN_OPTIONS, pcapFile, tcp, WINDOWS_SYN_OPTIONS } from './pcap-fixture';

const SYN = 0x02;
const ACK = 0x10;
/** The peer's listening port; the implementation connects to it from port 40000. */
const PEER = 5000;
const IMPLEMENTATION = 40000;

/** A scenario's capture: the implementation's SYN as `stack` sends it, the peer's SYN-ACK (Linux's), the implementation's ACK. */
function handshakeCapture(stack: 'linux' | 'windows', ttl = stack === 'linux' ? 64 : 128): ObservedSegment[] {
  const options = stack === 'linux' ? LINUX_SYN_OPTIONS : WINDOWS_SYN_OPTIONS;
  const sent = { ttl, df: true };
  const file = pcapFile([
    {
      sec: 1,
      usec: 0,
      frame: ether(ipv4(6, tcp(IMPLEMENTATION, PEER, SYN, Buffer.alloc(0), options, { seq: 1, ack: 0, win: 64240 }), undefined, undefined, sent)),
    },
    {
      sec: 1,
      usec: 1,
      frame: ether(ipv4(6, tcp(PEER, IMPLEMENTATION, SYN | ACK, Buffer.alloc(0), LINUX_SYN_OPTIONS), undefined, undefined, { ttl: 64, df: true })),
    },
    { sec: 1, usec: 2, frame: ether(ipv4(6, tcp(IMPLEMENTATION, PEER, ACK), undefined, undefined, sent)) },
  ]);
  return implementationHandshake(decodePcap(file), new Set([PEER]));
}

const controller: ControllerFacts = {
  backend: 'wine',
  revision: 'abc1234',
  host: 'Linux 6.1 x64, node v20.20.2',
  agentAddress: 'local',
  capture: 'tcpdump on lo',
  runs: { wine: 'wine-8.0 (Debian 8.0~repack-4)', nodeExe: null },
  bootMs: 900,
  wire: { notObservedBecause: 'not yet' },
};
const underWine: AgentFacts = {
  implementation: 'winsock-conformance native agent (C, x64)',
  windows: 'Windows NT 10.0.19045',
  ws2_32: 'C:\\windows\\system32\\ws2_32.dll',
  ops: [],
  wine: '8.0',
};
const onWindowsItself: AgentFacts = { ...underWine, wine: undefined };

function factsWith(wire: WireFingerprint, agent: AgentFacts, runs: ControllerFacts['runs'] = controller.runs): Record<string, string> {
  return runFacts({ ...controller, runs, wire }, agent, null);
}

describe("the implementation's TCP/IP on the wire", () => {
  it('picks the SYN the implementation sent, not the peer’s SYN-ACK, and reads its stack from its initial TTL and option layout', () => {
    const [linux] = handshakeCapture('linux');
    assert.deepEqual(
      handshakeCapture('linux').map((s) => [s.segment, s.from.port]),
      [['SYN', IMPLEMENTATION]],
      "the peer's SYN-ACK is not the implementation's",
    );
    assert.equal(stackOf(linux as ObservedSegment)?.stack, 'Linux');
    const [windows] = handshakeCapture('windows');
    assert.equal(stackOf(windows as ObservedSegment)?.stack, 'Windows');
    // Ten hops away, each still starts from its own initial TTL.
    assert.equal(stackOf(handshakeCapture('linux', 54)[0] as ObservedSegment)?.stack, 'Linux');
    assert.equal(stackOf(handshakeCapture('windows', 118)[0] as ObservedSegment)?.stack, 'Windows');
  });

  it('rounds a TTL up to the initial TTL it started from, as p0f does', () => {
    assert.deepEqual([1, 32, 33, 57, 64, 65, 113, 128, 129, 250, 255].map(initialTtl), [32, 32, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
  });

  it('never guesses: a layout of one stack with the initial TTL of another matches no row, and says so', () => {
    const mixed = handshakeCapture('linux', 128);
    assert.equal(stackOf(mixed[0] as ObservedSegment), null);
    assert.match(stackText(mixed), /^unknown \(SYN: initial TTL 128, options mss,sackOK,TS,nop,wscale\): no stack's in the suite's table/);
    assert.match(stackText(handshakeCapture('windows')), /^Windows \(SYN: initial TTL 128, options mss,nop,wscale,nop,nop,sackOK; signatures of p0f 3\.09b/);
  });
});

describe("the run's facts hold the wire against the agent", () => {
  const linuxWire = { segments: handshakeCapture('linux') };
  const windowsWire = { segments: handshakeCapture('windows') };

  it('record the fingerprint and its stack as what the controller observed', () => {
    const facts = factsWith(linuxWire, underWine);
    assert.equal(facts[WIRE_FINGERPRINT_FACT], `SYN from 127.0.0.1:${IMPLEMENTATION}: TTL 64, DF, window 64240, options [mss 1460,sackOK,TS,nop,wscale 7]`);
    assert.match(facts[WIRE_STACK_FACT] ?? '', /^Linux \(SYN: initial TTL 64, options mss,sackOK,TS,nop,wscale; signatures of p0f 3\.09b/);
  });

  it('name an agent that says Windows, not under Wine, while the wire shows Linux: a contradiction, among the facts every report names', () => {
    const facts = factsWith(linuxWire, onWindowsItself, null);
    const contradiction = "the agent says Windows NT 10.0.19045, not under Wine, yet the wire shows Linux's TCP/IP (controller: wire fingerprint)";
    assert.equal(facts[CONTRADICTION_FACT], contradiction);
    assert.equal(facts[WINE_WIRE_FACT], undefined);
    assert.deepEqual(namedFacts(facts), [`${CONTRADICTION_FACT}: ${contradiction}`]);
  });

  it("say of a Wine run that Wine runs on the host's TCP/IP, and that it is not a contradiction", () => {
    const facts = factsWith(linuxWire, underWine);
    assert.equal(facts[CONTRADICTION_FACT], undefined);
    assert.equal(
      facts[WINE_WIRE_FACT],
      "Wine runs on the host's TCP/IP: the agent says Windows NT 10.0.19045 under Wine 8.0, and the wire shows Linux's TCP/IP, its host's; not a contradiction: the calls are Wine's, the segments its host's",
    );
    assert.deepEqual(namedFacts(facts), [`${WINE_WIRE_FACT}: ${facts[WINE_WIRE_FACT]}`]);
    // Wine on a host whose stack the table does not know: still Wine's host's, and still said.
    assert.match(
      factsWith({ segments: handshakeCapture('linux', 255) }, underWine)[WINE_WIRE_FACT] ?? '',
      /the wire shows a TCP\/IP the suite's table does not know/,
    );
  });

  it("name an agent that says it runs under Wine while the wire shows Windows' TCP/IP", () => {
    const facts = factsWith(windowsWire, underWine);
    assert.equal(
      facts[CONTRADICTION_FACT],
      "the agent says it runs under Wine 8.0, which sends through its host's TCP/IP, yet the wire shows Windows' TCP/IP (controller: wire fingerprint)",
    );
    assert.equal(facts[WINE_WIRE_FACT], undefined);
  });

  it('find nothing to name where the wire shows what the agent says: Windows on Windows, Linux under the POSIX column', () => {
    const onWindows = factsWith(windowsWire, onWindowsItself, null);
    assert.deepEqual(namedFacts(onWindows), []);
    assert.match(onWindows[WIRE_STACK_FACT] ?? '', /^Windows /);
    const posix = factsWith(
      linuxWire,
      { ...onWindowsItself, windows: 'none: Linux 6.1 (the calls are carried onto POSIX sockets)' },
      { wine: null, nodeExe: null },
    );
    assert.deepEqual(namedFacts(posix), []);
  });

  it("name an agent that says it is no Windows while the wire shows Windows' TCP/IP", () => {
    const facts = factsWith(windowsWire, { ...onWindowsItself, windows: 'none: Linux 6.1' }, null);
    assert.equal(facts[CONTRADICTION_FACT], "the agent says none: Linux 6.1, yet the wire shows Windows' TCP/IP (controller: wire fingerprint)");
  });

  it('say the fingerprint was not observed, and why, where nothing was captured: never a guess, never a contradiction', () => {
    const facts = factsWith({ notObservedBecause: 'the wire is not captured in this run (capture=off)' }, onWindowsItself, null);
    assert.equal(facts[WIRE_FINGERPRINT_FACT], 'not observed: the wire is not captured in this run (capture=off)');
    assert.equal(facts[WIRE_STACK_FACT], 'not observed');
    assert.deepEqual(namedFacts(facts), []);
  });
});
