// Then: the checks. Each Then is one rule's observable, packetdrill-style: the call, what it returned and
// its WSA code. A miss is a Deviation; a positive control that misses is ObserverBlind.
import { Then } from '../support/dsl';
import { checkLate, describeEvents, forbidLate, watchBytes, watchFor, watchWindow, watchWindows } from '../support/observe';
import { judgeBlocking, measureRoundTripFloor } from '../support/timing';
import {
  DISCONNECT_BUFFER_FILL,
  type CallOutcome,
  type Endpoint,
  type Handle,
  type PeerEvent,
  type PeerWatch,
  type Returned,
  type WirePacket,
} from '../src/core/ports';
import {
  connectedSocket,
  fillSendSide,
  openSocket,
  carriesDisconnectData,
  describeProvider,
  isNativeTcpIp,
  notApplicableIfNoLongerASocket,
  peerDatagramTo,
  settleDatagrams,
  SETUP_WINDOW_MS,
  TCP,
} from '../support/situations';
import { CallTimeout } from '../src/core/outcomes';
import { SD_SEND, SOCK_STREAM, SOCKET_ERROR, WSA_ERRORS, type WsaErrorName } from '../src/core/winsock';
import { describeOutcome } from '../src/run-outputs/call-log';
import type { ConformanceWorld, Subject } from '../support/world';

/** The last outcome, which must have returned: a call still blocked here is a TIMEOUT, not a verdict. */
function returned(world: ConformanceWorld): Returned {
  const outcome: CallOutcome = world.lastOutcome();
  if (outcome.status === 'blocked') throw new CallTimeout(`the call had not returned after ${outcome.boundMs} ms`);
  return outcome;
}

Then('it returns {int}', async function (value: number) {
  const outcome = returned(this);
  this.expectRule(outcome.ret === value, `expected ${value}, got ${describeOutcome(outcome)}`);
});

Then('it returns SOCKET_ERROR with {wsaerror}', async function (name: WsaErrorName) {
  const outcome = returned(this);
  this.expectRule(outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS[name], `expected SOCKET_ERROR ${name}, got ${describeOutcome(outcome)}`);
});

// Where two rows of the page's table apply at once and the page orders neither, either code keeps the page.
Then('it returns SOCKET_ERROR with {wsaerror} or {wsaerror}', async function (first: WsaErrorName, second: WsaErrorName) {
  const outcome = returned(this);
  const code = outcome.ret === SOCKET_ERROR && (outcome.error === WSA_ERRORS[first] || outcome.error === WSA_ERRORS[second]);
  this.expectRule(code, `expected SOCKET_ERROR ${first} or ${second}, got ${describeOutcome(outcome)}`);
});

// Where the page lets the call fail with one code (TCP/IP's WSAENOPROTOOPT for a buffer), and else has it succeed.
Then('it returns {int} or SOCKET_ERROR with {wsaerror}', async function (value: number, name: WsaErrorName) {
  const outcome = returned(this);
  const kept = outcome.ret === value || (outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS[name]);
  this.expectRule(kept, `expected ${value} or SOCKET_ERROR ${name}, got ${describeOutcome(outcome)}`);
});

Then('it returns SOCKET_ERROR with a non-zero error code', async function () {
  const outcome = returned(this);
  this.expectRule(outcome.ret === SOCKET_ERROR && outcome.error !== 0, `expected SOCKET_ERROR and a code, got ${describeOutcome(outcome)}`);
});

Then('it does not fail with {wsaerror}', async function (name: WsaErrorName) {
  const outcome = returned(this);
  this.expectRule(!(outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS[name]), `expected anything but ${name}, got ${describeOutcome(outcome)}`);
});

// On the controller's clock (support/timing.ts): the call's round trip, less the round trip of a trivial
// call measured now, must be within the bound. The agent's "blocked" counts too; its elapsedMs does not.
Then('it returns without blocking, within {int} ms', async function (withinMs: number) {
  const timed = this.lastCall();
  const floorMs = await measureRoundTripFloor(this, this.requireSubject().handle);
  this.blockingCheck = { withinMs, floorMs };
  const judged = judgeBlocking(timed, floorMs, withinMs);
  // The numbers are evidence; the deviation's detail names none, so that it reads the same from run to run.
  this.attach(`${timed.call.op}: ${judged.evidence}\n`, { mediaType: 'text/plain', fileName: 'timing.txt' });
  const how = judged.reportedBlocked
    ? 'the agent reported it still blocked at its bound'
    : `its round trip on the controller's clock exceeded a trivial call's by more than ${withinMs} ms`;
  this.expectRule(!judged.reportedBlocked && !judged.clockSaysBlocked, `${timed.call.op} blocked: ${how}`);
});

