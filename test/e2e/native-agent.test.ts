// The native agent (agents/native/) under wine64, held to the node agent: the whole Wine suite with each, and
// the same verdicts and the same observations (each scenario's calls and what they returned) scenario by
// scenario; a difference is a bug in one of them. Then what a vendor does with it: start it by hand and
// point the suite at it, one controller after another; and the protocol's refusals. Needs `npm run
// setup` (wine64, mingw-w64), which `npm test` runs first.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { frame, LineDecoder, PROTOCOL_VERSION } from '../../agents/protocol';
import { REPO_ROOT } from '../../src/core/paths';
import { launchLocalAgent, type LocalAgent } from '../../src/testbeds/agent-controller/launcher';
import { ensureWineSetup, usePrefix, windowsPath, wineEnv, wineSetupDone, type WineSetup } from '../../src/testbeds/agent-controller/wine-setup';
import { summaryLine } from '../../src/cli/verdict-lines';
import { readRunRecord } from '../../src/verdicts/run-record';
import { scratchDir } from '../scratch';
import { runHere, VERDICT_LINE, type Finished } from './cli-process';
import { observations } from './call-logs';
import { sharedRun } from './shared-runs';
import { prefixLeftovers, readProc, stillRunningOf, stillRuns, trackDescendants } from './processes';

const BIN = path.join(REPO_ROOT, 'bin', 'conformance.js');
const ready = wineSetupDone();
const scratch = scratchDir('native-agent');

/** What assertNothingLeft needs of a run: the CLI's pid and every process it started. */
type Run = Pick<Finished, 'pid' | 'descendants'>;

/** Nothing the run started is left, nor any process of the prefix (unless another controller still uses it). */
function assertNothingLeft(run: Run): void {
  const controllers = [run.pid, ...run.descendants.map((p) => p.pid)];
  assert.deepEqual(
    stillRunningOf(run.descendants, controllers).map((p) => `${p.pid} ${p.comm}`),
    [],
    'processes of the run still running',
  );
  assert.deepEqual(
    prefixLeftovers(controllers).map((p) => `${p.pid} ${p.comm}`),
    [],
    'processes of the prefix still running',
  );
}

/**
 * The scenarios whose call the node agent declines and the native agent makes (docs/agent-protocol.md:
 * WSARecvDisconnectInBlockingHook): N/A with both, each with its own reason and calls, so held to the verdict alone.
 */
const NODE_AGENT_DECLINES = new Set(['During a blocking Windows Sockets 1.1 call the call fails with WSAEINPROGRESS']);

