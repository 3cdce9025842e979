// Then: the checks. Each Then is one rule's observable, packetdrill-style: the call, what it returned and
// its WSA code. A miss is a Deviation; a positive control that misses is ObserverBlind.
import { Then } from '../support/dsl';
import { checkLate, describeEvents, forbidLate, watchBytes, watchFor, watchWindow, watchWindows } from '../support/observe';
import { judgeBlocking, measureRoundTripFloor } from '../support/timing';
import {
  DISCONNECT_BUFFER_FILL,
  isIcmpError,
  receiveCall,
  type CallOutcome,
  type Endpoint,
  type Handle,
  type PeerEvent,
  type PeerDatagramSocket,
  type PeerStream,
  type PeerWatch,
  type ReceiveCall,
  type Returned,
  type WirePacket,
} from '../src/core/ports';
import {
  boundSocket,
  unusedDatagramPortOfTheHost,
  connectedSocket,
  fillSendSide,
  localEndpoint,
  openSocket,
  carriesDisconnectData,
  describeProvider,
  isNativeTcpIp,
  notApplicableIfNoLongerASocket,
  peerDatagramTo,
  settleDatagrams,
  SETUP_WINDOW_MS,
  TCP,
  UDP,
} from '../support/situations';
import { CallTimeout, NotApplicable, UNOBSERVED_MEDIA, type Unobserved } from '../src/core/outcomes';

import { SD_SEND, SOCK_STREAM, SOCKET_ERROR, WINSOCK_2_2, WSA_ERRORS, type WsaErrorName } from '../src/core/winsock';
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

// The row's condition, proved after the call (a WSAStartup before it would end the condition): the
// duplicate names the connection's socket to the process's own Winsock once Winsock is initialised, as
// getsockname on it gives the endpoint the peer sees the connection come from. getsockname asks the socket
// itself; getsockopt would not do on Wine, whose ws2_32 answers it only for sockets created in the
// process (expectations/wine.yaml). DuplicateHandle's documentation warns that Winsock in the target
// process may not recognise a duplicated socket handle; where it does not, no process without WSAStartup
// holds a socket's handle this way, the row's condition did not hold, and the scenario is N/A, whatever
// the call answered.
Then(
  'as the row presumes, the duplicate was the socket in that process: after WSAStartup there, getsockname on it gives the endpoint the peer sees',
  async function () {
    const subject = this.requireSubject();
    const peer = subject.peer;
    if (!peer) throw new Error('the scenario has no peer to say which endpoint the socket has');
    const started = await this.call({ op: 'WSAStartup', version: WINSOCK_2_2 });
    if (started.ret !== 0) throw new Error(`WSAStartup in the process in which Winsock was not initialised ${describeOutcome(started)}`);
    const named = await this.call({ op: 'getsockname', s: subject.handle });
    const endpoint = named.out.endpoint;
    if (named.ret !== 0 || endpoint?.address !== peer.remote.address || endpoint.port !== peer.remote.port) {
      throw new NotApplicable(
        `this backend's Winsock does not take the duplicated handle for the connection's socket (getsockname on it ${describeOutcome(named)}, the peer sees ${peer.remote.address}:${peer.remote.port}), so the process held no socket of its own and WSAENOTSOCK applied as well`,
      );
    }
  },
);

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

/** How many times each receive is tried: a refusal that holds for the first receive only is no refusal. */
const RECEIVE_TRIES = 2;

/**
 * A receive on the subject must fail, each time it is tried. Which error it fails with is the receive's own
 * page's to say, not this one's; that the handle stays a socket is remarks.does-not-close-socket's. A
 * receive that blocks (an overlapped one that still pends) until the call's bound is not refused: it was
 * accepted, waiting for data (the catalogue's notes). One deviation for all the tries: the rule is broken
 * once, however many receives show it.
 */
async function expectReceiveRefused(world: ConformanceWorld, receive: ReceiveCall['op'], context = ''): Promise<void> {
  const s = world.requireSubject().handle;
  // The call under test, for the evidence.
  const issued = world.lastOutcomeOf('WSARecvDisconnect');
  const after = issued ? `, after WSARecvDisconnect ${describeOutcome(issued)}` : '';
  const tries: CallOutcome[] = [];
  for (let i = 0; i < RECEIVE_TRIES; i += 1) tries.push(await world.attempt(receiveCall(receive, s, 64)));
  const refused = (outcome: CallOutcome): boolean => outcome.status === 'returned' && outcome.ret === SOCKET_ERROR;
  world.expectRule(
    tries.every(refused),
    `${receive} was not refused each of ${RECEIVE_TRIES} times: ${tries.map((outcome, i) => `try ${i + 1} ${describeOutcome(outcome)}`).join(', ')}${context}${after}`,
  );
}

