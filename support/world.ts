// The World: one scenario's state and the only way steps reach a backend. It logs every call with its
// return value, WSA code and timing (attached to the scenario as evidence), and names the sockets a
// scenario talks about ("the socket", "the peer") so that steps stay short and backend-neutral.
import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import type {
  Call,
  CallOutcome,
  Endpoint,
  Handle,
  PeerDatagramSocket,
  PeerEvent,
  PeerListener,
  PeerStream,
  PeerWatch,
  ProtocolInfo,
  Returned,
  Testbed,
  WinsockProcess,
} from '../src/core/ports';
import { CallTimeout } from '../src/core/outcomes';
import { SOCKET_ERROR, wsaErrorName } from '../src/core/winsock';

export interface WorldParameters {
  backend: string;
  backendOptions?: Record<string, string>;
  /** Where Allure results go, when the run writes reports (set by the CLI). */
  allureResults?: string;
}

/** Bound for calls expected to return promptly; a call still blocked after it ends the scenario as TIMEOUT. */
export const CALL_BOUND_MS = 2000;

/** A socket the scenario talks about, with the peer at the other end when there is one. */
export interface Subject {
  handle: Handle;
  protocol: ProtocolInfo | null;
  peer: PeerStream | null;
  /** Its local address, where the situation learnt it while building the socket. */
  local?: Endpoint;
  /** A peer datagram socket aimed at this socket, where a comparison sends it datagrams. */
  datagramPeer?: PeerDatagramSocket;
}

export interface CallLogEntry {
  process: 'main' | 'probe';
  /** The call, with byte strings longer than LOGGED_DATA_BYTES shortened to their length and first bytes. */
  call: Call;
  outcome: CallOutcome;
  /**
   * The call's round trip on the controller's clock (Testbed.now: wall time for an agent, virtual time on
   * the simulator), from before the request to the answer: the call's time plus the cost of asking. The
   * outcome's elapsedMs is the backend's own word; timing checks rest on this (support/timing.ts).
   */
  roundTripMs: number;
  /** The same, in one packetdrill-like line: call, return, error, the backend's timing, outputs, the round trip. */
  line: string;
}

/** Byte strings (hex) a call log keeps whole; longer ones (a send that fills a buffer) are shortened. */
const LOGGED_DATA_BYTES = 32;

function loggedCall(call: Call): Call {
  if (!('data' in call) || call.data.length <= 2 * LOGGED_DATA_BYTES) return call;
  return { ...call, data: `${call.data.slice(0, 2 * LOGGED_DATA_BYTES)}... (${call.data.length / 2} bytes)` };
}

/**
 * What a call gave back: its return value and WSA code, without its timing, so that a deviation reads the
 * same from run to run (an expectation records it as it is; the call log has the timings).
 */
export function describeOutcome(outcome: CallOutcome): string {
  if (outcome.status === 'blocked') return `still blocked after ${outcome.boundMs} ms`;
  const ret = outcome.ret === SOCKET_ERROR ? 'SOCKET_ERROR' : String(outcome.ret);
  const error = outcome.error === 0 ? '' : ` ${wsaErrorName(outcome.error)} (${outcome.error})`;
  return `= ${ret}${error}`;
}

/**
 * The call log's line for a call: what it returned, the backend's own timing of it in angle brackets, what
 * it handed back in braces, and its round trip on the controller's clock.
 */
function logLine(call: Call, outcome: CallOutcome, roundTripMs: number): string {
  const timing = outcome.status === 'returned' ? ` <${outcome.elapsedMs.toFixed(1)} ms>` : '';
  return `${describeCall(call)} ${describeOutcome(outcome)}${timing}${describeOutputs(outcome)} (round trip ${roundTripMs.toFixed(1)} ms)`;
}

/** What a call handed back besides its return value, for the call log's line: `{value 7}`. */
function describeOutputs(outcome: CallOutcome): string {
  if (outcome.status !== 'returned') return '';
  const { handle, value, bufferLength, data, endpoint, protocols } = outcome.out;
  const parts = [
    handle === undefined ? '' : `handle ${handle}`,
    value === undefined ? '' : `value ${value}`,
    bufferLength === undefined ? '' : `WSABUF.len ${bufferLength}`,
    data === undefined ? '' : `${data.length / 2} byte${data.length === 2 ? '' : 's'} of data`,
    endpoint === undefined ? '' : `${endpoint.address}:${endpoint.port}`,
    protocols === undefined ? '' : `${protocols.length} protocols`,
  ].filter(Boolean);
  return parts.length > 0 ? ` {${parts.join(', ')}}` : '';
}

