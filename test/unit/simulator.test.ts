// The reference simulator's state machines, driven through the same ports the steps use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulatorTestbed } from '../../src/testbeds/simulator';
import { RECEIVE_WINDOW, SEND_BUFFER } from '../../src/testbeds/simulator/endpoints';
import { parseSimulatorOptions } from '../../src/testbeds/simulator/index';
import { ICMP_UNREACHABLE, Network } from '../../src/testbeds/simulator/network';
import { SimulatedPeer } from '../../src/testbeds/simulator/peer';
import { isIcmpError, type Call, type CallOutcome, type PeerStream, type Returned, type Testbed, type WinsockProcess } from '../../src/core/ports';
import { TCP, UDP } from '../../support/situations';

/** A port nothing of a new simulated network binds: below the ephemeral ports it hands out. */
const UNUSED = { address: '127.0.0.1', port: 9 };
import { MSG_PEEK, SD_RECEIVE, SD_SEND, SOCK_SEQPACKET, SOCKET_ERROR, WINSOCK_2_2, WSA_ERRORS, XP1_DISCONNECT_DATA } from '../../src/core/winsock';

const BOUND = 1000;

function returned(outcome: CallOutcome): Returned {
  assert.equal(outcome.status, 'returned', 'the call blocked');
  return outcome as Returned;
}

function pick(outcome: Returned): { ret: number; error: number } {
  return { ret: outcome.ret, error: outcome.error };
}

async function ok(process: WinsockProcess, call: Call): Promise<Returned> {
  const outcome = returned(await process.call(call, BOUND));
  assert.notEqual(outcome.ret, SOCKET_ERROR, `${call.op} failed with ${outcome.error}`);
  return outcome;
}

async function connected(testbed: Testbed, process: WinsockProcess) {
  const listener = await testbed.peer.listen(TCP);
  const s = (await ok(process, { op: 'socket', af: TCP.af, type: TCP.type, protocol: TCP.protocol })).out.handle as string;
  await ok(process, { op: 'connect', s, to: listener.endpoint });
  return { s, peer: await listener.accept(BOUND) };
}

