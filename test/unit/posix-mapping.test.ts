// The POSIX comparison's porting table (agents/posix/mapping.ts): complete over the suite's calls, errno
// mapped by name, the numbers it translates, and the same table in docs/interpreting.md; then its executor
// in this process on the host's libc (Linux only): the calls as a Winsock caller sees them, a blocked call
// woken at its bound, and release closing what the calls opened.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as koffi from 'koffi';
import { DISCONNECT_BUFFER_FILL, type Call, type CallOutcome, type Returned } from '../../src/core/ports';
import { BadCall, SUPPORTED_OPS } from '../../agents/node/calls';
import { PosixExecutor } from '../../agents/posix/executor';
import { bindLibc } from '../../agents/posix/libc';
import {
  ERRNO_TO_WSA,
  LINUX,
  linuxFamily,
  linuxRecvFlags,
  keptByTheTable,
  NO_POSIX_COUNTERPART,
  notApplicableOnPosix,
  POSIX_CALLS,
  POSIX_OPS,
  UNMAPPED_ERRNO,
  winsockFamily,
  wsaCodeForErrno,
} from '../../agents/posix/mapping';
import {
  AF_DECNET,
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  MSG_OOB,
  MSG_PEEK,
  MSG_WAITALL,
  SD_BOTH,
  SD_RECEIVE,
  SD_SEND,
  SOCK_STREAM,
  SOCKET_ERROR,
  WSA_ERRORS,
} from '../../src/core/winsock';
import { REPO_ROOT } from '../../src/core/paths';
import { functionCatalogue } from '../../src/catalogue/catalogue';

/** The host's errno numbers by name, as the POSIX agent reads them (koffi's table; node's lacks a few, ESOCKTNOSUPPORT among them). */
const HOST_ERRNO = koffi.os.errno;

describe('the porting table', () => {
  it('carries or declares N/A every call the suite makes, each exactly once', () => {
    const notApplicable = Object.keys(NO_POSIX_COUNTERPART);
    assert.deepEqual([...POSIX_OPS, ...notApplicable].sort(), [...SUPPORTED_OPS].sort());
    assert.deepEqual(
      POSIX_OPS.filter((op) => notApplicable.includes(op)),
      [],
    );
    for (const op of notApplicable) assert.match(notApplicableOnPosix(op as keyof typeof NO_POSIX_COUNTERPART) ?? '', /./, op);
    for (const op of POSIX_OPS) assert.equal(notApplicableOnPosix(op), null, op);
  });

  it('maps errno to WSA codes by name: a closed descriptor and a non-socket are WSAENOTSOCK, a connect under way WSAEWOULDBLOCK', () => {
    const code = (name: string): number => wsaCodeForErrno(HOST_ERRNO[name] ?? -1, HOST_ERRNO);
    assert.equal(code('EBADF'), WSA_ERRORS.WSAENOTSOCK);
    assert.equal(code('ENOTSOCK'), WSA_ERRORS.WSAENOTSOCK);
    assert.equal(code('ENOTCONN'), WSA_ERRORS.WSAENOTCONN);
    assert.equal(code('EAGAIN'), WSA_ERRORS.WSAEWOULDBLOCK);
    assert.equal(code('EINPROGRESS'), WSA_ERRORS.WSAEWOULDBLOCK);
    assert.equal(code('ECONNRESET'), WSA_ERRORS.WSAECONNRESET);
    assert.equal(code('EPIPE'), WSA_ERRORS.WSAESHUTDOWN);
    assert.equal(code('ENOPROTOOPT'), WSA_ERRORS.WSAENOPROTOOPT);
    assert.equal(wsaCodeForErrno(0, HOST_ERRNO), 0, 'no error is no error');
    assert.equal(code('EROFS'), WSA_ERRORS[UNMAPPED_ERRNO], 'an errno the table does not name');
  });

  it('names only errno values this host has (a misspelt name would never match)', { skip: process.platform !== 'linux' }, () => {
    for (const name of Object.keys(ERRNO_TO_WSA)) assert.ok(HOST_ERRNO[name] !== undefined, name);
  });

  it("translates what differs and keeps what is shared: address families, recv flags, shutdown's how", () => {
    assert.equal(linuxFamily(AF_INET), 2);
    assert.equal(linuxFamily(AF_INET6), 10);
    assert.equal(linuxFamily(AF_DECNET), null);
    assert.equal(winsockFamily(10), AF_INET6);
    assert.equal(winsockFamily(1), null);
    assert.equal(linuxRecvFlags(0), 0);
    assert.equal(linuxRecvFlags(MSG_PEEK), LINUX.MSG_PEEK);
    assert.equal(linuxRecvFlags(MSG_OOB | MSG_WAITALL), LINUX.MSG_OOB | LINUX.MSG_WAITALL);
    assert.equal(linuxRecvFlags(0x4), null, "Winsock's MSG_DONTROUTE has no recv counterpart");
    assert.deepEqual([SD_RECEIVE, SD_SEND, SD_BOTH], [LINUX.SHUT_RD, LINUX.SHUT_WR, LINUX.SHUT_RDWR]);
  });

  it('is the table docs/interpreting.md prints, row for row, with every errno it maps', () => {
    const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'interpreting.md'), 'utf8');
    for (const op of POSIX_OPS) assert.ok(docs.includes(`| \`${op}\` | \`${POSIX_CALLS[op].posix}\` |`), `${op} -> ${POSIX_CALLS[op].posix}`);
    for (const op of Object.keys(NO_POSIX_COUNTERPART)) assert.ok(docs.includes(`| \`${op}\` | N/A |`), `${op} N/A`);
    // One line per WSA code: `- `EAGAIN`, `EWOULDBLOCK`, `EINPROGRESS` → `WSAEWOULDBLOCK``.
    for (const [errno, wsa] of Object.entries(ERRNO_TO_WSA)) assert.match(docs, new RegExp(`^- [^\\n]*\`${errno}\`[^\\n]* → \`${wsa}\`$`, 'm'), errno);
  });
});

