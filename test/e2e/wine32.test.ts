// Wine's 32-bit ws2_32 under WoW64 (the wine32 backend: the native agent's x86 build under wine64, which hands
// it to Wine's 32-bit loader) held to its 64-bit ws2_32 (the wine-native run: the same agent's x64 build),
// scenario by scenario: the same verdicts with the same details and observations, and the same calls and
// results behind them. A difference is a result of the 32-bit column, listed in WOW64_DIFFERENCES with
// what differs (and recorded with its reason in expectations/wine32.yaml); an unlisted one fails, and so
// does a listed one that is gone. Reads npm test's shared runs; needs `npm run setup` (wine32:i386 and a
// prefix made with it), which `npm test` runs first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import { readRunRecord, type RunRecord } from '../../src/verdicts/run-record';
import { observations } from './call-logs';
import { sharedRun } from './shared-runs';

/**
 * Where the 32-bit ws2_32 does otherwise than the 64-bit one, by scenario (feature:line), with what differs.
 * None with Debian's wine 8.0~repack-4: both columns give 70 PASS, 5 XFAIL, 3 OPTIONAL, 5 N/A, scenario by scenario.
 */
const WOW64_DIFFERENCES: ReadonlyMap<string, string> = new Map();

/** Each scenario's verdict, detail and observation, by location; the backend's own name in a detail (an N/A's reason) made neutral. */
function verdictsOf(record: RunRecord): Map<string, { verdict: string; detail: string; observed: unknown }> {
  const ownName = new RegExp(`\\b${record.backend}\\b`, 'g');
  return new Map(record.results.map((r) => [r.location, { verdict: r.verdict, detail: r.detail.replace(ownName, '<backend>'), observed: r.observed }]));
}

describe("Wine's 32-bit ws2_32 under WoW64", () => {
  it('is set up', () => {
    assert.ok(wineSetupDone(undefined, { wow64: true }), "Wine's 32-bit half is not set up: run `npm run setup` first (it installs wine32:i386)");
  });

  it('is served by the x86 build of the native agent, the 64-bit column by the x64 one', async () => {
    const [x64, x86] = await Promise.all([sharedRun('wine-native'), sharedRun('wine32')]);
    const facts = { x64: readRunRecord(x64.folder).metadata, x86: readRunRecord(x86.folder).metadata };
    assert.equal(facts.x86['controller: agent program'], 'native agent (agents/native/, winsock-agent-x86.exe)');
    assert.match(facts.x86['agent: implementation'] ?? '', /native agent \(C, x86\)$/);
    assert.match(facts.x64['agent: implementation'] ?? '', /native agent \(C, x64\)$/);
    assert.equal(facts.x86['controller: the agent contradicts it'], undefined);
    assert.equal(facts.x86['controller: runs the agent under'], facts.x64['controller: runs the agent under']);
  });

  it('gives the verdicts of the 64-bit ws2_32, and the same calls and results behind them, scenario by scenario, but for the differences listed', async () => {
    const [x64, x86] = await Promise.all([sharedRun('wine-native'), sharedRun('wine32')]);
    assert.equal(x86.code, 0, x86.stdout + x86.stderr);
    assert.equal(x64.code, 0, x64.stdout + x64.stderr);
    const byX64 = verdictsOf(readRunRecord(x64.folder));
    const byX86 = verdictsOf(readRunRecord(x86.folder));
    assert.ok(byX64.size > 0);
    assert.deepEqual([...byX86.keys()].sort(), [...byX64.keys()].sort());
    const differing = [...byX64].filter(([location, v]) => !isDeepStrictEqual(byX86.get(location), v)).map(([location]) => location);
    assert.deepEqual(differing.sort(), [...WOW64_DIFFERENCES.keys()].sort(), 'the scenarios whose verdict, detail or observation differ');

    const calls = { x64: observations(x64.folder), x86: observations(x86.folder) };
    assert.equal(calls.x86.size, calls.x64.size);
    const scenarioOf = new Map(readRunRecord(x64.folder).results.map((r) => [r.name, r.location]));
    for (const [scenario, log] of calls.x64) {
      if (WOW64_DIFFERENCES.has(scenarioOf.get(scenario) ?? '')) continue;
      assert.deepEqual(calls.x86.get(scenario), log, scenario);
    }
  });
});