Then('it returns 0 with the disconnect data {string}', async function (text: string) {
  const outcome = returned(this);
  const data = Buffer.from(outcome.out.data ?? '', 'hex')
    .subarray(0, outcome.out.bufferLength ?? 0)
    .toString('utf8');
  this.expectRule(outcome.ret === 0 && data === text, `expected 0 with "${text}", got ${describeOutcome(outcome)} with "${data}"`);
});

/**
 * The page says only that providers without XP1_DISCONNECT_DATA have no disconnect data, not what the call
 * does with the buffer then (the catalogue's notes). lpInboundDisconnectData points to "the incoming
 * disconnect data", so whatever the call writes into the buffer is handed back as such, whatever the
 * WSABUF length says; and a length that claims bytes hands some back. A call that succeeds keeps the rule
 * when it writes no byte and leaves the length 0 or as it was given. A failure hands nothing back: what a
 * failed call leaves in its output is no result of it.
 */
Then('no disconnect data is returned', async function () {
  const outcome = returned(this);
  const { call } = this.lastCall();
  if (call.op !== 'WSARecvDisconnect' || call.buffer === null) throw new Error('the last call was not WSARecvDisconnect with a buffer');
  if (outcome.ret === SOCKET_ERROR) return;
  const length = outcome.out.bufferLength;
  const contents = Buffer.from(outcome.out.data ?? '', 'hex');
  if (length === undefined || contents.length !== call.buffer)
    throw new Error(`the agent did not report the WSABUF length and all ${call.buffer} bytes of the buffer after the call`);
  const written = contents.some((byte) => byte !== DISCONNECT_BUFFER_FILL);
  const claimed = length !== 0 && length !== call.buffer;
  const how = [written ? 'bytes written into the buffer' : '', claimed ? `a length that claims ${length} bytes` : ''].filter(Boolean).join(' and ');
  this.expectRule(
    !written && !claimed,
    `expected a failure, or no byte written and a length of 0 or ${call.buffer} (as given); got ${describeOutcome(outcome)} with ${how}: WSABUF.len ${length} of ${call.buffer}, buffer ${contents.toString('hex')}`,
  );
});

/**
 * A receive on the subject must fail. Which error it fails with is the receive's own page's to say, not
 * this one's; that the handle stays a socket is remarks.does-not-close-socket's.
 */
async function expectReceiveRefused(world: ConformanceWorld, receive: 'recv' | 'WSARecv', context = ''): Promise<void> {
  const s = world.requireSubject().handle;
  // The call under test, for the evidence.
  const issued = world.lastOutcomeOf('WSARecvDisconnect');
  const after = issued ? `, after WSARecvDisconnect ${describeOutcome(issued)}` : '';
  const outcome = await world.attempt(receive === 'recv' ? { op: 'recv', s, len: 64, flags: 0 } : { op: 'WSARecv', s, len: 64 });
  world.expectRule(outcome.status === 'returned' && outcome.ret === SOCKET_ERROR, `${receive} was not refused: ${describeOutcome(outcome)}${context}${after}`);
}

Then('{receive} on the socket returns SOCKET_ERROR', async function (receive: 'recv' | 'WSARecv') {
  await expectReceiveRefused(this, receive);
});

// FIONREAD first: a receive refused while it had a datagram to return is a refusal, not an empty queue.
Then('{receive} on the socket returns SOCKET_ERROR while {int} bytes are queued', async function (receive: 'recv' | 'WSARecv', bytes: number) {
  const queued = await this.call({ op: 'FIONREAD', s: this.requireSubject().handle });
  notApplicableIfNoLongerASocket(queued, 'FIONREAD');
  const held = queued.ret === 0 ? queued.out.value : null;
  await expectReceiveRefused(
    this,
    receive,
    held === null ? ` (FIONREAD before it ${describeOutcome(queued)})` : ` (FIONREAD counted ${String(held)} bytes before it)`,
  );
  this.expectControl(
    held === bytes,
    `the ${bytes} bytes queued before the call were not queued after it (FIONREAD ${describeOutcome(queued)}, ${String(held)} bytes), so the refusal was not shown with data to receive`,
  );
});