describe('the POSIX executor, in this process', { skip: process.platform !== 'linux' }, () => {
  const executor = (): PosixExecutor => new PosixExecutor(bindLibc(koffi));
  const BOUND_MS = 2000;

  function returned(outcome: CallOutcome): Returned {
    assert.equal(outcome.status, 'returned', JSON.stringify(outcome));
    return outcome as Returned;
  }

  async function socket(ex: PosixExecutor): Promise<string> {
    const made = returned(await ex.execute({ op: 'socket', af: AF_INET, type: SOCK_STREAM, protocol: IPPROTO_TCP }, BOUND_MS));
    assert.equal(made.ret, 0);
    return made.out.handle ?? '';
  }

  const call = async (ex: PosixExecutor, c: Call): Promise<Returned> => returned(await ex.execute(c, BOUND_MS));

  it('WSARecvDisconnect is shutdown(SHUT_RD): ENOTCONN on an unconnected socket, as WSAENOTCONN; a buffer comes back as given', async () => {
    const ex = executor();
    const s = await socket(ex);
    const bare = await call(ex, { op: 'WSARecvDisconnect', s, buffer: null });
    assert.deepEqual([bare.ret, bare.error, bare.out], [SOCKET_ERROR, WSA_ERRORS.WSAENOTCONN, {}]);
    const withBuffer = await call(ex, { op: 'WSARecvDisconnect', s, buffer: 16 });
    assert.equal(withBuffer.error, WSA_ERRORS.WSAENOTCONN);
    assert.deepEqual(withBuffer.out, { bufferLength: 16, data: Buffer.alloc(16, DISCONNECT_BUFFER_FILL).toString('hex') });
    assert.deepEqual(ex.release(), [s]);
  });

  it('a pipe, a closed descriptor and a value no descriptor can have are all WSAENOTSOCK', async () => {
    const ex = executor();
    const pipe = await call(ex, { op: 'createNonSocketHandle' });
    assert.equal(pipe.ret, 0);
    const onPipe = await call(ex, { op: 'WSARecvDisconnect', s: pipe.out.handle ?? '', buffer: null });
    assert.equal(onPipe.error, WSA_ERRORS.WSAENOTSOCK);
    const s = await socket(ex);
    assert.equal((await call(ex, { op: 'closesocket', s })).ret, 0);
    assert.equal((await call(ex, { op: 'WSARecvDisconnect', s, buffer: null })).error, WSA_ERRORS.WSAENOTSOCK);
    assert.equal((await call(ex, { op: 'getSocketType', s: '0x80000000' })).error, WSA_ERRORS.WSAENOTSOCK);
    // Both ends of the pipe are closed at release; the closed socket is not closed twice.
    assert.equal(ex.release().length, 2);
  });

  it('the layer refuses by itself what POSIX cannot carry: another address family, another recv flag', async () => {
    const ex = executor();
    assert.equal((await call(ex, { op: 'socket', af: AF_DECNET, type: SOCK_STREAM, protocol: 0 })).error, WSA_ERRORS.WSAEAFNOSUPPORT);
    const s = await socket(ex);
    assert.equal((await call(ex, { op: 'recv', s, len: 8, flags: 0x4 })).error, WSA_ERRORS.WSAEOPNOTSUPP);
    ex.release();
  });

  it('a connection on loopback: the endpoints, SO_TYPE, FIONREAD, and a receive blocked past its bound is woken and reported blocked', async () => {
    const ex = executor();
    const listener = await socket(ex);
    assert.equal((await call(ex, { op: 'bind', s: listener, to: { address: '127.0.0.1', port: 0 } })).ret, 0);
    assert.equal((await call(ex, { op: 'listen', s: listener, backlog: 1 })).ret, 0);
    const at = (await call(ex, { op: 'getsockname', s: listener })).out.endpoint;
    assert.equal(at?.address, '127.0.0.1');
    const client = await socket(ex);
    assert.equal((await call(ex, { op: 'connect', s: client, to: at ?? { address: '', port: 0 } })).ret, 0);
    const accepted = await call(ex, { op: 'accept', s: listener });
    const server = accepted.out.handle ?? '';
    assert.deepEqual((await call(ex, { op: 'getpeername', s: server })).out.endpoint, (await call(ex, { op: 'getsockname', s: client })).out.endpoint);
    assert.equal((await call(ex, { op: 'getSocketType', s: server })).out.value, SOCK_STREAM);
    assert.equal((await call(ex, { op: 'send', s: client, data: '616263' })).ret, 3);
    const peeked = await call(ex, { op: 'recv', s: server, len: 3, flags: MSG_PEEK });
    assert.deepEqual([peeked.ret, peeked.out.data], [3, '616263']);
    assert.equal((await call(ex, { op: 'FIONREAD', s: server })).out.value, 3);
    const got = await call(ex, { op: 'WSARecv', s: server, len: 8 });
    assert.deepEqual([got.ret, got.out.data], [0, '616263']);

    const t0 = performance.now();
    const blocked = await ex.execute({ op: 'recv', s: server, len: 8, flags: 0 }, 150);
    const tookMs = performance.now() - t0;
    assert.deepEqual(blocked, { status: 'blocked', boundMs: 150 });
    assert.ok(tookMs >= 145 && tookMs < 1500, `${tookMs} ms`);
    // Woken by shutdown and closed: the client reads the end of the stream, and release no longer has it.
    const end = await call(ex, { op: 'recv', s: client, len: 8, flags: 0 });
    assert.deepEqual([end.ret, end.out.data], [0, '']);
    assert.deepEqual(ex.release().sort(), [client, listener].sort());
  });

  it('an op the table declares N/A is no call of the agent', async () => {
    await assert.rejects(executor().execute({ op: 'WSAEnumProtocols' }, BOUND_MS), BadCall);
  });
});

describe('what the table keeps by construction', () => {
  it("names requirements of the catalogue, each with its reason; any other requirement is the host's to keep", () => {
    const ids = new Set(functionCatalogue('WSARecvDisconnect').requirements.map((r) => r.id));
    const kept = [...ids].filter((id) => keptByTheTable(id) !== null).sort();
    assert.deepEqual(kept, ['remarks.disconnect-data-needs-xp1', 'remarks.equivalent-to-shutdown-receive']);
    assert.match(keptByTheTable('remarks.equivalent-to-shutdown-receive') ?? '', /shutdown\(fd, SHUT_RD\)/);
    assert.equal(keptByTheTable('remarks.receives-disallowed'), null);
    assert.equal(keptByTheTable('no.such-requirement'), null);
  });
});