Then('{receive} on the socket fails each time, tried twice', async function (receive: ReceiveCall['op']) {
  await expectReceiveRefused(this, receive);
});

// FIONREAD first: a receive refused while it had a datagram to return is a refusal, not an empty queue.
// Counted once, before the first try: when the first receive takes the datagram, that is the deviation.
Then('{receive} on the socket fails each time, tried twice, while {int} bytes are queued', async function (receive: ReceiveCall['op'], bytes: number) {
  const queued = await this.call({ op: 'FIONREAD', s: this.requireSubject().handle });
  notApplicableIfNoLongerASocket(queued, 'FIONREAD');
  const held = queued.ret === 0 ? queued.out.value : null;
  await expectReceiveRefused(
    this,
    receive,
    held === null ? ` (FIONREAD before them ${describeOutcome(queued)})` : ` (FIONREAD counted ${String(held)} bytes before them)`,
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

/**
 * The page gives the reset no time (spec notes of remarks.tcp-reset-*): the peer watches a bounded window
 * with nothing prompting the stack, and if no reset came, prompts it (`stimulus`, which the peer performs and
 * `prompt` names) and watches a second window. A stack that resets only on the next segment it receives
 * keeps the rule; one that resets in neither window, within the suite's bound, does not.
 */
async function resetWithinOrAfterPrompt(
  world: ConformanceWorld,
  withinMs: number,
  prompt: string,
  stimulus: (peer: PeerStream) => Promise<void>,
): Promise<void> {
  const peer = world.requirePeer();
  const unprompted = await watchFor(world, peer, 'reset', withinMs);
  if (unprompted.found) return;
  world.mark(`no reset yet: the peer prompts the stack with ${prompt}`);
  await stimulus(peer);
  const prompted = await watchFor(world, peer, 'reset', withinMs);
  world.expectRule(
    prompted.found !== null,
    `no reset within ${withinMs} ms (the peer saw ${describeEvents(unprompted.seen)}), nor within ${withinMs} ms of ${prompt} (the peer saw ${describeEvents(prompted.seen)})`,
  );
}

// The prompt for queued data carries no data: data arriving afterwards resets by remarks.tcp-reset-later-data,
// and a stack that resets only for that would pass for this rule.
Then('the peer sees the connection reset within {int} ms, or within {int} ms of a FIN it then sends', async function (withinMs: number, promptedMs: number) {
  if (promptedMs !== withinMs) throw new Error('the two windows of a reset check are the same length');
  await resetWithinOrAfterPrompt(this, withinMs, 'its FIN', (peer) => peer.endWriting());
});

Then(
  'the peer sees the connection reset within {int} ms, or within {int} ms of {int} bytes more it then sends',
  async function (withinMs: number, promptedMs: number, bytes: number) {
    if (promptedMs !== withinMs) throw new Error('the two windows of a reset check are the same length');
    await resetWithinOrAfterPrompt(this, withinMs, `${bytes} bytes more`, (peer) => peer.send(Buffer.alloc(bytes, 0x62).toString('hex')));
  },
);

Then('the peer receives {int} bytes within {int} ms', async function (bytes: number, withinMs: number) {
  const watched = await watchFor(this, this.requirePeer(), 'data', withinMs);
  const got = watched.found?.kind === 'data' ? watched.found.bytes : 0;
  this.expectRule(got === bytes, `expected ${bytes} bytes within ${withinMs} ms; the peer saw ${describeEvents(watched.seen)}`);
});

Then('the peer sees nothing within {int} ms', async function (withinMs: number) {
  const seen = await watchWindow(this, this.requirePeer(), withinMs);
  this.expectRule(seen.length === 0, `within ${withinMs} ms the peer saw ${describeEvents(seen)}`);
  // What comes after the window is the same rule's: watched only while the window saw nothing, so that one
  // deviation is not counted twice.
  if (seen.length === 0) forbidLate(this, this.requirePeer(), 'any', `${withinMs} ms`);
});

/**
 * The segments the subject socket put on the wire in this scenario besides the handshake that connected it
 * (its SYN, and the ACK that followed): in a scenario where the socket sends no data, what else it sent was
 * sent by what the scenario did. Null where nothing is captured. Told apart by what they are, not by when
 * they came: a capture's clock and the controller's do not order packets within a millisecond of a call.
 */
async function segmentsBesidesHandshake(world: ConformanceWorld): Promise<WirePacket[] | null> {
  const wire = world.testbed.wire;
  if (!wire) return null;
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

// Where the wire is not captured (not root, no tcpdump, capture=off), the check cannot look: it says so as
// the scenario's evidence, and the verdict is qualified by it ("PASS, without the wire"), never a plain PASS
// that rests on the peer alone.
Then('no segment from the socket besides its handshake is on the wire, where the wire is captured', async function () {
  const segments = await segmentsBesidesHandshake(this);
  if (segments) {
    this.expectRule(segments.length === 0, `the socket sent, besides its handshake: ${describePackets(segments)}`);
    return;
  }
  wireNotObserved(this, 'no segment from the socket besides its handshake (a bare ACK the peer cannot see)');
});

/** A check of the wire that could not look: the scenario's evidence says so, and its PASS is qualified by it. */
function wireNotObserved(world: ConformanceWorld, check: string): void {
  const unobserved: Unobserved = {
    observer: 'the wire',
    check,
    why: `the wire is not captured in this run: ${world.testbed.notCapturedBecause ?? 'the testbed gave no reason'}`,
  };
  world.attach(JSON.stringify(unobserved), { mediaType: UNOBSERVED_MEDIA, fileName: 'unobserved.json' });
}

Then('as a control, the peer sees a FIN within {int} ms when the socket shuts down sending', async function (withinMs: number) {
  // What reached the peer after the absence check's window and before this control acts still counts.
  const late = await checkLate(this, this.requirePeer());
  this.expectRule(late === null, late ?? '');
  await this.call({ op: 'shutdown', s: this.requireSubject().handle, how: SD_SEND });
  const watched = await watchFor(this, this.requirePeer(), 'eof', withinMs);
  this.expectControl(watched.found !== null, `no FIN within ${withinMs} ms after shutdown(SD_SEND); the peer saw ${describeEvents(watched.seen)}`);
  // The same control for the wire, where it is captured: it shows the socket's FIN. (Where it is not, the
  // wire's check above could not look, and said so: there is nothing of the wire to control.)
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

/**
 * FIONREAD on another UDP socket of the same process, which held a datagram of `bytes` when it was given
 * WSARecvDisconnect: whether FIONREAD still counts, after the call, what a socket holds. Each socket holds one
 * datagram, so FIONREAD's count is the same whether it counts every byte queued (Winsock's ioctlsocket) or
 * the next datagram (Linux, and Wine over it).
 */
async function fionreadAfterTheCallElsewhere(world: ConformanceWorld, bytes: number): Promise<{ counts: boolean; evidence: string }> {
  const other = await boundSocket(world, UDP);
  world.others.push(other);
  const peer = await peerDatagramTo(world, await localEndpoint(world, other.handle));
  await peer.send(Buffer.alloc(bytes, 0x63).toString('hex'));
  await settleDatagrams(world, SETUP_WINDOW_MS);
  const before = await world.call({ op: 'FIONREAD', s: other.handle });
  if (before.ret !== 0 || before.out.value !== bytes)
    throw new Error(
      `setting up the control: expected ${bytes} bytes queued on another UDP socket, FIONREAD ${describeOutcome(before)}, ${String(before.out.value)} bytes`,
    );
  const issued = await world.call({ op: 'WSARecvDisconnect', s: other.handle, buffer: null });
  if (issued.ret !== 0) return { counts: false, evidence: `its WSARecvDisconnect ${describeOutcome(issued)}` };
  const after = await world.call({ op: 'FIONREAD', s: other.handle });
  const counts = after.ret === 0 && after.out.value === bytes;
  return { counts, evidence: `FIONREAD ${describeOutcome(after)}, ${String(after.out.value)} bytes after its WSARecvDisconnect` };
}

// "For UDP, incoming datagrams are accepted and queued", and receives are disallowed: what an application
// can see of a datagram queued on the socket is FIONREAD's count of what it holds (the catalogue's notes say
// why). A count of the datagram is that evidence. No count is evidence that the datagram was not queued
// only where FIONREAD is shown, in the same run, to count after the call what a socket holds: a stack that
// keeps the datagram but stops counting once reception is off would otherwise FAIL for what the page does
// not say. Where FIONREAD is not shown to, the check proves nothing either way: the scenario is BROKEN
// (inconclusive), never PASS.
Then('within {int} ms the socket has {int} bytes queued', async function (withinMs: number, bytes: number) {
  await settleDatagrams(this, withinMs);
  const outcome = await this.call({ op: 'FIONREAD', s: this.requireSubject().handle });
  if (outcome.ret === 0 && outcome.out.value === bytes) return;
  notApplicableIfNoLongerASocket(outcome, 'FIONREAD');
  const counted = `FIONREAD ${describeOutcome(outcome)}, ${String(outcome.out.value)} bytes queued`;
  const control = await fionreadAfterTheCallElsewhere(this, bytes);
  this.expectControl(
    control.counts,
    `inconclusive: ${counted}, but FIONREAD is not shown to count what a socket holds after the call: another UDP socket holding a ${bytes}-byte datagram, ${control.evidence}`,
  );
  // Only where FIONREAD is shown to count after the call does its 0 say the datagram was not queued.
  if (control.counts)
    this.expectRule(
      false,
      `${counted}; another UDP socket still counts the ${bytes}-byte datagram it held when given WSARecvDisconnect, so the datagram that arrived after the call was not queued`,
    );
});

/**
 * The ICMP errors on the wire about datagrams from `port` (an ICMP error quotes the packet it is about; the
 * decoder names the quoted source port as its `to`). Null where the wire is not captured: then the check
 * rests on the peer alone, and the scenario's evidence says so.
 */
async function icmpErrorsAbout(world: ConformanceWorld, port: number): Promise<WirePacket[] | null> {
  const wire = world.testbed.wire;
  if (!wire) return null;
  return (await wire.seen()).filter((p) => isIcmpError(p) && p.to.port === port);
}

function describeIcmp(packets: readonly WirePacket[]): string {
  return packets.map((p) => `${p.proto} type ${p.icmp?.type ?? '?'} code ${p.icmp?.code ?? '?'} from ${p.from.address}`).join('; ');
}

function requirePeerDatagram(world: ConformanceWorld): PeerDatagramSocket {
  if (!world.peerDatagram) throw new Error('the scenario has no peer datagram socket');
  return world.peerDatagram;
}

// Two witnesses of one rule: the peer's socket, told of the ICMP errors its kernel reports (not all: Linux
// tells a socket without IP_RECVERR of no host or network unreachable), and the wire, which shows every one.
Then('the peer is told of no ICMP error within {int} ms, and the wire shows none where it is captured', async function (withinMs: number) {
  const peer = requirePeerDatagram(this);
  const watched = await watchFor(this, peer, 'icmp-error', withinMs);
  const onWire = await icmpErrorsAbout(this, peer.endpoint.port);
  if (onWire === null)
    wireNotObserved(this, "no ICMP error about the peer's datagrams (host or network unreachable, of which Linux tells the peer's socket nothing)");
  const seen = [watched.found ? `the peer was told: ${describeEvents(watched.seen)}` : '', onWire?.length ? `the wire shows ${describeIcmp(onWire)}` : ''];
  this.expectRule(!watched.found && !onWire?.length, seen.filter((part) => part !== '').join('; '));
  // What comes after the window is the same rule's: watched (by the peer, and on the wire beyond what the
  // window counted) only while the window saw nothing, so that one deviation is not counted twice.
  const sawNone = !watched.found && !onWire?.length;
  this.icmpErrorsJudged = sawNone ? (onWire?.length ?? null) : null;
  if (sawNone) forbidLate(this, peer, ['icmp-error'], `${withinMs} ms`);
});

Then(
  'as a control, a peer is told of an ICMP error within {int} ms for a datagram to a port where nothing listens, and the wire shows it where it is captured',
  async function (withinMs: number) {
    // What came after the absence check's window, and before this control sends, is still the rule's:
    // the peer's late window, and what the wire shows beyond what the check judged.
    const flow = requirePeerDatagram(this);
    const late = await checkLate(this, flow);
    const lateOnWire = this.icmpErrorsJudged === null ? [] : ((await icmpErrorsAbout(this, flow.endpoint.port)) ?? []).slice(this.icmpErrorsJudged);
    const lateSeen = [late ?? '', lateOnWire.length ? `after the window, the wire shows ${describeIcmp(lateOnWire)}` : ''];
    this.expectRule(late === null && lateOnWire.length === 0, lateSeen.filter((part) => part !== '').join('; '));
    // Its ICMP error comes from the socket's own host, so the control shows that one from there reaches
    // the peer and the wire (a host that drops it, a firewall's, leaves the absence check without its control).
    const probe = await peerDatagramTo(this, await unusedDatagramPortOfTheHost(this));
    await probe.send('21');
    const watched = await watchFor(this, probe, 'icmp-error', withinMs);
    this.expectControl(watched.found !== null, `no ICMP error within ${withinMs} ms; the peer saw ${describeEvents(watched.seen)}`);
    const onWire = await icmpErrorsAbout(this, probe.endpoint.port);
    if (onWire) this.expectControl(onWire.length > 0, `the wire shows no ICMP error about the datagram to a port where nothing listens`);
  },
);
