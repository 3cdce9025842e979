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
import { CallTimeout, ObserverBlind } from '../src/core/outcomes';
import { callLine, callText, LOGGED_DATA_BYTES, straceCall } from '../src/run-outputs/call-log';
import type { CallLogEntry, Moment, TimelineEvent } from '../src/run-outputs/timeline';

export interface WorldParameters {
  backend: string;
  backendOptions?: Record<string, string>;
  /** Where Allure results go, when the run writes reports (set by the CLI). */
  allureResults?: string;
  /** Where each scenario's pcap file goes, named after it, when the run writes reports (set by the CLI). */
  captures?: string;
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

/** The call as the call log keeps it: a byte string longer than LOGGED_DATA_BYTES (a send that fills a buffer) shortened. */
function loggedCall(call: Call): Call {
  if (!('data' in call) || call.data.length <= 2 * LOGGED_DATA_BYTES) return call;
  return { ...call, data: `${call.data.slice(0, 2 * LOGGED_DATA_BYTES)}... (${call.data.length / 2} bytes)` };
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
  /**
   * How many ICMP errors about the peer datagram socket's flow the wire showed when the no-ICMP check judged
   * it (null: not judged, or no capture), so that its control counts only those that came after.
   */
  icmpErrorsJudged: number | null = null;
  /** The last check of "returns without blocking": its bound and round-trip floor, which its control reuses. */
  blockingCheck: { withinMs: number; floorMs: number } | null = null;
  /** Time spent waiting out windows and call bounds: what a real backend cannot make faster. */
  waitedMs = 0;
  readonly calls: CallLogEntry[] = [];
  /** When the scenario's capture began, on the testbed's clock: the zero of its calls' and marks' times (null until Before has begun it). */
  startedAt: number | null = null;
  /** Its calls, observation windows and teardown, in order, for the wire log. */
  readonly timeline: TimelineEvent[] = [];

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options);
  }

  /** The deviations the scenario's checks found, in the order they found them (every check runs). */
  readonly deviations: string[] = [];

  /**
   * A check of the implementation against the rule. A miss is a deviation (FAIL, or OPTIONAL on a MAY):
   * it is recorded where it was found and the scenario goes on, so that every check of the scenario runs
   * (as Wine's todo_wine ok() does); the After hook ends the scenario with all of them.
   */
  expectRule(holds: boolean, observed: string): void {
    if (holds) return;
    this.deviations.push(observed);
    this.attach(`Deviation: ${observed}\n`, { mediaType: 'text/plain', fileName: 'deviation.txt' });
  }

  /**
   * A positive control: a miss means the observer is blind, so an absence check of the scenario proves
   * nothing, and the scenario is BROKEN. After a deviation the observer has shown what it saw: the miss is
   * then evidence beside it, not a reason to doubt it.
   */
  expectControl(holds: boolean, observed: string): void {
    if (holds) return;
    if (this.deviations.length === 0) throw new ObserverBlind(`positive control failed: ${observed}`);
    this.attach(`A positive control failed after the deviation above, which the observer saw: ${observed}\n`, {
      mediaType: 'text/plain',
      fileName: 'control.txt',
    });
  }

  /** Run a call and record it, with its round trip on the controller's clock; the outcome may be 'blocked'. */
  async attempt(call: Call, boundMs: number = CALL_BOUND_MS): Promise<CallOutcome> {
    const askedAt = this.testbed.now();
    const asked = this.moment(askedAt);
    const outcome = await this.process.call(call, boundMs);
    const roundTripMs = this.testbed.now() - askedAt;
    if (outcome.status === 'blocked') this.waitedMs += boundMs;
    const line = callLine(this.processKind, call, outcome, roundTripMs);
    const entry: CallLogEntry = { process: this.processKind, call: loggedCall(call), outcome, roundTripMs, at: asked.at, line };
    this.calls.push(entry);
    this.timeline.push({ ...asked, call: entry, text: callText(this.processKind, call, outcome) });
    return outcome;
  }

  /** Put something the scenario does on its timeline, now (an observation window, the teardown). */
  mark(what: string): void {
    this.timeline.push({ ...this.moment(this.testbed.now()), mark: what });
  }

  /** `now` on the testbed's clock, as a moment of the scenario's timeline. */
  private moment(now: number): Moment {
    return { at: now - (this.startedAt ?? now), packetsBefore: this.testbed.wire?.packetsSoFar?.() };
  }

  /** Run a call that must return within its bound; one that does not ends the scenario as TIMEOUT. */
  async call(call: Call, boundMs: number = CALL_BOUND_MS): Promise<Returned> {
    const outcome = await this.attempt(call, boundMs);
    if (outcome.status === 'blocked') throw new CallTimeout(`${straceCall(call, outcome)} had not returned after ${boundMs} ms`);
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
