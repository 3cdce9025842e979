// The socket situations scenarios start from, built through ordinary Winsock calls and the peer. A
// failure while building one is the harness's (BROKEN), not the implementation's: it is not the rule
// under test. The step vocabulary registers a Given for each; comparisons reuse the same builders.
import type { Endpoint, Handle, PeerDatagramSocket, ProtocolInfo, Returned } from '../src/core/ports';
import { NotApplicable } from '../src/core/outcomes';
import {
  AF_INET,
  AF_INET6,
  BASE_PROTOCOL,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NATIVE_TCPIP_PROVIDER_IDS,
  MSG_PEEK,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOCKET_ERROR,
  WSA_ERRORS,
  XP1_CONNECTIONLESS,
  XP1_DISCONNECT_DATA,
  wsaErrorName,
} from '../src/core/winsock';
import type { ConformanceWorld, Subject } from './world';
import { describeOutcome } from '../src/run-outputs/call-log';

// What socket() is asked for: the address family, type and protocol. Which provider answers, with which
// flags, is the backend's to say (WSAEnumProtocols, getsockopt SO_PROTOCOL_INFOW); these leave them blank.
export const TCP: ProtocolInfo = {
  name: 'TCP/IP',
  af: AF_INET,
  type: SOCK_STREAM,
  protocol: IPPROTO_TCP,
  serviceFlags1: 0,
  chainLen: BASE_PROTOCOL,
  providerId: '',
};
export const UDP: ProtocolInfo = {
  name: 'UDP/IP',
  af: AF_INET,
  type: SOCK_DGRAM,
  protocol: IPPROTO_UDP,
  serviceFlags1: 0,
  chainLen: BASE_PROTOCOL,
  providerId: '',
};

/** How long the peer may take to see a connection or data before the harness gives up. */
export const SETUP_WINDOW_MS = 2000;

export async function expectSuccess(what: string, call: Promise<{ ret: number; error: number }>): Promise<void> {
  const outcome = await call;
  if (outcome.ret === SOCKET_ERROR) throw new Error(`setting up: ${what} failed with ${wsaErrorName(outcome.error)}`);
}

export async function openSocket(world: ConformanceWorld, protocol: ProtocolInfo): Promise<Handle> {
  const created = await world.call({ op: 'socket', af: protocol.af, type: protocol.type, protocol: protocol.protocol });
  if (created.ret === SOCKET_ERROR || !created.out.handle)
    throw new Error(`setting up: socket() for ${protocol.name} failed with ${wsaErrorName(created.error)}`);
  return created.out.handle;
}

/** A socket connected to a peer listener; `bindFirst` binds it explicitly to port 0 of its host's address (Testbed.hostAddress) before it connects. */
export async function connectedSocket(world: ConformanceWorld, protocol: ProtocolInfo = TCP, bindFirst = false): Promise<Subject> {
  const listener = await world.testbed.peer.listen(protocol);
  const handle = bindFirst ? (await boundSocket(world, protocol)).handle : await openSocket(world, protocol);
  await expectSuccess(`connect() to the peer at port ${listener.endpoint.port}`, world.call({ op: 'connect', s: handle, to: listener.endpoint }));
  const peer = await listener.accept(SETUP_WINDOW_MS);
  return { handle, protocol, peer };
}

/** Have the peer send `bytes` and wait (an event, not a sleep) until the socket holds them all. */
export async function queueBytes(world: ConformanceWorld, subject: Subject, bytes: number): Promise<void> {
  if (!subject.peer) throw new Error('setting up: the socket has no peer to send data');
  await subject.peer.send(Buffer.alloc(bytes, 0x61).toString('hex'));
  const peeked = await world.call({ op: 'recv', s: subject.handle, len: bytes, flags: MSG_PEEK }, SETUP_WINDOW_MS);
  const queued = await world.call({ op: 'FIONREAD', s: subject.handle });
  if (peeked.ret !== bytes || queued.out.value !== bytes) {
    throw new Error(`setting up: expected ${bytes} bytes queued, recv(MSG_PEEK) gave ${peeked.ret} and FIONREAD ${String(queued.out.value)}`);
  }
}

/** What one send offers while filling the send side (hex doubles it: well inside the agent's 1 MiB line). */
const FILL_CHUNK_BYTES = 256 * 1024;
/** Far beyond any stack's send and receive buffers on loopback: a send side that takes more never fills. */
const FILL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Leave data unsent on a connected socket whose peer has stopped reading: the peer's window closes, and
 * non-blocking sends go on until the socket's send buffer is full too (WSAEWOULDBLOCK). The socket is then
 * made blocking again, so that a call that would wait for the data can wait. Returns the bytes the sends
 * took, for the peer to count once it reads again.
 */
