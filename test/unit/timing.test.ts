// Judging "returns without blocking" on the controller's clock (support/timing.ts): the round trip beyond
// the floor decides, the agent's own timing is never believed against it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeBlocking } from '../../support/timing';
import { AgentFailure } from '../../src/core/outcomes';
import type { CallOutcome } from '../../src/core/ports';

const returned = (elapsedMs: number): CallOutcome => ({ status: 'returned', ret: 0, error: 0, elapsedMs, out: {} });
const blocked = (boundMs: number): CallOutcome => ({ status: 'blocked', boundMs });

describe('judging a call for blocking', () => {
  it('passes a call whose round trip beyond the floor is within the bound', () => {
    const judged = judgeBlocking({ outcome: returned(0.4), roundTripMs: 180 }, 5, 200);
    assert.deepEqual([judged.reportedBlocked, judged.clockSaysBlocked], [false, false]);
  });

  it('finds blocked a call that answers late, whatever the agent says it took', () => {
    const judged = judgeBlocking({ outcome: returned(0), roundTripMs: 2000 }, 1, 200);
    assert.deepEqual([judged.reportedBlocked, judged.clockSaysBlocked], [false, true]);
    assert.match(judged.evidence, /round trip 2000\.0 ms .* the agent timed the call at 0\.0 ms/);
  });

  it('counts only what lies beyond the floor', () => {
    assert.equal(judgeBlocking({ outcome: returned(1), roundTripMs: 250 }, 60, 200).clockSaysBlocked, false);
    assert.equal(judgeBlocking({ outcome: returned(1), roundTripMs: 250 }, 40, 200).clockSaysBlocked, true);
  });

  it("takes the agent's word that a call was still blocked, when the clock agrees", () => {
    const judged = judgeBlocking({ outcome: blocked(400), roundTripMs: 401 }, 1, 200);
    assert.deepEqual([judged.reportedBlocked, judged.clockSaysBlocked], [true, true]);
  });

  it('does not believe an agent whose timing the clock contradicts', () => {
    assert.throws(() => judgeBlocking({ outcome: returned(500), roundTripMs: 20 }, 1, 200), AgentFailure);
    assert.throws(() => judgeBlocking({ outcome: blocked(2000), roundTripMs: 30 }, 1, 200), AgentFailure);
  });

  it('allows the two clocks a slack of 1 ms plus 1 %', () => {
    assert.doesNotThrow(() => judgeBlocking({ outcome: returned(10.5), roundTripMs: 10 }, 0, 200));
    assert.doesNotThrow(() => judgeBlocking({ outcome: blocked(400), roundTripMs: 396 }, 0, 200));
  });
});
