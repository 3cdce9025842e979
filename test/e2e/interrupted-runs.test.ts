// Ctrl-C in the middle of a Wine run (the node and the native agent, serial and --parallel 2, while the
// agent boots), and in a parallel run whose agents are slow to exit: exit 130, no verdict or report of the run
// cut short, the earlier run's reports left as they were, and nothing of it left running.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import { scratchDir } from '../scratch';
import { startCli, VERDICT_LINE, type Finished, type Running } from './cli-process';
import { REPO_ROOT } from '../../src/core/paths';
import { agentsOf, assertNothingLeft, assertNothingLeftInPrefix } from './leftovers';
import { FAST, FIXTURE } from './faulty-agent-runs';

const scratch = scratchDir('interrupted-runs');

/**
 * A run that has not exited this long after Ctrl-C ignored it. Not a speed target (those are npm run bench's):
 * the controller's own waits on the way out (an agent's shutdown, its exit, tcpdump's) are bounded at 5 s
 * each, and a loaded machine stretches them, so the bound is generous, and well inside startCli's own.
 */
const STOP_BOUND_MS = 30_000;

/**
 * Resolves once the agents' log folder `logs` holds what `enough` looks for (the launcher creates an agent's
 * log files just before it starts it, named after the controller that starts it); rejects when the run ends
 * first, or after 30 s.
 */
function logsAppear(logs: string, enough: (names: readonly string[]) => boolean, what: string, cli: Running): Promise<void> {
  fs.mkdirSync(logs, { recursive: true });
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (enough(fs.readdirSync(logs))) finish();
    };
    const watcher = fs.watch(logs, check);
    const bound = setTimeout(() => finish(new Error(`not within 30 s: ${what}`)), 30_000);
    const finish = (error?: Error): void => {
      clearTimeout(bound);
      watcher.close();
      if (error) reject(error);
      else resolve();
    };
    void cli.done.then(() => finish(new Error(`the run ended before ${what}`)));
    check();
  });
}

/** The controller (a worker of a parallel run) whose agent an agent log is: agent-<time>-<controller>-<n>.stdout.log. */
function controllerOfLog(name: string): number | null {
  const pid = /^agent-.*-(\d+)-\d+\.stdout\.log$/.exec(name)?.[1];
  return pid === undefined ? null : Number(pid);
}

describe('an interrupted Wine run', () => {
  const ready = wineSetupDone();

  /** The moment the CLI has started its agent. */
  function agentLaunched(cli: Running): Promise<void> {
    return logsAppear(
      path.join(REPO_ROOT, '.cache', 'wine', 'logs'),
      (names) => names.some((name) => name.includes(`-${cli.pid}-`)),
      'it started an agent',
      cli,
    );
  }

  /** Run Wine, interrupt it after the first verdict (or as its agent starts), and check that nothing of it is left. */
  async function interrupt(
    parallel: string[],
    press: (pid: number) => void,
    when: 'first verdict' | 'agent launched' = 'first verdict',
    agentKind: 'node' | 'native' = 'node',
  ): Promise<void> {
    assert.ok(ready, 'Wine is not set up: run `npm run setup` first');
    const reports = path.join(scratch, `reports-interrupted${parallel.length ? '-parallel' : ''}-${agentKind}`);
    // An earlier run's reports, which a run cut short leaves as they were.
    fs.mkdirSync(reports, { recursive: true });
    fs.writeFileSync(path.join(reports, 'verdicts.json'), '{"earlier": true}');
    const cli = startCli(['--backend', 'wine', '--backend-option', `agent-kind=${agentKind}`, '--reports', reports, ...parallel]);
    let finished: Finished;
    let pressedAt = 0;
    try {
      if (when === 'agent launched') await agentLaunched(cli);
      else await cli.line(VERDICT_LINE);
      pressedAt = performance.now();
      press(cli.pid);
    } finally {
      finished = await cli.done;
    }
    const stoppedMs = performance.now() - pressedAt;
    const ours = finished.descendants;
    assert.equal(finished.code, 130, `${finished.signal ?? ''}\n${finished.stdout}\n${finished.stderr}`);
    assert.equal(finished.stderr, 'winsock-conformance: SIGINT: stopping\n');
    assert.ok(stoppedMs < STOP_BOUND_MS, `the run took ${stoppedMs.toFixed(0)} ms to stop`);
    assert.ok(!/scenarios:/.test(finished.stdout), 'no summary of a run cut short');
    assert.equal(fs.readFileSync(path.join(reports, 'verdicts.json'), 'utf8'), '{"earlier": true}', "the earlier run's reports are left as they were");
    assert.deepEqual(fs.readdirSync(reports), ['verdicts.json'], 'nothing of the run cut short is among them');
    assert.ok(!fs.existsSync(`${reports}.incoming`), 'nothing of the run cut short is left beside them');
    // Agents (wine64 / node.exe), probes, workers and tcpdump: everything the run started has ended.
    const kinds = new Set(ours.map((p) => p.comm));
    const controllers = [cli.pid, ...ours.map((p) => p.pid)];
    assertNothingLeftInPrefix(controllers);
    // No socket of ours listens: a socket lives only as long as a process holds it, and none does; the
    // agents' control ports (from their logs) are checked by number as well.
    assertNothingLeft(path.join(REPO_ROOT, '.cache', 'wine', 'logs'), finished, 'windows');
    if (when === 'first verdict') {
      assert.ok(
        // Under Wine a process takes its program's name: node.exe, or the native agent's winsock-agent-x64.exe.
        [...kinds].some((k) => /node\.exe|wine|winsock-agent/.test(k)),
        `the run had started an agent: ${[...kinds].join(', ')}`,
      );
      assert.ok(agentsOf(path.join(REPO_ROOT, '.cache', 'wine', 'logs'), controllers).ports.length > 0, "the agents' logs name their ports");
    } else {
      assert.doesNotMatch(finished.stdout, VERDICT_LINE, 'no verdict of a run interrupted before its first scenario');
    }
  }

  it('Ctrl-C (SIGINT to the process group) leaves no agent, wineserver, tcpdump or socket, and exits 130', async () => {
    await interrupt([], (pid) => process.kill(-pid, 'SIGINT'));
  });

  it('Ctrl-C while the agent boots and cucumber still loads: the same, and no verdict at all', async () => {
    await interrupt([], (pid) => process.kill(-pid, 'SIGINT'), 'agent launched');
  });

  it('Ctrl-C with the native agent (agent-kind=native): the same', async () => {
    await interrupt([], (pid) => process.kill(-pid, 'SIGINT'), 'first verdict', 'native');
  });

  it('with --parallel 2, SIGINT to the CLI alone reaches the workers, which leave nothing behind', async () => {
    await interrupt(['--parallel', '2'], (pid) => process.kill(pid, 'SIGINT'));
  });
});

