// The controller's own reading of the implementation's TCP/IP, from its SYN and SYN-ACK on the wire, in
// npm test's whole runs (test/e2e/shared-runs.ts): the Wine runs (on this host, and on another one, a network
// namespace captured on the link to it) show Linux's stack, the host's, while their agents say Windows under
// Wine, which every output names as Wine running on the host's TCP/IP, not as a lie; the POSIX column shows
// Linux and names nothing. (The lying agent, whose claim the wire contradicts, is lying-agent.test.ts's.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseProperties } from '../../src/report/sources';
import { CONTRADICTION_FACT, namedFacts, WINE_WIRE_FACT, WIRE_FINGERPRINT_FACT, WIRE_STACK_FACT } from '../../src/testbeds/agent-controller/facts';
import { readRunRecord } from '../../src/verdicts/run-record';
import { captureMissing, hasPrerequisite, namespaceMissing } from '../prerequisites';
import { sharedRun, type SharedRunName } from './shared-runs';

/**
 * Linux's stack, from the implementation's SYN: in every scenario it connects to the peer (none has it accept a
 * connection, so no SYN-ACK of its own is on the wire).
 */
const LINUX = /^Linux \(SYN: initial TTL 64, options mss,sackOK,TS,nop,wscale; signatures of p0f 3\.09b /;

/** The run's facts as verdicts.json records them, and as its Allure environment and its console tell them. */
async function factsOf(name: SharedRunName): Promise<{ facts: Record<string, string>; environment: Record<string, string>; stdout: string }> {
  const run = await sharedRun(name);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const environment = parseProperties(readFileSync(path.join(run.folder, 'allure-results', 'environment.properties'), 'utf8'));
  return { facts: readRunRecord(run.folder).metadata, environment, stdout: run.stdout };
}

describe("the implementation's TCP/IP, as the controller sees it on the wire", { concurrency: true }, () => {
  // wine-remote's agent is on another host (a network namespace), its wire captured on the link to it.
  for (const name of ['wine', 'wine-native', 'wine-remote'] as const) {
    it(`${name}: Linux's, the host's, while the agent says Windows under Wine; every output says Wine runs on the host's TCP/IP`, async (t) => {
      if (!hasPrerequisite(t, name === 'wine-remote' ? namespaceMissing() : captureMissing())) return;
      const { facts, environment, stdout } = await factsOf(name);
      const agentHost = /^tcp:\/\/([\d.]+):/.exec(facts['controller: agent address'] ?? '')?.[1] ?? '127.0.0.1';
      const fromAgentHost = new RegExp(
        `^SYN from ${agentHost.replaceAll('.', '\\.')}:\\d+: TTL 64, DF, window \\d+, options \\[mss \\d+,sackOK,TS,nop,wscale \\d+\\]$`,
      );
      assert.match(facts[WIRE_FINGERPRINT_FACT] ?? '', fromAgentHost);
      assert.match(facts[WIRE_STACK_FACT] ?? '', LINUX);
      assert.match(facts['agent: windows'] ?? '', /Windows/);
      assert.equal(facts['agent: wine'], '8.0');
      assert.match(
        facts[WINE_WIRE_FACT] ?? '',
        new RegExp(`^Wine runs on the host's TCP/IP: the agent says ${facts['agent: windows']} under Wine 8\\.0, and the wire shows Linux's TCP/IP`),
      );
      assert.equal(facts[CONTRADICTION_FACT], undefined, 'not a lie');
      const named = namedFacts(facts);
      assert.deepEqual(named, [`${WINE_WIRE_FACT}: ${facts[WINE_WIRE_FACT]}`]);
      for (const key of [WIRE_FINGERPRINT_FACT, WIRE_STACK_FACT, WINE_WIRE_FACT]) assert.equal(environment[key], facts[key], `Allure's environment: ${key}`);
      for (const line of named) assert.ok(stdout.split('\n').includes(line), `the console: ${line}\n${stdout}`);
    });
  }

  it("posix: Linux's, as the agent says, and nothing to name", async (t) => {
    if (!hasPrerequisite(t, captureMissing())) return;
    const { facts, stdout } = await factsOf('posix');
    assert.match(facts[WIRE_STACK_FACT] ?? '', LINUX);
    assert.deepEqual(namedFacts(facts), []);
    assert.doesNotMatch(stdout, /^controller: /m);
  });
});