describe('simulator: TCP', () => {
  it('connects, carries data both ways and counts queued bytes', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s, peer } = await connected(testbed, process);
    await peer.send('616263');
    assert.equal((await ok(process, { op: 'FIONREAD', s })).out.value, 3);
    assert.equal((await ok(process, { op: 'recv', s, len: 2, flags: MSG_PEEK })).out.data, '6162');
    await ok(process, { op: 'send', s, data: '7a' });
    assert.deepEqual(await peer.next(100), { kind: 'data', bytes: 1 });
  });

  it('resets when reception ends with data queued, and the wire shows the RST', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s, peer } = await connected(testbed, process);
    await peer.send('61');
    await testbed.wire?.start();
    await ok(process, { op: 'shutdown', s, how: SD_RECEIVE });
    assert.equal((await peer.next(100))?.kind, 'reset');
    const packets = (await testbed.wire?.stop())?.packets ?? [];
    assert.deepEqual(
      packets.map((p) => p.flags.join(',')),
      ['RST'],
    );
  });

  it('resets when data arrives after reception ended, but not on a FIN', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const first = await connected(testbed, process);
    await ok(process, { op: 'WSARecvDisconnect', s: first.s, buffer: null });
    await first.peer.send('61');
    assert.equal((await first.peer.next(100))?.kind, 'reset');
    const second = await connected(testbed, process);
    await ok(process, { op: 'WSARecvDisconnect', s: second.s, buffer: null });
    await second.peer.endWriting();
    assert.equal(await second.peer.next(100), null);
  });

  it('holds back what the receive window has no room for, and lets it in as the application reads', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s, peer } = await connected(testbed, process);
    await peer.send('61'.repeat(RECEIVE_WINDOW + 1000));
    assert.equal((await ok(process, { op: 'FIONREAD', s })).out.value, RECEIVE_WINDOW);
    await testbed.wire?.start();
    assert.equal((await ok(process, { op: 'recv', s, len: RECEIVE_WINDOW, flags: 0 })).ret, RECEIVE_WINDOW);
    const packets = (await testbed.wire?.stop())?.packets ?? [];
    assert.deepEqual(
      packets.map((p) => [p.flags.join(','), p.length]),
      [
        ['ACK', 0],
        ['PSH,ACK', 1000],
      ],
      'a window update, then the rest',
    );
    assert.equal((await ok(process, { op: 'FIONREAD', s })).out.value, 1000);
  });

  it('sends a FIN only after the data the window held back', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s, peer } = await connected(testbed, process);
    await peer.send('62'.repeat(RECEIVE_WINDOW + 10));
    await peer.endWriting();
    const lengths: number[] = [];
    for (let ret = -1; ret !== 0;) {
      ret = (await ok(process, { op: 'recv', s, len: RECEIVE_WINDOW, flags: 0 })).ret;
      lengths.push(ret);
    }
    assert.deepEqual(lengths, [RECEIVE_WINDOW, 10, 0]);
  });

  it('half-closes with shutdown(SD_SEND): a FIN, and later sends fail with WSAESHUTDOWN', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s, peer } = await connected(testbed, process);
    await ok(process, { op: 'shutdown', s, how: SD_SEND });
    assert.deepEqual(await peer.next(100), { kind: 'eof' });
    assert.equal(returned(await process.call({ op: 'send', s, data: '00' }, BOUND)).error, WSA_ERRORS.WSAESHUTDOWN);
  });

  for (const [how, set, expected] of [
    ['gracefully, with a FIN', async () => undefined, 'eof'],
    [
      'abortively under SO_LINGER on with 0 seconds, with a RST',
      async (p: WinsockProcess, s: string) => void (await ok(p, { op: 'setLinger', s, onoff: 1, seconds: 0 })),
      'reset',
    ],
    ['abortively with data unread, with a RST', async (_p: WinsockProcess, _s: string, peer: PeerStream) => peer.send('61'), 'reset'],
  ] as const) {
    it(`closes ${how}`, async () => {
      const testbed = await simulatorTestbed.create({});
      const process = await testbed.mainProcess();
      const { s, peer } = await connected(testbed, process);
      await set(process, s, peer);
      await ok(process, { op: 'closesocket', s });
      assert.equal((await peer.next(100))?.kind, expected);
    });
  }

  it('refuses a connection to a port nobody listens on', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const s = (await ok(process, { op: 'socket', af: TCP.af, type: TCP.type, protocol: TCP.protocol })).out.handle as string;
    const outcome = returned(await process.call({ op: 'connect', s, to: UNUSED }, BOUND));
    assert.deepEqual([outcome.ret, outcome.error], [SOCKET_ERROR, WSA_ERRORS.WSAECONNREFUSED]);
  });

  it('names both ends of a connection as the peer sees them, and refuses getpeername on an unconnected socket', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s, peer } = await connected(testbed, process);
    assert.deepEqual((await ok(process, { op: 'getsockname', s })).out.endpoint, peer.remote);
    assert.deepEqual((await ok(process, { op: 'getpeername', s })).out.endpoint, peer.local);
    const lone = (await ok(process, { op: 'socket', af: TCP.af, type: TCP.type, protocol: TCP.protocol })).out.handle as string;
    const outcome = returned(await process.call({ op: 'getpeername', s: lone }, BOUND));
    assert.deepEqual([outcome.ret, outcome.error], [SOCKET_ERROR, WSA_ERRORS.WSAENOTCONN]);
  });

  for (const op of ['connect', 'WSAConnect'] as const) {
    it(`${op} connects again after WSARecvDisconnect and the close, unless the choice says otherwise`, async () => {
      for (const [choice, expected] of [
        ['supported', [0, 0]],
        ['unsupported', [SOCKET_ERROR, WSA_ERRORS.WSAEISCONN]],
      ] as const) {
        const testbed = await simulatorTestbed.create({ 'reuse-after-recv-disconnect': choice });
        const process = await testbed.mainProcess();
        const { s, peer } = await connected(testbed, process);
        await ok(process, { op: 'WSARecvDisconnect', s, buffer: null });
        await peer.endWriting();
        await ok(process, { op: 'shutdown', s, how: SD_SEND });
        const listener = await testbed.peer.listen(TCP);
        const outcome = returned(await process.call({ op, s, to: listener.endpoint }, BOUND));
        assert.deepEqual([outcome.ret, outcome.error], expected, choice);
      }
    });
  }

  it('buffers unsent data up to SEND_BUFFER once the peer stops reading; a non-blocking send then fails', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s, peer } = await connected(testbed, process);
    await peer.pauseReading();
    await ok(process, { op: 'FIONBIO', s, nonBlocking: 1 });
    const chunk = '66'.repeat(4 * SEND_BUFFER);
    assert.equal((await ok(process, { op: 'send', s, data: chunk })).ret, RECEIVE_WINDOW + SEND_BUFFER, "the peer's window, then the buffer");
    assert.deepEqual(pick(returned(await process.call({ op: 'send', s, data: '66' }, BOUND))), { ret: SOCKET_ERROR, error: WSA_ERRORS.WSAEWOULDBLOCK });
    assert.equal(await peer.next(100), null, 'nothing is read while the peer does not read');
    await ok(process, { op: 'FIONBIO', s, nonBlocking: 0 });
    assert.deepEqual(await process.call({ op: 'send', s, data: '66' }, 250), { status: 'blocked', boundMs: 250 }, 'a blocking send waits for room');
    await peer.resumeReading();
    let read = 0;
    for (let event = await peer.next(100); event; event = await peer.next(100)) if (event.kind === 'data') read += event.bytes;
    assert.equal(read, RECEIVE_WINDOW + SEND_BUFFER, 'reading again lets every byte in');
  });

  it('fails a recv with nothing to read with WSAEWOULDBLOCK on a non-blocking socket', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s } = await connected(testbed, process);
    await ok(process, { op: 'FIONBIO', s, nonBlocking: 1 });
    assert.deepEqual(pick(returned(await process.call({ op: 'recv', s, len: 1, flags: 0 }, BOUND))), { ret: SOCKET_ERROR, error: WSA_ERRORS.WSAEWOULDBLOCK });
  });

  it('blocks a recv with nothing to read for exactly its bound, on the virtual clock', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const { s } = await connected(testbed, process);
    const before = testbed.now();
    assert.deepEqual(await process.call({ op: 'recv', s, len: 1, flags: 0 }, 250), { status: 'blocked', boundMs: 250 });
    assert.equal(testbed.now() - before, 250);
  });
});