Then('the socket is still a socket of type SOCK_STREAM', async function () {
  const outcome = await this.call({ op: 'getSocketType', s: this.requireSubject().handle });
  this.expectRule(outcome.ret === 0 && outcome.out.value === SOCK_STREAM, `getsockopt(SO_TYPE) ${describeOutcome(outcome)}, type ${String(outcome.out.value)}`);
});

Then('sending {int} bytes on the socket returns {int}', async function (bytes: number, expected: number) {
  const outcome = await this.call({ op: 'send', s: this.requireSubject().handle, data: Buffer.alloc(bytes, 0x64).toString('hex') });
  this.expectRule(outcome.ret === expected, `send ${describeOutcome(outcome)}`);
});

/** A call's outcome as a comparison records it. */
function briefly(outcome: CallOutcome): { ret: number; error: number } | 'blocked' {
  return outcome.status === 'returned' ? { ret: outcome.ret, error: outcome.error } : 'blocked';
}

/**
 * What one socket of a comparison shows once the window is over: what the peer saw in it, how many bytes
 * FIONREAD counts, and a receive, made non-blocking so that it ends at once either way (WSAEWOULDBLOCK
 * when receiving is still allowed) and no close of a blocked receive disturbs the peer.
 */
async function fingerprint(world: ConformanceWorld, subject: Subject, call: CallOutcome, peerSaw: PeerEvent[], boundMs: number): Promise<string> {
  const s = subject.handle;
  const queued = await world.call({ op: 'FIONREAD', s });
  const nonBlocking = await world.call({ op: 'FIONBIO', s, nonBlocking: 1 });
  const received = await world.attempt({ op: 'recv', s, len: 64, flags: 0 }, boundMs);
  return JSON.stringify({
    call: briefly(call),
    peerSees: peerSaw.map((e) => e.kind),
    queued: queued.ret === 0 ? queued.out.value : briefly(queued),
    ...(nonBlocking.ret === 0 ? {} : { nonBlocking: briefly(nonBlocking) }),
    recvAfterwards: briefly(received),
  });
}

// Both sockets are watched over the same window at the same time: the peer's stream, and for datagrams
// the peer's datagram socket (an ICMP error). Then each socket is asked what it holds and whether it
// still receives.
Then('the two sockets show the same outcome over {int} ms', async function (windowMs: number) {
  const [first, second] = this.pair;
  const [viaRecvDisconnect, viaShutdown] = this.compared;
  if (!first || !second || !viaRecvDisconnect || !viaShutdown) throw new Error('the scenario has not compared two calls');
  const watchesOf = (subject: Subject): PeerWatch[] => [subject.peer, subject.datagramPeer].filter((w): w is NonNullable<typeof w> => w != null);
  const firstWatches = watchesOf(first);
  const seen = await watchWindows(this, [...firstWatches, ...watchesOf(second)], windowMs);
  const seenBy = (from: number, to: number): PeerEvent[] => seen.slice(from, to).flat();
  if (first.datagramPeer || second.datagramPeer) await settleDatagrams(this, SETUP_WINDOW_MS);
  const a = await fingerprint(this, first, viaRecvDisconnect, seenBy(0, firstWatches.length), windowMs);
  const b = await fingerprint(this, second, viaShutdown, seenBy(firstWatches.length, seen.length), windowMs);
  this.expectRule(a === b, `WSARecvDisconnect: ${a}; shutdown(SD_RECEIVE): ${b}`);
});

Then('the export is found', async function () {
  const outcome = returned(this);
  this.expectRule(outcome.ret === 1, 'GetProcAddress found no such export');
});

// Every entry of Windows' own TCP/IP provider (isNativeTcpIp; the step before makes the scenario N/A where
// none is listed), whatever its protocol: the Note says the implementation supports no disconnect data.
Then("no entry of Windows' native TCP\\/IP provider advertises XP1_DISCONNECT_DATA", async function () {
  const flagged = (returned(this).out.protocols ?? []).filter((p) => isNativeTcpIp(p) && carriesDisconnectData(p));
  this.expectRule(flagged.length === 0, `advertised by ${flagged.map(describeProvider).join(', ')}`);
});

