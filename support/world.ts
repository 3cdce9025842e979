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
  WireMark,
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
}

export interface CallLogEntry {
  process: 'main' | 'probe';
  call: Call;
  outcome: CallOutcome;
  /** The same, in one packetdrill-like line: call, return, error. */
  line: string;
  /** Where the scenario's capture was when the call was made, where it is captured. */
  wireMark: WireMark | null;
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
 * The call log's line for a call: what it gave back (an address it returned included, from getsockname
 * or getpeername), and how long it took on the backend's clock.
 */
function logLine(call: Call, outcome: CallOutcome): string {
  if (outcome.status === 'blocked') return `${describeCall(call)} ${describeOutcome(outcome)}`;
  const endpoint = outcome.out.endpoint ? ` -> ${outcome.out.endpoint.address}:${outcome.out.endpoint.port}` : '';
  return `${describeCall(call)} ${describeOutcome(outcome)}${endpoint} <${outcome.elapsedMs.toFixed(1)} ms>`;
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
  /** What each of the pair showed afterwards (see the shutdown comparison). */
  comparison: string[] | null = null;
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
  last: CallOutcome | null = null;
  /** Time spent waiting out windows and call bounds: what a real backend cannot make faster. */
  waitedMs = 0;
  readonly calls: CallLogEntry[] = [];

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options);
  }

  /** Run a call and record it; the outcome may be 'blocked'. */
  async attempt(call: Call, boundMs: number = CALL_BOUND_MS): Promise<CallOutcome> {
    const wireMark = this.testbed.wire?.mark() ?? null;
    const outcome = await this.process.call(call, boundMs);
    if (outcome.status === 'blocked') this.waitedMs += boundMs;
    this.calls.push({ process: this.processKind, call, outcome, line: logLine(call, outcome), wireMark });
    this.last = outcome;
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
    if (!this.last) throw new Error('no call has been made yet in this scenario');
    return this.last;
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
