// Robustness of the real backends' controller (issue 6) against a deliberately faulty agent
// (fixtures/faulty-agent.ts) that hangs, crashes, answers garbage or an unknown message, lies about how it
// runs, or speaks another protocol version: started by the controller (agent-command), which restarts it,
// and as a remote agent (agent=tcp://), which nothing here can restart. Every run is the real CLI in a child
// process, bounded.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LAST_WORDS, NEVER_LISTENS } from './fixtures/faulty-agent';
import { scratchDir } from '../scratch';
import { runCli, runHere, type Finished } from './cli-process';
import { readRunRecord } from '../../src/verdicts/run-record';
import { agentsOf, assertNothingLeft } from './leftovers';
import { FIXTURE, faultArgs, readReport, remoteArgs, startRemote, type Report } from './faulty-agent-runs';

const scratch = scratchDir('faulty-agent');

describe('a faulty agent started by the controller (agent-command)', { concurrency: true }, () => {
  const logDir = (): string => path.join(scratch, 'cache', 'agent-command', 'logs');

  /**
   * The four faults of a trigger call, one after another in one run, each on an agent of its own: the first
   * four scenarios to call WSARecvDisconnect meet them in this order, each on the agent started afresh after
   * the last fault, and the seven others pass on the fifth. One run for the four, made once for their tests.
   */
  const SEQUENCE = ['hang', 'crash', 'garbage', 'unknown'] as const;
  let sequence: Promise<{ report: Report; run: Finished; faulted: string[] }> | null = null;
  function sequenceRun(): Promise<{ report: Report; run: Finished; faulted: string[] }> {
    sequence ??= (async () => {
      const reports = path.join(scratch, 'reports-sequence');
      const run = await runCli(faultArgs(scratch, SEQUENCE.join(','), reports));
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      const report = readReport(reports);
      assert.equal(report.verdicts.size, 11);
      // In the order they ran (a serial run records them so): the faulted ones, then none but PASS.
      const faulted = [...report.verdicts].filter(([, v]) => v.verdict !== 'PASS').map(([location]) => location);
      assert.equal(faulted.length, SEQUENCE.length, JSON.stringify([...report.verdicts]));
      assert.equal(faulted[0], report.first, "the first fault is the first scenario's");
      // Each fault's log comes with its verdict, in the order the faults came.
      assert.equal(report.evidence.length, SEQUENCE.length);
      // Each fault's agent was replaced by a new one, and none is left.
      assert.equal(agentsOf(logDir(), [run.pid]).logs, SEQUENCE.length + 1, 'an agent for each fault, and the one that served the rest');
      assertNothingLeft(logDir(), run);
      return { report, run, faulted };
    })();
    return sequence;
  }

  /** The scenario that met `fault` of the sequence: its verdict and detail, and its agent's evidence. */
  async function faultOf(fault: (typeof SEQUENCE)[number]): Promise<{ verdict: string; detail: string; evidence: string }> {
    const { report, faulted } = await sequenceRun();
    const at = SEQUENCE.indexOf(fault);
    const v = report.verdicts.get(faulted[at] ?? '');
    assert.ok(v, `the scenario of the ${fault} fault`);
    return { ...v, evidence: report.evidence[at] ?? '' };
  }

  it('hang: that scenario is TIMEOUT within its bound, the agent is killed, the next scenarios pass on a new one', async () => {
    const { verdict, detail, evidence } = await faultOf('hang');
    assert.equal(verdict, 'TIMEOUT', detail);
    assert.match(detail, /did not answer WSARecvDisconnect within 2300 ms; the agent was killed and starts afresh/);
    // Its log comes with the verdict: what it was doing when it stopped answering, and how it ended.
    assert.match(evidence, /hanging: never answering call \d+ \(WSARecvDisconnect\)/);
    assert.match(evidence, /agent killed by SIGKILL/);
  });

  it("crash: BROKEN with the agent's last output attached, then a new agent", async () => {
    const { verdict, detail, evidence } = await faultOf('crash');
    assert.equal(verdict, 'BROKEN', detail);
    assert.match(detail, /^AgentFailure: the agent at 127\.0\.0\.1:\d+ closed the control connection$/);
    assert.match(evidence, /agent exit code 3/);
    assert.ok(evidence.includes(`${LAST_WORDS} call`), evidence);
  });

  it('garbage: BROKEN with the bytes attached, then a new agent', async () => {
    const { verdict, detail, evidence } = await faultOf('garbage');
    assert.equal(verdict, 'BROKEN', detail);
    assert.match(detail, /^AgentFailure: the agent sent something that is not control protocol 1: not JSON$/);
    assert.match(evidence, /received from the agent: ".*faulty-agent garbage bytes/);
    assert.match(evidence, /bytes of that read: 00 ff 66 61 75 6c 74/);
  });

  it('an unknown message: BROKEN with the message attached, then a new agent', async () => {
    const { verdict, detail, evidence } = await faultOf('unknown');
    assert.equal(verdict, 'BROKEN', detail);
    assert.match(detail, /^AgentFailure: the agent sent something that is not control protocol 1: unknown message type "surprise"$/);
    assert.match(evidence, /received from the agent: "\{\\"type\\":\\"surprise\\"/);
  });

  it("an agent whose facts contradict how the controller runs it: the run's facts name the lie", async () => {
    const reports = path.join(scratch, 'reports-lying-facts');
    const args = faultArgs(scratch, 'none', reports).map((arg) => (arg.startsWith('agent-command=') ? `${arg} --claim-wine 8.0` : arg));
    const run = await runCli(args);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const { metadata } = readRunRecord(reports);
    assert.equal(metadata['agent: wine'], '8.0');
    assert.equal(metadata['controller: runs the agent under'], 'no Wine');
    assert.equal(metadata['controller: the agent contradicts it'], 'the controller runs the agent without Wine, the agent says Wine 8.0');
    assertNothingLeft(logDir(), run);
  });

  for (const parallel of [[], ['--parallel', '2']]) {
    it(`another protocol version: one line before any scenario, exit 2${parallel.length ? ' (--parallel 2)' : ''}`, async () => {
      const reports = path.join(scratch, `reports-version${parallel.length ? '-parallel' : ''}`);
      const run = await runCli(faultArgs(scratch, 'version', reports, parallel));
      assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
      assert.equal(run.stdout, '', 'no scenario ran');
      assert.match(
        run.stderr,
        /^winsock-conformance: agent at 127\.0\.0\.1:\d+: control protocol mismatch: the agent speaks version 2, this side speaks version 1\n$/,
      );
      assertNothingLeft(logDir(), run);
    });
  }

  // The x86 agent under a Wine without its 32-bit half exits 0 before it listens, and says why only on stderr
  // (Wine's err:module line): the first agent of a run that never listens stops the run before any scenario.
  // The no-listen agent's bound leaves room for ts-node to load it and let it print, on a loaded machine too.
  for (const [fault, how, bound] of [
    ['no-start', 'exited \\(code 0\\) before it was listening', []],
    ['no-listen', 'did not announce its port within 30000 ms', ['--backend-option', 'boot-timeout=30000']],
  ] as const) {
    it(`${fault}: the first agent never listening is one line with what it printed, before any scenario, exit 2`, async () => {
      // A scratch folder of its own: the faults beside it, run at once, must keep their agents' logs, which the launcher prunes.
      const own = scratchDir(`faulty-agent-${fault}`);
      const reports = path.join(own, `reports-${fault}`);
      const run = await runCli(faultArgs(own, fault, reports, [...bound]));
      assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
      assert.equal(run.stdout, '', 'no scenario ran');
      const printed = `it printed: ${NEVER_LISTENS}: ${fault === 'no-start' ? 'exiting before listening' : 'never listening'}`;
      assert.match(
        run.stderr,
        new RegExp(
          `^winsock-conformance: the agent started with agent-command \\S+ ${how}; ${printed} \\(stdout \\S+\\.stdout\\.log, stderr \\S+\\.stderr\\.log\\)\\n$`,
        ),
      );
      assert.ok(!fs.existsSync(reports), 'a run that cannot start writes no reports');
      assertNothingLeft(path.join(own, 'cache', 'agent-command', 'logs'), run);
    });
  }

  it('no-restart: an agent started again in the middle of the run that exits before it listens is BROKEN there, and the run goes on', async () => {
    const own = scratchDir('faulty-agent-no-restart');
    const reports = path.join(own, 'reports-no-restart');
    const run = await runCli(faultArgs(own, 'no-restart', reports, ['features/errors.feature:72', 'features/errors.feature:73']));
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    const report = readReport(reports);
    assert.equal(report.verdicts.size, 2);
    assert.match(report.verdicts.get(report.first)?.detail ?? '', /closed the control connection/);
    for (const [location, v] of report.verdicts) {
      assert.equal(v.verdict, 'BROKEN', location);
      if (location !== report.first) assert.match(v.detail, /exited \(code 0\) before it was listening$/);
    }
    assertNothingLeft(path.join(own, 'cache', 'agent-command', 'logs'), run);
  });
});

// ---- a remote agent: nothing here can restart it -------------------------------------------------------
// The controller is made in this process (runHere): what is read is the run's records and the agent's exit.

describe('a faulty remote agent (agent=tcp://)', () => {
  it('crash: that scenario is BROKEN, and every later one at once, saying the agent cannot be restarted', async () => {
    const agent = await startRemote(FIXTURE, ['--fault', 'crash']);
    try {
      const reports = path.join(scratch, 'reports-remote-crash');
      const run = await runHere(remoteArgs(agent.port, reports));
      assert.equal(run.code, 1);
      assert.equal(await agent.exited, 3);
      const report = readReport(reports);
      assert.match(report.verdicts.get(report.first)?.detail ?? '', /closed the control connection/);
      for (const [location, v] of report.verdicts) {
        assert.equal(v.verdict, 'BROKEN', location);
        if (location !== report.first)
          assert.match(
            v.detail,
            /is gone after its connection failed in an earlier scenario .*a remote agent cannot be restarted from here: start it again and rerun$/,
          );
      }
    } finally {
      agent.kill();
    }
  });

  it('hang: that scenario is TIMEOUT, the connection is opened again, and the next scenarios pass', async () => {
    const agent = await startRemote(FIXTURE, ['--fault', 'hang', '--once', path.join(scratch, 'remote-hang.once')]);
    try {
      const reports = path.join(scratch, 'reports-remote-hang');
      const run = await runHere(remoteArgs(agent.port, reports));
      assert.equal(run.code, 1);
      const report = readReport(reports);
      assert.equal(report.verdicts.get(report.first)?.verdict, 'TIMEOUT');
      assert.match(report.verdicts.get(report.first)?.detail ?? '', /the connection to the agent was dropped/);
      for (const [location, v] of report.verdicts) if (location !== report.first) assert.equal(v.verdict, 'PASS', `${location}: ${v.detail}`);
    } finally {
      agent.kill();
    }
  });
});