describe('simulator: UDP and ICMP', () => {
  it('answers a datagram to an unbound port with ICMP port unreachable', async () => {
    const testbed = await simulatorTestbed.create({});
    const socket = await testbed.peer.openDatagramSocket();
    await socket.connect(UNUSED);
    await socket.send('00');
    assert.deepEqual(await socket.next(100), { kind: 'icmp-error', detail: 'ECONNREFUSED: ICMP destination unreachable, code 3' });
  });

  it('tells a connected peer socket of a fatal ICMP error as its errno, and of host unreachable not at all, as Linux does', async () => {
    const net = new Network();
    const peer = new SimulatedPeer(net);
    const socket = await peer.openDatagramSocket();
    const to = UNUSED;
    await socket.connect(to);
    const about = { transport: 'udp' as const, src: socket.endpoint.port, dst: to.port, payload: Buffer.from('00', 'hex') };
    net.transmit({ transport: 'icmp', code: ICMP_UNREACHABLE.prohibited, original: about });
    assert.deepEqual(await socket.next(100), { kind: 'icmp-error', detail: 'EHOSTUNREACH: ICMP destination unreachable, code 13' });
    net.transmit({ transport: 'icmp', code: ICMP_UNREACHABLE.host, original: about });
    assert.equal(await socket.next(100), null);
    // The wire shows both.
    assert.deepEqual(
      net.wire.filter(isIcmpError).map((p) => p.icmp?.code),
      [13, 1],
    );
  });

  it('keeps queueing datagrams after reception ended', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const s = (await ok(process, { op: 'socket', af: UDP.af, type: UDP.type, protocol: UDP.protocol })).out.handle as string;
    await ok(process, { op: 'bind', s, to: { address: '127.0.0.1', port: 0 } });
    const to = (await ok(process, { op: 'getsockname', s })).out.endpoint;
    assert.ok(to);
    await ok(process, { op: 'WSARecvDisconnect', s, buffer: null });
    const peer = await testbed.peer.openDatagramSocket();
    await peer.connect(to);
    await peer.send('0102');
    assert.equal((await ok(process, { op: 'FIONREAD', s })).out.value, 2);
    assert.equal(await peer.next(100), null);
  });
});