export async function fillSendSide(world: ConformanceWorld, s: Handle): Promise<number> {
  await expectSuccess('ioctlsocket(FIONBIO) to make the socket non-blocking', world.call({ op: 'FIONBIO', s, nonBlocking: 1 }));
  const chunk = Buffer.alloc(FILL_CHUNK_BYTES, 0x66).toString('hex');
  let sent = 0;
  for (;;) {
    const outcome = await world.call({ op: 'send', s, data: chunk });
    if (outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS.WSAEWOULDBLOCK) break;
    if (outcome.ret === SOCKET_ERROR) throw new Error(`setting up: send failed with ${wsaErrorName(outcome.error)} after ${sent} bytes`);
    sent += outcome.ret;
    if (sent > FILL_LIMIT_BYTES) throw new Error(`setting up: the socket took ${sent} bytes without its send side filling up`);
  }
  if (sent === 0) throw new Error('setting up: the first send already failed with WSAEWOULDBLOCK, so no data of this scenario waits unsent');
  await expectSuccess('ioctlsocket(FIONBIO) to make the socket blocking again', world.call({ op: 'FIONBIO', s, nonBlocking: 0 }));
  return sent;
}

export async function boundSocket(world: ConformanceWorld, protocol: ProtocolInfo): Promise<Subject> {
  const handle = await openSocket(world, protocol);
  // The address the peer reaches the implementation's host at: 127.0.0.1 when they share a host, the
  // agent host's own address when it is another (a socket bound to its loopback is out of the peer's reach).
  const address = world.testbed.hostAddress();
  await expectSuccess(`bind() to ${address} port 0`, world.call({ op: 'bind', s: handle, to: { address, port: 0 } }));
  return { handle, protocol, peer: null };
}

export async function localEndpoint(world: ConformanceWorld, handle: Handle): Promise<Endpoint> {
  const named = await world.call({ op: 'getsockname', s: handle });
  if (named.ret !== 0 || !named.out.endpoint) throw new Error(`setting up: getsockname() failed with ${wsaErrorName(named.error)}`);
  return named.out.endpoint;
}

/**
 * A UDP port of the implementation's host where nothing listens: one a socket of its was bound to, then
 * closed. A datagram there draws its ICMP error from that host, as one after the call would, along the same
 * path to the peer (across the link, when the implementation is on another host).
 */
export async function unusedDatagramPortOfTheHost(world: ConformanceWorld): Promise<Endpoint> {
  const socket = await boundSocket(world, UDP);
  const endpoint = await localEndpoint(world, socket.handle);
  await expectSuccess('closesocket() of the socket whose port is to be unused', world.call({ op: 'closesocket', s: socket.handle }));
  return endpoint;
}

/** A peer datagram socket connected to `to`, so that an ICMP error for the flow reaches it (an icmp-error event). */
export async function peerDatagramTo(world: ConformanceWorld, to: Endpoint): Promise<PeerDatagramSocket> {
  const socket = await world.testbed.peer.openDatagramSocket();
  await socket.connect(to);
  return socket;
}

/**
 * Wait until datagrams the peer already sent to the subject have been delivered: send a marker datagram to a
 * second socket of the backend along the same path and block until it arrives.
 */
export async function settleDatagrams(world: ConformanceWorld, withinMs: number): Promise<void> {
  const sentinel = await boundSocket(world, UDP);
  world.others.push(sentinel);
  const marker = await peerDatagramTo(world, await localEndpoint(world, sentinel.handle));
  await marker.send('2e');
  const arrived = await world.attempt({ op: 'recv', s: sentinel.handle, len: 1, flags: 0 }, withinMs);
  if (arrived.status !== 'returned' || arrived.ret !== 1) throw new Error(`setting up: the marker datagram did not arrive within ${withinMs} ms`);
}

export async function listProtocols(world: ConformanceWorld): Promise<ProtocolInfo[]> {
  const listed = await world.call({ op: 'WSAEnumProtocols' });
  if (listed.ret === SOCKET_ERROR || !listed.out.protocols) throw new Error(`setting up: WSAEnumProtocols failed with ${wsaErrorName(listed.error)}`);
  return listed.out.protocols;
}