describe('an interrupted parallel run whose agents are slow to exit', () => {
  /** How long each agent takes to exit once shut down: within the controller's 5 s wait for it. */
  const LINGER_MS = 3000;

  it('SIGINT to the CLI: each worker exits only once the close the signal began has ended its agent, and the CLI after them', async () => {
    // The signal starts each worker's close at once; cucumber then fails the worker's remaining scenarios
    // and runs its AfterAll, well within the agent's linger, and exits the worker as soon as AfterAll
    // returns. An AfterAll that did not wait for the close under way would leave the agent running.
    const cache = path.join(scratch, 'cache-lingering');
    const agentCommand = `agent-command=${FIXTURE} --fault none --linger ${LINGER_MS}`;
    const cli = startCli([
      '--backend',
      'wine',
      '--backend-option',
      agentCommand,
      '--backend-option',
      `cache=${cache}`,
      ...FAST,
      '--reports',
      path.join(scratch, 'reports-lingering'),
      '--parallel',
      '2',
    ]);
    const logDir = path.join(cache, 'agent-command', 'logs');
    let finished: Finished;
    let pressedAt = 0;
    try {
      await cli.line(VERDICT_LINE);
      // The first verdict can come before the other worker has started its agent, which it would then never
      // start: the signal waits for both (the folder is this run's alone).
      await logsAppear(logDir, (names) => new Set(names.map(controllerOfLog).filter((pid) => pid !== null)).size >= 2, "both workers' agents started", cli);
      pressedAt = performance.now();
      process.kill(cli.pid, 'SIGINT');
    } finally {
      finished = await cli.done;
    }
    const stoppedMs = performance.now() - pressedAt;
    assert.equal(finished.code, 130, `${finished.signal ?? ''}\n${finished.stdout}\n${finished.stderr}`);
    assert.equal(finished.stderr, 'winsock-conformance: SIGINT: stopping\n');
    assert.ok(stoppedMs < STOP_BOUND_MS, `the run took ${stoppedMs.toFixed(0)} ms to stop`);
    const controllers = [finished.pid, ...finished.descendants.map((p) => p.pid)];
    const lingered = fs.readdirSync(logDir).filter((name) => {
      const controller = controllerOfLog(name);
      return controller !== null && controllers.includes(controller) && /lingering \d+ ms/.test(fs.readFileSync(path.join(logDir, name), 'utf8'));
    });
    assert.equal(lingered.length, 2, "both workers' agents were shut down, and lingered");
    assertNothingLeft(logDir, finished);
  });
});
