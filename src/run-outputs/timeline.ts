// One scenario's timeline, which its call log and wire log share: every call and every mark (an
// observation window, the teardown) in the order the scenario made them, each at a time on the testbed's
// clock in ms since the scenario's capture began, so that both logs give their times from the call under
// test and the wire log can put its packets among them.
import type { Call, CallOutcome } from '../core/ports';

export interface CallLogEntry {
  process: 'main' | 'probe';
  /** The call, with byte strings longer than LOGGED_DATA_BYTES shortened to their first bytes and length. */
  call: Call;
  outcome: CallOutcome;
  /**
   * The call's round trip on the controller's clock (Testbed.now: wall time for an agent, virtual time on
   * the simulator), from before the request to the answer: the call's time plus the cost of asking. The
   * outcome's elapsedMs is the backend's own word; timing checks rest on this (support/timing.ts).
   */
  roundTripMs: number;
  /** When it was asked, in ms since the scenario's capture began, on the same clock. */
  at: number;
  /** The same, in one strace-like line: call, return, error, the backend's timing, outputs, the round trip. */
  line: string;
}

/** A moment of the scenario's timeline. */
export interface Moment {
  /** In ms since the scenario's capture began, on the testbed's clock. */
  at: number;
  /** How many of the scenario's packets came before it, where the wire tells (Wire.packetsSoFar). */
  packetsBefore?: number;
}

/**
 * What the scenario did, in the order it did it: its calls (with the call and what it returned, without
 * timings, as `text`), and marks that explain what the wire shows (an observation window opening and
 * closing, the teardown).
 */
export type TimelineEvent = Moment & ({ call: CallLogEntry; text: string } | { mark: string });

/** The call the scenario is about: its first WSARecvDisconnect, if it made one. */
export function callUnderTest(calls: readonly CallLogEntry[]): CallLogEntry | null {
  return calls.find((c) => c.call.op === 'WSARecvDisconnect' || c.call.op === 'WSARecvDisconnectInBlockingHook') ?? null;
}

/** Seconds from `anchorMs` to `ms`, to the millisecond, right-aligned: ` 0.012`, `-0.004`. */
export function timeColumn(ms: number, anchorMs: number): string {
  const seconds = Math.round(ms - anchorMs) / 1000;
  // -0.000 would read as before the call.
  const text = (Object.is(seconds, -0) ? 0 : seconds).toFixed(3);
  return text.padStart(7);
}

/** The time every time of the scenario's logs counts from: its call under test, else the capture's start. */
export function anchorMs(calls: readonly CallLogEntry[]): number {
  return callUnderTest(calls)?.at ?? 0;
}
