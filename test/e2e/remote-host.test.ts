// The README's run against another host ("On another host"), for real: npm test's shared run `wine-remote`
// runs the README's commands against a network namespace of its own with the native agent under Wine
// (test/e2e/namespace-host.ts), and its verdicts are those of the local run of the same agent
// (`wine-native`), scenario by scenario; its wire crossed the link and is in its reports. A run set up the
// wrong way round stops before any scenario, in one line, exit 2.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CannotRun, WIRE_LOG_MEDIA } from '../../src/core/outcomes';
import { wineTestbed } from '../../src/testbeds/agent-controller';
import { posixTestbed } from '../../src/testbeds/posix';
import { tcpdumpPath } from '../../src/testbeds/loopback/capture';
import { readRunRecord, runFiles } from '../../src/verdicts/run-record';
import { commandHere } from './cli-process';
import { posixAgent, startNamespaceHost, type NamespaceHost } from './namespace-host';
import { fillAddresses, wineAgentArguments, wineControllerArguments } from './readme-vendor-steps';
import { sharedRun } from './shared-runs';
import { hasPrerequisite, namespaceMissing } from '../prerequisites';

/**
 * Scenarios whose verdict against another host differs from the local run's, each with the reason: a result,
 * recorded here, never a verdict left unexplained. None differs today.
 */
const DIFFERENCES: Record<string, string> = {};

/** What tcpdump prints of each packet of a pcap file, `-n`: one line each. */
function tcpdumpLines(file: string): string[] {
  return execFileSync(tcpdumpPath() ?? 'tcpdump', ['-r', file, '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter(Boolean);
}

describe('the README run against another host (a network namespace, the native agent under Wine)', () => {
  it("follows the README's commands: the agent's of step 3 and the controller's of step 4, for Wine", () => {
    assert.deepEqual(wineAgentArguments(), ['--listen', '0.0.0.0:7777']);
    const args = fillAddresses(wineControllerArguments(), '198.18.0.2', '198.18.0.1');
    assert.deepEqual(args.slice(0, 2), ['--backend', 'wine']);
    assert.ok(args.includes('agent=tcp://198.18.0.2:7777') && args.includes('peer-address=198.18.0.1'), args.join(' '));
    assert.ok(args.includes('--label'), 'a run against another host is labelled');
  });

  it("gives the local run's verdicts, scenario by scenario, or a difference recorded with its reason", async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const [remote, local] = await Promise.all([sharedRun('wine-remote'), sharedRun('wine-native')]);
    assert.equal(remote.code, 0, remote.stdout + remote.stderr);
    assert.equal(local.code, 0, local.stdout + local.stderr);
    const verdicts = (folder: string): Map<string, string> => new Map(readRunRecord(folder).results.map((r) => [r.location, r.verdict]));
    const there = verdicts(remote.folder);
    const here = verdicts(local.folder);
    assert.deepEqual([...there.keys()].sort(), [...here.keys()].sort());
    const differing = [...here].filter(([location, verdict]) => there.get(location) !== verdict).map(([location]) => location);
    assert.deepEqual(
      differing.sort(),
      Object.keys(DIFFERENCES).sort(),
      'verdicts that differ from the local run without a recorded reason, or recorded ones that no longer differ',
    );
  });

  it('says who served it: the agent at the other host, under Wine; the capture for the peer off loopback', async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const record = readRunRecord((await sharedRun('wine-remote')).folder);
    const peer = record.backendOptions['peer-address'] ?? '';
    assert.match(record.metadata['controller: agent address'] ?? '', /^tcp:\/\/198\.1[89]\.\d+\.\d+:7777$/);
    assert.match(peer, /^198\.1[89]\.\d+\.\d+$/);
    assert.equal(record.metadata['controller: capture'], `tcpdump on every interface, the packets to or from the peer's address ${peer}`);
    assert.equal(record.metadata['agent: wine'], '8.0');
    assert.match(record.metadata['agent: implementation'] ?? '', /native agent \(C, x64\)/);
    assert.ok(record.label !== null);
  });

  it('has its wire: a wire log per scenario, and pcaps tcpdump reads, whose packets crossed the link between the two hosts', async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const folder = (await sharedRun('wine-remote')).folder;
    const record = readRunRecord(folder);
    const peer = record.backendOptions['peer-address'] ?? '';
    const agentHost = /^tcp:\/\/([\d.]+):/.exec(record.metadata['controller: agent address'] ?? '')?.[1] ?? '';
    const messages = readFileSync(runFiles(folder).messages, 'utf8');
    const wireLogs = messages.split(WIRE_LOG_MEDIA).length - 1;
    assert.ok(wireLogs >= record.results.filter((r) => r.verdict === 'PASS').length / 2, `only ${wireLogs} wire logs`);
    const pcaps = readdirSync(runFiles(folder).captures);
    assert.ok(pcaps.length > 0, 'no pcap');
    const lines = pcaps.flatMap((file) => tcpdumpLines(path.join(runFiles(folder).captures, file)));
    // Every packet is between the agent's host and this one: the agent's sockets were in its namespace,
    // not on this host's loopback.
    for (const line of lines) {
      const [, from, to] = /IP (\d+\.\d+\.\d+\.\d+)(?:\.\d+)? > (\d+\.\d+\.\d+\.\d+)/.exec(line) ?? [];
      assert.ok((from === agentHost && to === peer) || (from === peer && to === agentHost), line);
    }
    assert.ok(
      lines.some((line) => line.includes(`IP ${agentHost} > ${peer}: ICMP`)),
      "no ICMP error from the agent's host (the no-icmp control's)",
    );
    const fromAgent = (flag: string): boolean => lines.some((line) => line.includes(`IP ${agentHost}.`) && new RegExp(`Flags \\[[^\\]]*${flag}`).test(line));
    assert.ok(fromAgent('S'), "no SYN from the agent's host");
    assert.ok(fromAgent('F'), "no FIN from the agent's host");
    assert.ok(fromAgent('R'), "no RST from the agent's host");
  });
});

