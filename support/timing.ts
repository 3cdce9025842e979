// Whether a call blocked, judged on the controller's clock. The World times every call's round trip on
// Testbed.now() (the controller's wall clock for an agent, the virtual clock on the simulator) and logs it
// beside the backend's own report (elapsedMs). A check of "returns without blocking within T" rests on the
// round trip: the agent's word is recorded, and checked for consistency with the clock, but a call that
// answers late has blocked whatever the agent says. See docs/interpreting.md, "Timing".
import type { CallOutcome } from '../src/core/ports';
import { AgentFailure } from '../src/core/outcomes';
import type { ConformanceWorld } from './world';

/** One call as the World logged it: its outcome and its round trip on the controller's clock. */
export interface TimedCall {
  outcome: CallOutcome;
  roundTripMs: number;
}

/** Trivial calls timed to measure the round-trip floor: the cost of asking anything at all. */
const FLOOR_SAMPLES = 3;

/**
 * How far two readings of one host's time may disagree: the agent and the controller read different
 * clocks (Windows' QueryPerformanceCounter, Node's hrtime), which may run apart by a slewing rate.
 */
function clockSlackMs(ms: number): number {
  return 1 + ms / 100;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

/**
 * The round-trip floor: the longest round trip of a few calls that do nothing that could block
 * (getsockopt(SO_TYPE) on `handle`; a handle that is no longer a socket answers as fast). What a call takes
 * beyond it is the call's own time, as the controller's clock sees it.
 */
export async function measureRoundTripFloor(world: ConformanceWorld, handle: string): Promise<number> {
  let floor = 0;
  for (let i = 0; i < FLOOR_SAMPLES; i += 1) {
    await world.call({ op: 'getSocketType', s: handle });
    floor = Math.max(floor, world.lastCall().roundTripMs);
  }
  return floor;
}

export interface BlockingJudgement {
  /** The agent reported the call still blocked at its bound. */
  reportedBlocked: boolean;
  /** The controller's clock: the round trip exceeded the floor by more than the bound. */
  clockSaysBlocked: boolean;
  /** The numbers, for the verdict's evidence line. */
  evidence: string;
}

/**
 * Judge one timed call against "returns within `withinMs`", given the round-trip floor. The agent's own
 * timing must agree with the clock (it ran inside the round trip, so cannot be longer); an agent that says
 * otherwise is not believed at all, and the scenario is BROKEN (AgentFailure), never a verdict.
 */
export function judgeBlocking(timed: TimedCall, floorMs: number, withinMs: number): BlockingJudgement {
  const { outcome, roundTripMs } = timed;
  const overMs = roundTripMs - floorMs;
  const clockSaysBlocked = overMs > withinMs;
  const clock = `round trip ${ms(roundTripMs)} on the controller's clock, ${ms(overMs)} beyond the ${ms(floorMs)} round trip of a trivial call (bound ${withinMs} ms)`;
  if (outcome.status === 'blocked') {
    if (roundTripMs + clockSlackMs(outcome.boundMs) < outcome.boundMs) {
      throw new AgentFailure(
        `the agent reported the call still blocked after ${outcome.boundMs} ms, but answered ${ms(roundTripMs)} after it was asked, on the controller's clock`,
        JSON.stringify(timed),
      );
    }
    return { reportedBlocked: true, clockSaysBlocked, evidence: `still blocked after ${outcome.boundMs} ms, by the agent's word; ${clock}` };
  }
  if (outcome.elapsedMs > roundTripMs + clockSlackMs(roundTripMs)) {
    throw new AgentFailure(
      `the agent timed the call at ${ms(outcome.elapsedMs)}, longer than its whole round trip of ${ms(roundTripMs)} on the controller's clock`,
      JSON.stringify(timed),
    );
  }
  return { reportedBlocked: false, clockSaysBlocked, evidence: `returned; ${clock}; the agent timed the call at ${ms(outcome.elapsedMs)}` };
}
