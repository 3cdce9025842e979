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
import { runCli, type Finished } from './cli-process';
import { readRunRecord } from '../../src/verdicts/run-record';
import { agentsOf, assertNothingLeft } from './leftovers';
import { FIXTURE, faultArgs, readReport, remoteArgs, startRemote, type Report } from './faulty-agent-runs';

const scratch = scratchDir('faulty-agent');

describe('a faulty agent started by the controller (agent-command)', { concurrency: true }, () => {
  const logDir = (): string => path.join(scratch, 'cache', 'agent-command', 'logs');

  /** Run one fault; the first scenario ends with `verdict`, the other ten pass on a restarted agent. */
  async function faultRun(fault: string, verdict: string, detail: RegExp): Promise<{ report: Report; run: Finished }> {
    const reports = path.join(scratch, `reports-${fault}`);
    const run = await runCli(faultArgs(scratch, fault, reports));
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    const report = readReport(reports);
    assert.equal(report.verdicts.size, 11);
    const first = report.verdicts.get(report.first);
    assert.equal(first?.verdict, verdict, JSON.stringify(first));
    assert.match(first?.detail ?? '', detail);
    for (const [location, v] of report.verdicts) if (location !== report.first) assert.equal(v.verdict, 'PASS', `${location}: ${v.detail}`);
    // The agent was started afresh after the fault, and none is left.
    assert.equal(agentsOf(logDir(), [run.pid]).logs, 2, 'two agents: the faulty one and its replacement');
    assertNothingLeft(logDir(), run);
    return { report, run };
  }

  it('hang: that scenario is TIMEOUT within its bound, the agent is killed, the next scenarios pass on a new one', async () => {
    const { report } = await faultRun('hang', 'TIMEOUT', /did not answer WSARecvDisconnect within 2300 ms; the agent was killed and starts afresh/);
    // Its log comes with the verdict: what it was doing when it stopped answering, and how it ended.
    assert.equal(report.evidence.length, 1);
    assert.match(report.evidence[0] ?? '', /hanging: never answering call \d+ \(WSARecvDisconnect\)/);
    assert.match(report.evidence[0] ?? '', /agent killed by SIGKILL/);
  });

  it("crash: BROKEN with the agent's last output attached, then a new agent", async () => {
    const { report } = await faultRun('crash', 'BROKEN', /^AgentFailure: the agent at 127\.0\.0\.1:\d+ closed the control connection$/);
    assert.equal(report.evidence.length, 1);
    assert.match(report.evidence[0] ?? '', /agent exit code 3/);
    assert.ok((report.evidence[0] ?? '').includes(`${LAST_WORDS} call`), report.evidence[0]);
  });

  it('garbage: BROKEN with the bytes attached, then a new agent', async () => {
    const { report } = await faultRun('garbage', 'BROKEN', /^AgentFailure: the agent sent something that is not control protocol 1: not JSON$/);
    assert.equal(report.evidence.length, 1);
    assert.match(report.evidence[0] ?? '', /received from the agent: ".*faulty-agent garbage bytes/);
    assert.match(report.evidence[0] ?? '', /bytes of that read: 00 ff 66 61 75 6c 74/);
  });

  it('an unknown message: BROKEN with the message attached, then a new agent', async () => {
    const { report } = await faultRun(
      'unknown',
      'BROKEN',
      /^AgentFailure: the agent sent something that is not control protocol 1: unknown message type "surprise"$/,
    );
    assert.equal(report.evidence.length, 1);
    assert.match(report.evidence[0] ?? '', /received from the agent: "\{\\"type\\":\\"surprise\\"/);
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

describe('a faulty remote agent (agent=tcp://)', () => {
  it('crash: that scenario is BROKEN, and every later one at once, saying the agent cannot be restarted', async () => {
    const agent = await startRemote(FIXTURE, ['--fault', 'crash']);
    try {
      const reports = path.join(scratch, 'reports-remote-crash');
      const run = await runCli(remoteArgs(agent.port, reports));
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
      const run = await runCli(remoteArgs(agent.port, reports));
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
