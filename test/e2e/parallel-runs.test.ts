// --parallel 2 gives the verdicts of a serial run: on the simulator, and on Wine, where each worker has an
// agent and a capture of its own, and a scenario's wire log still holds its own traffic only. On Wine, with
// the native agent, against npm test's serial run with it: the workers' machinery is the same for either
// agent, and the native one starts for a tenth of node.exe's CPU.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { summaryLine } from '../../src/cli/verdict-lines';
import { wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import { WIRE_LOG_MEDIA } from '../../src/core/outcomes';
import type { WirePacket } from '../../src/core/ports';
import { scratchDir } from '../scratch';
import { runCli, runHere } from './cli-process';
import { attachmentsByScenario } from './messages';
import { readRunRecord } from '../../src/verdicts/run-record';
import { sharedRun, summaryOf } from './shared-runs';
import { assertNothingLeftInPrefix } from './leftovers';

const scratch = scratchDir('parallel-runs');

/**
 * How many flows (address and port pairs, either way) each scenario's wire log holds, by scenario name.
 * Flows, not packets: a scenario that moves megabytes is cut into a number of segments that varies from
 * run to run, while the connections and datagram flows a scenario opens do not.
 */
function wireFlows(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [name, bodies] of attachmentsByScenario(dir, WIRE_LOG_MEDIA)) {
    for (const body of bodies) {
      const packets = JSON.parse(body) as WirePacket[];
      counts.set(name, new Set(packets.map((p) => [`${p.from.address}:${p.from.port}`, `${p.to.address}:${p.to.port}`].sort().join(' '))).size);
    }
  }
  return counts;
}

/** Each scenario's verdict, by its location; only the scenarios of \`locations\` when given. */
function verdictsOf(dir: string, locations?: Set<string>): Record<string, string> {
  const results = readRunRecord(dir).results.filter((r) => !locations || locations.has(r.location));
  return Object.fromEntries(results.map((r) => [r.location, r.verdict]));
}

/**
 * What the parallel Wine run runs: every kind of verdict Wine gives (PASS, XFAIL, OPTIONAL, N/A), the probe
 * process, and every rule the wire judges (its windows, its captures, the flows of each worker). The
 * machinery under test (two workers, an agent and a capture each) is the same for any number of
 * scenarios, and the serial run it is compared with runs them all; a whole second Wine run would cost
 * npm test a quarter of a minute of CPU for nothing more.
 */
const WINE_SUBSET = [
  'remarks.no-effect-on-lower-layers',
  'remarks.tcp-reset-queued-data',
  'remarks.tcp-reset-later-data',
  'remarks.udp-datagrams-queued',
  'remarks.no-icmp',
  'remarks.reuse-not-required',
  'errors.wsanotinitialised',
  'errors.wsaenoprotoopt.tcpip-optional',
  'errors.wsaenotsock',
  'errors.wsaenetdown',
]
  .map((id) => `@req:${id}`)
  .join(' or ');

/** Each backend's parallel run: its arguments, and the shared serial run it is compared with. */
const RUNS = {
  simulator: { args: ['--backend', 'simulator'], serial: 'simulator' },
  wine: { args: ['--backend', 'wine', '--backend-option', 'agent-kind=native', '--tags', WINE_SUBSET], serial: 'wine-native' },
} as const;

describe('--parallel 2 gives the verdicts of a serial run', () => {
  for (const backend of ['simulator', 'wine'] as const) {
    it(`on ${backend}`, async (t) => {
      if (backend === 'wine') assert.ok(wineSetupDone(), 'Wine is not set up: run `npm run setup` first');
      const parallelDir = path.join(scratch, `reports-${backend}-parallel`);
      const args = [...RUNS[backend].args, '--reports', parallelDir, '--parallel', '2'];
      // The Wine run in a process of its own, whose processes are seen to end; the simulator's in this one.
      const [serial, parallel] = await Promise.all([
        sharedRun(RUNS[backend].serial),
        backend === 'wine' ? runCli([...args, '--quiet']) : runHere(args).then(({ code, summary }) => ({ code, said: summaryLine(summary) })),
      ]);
      const serialDir = serial.folder;
      t.diagnostic(`${backend}: ${summaryOf(serial)}`);
      assert.equal(serial.code, 0, serial.stdout + serial.stderr);
      assert.equal(parallel.code, 0, 'pid' in parallel ? parallel.stdout + parallel.stderr : parallel.said);
      if ('pid' in parallel) {
        assert.deepEqual(serial.leftovers, [], 'processes of the serial run, or of the prefix, still running');
        assertNothingLeftInPrefix([...serial.controllers, parallel.pid, ...parallel.descendants.map((p) => p.pid)]);
        // Each worker captures all of lo; a scenario's wire log still holds its own traffic only (the
        // other worker's scenarios would add flows of their own; a late packet may add one).
        const alone = wireFlows(serialDir);
        const beside = wireFlows(parallelDir);
        assert.ok(beside.size >= 12, `wire logs in parallel: ${beside.size}`);
        for (const [scenario, flows] of beside) {
          assert.ok(alone.has(scenario), `${scenario}: a wire log in parallel, none alone`);
          assert.ok(flows <= (alone.get(scenario) ?? 0) + 1, `${scenario}: ${flows} flows in parallel, ${alone.get(scenario)} alone`);
        }
      }
      const b = verdictsOf(parallelDir);
      const a = verdictsOf(serialDir, new Set(Object.keys(b)));
      assert.ok(Object.keys(a).length > (backend === 'wine' ? 20 : 80), `the parallel run ran the scenarios it was given: ${Object.keys(b).length}`);
      assert.deepEqual(b, a);
    });
  }
});