describe('the native agent under wine', () => {
  it('is set up', () => {
    assert.ok(ready, 'Wine is not set up for the native agent: run `npm run setup` first');
  });

  it('gives the verdicts of the node agent, and the same calls and results behind them, scenario by scenario', async () => {
    // The whole Wine run with each agent: npm test's shared runs (test/e2e/shared-runs.ts).
    const [node, native] = await Promise.all([sharedRun('wine'), sharedRun('wine-native')]);
    const reports = { node: node.folder, native: native.folder };
    assert.equal(node.code, 0, node.stdout + node.stderr);
    assert.equal(native.code, 0, native.stdout + native.stderr);
    assert.deepEqual(native.leftovers, [], 'processes of the run, or of the prefix, still running');

    const a = readRunRecord(reports.node);
    const b = readRunRecord(reports.native);
    assert.match(a.metadata['controller: agent program'] ?? '', /^node agent /);
    assert.match(b.metadata['controller: agent program'] ?? '', /^native agent \(agents\/native\/, winsock-agent-x64\.exe\)$/);
    assert.match(b.metadata['agent: implementation'] ?? '', /native agent \(C, x64\)/);
    assert.equal(b.metadata['controller: the agent contradicts it'], undefined);
    assert.equal(b.metadata['controller: node.exe installed'], undefined);

    const verdicts = (record: typeof a): Map<string, unknown> =>
      new Map(
        record.results.map((r) => [
          r.location,
          NODE_AGENT_DECLINES.has(r.name) ? { verdict: r.verdict } : { verdict: r.verdict, observed: r.observed, detail: r.detail, expectation: r.expectation },
        ]),
      );
    const byNode = verdicts(a);
    const byNative = verdicts(b);
    assert.ok(byNode.size > 0);
    assert.deepEqual([...byNative.keys()].sort(), [...byNode.keys()].sort());
    for (const [location, v] of byNode) assert.deepEqual(byNative.get(location), v, location);

    const calls = { node: observations(reports.node), native: observations(reports.native) };
    assert.equal(calls.native.size, calls.node.size);
    for (const [scenario, log] of calls.node) if (!NODE_AGENT_DECLINES.has(scenario)) assert.deepEqual(calls.native.get(scenario), log, scenario);
  });

  it('killed during a run: the scenario it served is BROKEN at most, a new agent serves the rest, and none is left', async () => {
    const reports = path.join(scratch, 'reports-killed');
    // Two features, 24 scenarios: the rest, after the one killed, is enough to show a new agent serving it.
    const features = ['features/errors.feature', 'features/return-value.feature'];
    const child = spawn(process.execPath, [BIN, '--backend', 'wine', '--backend-option', 'agent-kind=native', '--reports', reports, ...features], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tracker = trackDescendants(child.pid ?? 0);
    let stdout = '';
    let killed = '';
    const bound = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      if (killed || !VERDICT_LINE.test(stdout)) return;
      // The agent serving the run: once wine64 has loaded it, Wine names the process after its executable
      // (cut to 15 characters; the name seen first may be wine64's); its probes run with --probe.
      const agent = tracker.peek().find((p) => {
        const now = readProc(p.pid);
        return (
          now?.start === p.start &&
          now.comm.startsWith('winsock-agent') &&
          stillRuns(p) &&
          !fs.readFileSync(`/proc/${p.pid}/cmdline`, 'latin1').includes('--probe')
        );
      });
      if (!agent) return;
      killed = `${agent.pid} ${agent.comm}`;
      process.kill(agent.pid, 'SIGKILL');
    });
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
    clearTimeout(bound);
    const run: Run = { pid: child.pid ?? 0, descendants: tracker.stop() };
    assert.ok(killed, `no native agent was found to kill:\n${stdout}`);
    const { results } = readRunRecord(reports);
    assert.equal(String(results.length), /^(\d+) scenarios:/m.exec(stdout)?.[1], 'every scenario has its verdict');
    const broken = results.filter((r) => r.verdict === 'BROKEN');
    assert.ok(broken.length <= 1, JSON.stringify(broken));
    for (const r of broken) assert.match(r.detail, /closed the control connection/);
    // The others, as the node agent's whole run gave them.
    const byNode = new Map(readRunRecord((await sharedRun('wine')).folder).results.map((r) => [r.location, r.verdict]));
    for (const r of results) if (r.verdict !== 'BROKEN') assert.equal(r.verdict, byNode.get(r.location), `${r.location}: ${r.detail}`);
    assertNothingLeft(run);
  });

  /** The native agent of the set-up, started as the controller starts it (--single, announcing its port). */
  async function launchNative(setup: WineSetup): Promise<LocalAgent> {
    assert.ok(setup.nativeAgents, 'the set-up built no native agent: is mingw-w64 installed?');
    return launchLocalAgent({
      command: setup.wine64,
      args: [windowsPath(setup.nativeAgents.x64)],
      env: wineEnv(setup.prefix),
      logDir: path.join(scratch, 'logs'),
      bootTimeoutMs: 60_000,
      label: 'under wine64 (native agent)',
    });
  }

  /** Say hello (of `version`) on a new connection and collect every line until the agent closes it. */
  function converse(port: number, version: number, keepOpenMs = 0): { lines: Promise<string[]>; socket: net.Socket } {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(frame({ type: 'hello', id: 0, protocol: version, client: 'test' })));
    const decoder = new LineDecoder();
    const lines: string[] = [];
    const done = new Promise<string[]>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => lines.push(...decoder.push(chunk)));
      socket.on('error', reject);
      socket.on('close', () => resolve(lines));
    });
    if (keepOpenMs === 0) void done.catch(() => undefined);
    return { lines: done, socket };
  }

  it('refuses a controller of another protocol version with one line, and exits; refuses a second controller while it serves one; answers garbage with one error line and closes', async () => {
    const setup = await ensureWineSetup({ installWine: false });
    const leave = usePrefix(setup);
    const agents: LocalAgent[] = [];
    try {
      const mismatched = await launchNative(setup);
      agents.push(mismatched);
      const refusal = await converse(mismatched.port, PROTOCOL_VERSION + 1).lines;
      assert.equal(refusal.length, 1, refusal.join('\n'));
      assert.deepEqual(JSON.parse(refusal[0] ?? ''), {
        type: 'error',
        id: 0,
        message: `control protocol mismatch: the controller speaks version ${PROTOCOL_VERSION + 1}, this side speaks version ${PROTOCOL_VERSION}`,
      });
      assert.match(await mismatched.exited, /exit code 0/);

      const busy = await launchNative(setup);
      agents.push(busy);
      const first = converse(busy.port, PROTOCOL_VERSION, 1);
      // The first controller is served (its hello answered) before the second one knocks.
      await new Promise<void>((resolve) => first.socket.once('data', () => resolve()));
      const second = await converse(busy.port, PROTOCOL_VERSION).lines;
      assert.deepEqual(
        second.map((l) => JSON.parse(l) as unknown),
        [{ type: 'error', id: null, message: 'this agent already serves a controller' }],
      );
      first.socket.end();
      assert.match(await busy.exited, /exit code 0/);

      // Bytes that are not a message, after a good hello: one error line, the connection closed, the agent gone.
      const garbled = await launchNative(setup);
      agents.push(garbled);
      const talk = converse(garbled.port, PROTOCOL_VERSION, 1);
      await new Promise<void>((resolve) => talk.socket.once('data', () => resolve()));
      talk.socket.write(Buffer.concat([Buffer.from([0x00, 0xff]), Buffer.from(' not JSON\n{"type":"spawn","id":1}\n')]));
      const answers = (await talk.lines).map((l) => JSON.parse(l) as { type: string; id: unknown; message?: string });
      assert.deepEqual(
        answers.map((a) => [a.type, a.id]),
        [
          ['hello', 0],
          ['error', null],
        ],
      );
      assert.match(answers[1]?.message ?? '', /^unreadable request \(not JSON/);
      assert.match(await garbled.exited, /exit code 0/);
    } finally {
      for (const agent of agents) await agent.kill();
      leave();
    }
  });

  it('started by hand as a vendor starts it, serves one controller after another (agent=tcp://)', async () => {
    const setup = await ensureWineSetup({ installWine: false });
    assert.ok(setup.nativeAgents);
    const leave = usePrefix(setup);
    let agent: ChildProcess | null = null;
    try {
      // As docs/agent-protocol.md says to start it: --listen, nothing else; its log on stdout.
      agent = spawn(setup.wine64, [setup.nativeAgents.x64, '--listen', '127.0.0.1:0'], { env: wineEnv(setup.prefix), stdio: ['ignore', 'pipe', 'pipe'] });
      const started = agent;
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        started.stdout?.setEncoding('utf8').on('data', (t: string) => {
          out += t;
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        started.once('exit', (code) => reject(new Error(`the agent exited (${code}) before listening: ${out}`)));
      });
      const tags = '@req:errors.wsaenotconn or @req:facts.exported-by-ws2_32';
      for (const round of [1, 2]) {
        const reports = path.join(scratch, `reports-remote-${round}`);
        const run = await runHere(['--backend', 'wine', '--backend-option', `agent=tcp://127.0.0.1:${port}`, '--tags', tags, '--reports', reports]);
        assert.equal(run.code, 0, `round ${round}: ${summaryLine(run.summary)}`);
        const { metadata, results } = readRunRecord(reports);
        assert.ok(results.length > 0);
        assert.match(metadata['agent: implementation'] ?? '', /native agent/);
        assert.equal(metadata['controller: agent address'], `tcp://127.0.0.1:${port}`);
      }
      assert.equal(started.exitCode, null, 'the agent still serves after its controllers left');
    } finally {
      if (agent && agent.exitCode === null) {
        const gone = new Promise((resolve) => agent?.once('exit', resolve));
        agent.kill('SIGKILL');
        await gone;
      }
      leave();
    }
  });
});
