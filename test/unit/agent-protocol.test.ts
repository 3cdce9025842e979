// The agent control protocol: framing, message checks, version mismatch and garbage, against fake
// agents on loopback (no Wine needed), plus the agent's pure SOCKADDR / WSAPROTOCOL_INFOW codecs.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import {
  frame,
  LineDecoder,
  parseAgentMessage,
  parseControllerMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  type AgentFacts,
  type AgentMessage,
} from '../../agents/protocol';
import { decodeProtocolInfos, decodeSockaddr, encodeSockaddr, WSAPROTOCOL_INFOW_SIZE } from '../../agents/node/sockaddr';
import { AgentConnection, ProtocolMismatch, RequestTimeout } from '../../src/testbeds/agent-controller/connection';
import { AgentFailure } from '../../src/core/outcomes';
import { AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_STREAM, SOCKET_ERROR, WSA_ERRORS } from '../../src/core/winsock';

const FACTS: AgentFacts = { implementation: 'fake agent', windows: 'Windows 10', ws2_32: 'C:\\ws2_32.dll', ops: ['socket'] };

describe('framing', () => {
  it('splits lines across and within chunks, and drops a CR before LF', () => {
    const d = new LineDecoder();
    assert.deepEqual(d.push(Buffer.from('{"a":1}\n{"b"')), ['{"a":1}']);
    assert.deepEqual(d.push(Buffer.from(':2}\r\n{"c":3}\n{"d"')), ['{"b":2}', '{"c":3}']);
    assert.equal(d.rest(), '{"d"');
  });

  it('keeps multi-byte UTF-8 split across chunks intact', () => {
    const d = new LineDecoder();
    const bytes = Buffer.from('"TCP/IP – é"\n', 'utf8');
    assert.deepEqual(d.push(bytes.subarray(0, 8)), []);
    assert.deepEqual(d.push(bytes.subarray(8)), ['"TCP/IP – é"']);
  });

  it('refuses an overlong line, with a preview of the bytes', () => {
    const d = new LineDecoder(16);
    assert.throws(
      () => d.push(Buffer.from('x'.repeat(40))),
      (e: unknown) => e instanceof ProtocolError && e.bytes.includes('xxxx'),
    );
    const d2 = new LineDecoder(16);
    assert.throws(() => d2.push(Buffer.from(`${'y'.repeat(20)}\n`)), ProtocolError);
  });

  it('frames one message per line and parses it back', () => {
    const messages: AgentMessage[] = [
      { type: 'hello', id: 0, protocol: PROTOCOL_VERSION, agent: FACTS },
      { type: 'result', id: 3, outcome: { status: 'returned', ret: SOCKET_ERROR, error: WSA_ERRORS.WSAENOTCONN, elapsedMs: 0.5, out: {} } },
      { type: 'result', id: 4, outcome: { status: 'blocked', boundMs: 500 } },
      {
        type: 'result',
        id: 5,
        outcome: {
          status: 'returned',
          ret: 0,
          error: 0,
          elapsedMs: 1,
          out: { handle: '0x1a4', data: 'a0ff', bufferLength: 2, endpoint: { address: '127.0.0.1', port: 80 } },
        },
      },
      { type: 'spawned', id: 6, process: 'probe-1', cleanups: 2 },
      { type: 'released', id: 7, closed: ['0x1a4'] },
      { type: 'bye', id: 8 },
      { type: 'error', id: 9, message: 'no' },
      { type: 'error', id: null, message: 'busy' },
    ];
    for (const m of messages) {
      const line = frame(m);
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
      assert.deepEqual(parseAgentMessage(line.trimEnd()), m);
    }
  });

  it('parses the controller side too', () => {
    assert.deepEqual(parseControllerMessage('{"type":"call","id":2,"call":{"op":"WSAEnumProtocols"},"boundMs":100}'), {
      type: 'call',
      id: 2,
      process: undefined,
      call: { op: 'WSAEnumProtocols' },
      boundMs: 100,
    });
    assert.throws(() => parseControllerMessage('{"type":"call","id":2,"call":{},"boundMs":100}'), ProtocolError);
    assert.throws(() => parseControllerMessage('{"type":"call","id":2,"call":{"op":"socket"},"boundMs":-1}'), ProtocolError);
    // An id is a safe integer (docs/agent-protocol.md), as the native agent reads it too.
    assert.throws(() => parseControllerMessage('{"type":"spawn","id":9007199254740993}'), ProtocolError);
    assert.equal(parseControllerMessage('{"type":"spawn","id":9007199254740991}').id, 9007199254740991);
  });
});