/**
 * An entry of Windows' own implementation of TCP/IP, the MSAFD Tcpip provider: named by its ProviderId, the
 * one field Windows and Wine give it alike (their szProtocol differ: "MSAFD Tcpip [TCP/IP]", "TCP/IP"). A
 * layered provider over it, or another vendor's TCP/IP, has a GUID of its own.
 */
export function isNativeTcpIp(p: ProtocolInfo): boolean {
  return Object.values<string>(NATIVE_TCPIP_PROVIDER_IDS).includes(p.providerId);
}

export function isTcpIp(p: ProtocolInfo): boolean {
  return (p.af === AF_INET || p.af === AF_INET6) && (p.protocol === IPPROTO_TCP || p.protocol === IPPROTO_UDP);
}

function isConnectionOriented(p: ProtocolInfo): boolean {
  return (p.serviceFlags1 & XP1_CONNECTIONLESS) === 0;
}

/** A connection-oriented protocol the backend lists and the peer speaks, or N/A with the reason. */
export async function findProtocol(world: ConformanceWorld, description: string, wanted: (p: ProtocolInfo) => boolean): Promise<ProtocolInfo> {
  const candidates = (await listProtocols(world)).filter((p) => isConnectionOriented(p) && wanted(p));
  if (candidates.length === 0) throw new NotApplicable(`WSAEnumProtocols lists no ${description}`);
  const spoken = candidates.find((p) => world.testbed.peer.speaks(p));
  if (!spoken) throw new NotApplicable(`the peer cannot speak any ${description} (${candidates.map((p) => p.name).join(', ')})`);
  return spoken;
}

export const carriesDisconnectData = (p: ProtocolInfo): boolean => (p.serviceFlags1 & XP1_DISCONNECT_DATA) !== 0;

/** A provider's WSAPROTOCOL_INFO in a verdict's words: its name, GUID, chain and service flags. */
export function describeProvider(p: ProtocolInfo): string {
  return `"${p.name}" (ProviderId ${p.providerId}, ChainLen ${p.chainLen}, dwServiceFlags1 0x${p.serviceFlags1.toString(16)})`;
}

/** The situations a scenario can start from, by the words the features use for them. */
export const SITUATIONS: Record<string, (world: ConformanceWorld) => Promise<Subject>> = {
  'a connected TCP socket': (world) => connectedSocket(world),
  "a TCP socket bound to port 0 of its host's address and then connected": (world) => connectedSocket(world, TCP, true),
  'a connected TCP socket with 6 bytes queued for receiving': async (world) => {
    const subject = await connectedSocket(world);
    await queueBytes(world, subject, 6);
    return subject;
  },
  'an unconnected TCP socket': async (world) => ({ handle: await openSocket(world, TCP), protocol: TCP, peer: null }),
  'a bound, unconnected TCP socket': (world) => boundSocket(world, TCP),
  'a listening TCP socket': async (world) => {
    const subject = await boundSocket(world, TCP);
    await expectSuccess('listen()', world.call({ op: 'listen', s: subject.handle, backlog: 1 }));
    return subject;
  },
  // Its address is learnt now, while it is surely a socket: a step after the call may need it.
  "a UDP socket bound to a port of its host's address": async (world) => {
    const subject = await boundSocket(world, UDP);
    return { ...subject, local: await localEndpoint(world, subject.handle) };
  },
  'a handle that is not a socket': async (world) => {
    const made = await world.call({ op: 'createNonSocketHandle' });
    if (!made.out.handle) throw new Error(`setting up: no non-socket handle could be made (${wsaErrorName(made.error)})`);
    return { handle: made.out.handle, protocol: null, peer: null };
  },
  'a socket handle that has been closed': async (world) => {
    const handle = await openSocket(world, TCP);
    await expectSuccess('closesocket()', world.call({ op: 'closesocket', s: handle }));
    return { handle, protocol: null, peer: null };
  },
};

/**
 * A call on the subject that answered WSAENOTSOCK after WSARecvDisconnect: the handle is no longer a socket.
 * That is remarks.does-not-close-socket's deviation, counted there; a scenario of another rule has nothing left
 * to judge on the socket, and is N/A with the reason rather than BROKEN.
 */
export function notApplicableIfNoLongerASocket(outcome: Returned, what: string): void {
  if (outcome.ret === SOCKET_ERROR && outcome.error === WSA_ERRORS.WSAENOTSOCK)
    throw new NotApplicable(
      `${what} ${describeOutcome(outcome)}: the handle is no longer a socket, which is remarks.does-not-close-socket's to judge; nothing is left to judge here`,
    );
}