// --- the socket's resources, as the socket itself and the peer show them --------------------------

function sameEndpoint(a: Endpoint | undefined, b: Endpoint): boolean {
  return a !== undefined && a.address === b.address && a.port === b.port;
}

function showEndpoint(e: Endpoint | undefined): string {
  return e ? `${e.address}:${e.port}` : 'no address';
}

/** A getsockname or getpeername outcome, with the endpoint it gave. */
function showName(outcome: Returned): string {
  return outcome.ret === 0 ? `${describeOutcome(outcome)} ${showEndpoint(outcome.out.endpoint)}` : describeOutcome(outcome);
}

async function socketNames(world: ConformanceWorld, s: Handle): Promise<{ local: Returned; remote: Returned }> {
  return { local: await world.call({ op: 'getsockname', s }), remote: await world.call({ op: 'getpeername', s }) };
}

function recordedNames(world: ConformanceWorld): { local: Endpoint; remote: Endpoint } {
  if (!world.names) throw new Error("the scenario has not read the socket's endpoints before the call");
  return world.names;
}

// Before the call: the socket names its two ends, and the peer, at the other end, sees the same two. The
// check after the call compares with these, so what it compares with is vouched for by the peer, not only
// by the implementation's own answers; and a stack whose getsockname or getpeername does not work at all
// is found here, where it makes the scenario BROKEN, not a FAIL of WSARecvDisconnect.
Then('as a control, getsockname and getpeername on the socket give the endpoints the peer sees', async function () {
  const peer = this.requirePeer();
  const seen = { local: peer.remote, remote: peer.local };
  const { local, remote } = await socketNames(this, this.requireSubject().handle);
  this.expectControl(
    local.ret === 0 && sameEndpoint(local.out.endpoint, seen.local) && remote.ret === 0 && sameEndpoint(remote.out.endpoint, seen.remote),
    `getsockname ${showName(local)}, getpeername ${showName(remote)}; the peer sees the connection between ${showEndpoint(seen.local)} (the socket) and ${showEndpoint(seen.remote)} (itself)`,
  );
  this.names = seen;
});

Then('getsockname and getpeername on the socket give the endpoints they gave before the call', async function () {
  const before = recordedNames(this);
  const call = this.lastOutcomeOf('WSARecvDisconnect');
  const { local, remote } = await socketNames(this, this.requireSubject().handle);
  const kept = local.ret === 0 && sameEndpoint(local.out.endpoint, before.local) && remote.ret === 0 && sameEndpoint(remote.out.endpoint, before.remote);
  this.expectRule(
    kept,
    `after WSARecvDisconnect ${call ? describeOutcome(call) : '(not called)'}: getsockname ${showName(local)} (before: ${showEndpoint(before.local)}), getpeername ${showName(remote)} (before: ${showEndpoint(before.remote)})`,
  );
});

Then("binding another TCP socket to the socket's local address fails with WSAEADDRINUSE", async function () {
  const address = recordedNames(this).local;
  const outcome = await this.call({ op: 'bind', s: await openSocket(this, TCP), to: address });
  this.expectRule(
    outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS.WSAEADDRINUSE,
    `bind to ${showEndpoint(address)}, the socket's address before the call, ${describeOutcome(outcome)}`,
  );
});

// A control that comes first: unless this stack refuses a bind to the address of a socket that was bound
// and connected the same way, a successful bind after WSARecvDisconnect would say nothing about the
// socket's resources. The address is the one the peer sees that socket connect from.
Then(
  'as a control, binding another TCP socket to the local address of a second TCP socket, bound and connected the same way, fails with WSAEADDRINUSE',
  async function () {
    const second = await connectedSocket(this, TCP, true);
    this.others.push(second);
    const address = (second.peer as NonNullable<typeof second.peer>).remote;
    const outcome = await this.call({ op: 'bind', s: await openSocket(this, TCP), to: address });
    this.expectControl(
      outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS.WSAEADDRINUSE,
      `bind to ${showEndpoint(address)}, the address of a bound and connected socket, ${describeOutcome(outcome)}`,
    );
  },
);