describe('garbage', () => {
  const bad = [
    'hello there',
    '[1,2]',
    '{"id":1}',
    '{"type":"result","id":1}',
    '{"type":"result","id":1,"outcome":{"status":"returned","ret":"0","error":0,"elapsedMs":0,"out":{}}}',
    '{"type":"result","id":1,"outcome":{"status":"returned","ret":0,"error":0,"elapsedMs":0,"out":{"data":"xyz"}}}',
    '{"type":"result","id":1,"outcome":{"status":"maybe"}}',
    '{"type":"teapot","id":1}',
    '{"type":"result","id":"1","outcome":{"status":"blocked","boundMs":1}}',
  ];
  for (const line of bad) {
    it(`refuses ${line}`, () => {
      assert.throws(
        () => parseAgentMessage(line),
        (e: unknown) => e instanceof ProtocolError && e.bytes.length > 0,
      );
    });
  }
});

/** A fake agent: answers each request line with what `answer` returns (raw text, sent as is). */
async function fakeAgent(answer: (line: string) => string | null): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((socket) => {
    const d = new LineDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const line of d.push(chunk)) {
        const reply = answer(line);
        if (reply === null) continue;
        if (reply === 'CLOSE') socket.destroy();
        else socket.write(reply);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as net.AddressInfo).port, server };
}

function helloThen(rest: (m: { type: string; id: number }) => string | null, protocol = PROTOCOL_VERSION): (line: string) => string | null {
  return (line) => {
    const m = JSON.parse(line) as { type: string; id: number };
    if (m.type === 'hello') return frame({ type: 'hello', id: m.id, protocol, agent: FACTS });
    return rest(m);
  };
}

const servers: net.Server[] = [];
after(() => servers.forEach((s) => s.close()));

async function open(answer: (line: string) => string | null, broken: Error[] = []): Promise<AgentConnection> {
  const { port, server } = await fakeAgent(answer);
  servers.push(server);
  return AgentConnection.open('127.0.0.1', port, { evidence: () => 'LOG TAIL', onBroken: (e) => broken.push(e), connectTimeoutMs: 2000, client: 'test' });
}

