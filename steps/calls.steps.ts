// When: the calls under test. They record the outcome, even a call that is still blocked, and leave the
// judgement to the Then steps.
import { When } from '../support/dsl';
import { watchFor } from '../support/observe';
import { describeProvider, isNativeTcpIp, notApplicableIfNoLongerASocket, peerDatagramTo, TCP } from '../support/situations';
import { CallTimeout, NotApplicable } from '../src/core/outcomes';
import { describeOutcome } from '../src/run-outputs/call-log';
import { NATIVE_TCPIP_PROVIDER_IDS, SD_RECEIVE, SD_SEND, SOCKET_ERROR, wsaErrorName } from '../src/core/winsock';
import { CALL_BOUND_MS } from '../support/world';

/** How long the blocking recv may wait for the stack to call the hook (its SO_RCVTIMEO). */
const HOOK_WAIT_MS = 500;

/**
 * errors.wsaeinprogress: WSARecvDisconnect on the first socket, made from a Windows Sockets 1.1 blocking hook
 * while recv blocks on the second (nothing is sent to it). Only a stack that calls the hook during the
 * blocking call lets a call be made while one is in progress; one that refuses the hook or never calls it
 * gives the rule no occasion, and the scenario is N/A, saying what the stack did.
 */
When('WSARecvDisconnect is called on the first from a blocking hook while recv blocks on the second', async function () {
  const [first, second] = this.pair;
  if (!first || !second) throw new Error('the scenario has not set up two sockets');
  const outcome = await this.attempt(
    { op: 'WSARecvDisconnectInBlockingHook', s: first.handle, blockingOn: second.handle, waitMs: HOOK_WAIT_MS },
    HOOK_WAIT_MS + CALL_BOUND_MS,
  );
  if (outcome.status === 'blocked') {
    throw new NotApplicable(
      `recv with a blocking hook was still blocked after ${outcome.boundMs} ms, past its ${HOOK_WAIT_MS} ms SO_RCVTIMEO: the stack neither called the hook nor ended the call`,
    );
  }
  const hook = outcome.out.blockingHook;
  if (!hook) throw new Error('WSARecvDisconnectInBlockingHook came back without its blockingHook report');
  if (hook.declined !== undefined) throw new NotApplicable(hook.declined);
  if (hook.setError !== 0) {
    throw new NotApplicable(
      `WSASetBlockingHook failed with ${wsaErrorName(hook.setError)}: the stack takes no blocking hook, so no call can be made during a blocking call`,
    );
  }
  if (hook.hookCalls === 0) {
    const recv = hook.recvRet === undefined ? 'not made' : hook.recvRet === -1 ? `SOCKET_ERROR ${wsaErrorName(hook.recvError ?? 0)}` : String(hook.recvRet);
    throw new NotApplicable(
      `WSASetBlockingHook took the hook, but the stack never called it while recv blocked (recv = ${recv} after its ${HOOK_WAIT_MS} ms SO_RCVTIMEO): no call could be made during the blocking call`,
    );
  }
});

// lpInboundDisconnectData NULL, in plain words and in the words of an outline over the buffer.
for (const words of ['WSARecvDisconnect is called', 'WSARecvDisconnect is called with no disconnect data buffer']) {
  When(words, async function () {
    await this.attempt({ op: 'WSARecvDisconnect', s: this.requireSubject().handle, buffer: null });
  });
}

// A buffer of N bytes, in plain words and in the words of an outline over the buffer where a rule is about the
// call's effect: an implementation may take another path with one. TCP/IP may decline it with WSAENOPROTOOPT
// (errors.wsaenoprotoopt.tcpip-optional): where the rule presumes a call that succeeded, its scenario then goes
// N/A by the step below, as for any failed call; where it speaks of any call (remarks.no-effect-on-lower-layers),
// the failed call is judged as well.
for (const words of [
  'WSARecvDisconnect is called with a {int}-byte disconnect data buffer',
  'WSARecvDisconnect is called with a {int}-byte disconnect data buffer, which TCP\\/IP may decline',
]) {
  When(words, async function (bytes: number) {
    await this.attempt({ op: 'WSARecvDisconnect', s: this.requireSubject().handle, buffer: bytes });
  });
}

// The remarks' second paragraph opens "After this function has been successfully issued": its rules (receives
// disallowed, the TCP resets, UDP datagrams queued, no ICMP) speak of the effect of a call that succeeded.
// One that failed has no effect to judge; its failure is judged once, by the error and return-value rules.
When('the call succeeded, as the rule presumes', async function () {
  const issued = this.lastOutcomeOf('WSARecvDisconnect');
  if (issued === null) throw new Error('the scenario has not called WSARecvDisconnect');
  if (issued.status === 'blocked') throw new CallTimeout(`WSARecvDisconnect had not returned after ${issued.boundMs} ms`);
  if (issued.ret !== 0)
    throw new NotApplicable(
      `WSARecvDisconnect ${describeOutcome(issued)}: the rule presumes a call that succeeded ("After this function has been successfully issued"); the failure is judged by the error and return-value rules`,
    );
});