Then('as a control, binding another TCP socket to that address succeeds once the socket is closed abortively', async function () {
  const subject = this.requireSubject();
  const address = recordedNames(this).local;
  await this.call({ op: 'setLinger', s: subject.handle, onoff: 1, seconds: 0 });
  await this.call({ op: 'closesocket', s: subject.handle });
  const outcome = await this.call({ op: 'bind', s: await openSocket(this, TCP), to: address });
  this.expectControl(outcome.ret === 0, `bind to ${showEndpoint(address)} after closesocket ${describeOutcome(outcome)}`);
});

// --- connecting again ------------------------------------------------------------------------

Then('it returns 0 and the new peer listener accepts the connection within {int} ms', async function (withinMs: number) {
  const outcome = returned(this);
  if (!this.listener) throw new Error('the scenario has not opened a new peer listener');
  if (outcome.ret !== 0) {
    this.expectRule(false, `expected 0, got ${describeOutcome(outcome)}`);
    return;
  }
  const arrived = await this.listener.accept(withinMs).then(
    () => true,
    () => false,
  );
  this.expectRule(arrived, `returned 0, but no connection reached the peer listener at ${showEndpoint(this.listener.endpoint)} within ${withinMs} ms`);
});

// --- what the peer observes ------------------------------------------------------------------

Then('the peer sees the connection reset within {int} ms', async function (withinMs: number) {
  const watched = await watchFor(this, this.requirePeer(), 'reset', withinMs);
  this.expectRule(watched.found !== null, `no reset within ${withinMs} ms; the peer saw ${describeEvents(watched.seen)}`);
});

Then('the peer receives {int} bytes within {int} ms', async function (bytes: number, withinMs: number) {
  const watched = await watchFor(this, this.requirePeer(), 'data', withinMs);
  const got = watched.found?.kind === 'data' ? watched.found.bytes : 0;
  this.expectRule(got === bytes, `expected ${bytes} bytes within ${withinMs} ms; the peer saw ${describeEvents(watched.seen)}`);
});

Then('the peer sees nothing within {int} ms', async function (withinMs: number) {
  const seen = await watchWindow(this, this.requirePeer(), withinMs);
  this.expectRule(seen.length === 0, `within ${withinMs} ms the peer saw ${describeEvents(seen)}`);
  forbidLate(this, this.requirePeer(), 'any', `${withinMs} ms`);
});

/**
 * The segments the subject socket put on the wire in this scenario besides the handshake that connected it
 * (its SYN, and the ACK that followed): in a scenario where the socket sends no data, what else it sent was
 * sent by what the scenario did. Null where nothing is captured: then the check rests on the peer alone, and
 * the scenario's evidence says so. Told apart by what they are, not by when they came: a capture's clock and
 * the controller's do not order packets within a millisecond of a call.
 */
async function segmentsBesidesHandshake(world: ConformanceWorld): Promise<WirePacket[] | null> {
  const wire = world.testbed.wire;
  if (!wire) {
    world.attach('The wire is not captured here (capture needs root and tcpdump): this check rests on the peer alone.', 'text/plain');
    return null;
  }
  // The socket's address as the peer sees it from the other end: not the implementation's word.
  const from = world.requirePeer().remote;
  const sent = (await wire.seen()).filter((p) => p.proto === 'tcp' && p.from.port === from.port && p.from.address === from.address);
  // The socket connected (its SYN alone), so the handshake's third segment is its first bare ACK.
  const syn = sent.findIndex((p) => p.flags.length === 1 && p.flags[0] === 'SYN');
  const handshakeAck = syn < 0 ? -1 : sent.findIndex((p, i) => i > syn && p.flags.length === 1 && p.flags[0] === 'ACK' && p.length === 0);
  return sent.filter((_p, i) => i !== syn && i !== handshakeAck);
}

function describePackets(packets: readonly WirePacket[]): string {
  return packets.map((p) => `${p.proto} [${p.flags.join(',')}] ${p.length} bytes`).join('; ');
}

Then('no segment from the socket besides its handshake is on the wire, where the wire is captured', async function () {
  const segments = await segmentsBesidesHandshake(this);
  if (segments) this.expectRule(segments.length === 0, `the socket sent, besides its handshake: ${describePackets(segments)}`);
});