function describeCall(call: Call): string {
  const { op, ...args } = call;
  const shown = Object.entries(args).map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  return `${op}(${shown.join(', ')})`;
}

export class ConformanceWorld extends World<WorldParameters> {
  testbed!: Testbed;
  process!: WinsockProcess;
  processKind: 'main' | 'probe' = 'main';
  /** Processes to release when the scenario ends. */
  readonly processes: WinsockProcess[] = [];
  subject: Subject | null = null;
  /** Further sockets a scenario sets up (controls, comparisons), released with the rest. */
  readonly others: Subject[] = [];
  /** Two sockets in the same situation, for comparing two calls. */
  pair: Subject[] = [];
  /** The outcomes of the two calls a comparison made on the pair (WSARecvDisconnect, then shutdown). */
  compared: CallOutcome[] = [];
  /** The peer's datagram socket aimed at the subject, when the scenario has one. */
  peerDatagram: PeerDatagramSocket | null = null;
  /** What absence checks still forbid their peers to see after their windows (support/observe.ts). */
  readonly forbidden = new Map<PeerWatch, { kinds: readonly PeerEvent['kind'][] | 'any'; window: string }>();
  /** What the peers saw that no step read, kept as the scenario's evidence. */
  readonly unread: PeerEvent[] = [];
  /** The subject's own and its peer's endpoints before the call, as getsockname, getpeername and the peer agreed on them. */
  names: { local: Endpoint; remote: Endpoint } | null = null;
  /** A peer listener the subject was asked to connect to during the scenario. */
  listener: PeerListener | null = null;
  /** The last check of "returns without blocking": its bound and round-trip floor, which its control reuses. */
  blockingCheck: { withinMs: number; floorMs: number } | null = null;
  /** Time spent waiting out windows and call bounds: what a real backend cannot make faster. */
  waitedMs = 0;
  readonly calls: CallLogEntry[] = [];

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options);
  }

  /** Run a call and record it, with its round trip on the controller's clock; the outcome may be 'blocked'. */
  async attempt(call: Call, boundMs: number = CALL_BOUND_MS): Promise<CallOutcome> {
    const asked = this.testbed.now();
    const outcome = await this.process.call(call, boundMs);
    const roundTripMs = this.testbed.now() - asked;
    if (outcome.status === 'blocked') this.waitedMs += boundMs;
    const logged = loggedCall(call);
    this.calls.push({ process: this.processKind, call: logged, outcome, roundTripMs, line: logLine(logged, outcome, roundTripMs) });
    return outcome;
  }

  /** Run a call that must return within its bound; one that does not ends the scenario as TIMEOUT. */
  async call(call: Call, boundMs: number = CALL_BOUND_MS): Promise<Returned> {
    const outcome = await this.attempt(call, boundMs);
    if (outcome.status === 'blocked') throw new CallTimeout(`${describeCall(call)} had not returned after ${boundMs} ms`);
    return outcome;
  }

  /** The outcome of the scenario's last call of `op`, if it made one. */
  lastOutcomeOf(op: Call['op']): CallOutcome | null {
    for (let i = this.calls.length - 1; i >= 0; i -= 1) if (this.calls[i]?.call.op === op) return this.calls[i]?.outcome ?? null;
    return null;
  }

  /** The last call's outcome, for Then steps. */
  lastOutcome(): CallOutcome {
    return this.lastCall().outcome;
  }

  /** The last call as logged, with its round trip on the controller's clock. */
  lastCall(): CallLogEntry {
    const entry = this.calls.at(-1);
    if (!entry) throw new Error('no call has been made yet in this scenario');
    return entry;
  }

  requireSubject(): Subject {
    if (!this.subject) throw new Error('the scenario has not set up a socket yet');
    return this.subject;
  }

  requirePeer(): PeerStream {
    const peer = this.requireSubject().peer;
    if (!peer) throw new Error('the socket has no peer in this scenario');
    return peer;
  }
}

setWorldConstructor(ConformanceWorld);
