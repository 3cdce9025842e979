// Given: where a scenario starts. Each builds through ordinary calls; see support/situations.ts.
import { Given } from '../support/dsl';
import {
  carriesDisconnectData,
  connectedSocket,
  describeProvider,
  fillSendSide,
  findProtocol,
  isTcpIp,
  localEndpoint,
  peerDatagramTo,
  settleDatagrams,
  SETUP_WINDOW_MS,
  SITUATIONS,
  TCP,
} from '../support/situations';
import { NotApplicable } from '../src/core/outcomes';
import { SOCKET_ERROR, WINSOCK_1_1, WSA_ERRORS, wsaErrorName } from '../src/core/winsock';
import type { FaultName } from '../src/core/ports';
import { describeOutcome } from '../src/run-outputs/call-log';
import type { ConformanceWorld } from '../support/world';

/** MAKEWORD(1, 1). */

for (const [words, build] of Object.entries(SITUATIONS)) {
  Given(words, async function () {
    this.subject = await build(this);
  });
}

Given(/^two sockets, each (.+)$/, async function (words: string) {
  const build = SITUATIONS[words];
  if (!build) throw new Error(`no situation is called '${words}'; known: ${Object.keys(SITUATIONS).join('; ')}`);
  this.pair = [await build(this), await build(this)];
});

Given('a connected socket of a protocol with disconnect data', async function () {
  const protocol = await findProtocol(this, 'connection-oriented protocol with XP1_DISCONNECT_DATA', carriesDisconnectData);
  this.subject = await connectedSocket(this, protocol);
});

Given('a connected socket of a connection-oriented protocol outside TCP\\/IP without disconnect data', async function () {
  const protocol = await findProtocol(
    this,
    'connection-oriented protocol outside TCP/IP without XP1_DISCONNECT_DATA',
    (p) => !isTcpIp(p) && !carriesDisconnectData(p),
  );
  this.subject = await connectedSocket(this, protocol);
});

// remarks.disconnect-data-needs-xp1 is of providers without XP1_DISCONNECT_DATA. Which provider a socket
// belongs to is the socket's own to say, through getsockopt(SO_PROTOCOL_INFOW): socket() takes the first
// catalogue entry that matches, which may be a layered provider that does carry disconnect data.
Given("the socket's own provider does not advertise XP1_DISCONNECT_DATA", async function () {
  const asked = await this.call({ op: 'getProtocolInfo', s: this.requireSubject().handle });
  if (asked.ret === SOCKET_ERROR)
    throw new NotApplicable(
      `the socket does not name its provider (getsockopt SO_PROTOCOL_INFOW ${describeOutcome(asked)}): whether the rule applies is unknown`,
    );
  const provider = asked.out.protocolInfo;
  if (!provider) throw new Error('getsockopt(SO_PROTOCOL_INFOW) succeeded and reported no WSAPROTOCOL_INFO');
  if (carriesDisconnectData(provider))
    throw new NotApplicable(`the socket's provider, ${describeProvider(provider)}, advertises XP1_DISCONNECT_DATA: the rule is of providers without it`);
});

Given('a peer datagram socket connected to it', async function () {
  const subject = this.requireSubject();
  this.peerDatagram = await peerDatagramTo(this, subject.local ?? (await localEndpoint(this, subject.handle)));
});

Given('the socket holds a {int}-byte datagram from the peer', async function (bytes: number) {
  if (!this.peerDatagram) throw new Error('the scenario has no peer datagram socket aimed at the socket');
  await this.peerDatagram.send(Buffer.alloc(bytes, 0x63).toString('hex'));
  await settleDatagrams(this, SETUP_WINDOW_MS);
  const queued = await this.call({ op: 'FIONREAD', s: this.requireSubject().handle });
  if (queued.ret !== 0 || queued.out.value !== bytes) {
    throw new Error(`setting up: expected ${bytes} bytes queued, FIONREAD gave ${String(queued.out.value)} (${wsaErrorName(queued.error)})`);
  }
});

Given('a process in which Winsock is not initialised', async function () {
  this.process = await this.testbed.uninitialisedProcess();
  this.processes.push(this.process);
  this.processKind = 'probe';
});

// The precondition, proved in the same scenario: were the process's Winsock initialised after all, a
// WSAENOTSOCK for the handle would be a false deviation, so a socket() that does not fail this way makes
// the scenario BROKEN, not a verdict.
Given('as a control, socket\\(\\) in that process fails with WSANOTINITIALISED', async function () {
  const outcome = await this.call({ op: 'socket', af: TCP.af, type: TCP.type, protocol: TCP.protocol });
  this.expectControl(
    outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS.WSANOTINITIALISED,
    `socket() in the uninitialised process ${describeOutcome(outcome)}`,
  );
});