Then('as a control, the peer sees a FIN within {int} ms when the socket shuts down sending', async function (withinMs: number) {
  // What reached the peer after the absence check's window and before this control acts still counts.
  const late = await checkLate(this, this.requirePeer());
  this.expectRule(late === null, late ?? '');
  await this.call({ op: 'shutdown', s: this.requireSubject().handle, how: SD_SEND });
  const watched = await watchFor(this, this.requirePeer(), 'eof', withinMs);
  this.expectControl(watched.found !== null, `no FIN within ${withinMs} ms after shutdown(SD_SEND); the peer saw ${describeEvents(watched.seen)}`);
  // The same control for the wire, where it is captured: it shows the socket's FIN.
  const segments = await segmentsBesidesHandshake(this);
  if (segments)
    this.expectControl(
      segments.some((p) => p.flags.includes('FIN')),
      `the wire shows no FIN from the socket after shutdown(SD_SEND): ${describePackets(segments) || 'nothing'}`,
    );
});

Then('as a control, a peer sees a reset within {int} ms when another connected socket is closed abortively', async function (withinMs: number) {
  const other = await connectedSocket(this);
  this.others.push(other);
  await this.call({ op: 'setLinger', s: other.handle, onoff: 1, seconds: 0 });
  await this.call({ op: 'closesocket', s: other.handle });
  const watched = await watchFor(this, other.peer as NonNullable<typeof other.peer>, 'reset', withinMs);
  this.expectControl(watched.found !== null, `no reset within ${withinMs} ms after an abortive close; the peer saw ${describeEvents(watched.seen)}`);
});

// The control of the check above, with its bound and floor: a call that does block must be seen blocked,
// by the agent's word and on the controller's clock alike.
Then('as a control, the same check finds recv blocking on another connected socket with nothing queued, bounded at {int} ms', async function (boundMs: number) {
  const check = this.blockingCheck;
  if (!check) throw new Error('the scenario has not checked a call for blocking yet');
  const other = await connectedSocket(this);
  this.others.push(other);
  await this.attempt({ op: 'recv', s: other.handle, len: 1, flags: 0 }, boundMs);
  const judged = judgeBlocking(this.lastCall(), check.floorMs, check.withinMs);
  this.expectControl(judged.reportedBlocked && judged.clockSaysBlocked, `a recv with nothing to read was not seen blocking: ${judged.evidence}`);
});

// That the set-up leaves data unsent, shown on another socket filled the same way, whose peer then reads
// again: every byte the sends took must arrive. (Not on the socket under test: what the call does to its
// connection afterwards is other rules' business, and must not decide this one's verdict.)
Then(
  'as a control, another socket filled the same way delivers every byte its sends took once its peer reads again, within {int} ms',
  async function (withinMs: number) {
    const other = await connectedSocket(this);
    this.others.push(other);
    const peer = other.peer as NonNullable<typeof other.peer>;
    await peer.pauseReading();
    const sent = await fillSendSide(this, other.handle);
    await peer.resumeReading();
    const watched = await watchBytes(this, peer, sent, withinMs);
    this.expectControl(
      watched.bytes === sent,
      `another socket's sends took ${sent} bytes; reading again, its peer received ${watched.bytes} within ${withinMs} ms, and saw ${describeEvents(watched.others)} besides`,
    );
  },
);

Then('within {int} ms the socket has {int} bytes queued', async function (withinMs: number, bytes: number) {
  await settleDatagrams(this, withinMs);
  const outcome = await this.call({ op: 'FIONREAD', s: this.requireSubject().handle });
  this.expectRule(outcome.ret === 0 && outcome.out.value === bytes, `FIONREAD ${describeOutcome(outcome)}, ${String(outcome.out.value)} bytes queued`);
});

Then('the peer is told of no ICMP error within {int} ms', async function (withinMs: number) {
  if (!this.peerDatagram) throw new Error('the scenario has no peer datagram socket');
  const watched = await watchFor(this, this.peerDatagram, 'refused', withinMs);
  this.expectRule(watched.found === null, `the peer was told: ${describeEvents(watched.seen)}`);
  forbidLate(this, this.peerDatagram, ['refused'], `${withinMs} ms`);
});

Then('as a control, a peer is told of an ICMP error within {int} ms for a datagram to a port where nothing listens', async function (withinMs: number) {
  const probe = await peerDatagramTo(this, await this.testbed.peer.unusedDatagramEndpoint());
  await probe.send('21');
  const watched = await watchFor(this, probe, 'refused', withinMs);
  this.expectControl(watched.found !== null, `no ICMP port unreachable within ${withinMs} ms; the peer saw ${describeEvents(watched.seen)}`);
});