When('the peer watches for a reset of the connection, up to {int} ms', async function (ms: number) {
  // What the peer sees is another rule's (the TCP resets'); this step only gives a reset time to happen.
  await watchFor(this, this.requirePeer(), 'reset', ms);
});

When('the peer sends {int} bytes', async function (bytes: number) {
  await this.requirePeer().send(Buffer.alloc(bytes, 0x62).toString('hex'));
});

When('the peer sends a {int}-byte datagram to the socket', async function (bytes: number) {
  if (!this.peerDatagram) throw new Error('the scenario has no peer datagram socket aimed at the socket');
  await this.peerDatagram.send(Buffer.alloc(bytes, 0x63).toString('hex'));
});

When('the connection is closed in both directions', async function () {
  const subject = this.requireSubject();
  const peer = this.requirePeer();
  await peer.endWriting();
  const shut = await this.call({ op: 'shutdown', s: subject.handle, how: SD_SEND });
  notApplicableIfNoLongerASocket(shut, 'shutdown(SD_SEND)');
  if (shut.ret !== 0) throw new Error('setting up: shutdown(SD_SEND) failed');
  const closed = await watchFor(this, peer, 'eof', 2000);
  if (!closed.found) throw new Error('setting up: the peer did not see the socket shut down sending');
});

When('the socket connects to a new peer listener with {connectcall}', async function (op: 'connect' | 'WSAConnect') {
  this.listener = await this.testbed.peer.listen(TCP);
  await this.attempt({ op, s: this.requireSubject().handle, to: this.listener.endpoint });
});

When('ws2_32.dll is asked for the export {word}', async function (symbol: string) {
  await this.call({ op: 'resolveExport', module: 'ws2_32.dll', symbol });
});

When('the installed protocols are listed with WSAEnumProtocols', async function () {
  await this.call({ op: 'WSAEnumProtocols' });
});

When('WSARecvDisconnect is called on the first socket and shutdown with SD_RECEIVE on the second', async function () {
  const [first, second] = this.pair;
  if (!first || !second) throw new Error('the scenario has not set up two sockets');
  const viaRecvDisconnect = await this.attempt({ op: 'WSARecvDisconnect', s: first.handle, buffer: null });
  const viaShutdown = await this.attempt({ op: 'shutdown', s: second.handle, how: SD_RECEIVE });
  this.compared = [viaRecvDisconnect, viaShutdown];
});

When('the peer sends {int} bytes to each socket', async function (bytes: number) {
  for (const subject of this.pair) {
    if (!subject.peer) throw new Error('the scenario compares sockets without a peer at the other end');
    await subject.peer.send(Buffer.alloc(bytes, 0x62).toString('hex'));
  }
});

When('the peer sends a {int}-byte datagram to each socket', async function (bytes: number) {
  for (const subject of this.pair) {
    if (!subject.local) throw new Error('the scenario compares sockets whose addresses it did not learn before the calls');
    subject.datagramPeer = await peerDatagramTo(this, subject.local);
    await subject.datagramPeer.send(Buffer.alloc(bytes, 0x63).toString('hex'));
  }
});

// The Note's "native implementation of TCP/IP on Windows" is the MSAFD Tcpip provider, named by its
// ProviderId (isNativeTcpIp). A stack that lists no entry of it (another vendor's TCP/IP only) is not what
// the sentence speaks of: its scenario is N/A, with what it does list.
When("Windows' native TCP\\/IP provider is among them", async function () {
  const listed = this.lastOutcomeOf('WSAEnumProtocols');
  if (listed === null) throw new Error('the scenario has not called WSAEnumProtocols');
  if (listed.status === 'blocked') throw new CallTimeout(`WSAEnumProtocols had not returned after ${listed.boundMs} ms`);
  if (listed.ret === SOCKET_ERROR) throw new Error(`WSAEnumProtocols failed with ${wsaErrorName(listed.error)}, so there is nothing to check`);
  const protocols = listed.out.protocols ?? [];
  if (!protocols.some(isNativeTcpIp))
    throw new NotApplicable(
      `WSAEnumProtocols lists no entry of Windows' native TCP/IP provider (MSAFD Tcpip, ProviderId ${Object.values(NATIVE_TCPIP_PROVIDER_IDS).join(' or ')}); it lists ${protocols.map(describeProvider).join(', ') || 'nothing'}`,
    );
});