// A real socket in a process that never called WSAStartup: the main process's socket, duplicated into the
// probe with DuplicateHandle (a kernel call, which needs no WSAStartup). WSADuplicateSocket cannot do it:
// the process receiving it must call WSASocket, which needs WSAStartup. The scenario's subject becomes the
// duplicate, with the original's peer, so that what follows reads the same connection.
Given("that process holds a duplicate of the socket's handle", async function () {
  if (this.processKind !== 'probe') throw new Error('a duplicate is made into the process in which Winsock is not initialised; the scenario has none');
  const original = this.requireSubject();
  const made = await this.call({ op: 'duplicateFromParent', s: original.handle });
  if (made.ret !== 0 || made.out.handle === undefined) {
    throw new Error(`setting up: DuplicateHandle of the main process's ${original.handle} into the probe ${describeOutcome(made)}`);
  }
  this.subject = { ...original, handle: made.out.handle };
});

// Made right before the call: a closed socket's handle value may have been given to a new socket since it
// was closed (Windows reuses handle values), and the call would then not be on "not a socket" at all.
Given('right before the call no socket has that handle: getsockopt\\(SO_TYPE) on it fails with WSAENOTSOCK', async function () {
  const outcome = await this.call({ op: 'getSocketType', s: this.requireSubject().handle });
  if (outcome.ret !== SOCKET_ERROR || outcome.error !== WSA_ERRORS.WSAENOTSOCK) {
    throw new NotApplicable(`the handle value may name a socket now (reused since the close): getsockopt(SO_TYPE) on it ${describeOutcome(outcome)}`);
  }
});

Given('the handle value {word}', async function (value: string) {
  if (!/^0x[0-9a-f]+$/i.test(value)) throw new Error(`a handle value is written in hex, like 0x1234, not ${value}`);
  this.subject = { handle: value.toLowerCase(), protocol: null, peer: null };
});

Given('the peer has stopped reading', async function () {
  await this.requirePeer().pauseReading();
});

Given('the socket has sent until its send buffer is full', async function () {
  await fillSendSide(this, this.requireSubject().handle);
});

Given('SO_LINGER on the socket is {linger}', async function (linger: { onoff: number; seconds: number }) {
  const set = await this.call({ op: 'setLinger', s: this.requireSubject().handle, ...linger });
  if (set.ret !== 0) throw new Error(`setting up: setsockopt(SO_LINGER) failed with ${wsaErrorName(set.error)}`);
});

async function injectFault(world: ConformanceWorld, fault: FaultName): Promise<void> {
  if (!world.testbed.faults.includes(fault)) {
    throw new NotApplicable(`the ${world.testbed.backend} backend cannot produce '${fault}' on demand (a real stack offers no fault injection)`);
  }
  await world.testbed.inject(fault);
}

Given('the network subsystem has failed', async function () {
  await injectFault(this, 'network-down');
});

/**
 * A fresh process whose first WSAStartup asks for Windows Sockets 1.1, where blocking hooks still exist
 * (Winsock 2 removed them). A stack that refuses 1.1 or negotiates another version cannot give the
 * scenario its precondition: N/A, saying what it answered.
 */
Given('a process that initialised Windows Sockets 1.1', async function () {
  this.process = await this.testbed.uninitialisedProcess().catch((e: unknown) => {
    throw e instanceof NotApplicable ? new NotApplicable(`no fresh process to initialise as Windows Sockets 1.1: ${e.message}`) : e;
  });
  this.processes.push(this.process);
  this.processKind = 'probe';
  const started = await this.call({ op: 'WSAStartup', version: WINSOCK_1_1 });
  if (started.ret !== 0) throw new NotApplicable(`WSAStartup(MAKEWORD(1,1)) in a fresh process ${describeOutcome(started)}`);
  if (started.out.value !== WINSOCK_1_1) {
    throw new NotApplicable(`WSAStartup(MAKEWORD(1,1)) negotiated wVersion ${String(started.out.value)}, not Windows Sockets 1.1 (${WINSOCK_1_1})`);
  }
});

Given('the peer has closed its side of the connection', async function () {
  await this.requirePeer().endWriting();
});

Given('the peer has closed the connection with the disconnect data {string}', async function (text: string) {
  await this.requirePeer().disconnectWithData(Buffer.from(text, 'utf8').toString('hex'));
});

/**
 * The page has applications learn of the close by other means before they read disconnect data; this is
 * that step, done with recv. The page names recv's signals of the close only as examples for applications
 * (remarks.circuit-close-signalled), so here a miss is a failed precondition: the harness's, not a verdict.
 */
Given('the application has learnt of the close from recv', async function () {
  const seen = await this.attempt({ op: 'recv', s: this.requireSubject().handle, len: 1, flags: 0 }, SETUP_WINDOW_MS);
  if (seen.status === 'blocked') throw new Error(`setting up: recv did not report the peer's close within ${SETUP_WINDOW_MS} ms`);
});