describe('a run against another host set up the wrong way round stops before any scenario, in one line', () => {
  let host: NamespaceHost;
  before(async () => {
    if (namespaceMissing() === null) host = await startNamespaceHost(() => posixAgent(wineAgentArguments()));
  });
  after(async () => {
    await host?.remove();
  });

  // The host's agent is the POSIX one (no Wine to boot), so the runs are the posix backend's: a Winsock
  // backend is refused for it before the topology is looked at (remote-host.ts, backendMismatch).

  /** The posix backend against the host's agent with `options`: the error that stops it before any scenario. */
  async function refusal(options: Record<string, string>): Promise<unknown> {
    const bed = await posixTestbed.create({ agent: `tcp://${host.agentHost}:${host.agentPort}`, capture: 'off', ...options });
    try {
      await bed.mainProcess();
      return null;
    } catch (error) {
      return error;
    } finally {
      await bed.close();
    }
  }

  const CANNOT_REACH_PEER =
    /^the agent at tcp:\/\/\S+ cannot reach the peer at \S+ \(connect: (WSAE\w+|no answer within \d+ ms)\): peer-address must be an address of this host that the agent's host can reach$/;

  it('when set up right, the check passes and gives the address the peer saw', async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const bed = await posixTestbed.create({ agent: `tcp://${host.agentHost}:${host.agentPort}`, capture: 'off', 'peer-address': host.thisHostAddress });
    try {
      await bed.mainProcess();
      assert.equal(bed.hostAddress(), host.agentHost);
    } finally {
      await bed.close();
    }
  });

  it("a peer-address that is the agent's own loopback", async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const error = await refusal({});
    assert.ok(error instanceof CannotRun, String(error));
    assert.match(error.message, CANNOT_REACH_PEER);
    assert.match(error.message, /at 127\.0\.0\.1:\d+ \(connect: WSAECONNREFUSED\)/);
  });

  it("a peer-address of this host the agent's host has no route to", async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const error = await refusal({ 'peer-address': host.unroutableAddress });
    assert.ok(error instanceof CannotRun, String(error));
    assert.match(error.message, CANNOT_REACH_PEER);
  });

  it('a peer-address that is not an address of this host', async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const error = await refusal({ 'peer-address': host.agentHost });
    assert.ok(error instanceof CannotRun, String(error));
    assert.match(error.message, /^the peer cannot listen at peer-address \S+ \(EADDRNOTAVAIL\)/);
  });

  it("a Winsock backend for the POSIX comparison's agent, before the topology", async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    const bed = await wineTestbed.create({ agent: `tcp://${host.agentHost}:${host.agentPort}`, capture: 'off', 'peer-address': host.thisHostAddress });
    try {
      await assert.rejects(
        bed.mainProcess(),
        (error: unknown) => error instanceof CannotRun && /serves no ws2_32 .*: run it with --backend posix,/.test(error.message),
      );
    } finally {
      await bed.close();
    }
  });

  it('from the command line: one line, exit 2, no verdict', async (t) => {
    if (!hasPrerequisite(t, namespaceMissing())) return;
    // The README's command, as the posix backend's for the host's POSIX agent.
    const args = fillAddresses(wineControllerArguments(), `${host.agentHost}`, '127.0.0.1').map((arg, i, all) =>
      all[i - 1] === '--backend' ? 'posix' : arg.replace(/:7777$/, `:${host.agentPort}`),
    );
    const run = await commandHere([...args, '--no-reports']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^winsock-conformance: the agent at tcp:\/\/\S+ cannot reach the peer at 127\.0\.0\.1:\d+ \(connect: WSAECONNREFUSED\)/);
  });
});