describe('controller connection', () => {
  it('exchanges hellos and answers calls by id, in any order', async () => {
    const held: { id: number }[] = [];
    let conn: AgentConnection | null = null;
    conn = await open(
      helloThen((m) => {
        held.push(m);
        if (held.length < 2) return null;
        // answer the second first
        return held
          .reverse()
          .map((h) => frame({ type: 'result', id: h.id, outcome: { status: 'returned', ret: h.id, error: 0, elapsedMs: 0, out: {} } }))
          .join('');
      }),
    );
    assert.equal(conn.facts.windows, 'Windows 10');
    const [a, b] = await Promise.all([
      conn.request({ type: 'call', call: { op: 'WSACleanup' }, boundMs: 10 }, 1000),
      conn.request({ type: 'call', call: { op: 'WSACleanup' }, boundMs: 10 }, 1000),
    ]);
    assert.ok(a.type === 'result' && a.outcome.status === 'returned' && a.outcome.ret === 1);
    assert.ok(b.type === 'result' && b.outcome.status === 'returned' && b.outcome.ret === 2);
    conn.close();
  });

  it('reports a version mismatch in one line (agent answers another version)', async () => {
    await assert.rejects(
      open(helloThen(() => null, PROTOCOL_VERSION + 1)),
      (e: unknown) => e instanceof ProtocolMismatch && !e.message.includes('\n') && e.message.includes(`version ${PROTOCOL_VERSION + 1}`),
    );
  });

  it('reports a version mismatch in one line (agent refuses ours)', async () => {
    const refuse = (line: string): string =>
      frame({
        type: 'error',
        id: (JSON.parse(line) as { id: number }).id,
        message: `control protocol mismatch: the controller speaks version ${PROTOCOL_VERSION}, this side speaks version 7`,
      });
    await assert.rejects(open(refuse), (e: unknown) => e instanceof ProtocolMismatch && !e.message.includes('\n') && /version 7/.test(e.message));
  });

  it('turns garbage into AgentFailure carrying the bytes, and fails what is pending', async () => {
    const broken: Error[] = [];
    const conn = await open(
      helloThen(() => 'HTTP/1.1 400 Bad Request\r\n'),
      broken,
    );
    await assert.rejects(
      conn.request({ type: 'call', call: { op: 'WSACleanup' }, boundMs: 10 }, 1000),
      (e: unknown) => e instanceof AgentFailure && e.evidence.includes('HTTP/1.1 400') && e.evidence.includes('LOG TAIL'),
    );
    assert.equal(broken.length, 1);
    assert.ok(conn.broken);
    await assert.rejects(conn.request({ type: 'call', call: { op: 'WSACleanup' }, boundMs: 10 }, 1000), AgentFailure);
  });

  it('turns an unknown message type into AgentFailure', async () => {
    const conn = await open(helloThen((m) => `{"type":"surprise","id":${m.id}}\n`));
    await assert.rejects(conn.request({ type: 'spawn' }, 1000), (e: unknown) => e instanceof AgentFailure && e.evidence.includes('surprise'));
  });

  it('turns an answer to no pending request into AgentFailure', async () => {
    const conn = await open(helloThen((m) => frame({ type: 'bye', id: m.id + 100 })));
    await assert.rejects(conn.request({ type: 'shutdown' }, 1000), AgentFailure);
  });

  it('turns a closed connection into AgentFailure with the evidence', async () => {
    const conn = await open(helloThen(() => 'CLOSE'));
    await assert.rejects(conn.request({ type: 'spawn' }, 1000), (e: unknown) => e instanceof AgentFailure && e.evidence.includes('LOG TAIL'));
  });

  it('times a request out without breaking the connection itself', async () => {
    const conn = await open(helloThen(() => null));
    await assert.rejects(conn.request({ type: 'call', call: { op: 'accept', s: '0x1' }, boundMs: 10 }, 50), RequestTimeout);
    conn.close();
  });

  it('takes an answer that came in time for one though the event loop reaches the bound late', async () => {
    const conn = await open(
      helloThen((m) => {
        // Once this answer is written, the loop is held well past the request's bound, as a loaded machine
        // holds it (blocked, not spinning). The bound leaves the fake agent, in this same process, room to
        // read the request before it passes: on a loaded machine, 20 ms did not (npm test saw it so).
        process.nextTick(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600));
        return frame({ type: 'result', id: m.id, outcome: { status: 'returned', ret: 0, error: 0, elapsedMs: 0, out: {} } });
      }),
    );
    try {
      const answer = await conn.request({ type: 'call', call: { op: 'WSACleanup' }, boundMs: 100 }, 200);
      assert.equal(answer.type, 'result');
    } finally {
      conn.close();
    }
  });

  it("ends a connection by ending its side and waiting for the agent's, within a bound, blaming no one", async () => {
    /** An agent that, with `halfOpen`, keeps its side open once the controller has ended its own. */
    const agent = async (halfOpen: boolean): Promise<{ conn: AgentConnection; saw: string[]; broken: Error[] }> => {
      const saw: string[] = [];
      const server = net.createServer({ allowHalfOpen: halfOpen }, (socket) => {
        const d = new LineDecoder();
        socket.on('data', (chunk: Buffer) => {
          for (const line of d.push(chunk)) {
            const m = JSON.parse(line) as { id: number };
            socket.write(frame({ type: 'hello', id: m.id, protocol: PROTOCOL_VERSION, agent: FACTS }));
          }
        });
        socket.on('end', () => saw.push('the controller ended its side'));
        socket.on('close', () => saw.push('closed'));
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const broken: Error[] = [];
      const port = (server.address() as net.AddressInfo).port;
      const conn = await AgentConnection.open('127.0.0.1', port, { evidence: () => '', onBroken: (e) => broken.push(e), connectTimeoutMs: 2000, client: 't' });
      return { conn, saw, broken };
    };
    // The agent ends its side as it sees the controller's: end() returns once it has.
    const prompt = await agent(false);
    await prompt.conn.end(60_000);
    assert.deepEqual(prompt.saw.slice(0, 1), ['the controller ended its side']);
    assert.deepEqual(prompt.broken, [], 'the agent is not blamed for a close the controller began');
    assert.equal(prompt.conn.broken, true);
    // An agent that never ends its side: end() returns at its bound all the same.
    const lingering = await agent(true);
    await lingering.conn.end(100);
    assert.deepEqual(lingering.saw.slice(0, 1), ['the controller ended its side']);
    assert.deepEqual(lingering.broken, []);
  });

  it('reports an agent that is not there as AgentFailure', async () => {
    const { port, server } = await fakeAgent(() => null);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(
      AgentConnection.open('127.0.0.1', port, { evidence: () => '', onBroken: () => undefined, connectTimeoutMs: 1000, client: 't' }),
      AgentFailure,
    );
  });
});

describe('agent codecs', () => {
  it('encodes and decodes SOCKADDR_IN and SOCKADDR_IN6', () => {
    const v4 = encodeSockaddr({ address: '127.0.0.1', port: 0x1234 });
    assert.equal(v4.toString('hex'), '020012347f0000010000000000000000');
    assert.deepEqual(decodeSockaddr(v4), { address: '127.0.0.1', port: 0x1234 });
    const v6 = encodeSockaddr({ address: '::1', port: 80 });
    assert.equal(v6.length, 28);
    assert.equal(v6.readUInt16LE(0), AF_INET6);
    assert.deepEqual(decodeSockaddr(v6), { address: '::1', port: 80 });
    assert.deepEqual(decodeSockaddr(encodeSockaddr({ address: 'fe80::1:2', port: 1 })), { address: 'fe80::1:2', port: 1 });
    assert.throws(() => encodeSockaddr({ address: 'example.org', port: 1 }));
    assert.throws(() => encodeSockaddr({ address: '1.2.3.4', port: 70000 }));
  });

  it('decodes WSAPROTOCOL_INFOW at the documented offsets', () => {
    const b = Buffer.alloc(2 * WSAPROTOCOL_INFOW_SIZE);
    const put = (i: number, flags: number, chainLen: number, af: number, type: number, proto: number, name: string): void => {
      const base = i * WSAPROTOCOL_INFOW_SIZE;
      b.writeUInt32LE(flags, base);
      b.writeInt32LE(chainLen, base + 40);
      // ProviderId as Wine 8.0's ws2_32 writes MSAFD Tcpip's, {0xe70f1aa0, 0xab8b, 0x11cf, {0x8c, 0xa3, ...}}.
      b.writeUInt32LE(0xe70f1aa0 + i, base + 20);
      b.writeUInt16LE(0xab8b, base + 24);
      b.writeUInt16LE(0x11cf, base + 26);
      Buffer.from('8ca300805f48a192', 'hex').copy(b, base + 28);
      b.writeInt32LE(af, base + 76);
      b.writeInt32LE(type, base + 88);
      b.writeInt32LE(proto, base + 92);
      b.write(name, base + 116, 'utf16le');
    };
    put(0, 0x20066, 1, AF_INET, SOCK_STREAM, IPPROTO_TCP, 'TCP/IP');
    put(1, 0x20609, 2, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, 'UDP/IPv6');
    assert.deepEqual(decodeProtocolInfos(b, 2), [
      {
        name: 'TCP/IP',
        af: AF_INET,
        type: SOCK_STREAM,
        protocol: IPPROTO_TCP,
        serviceFlags1: 0x20066,
        chainLen: 1,
        providerId: '{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}',
      },
      {
        name: 'UDP/IPv6',
        af: AF_INET6,
        type: SOCK_DGRAM,
        protocol: IPPROTO_UDP,
        serviceFlags1: 0x20609,
        chainLen: 2,
        providerId: '{E70F1AA1-AB8B-11CF-8CA3-00805F48A192}',
      },
    ]);
    assert.equal(decodeProtocolInfos(b, 3).length, 2, 'never reads past the buffer');
  });
});