describe('simulator: Winsock start-up and handles', () => {
  it('counts WSAStartup and WSACleanup', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.uninitialisedProcess();
    const socketCall: Call = { op: 'socket', af: TCP.af, type: TCP.type, protocol: TCP.protocol };
    assert.equal(returned(await process.call(socketCall, BOUND)).error, WSA_ERRORS.WSANOTINITIALISED);
    await ok(process, { op: 'WSAStartup', version: WINSOCK_2_2 });
    await ok(process, socketCall);
    await ok(process, { op: 'WSACleanup' });
    assert.equal(returned(await process.call(socketCall, BOUND)).error, WSA_ERRORS.WSANOTINITIALISED);
    assert.equal(returned(await process.call({ op: 'WSACleanup' }, BOUND)).error, WSA_ERRORS.WSANOTINITIALISED);
  });

  it("gives a process without Winsock a duplicate of the main process's socket, which is that socket and whose release leaves it open", async () => {
    const testbed = await simulatorTestbed.create({});
    const main = await testbed.mainProcess();
    const { s } = await connected(testbed, main);
    const probe = await testbed.uninitialisedProcess();
    const dup = (await ok(probe, { op: 'duplicateFromParent', s })).out.handle as string;
    assert.deepEqual(pick(returned(await probe.call({ op: 'WSARecvDisconnect', s: dup, buffer: null }, BOUND))), {
      ret: SOCKET_ERROR,
      error: WSA_ERRORS.WSANOTINITIALISED,
    });
    await ok(probe, { op: 'WSAStartup', version: WINSOCK_2_2 });
    assert.deepEqual((await ok(probe, { op: 'getsockname', s: dup })).out.endpoint, (await ok(main, { op: 'getsockname', s })).out.endpoint);
    await probe.release();
    await ok(main, { op: 'getSocketType', s });
    assert.equal(returned(await probe.call({ op: 'duplicateFromParent', s: '0x1234' }, BOUND)).ret, SOCKET_ERROR, 'a handle the parent does not hold');
  });

  it('treats a closed socket and an event handle as not sockets', async () => {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const s = (await ok(process, { op: 'socket', af: TCP.af, type: TCP.type, protocol: TCP.protocol })).out.handle as string;
    await ok(process, { op: 'closesocket', s });
    const event = (await ok(process, { op: 'createNonSocketHandle' })).out.handle as string;
    for (const handle of [s, event]) {
      assert.equal(returned(await process.call({ op: 'WSARecvDisconnect', s: handle, buffer: null }, BOUND)).error, WSA_ERRORS.WSAENOTSOCK);
    }
  });
});

describe('simulator: disconnect data', () => {
  async function closedWithData(data: string) {
    const testbed = await simulatorTestbed.create({});
    const process = await testbed.mainProcess();
    const listed = (await ok(process, { op: 'WSAEnumProtocols' })).out.protocols ?? [];
    const protocol = listed.find((p) => p.type === SOCK_SEQPACKET && (p.serviceFlags1 & XP1_DISCONNECT_DATA) !== 0);
    assert.ok(protocol, 'the catalogue has a protocol with disconnect data');
    const listener = await testbed.peer.listen(protocol);
    const s = (await ok(process, { op: 'socket', af: protocol.af, type: protocol.type, protocol: protocol.protocol })).out.handle as string;
    await ok(process, { op: 'connect', s, to: listener.endpoint });
    await (await listener.accept(BOUND)).disconnectWithData(Buffer.from(data).toString('hex'));
    return { process, s };
  }

  it('signals the close with WSAEDISCON and hands the data back', async () => {
    const { process, s } = await closedWithData('bye');
    assert.equal(returned(await process.call({ op: 'recv', s, len: 8, flags: 0 }, BOUND)).error, WSA_ERRORS.WSAEDISCON);
    const got = await ok(process, { op: 'WSARecvDisconnect', s, buffer: 8 });
    // The whole buffer comes back: the data, then the fill the agent gives every buffer.
    assert.deepEqual([got.out.bufferLength, got.out.data], [3, `${Buffer.from('bye').toString('hex')}${'a5'.repeat(5)}`]);
  });

  it('fails with WSAEFAULT on a short buffer, reports the size needed, and leaves reception on', async () => {
    const { process, s } = await closedWithData('goodbye');
    const short = returned(await process.call({ op: 'WSARecvDisconnect', s, buffer: 2 }, BOUND));
    assert.deepEqual([short.error, short.out], [WSA_ERRORS.WSAEFAULT, { bufferLength: 7, data: 'a5a5' }]);
    assert.equal(returned(await process.call({ op: 'recv', s, len: 8, flags: 0 }, BOUND)).error, WSA_ERRORS.WSAEDISCON);
  });
});

describe('simulator: determinism and options', () => {
  it('gives the same wire log for the same calls', async () => {
    const logs: string[] = [];
    for (let run = 0; run < 2; run += 1) {
      const testbed = await simulatorTestbed.create({});
      const process = await testbed.mainProcess();
      await testbed.wire?.start();
      const { s, peer } = await connected(testbed, process);
      await peer.send('6162');
      await ok(process, { op: 'WSARecvDisconnect', s, buffer: null });
      logs.push(JSON.stringify(await testbed.wire?.stop()));
    }
    assert.equal(logs[0], logs[1]);
  });

  it('rejects unknown options, choices and mutants in one line', () => {
    assert.throws(() => parseSimulatorOptions({ colour: 'blue' }), /^Error: unknown simulator option 'colour'; valid: /);
    assert.throws(() => parseSimulatorOptions({ 'tcpip-disconnect-buffer': 'maybe' }), /takes WSAENOPROTOOPT or zero-length or untouched/);
    assert.throws(() => parseSimulatorOptions({ mutant: 'gremlin' }), /unknown mutant 'gremlin'/);
    assert.equal(parseSimulatorOptions({ mutant: 'fin-sent' }).mutant, 'fin-sent');
  });
});
