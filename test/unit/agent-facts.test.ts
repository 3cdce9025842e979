// A run's facts say who vouches for each, and an agent that contradicts what the controller sees is named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentFacts } from '../../agents/protocol';
import { runFacts, type ControllerFacts } from '../../src/testbeds/agent-controller/facts';
import { backendMismatch } from '../../src/testbeds/agent-controller/remote-host';
import { agentProgram, suiteAgent } from '../../src/testbeds/agent-controller';
import { parseAgentOptions } from '../../src/testbeds/agent-controller/options';
import type { WineSetup } from '../../src/testbeds/agent-controller/wine-setup';
import { posixAgent } from '../../src/testbeds/posix';

const controller: ControllerFacts = {
  backend: 'wine',
  revision: 'abc1234',
  host: 'Linux 6.1 x64, node v20.20.2',
  agentAddress: 'local',
  capture: 'tcpdump on lo',
  runs: { wine: 'wine-8.0 (Debian 8.0~repack-4)', nodeExe: 'v22.23.3' },
  bootMs: 912.4,
  wire: { notObservedBecause: 'no scenario connected' },
};
const agent: AgentFacts = {
  implementation: 'winsock-conformance node agent',
  windows: 'Windows 10 Pro 10.0.19045',
  ws2_32: 'C:\\windows\\system32\\ws2_32.dll',
  ops: [],
  node: 'v22.23.3',
  koffi: '3.3.4',
  wine: '8.0',
};

describe('run facts', () => {
  it('label each fact with the side that vouches for it', () => {
    const facts = runFacts(controller, agent, null);
    assert.equal(facts['controller: runs the agent under'], 'wine-8.0 (Debian 8.0~repack-4)');
    assert.equal(facts['controller: agent boot ms'], '912');
    assert.equal(facts['agent: windows'], 'Windows 10 Pro 10.0.19045');
    assert.equal(facts['agent: wine'], '8.0');
    assert.equal(facts['controller: the agent contradicts it'], undefined);
    assert.ok(Object.keys(facts).every((key) => key === 'backend' || key.startsWith('controller: ') || key.startsWith('agent: ')));
  });

  it('name an agent whose Wine or node.exe is not the one the controller runs', () => {
    const lying = runFacts(controller, { ...agent, wine: '9.0', node: 'v18.0.0' }, null);
    assert.equal(
      lying['controller: the agent contradicts it'],
      'the controller runs Wine 8.0, the agent says 9.0; the controller installed node.exe v22.23.3, the agent says v18.0.0',
    );
    const notUnderWine: AgentFacts = { ...agent, wine: undefined };
    assert.match(runFacts(controller, notUnderWine, null)['controller: the agent contradicts it'] ?? '', /the agent does not say so/);
    const withoutWine = { ...controller, runs: { wine: null, nodeExe: null } };
    assert.equal(
      runFacts(withoutWine, agent, null)['controller: the agent contradicts it'],
      'the controller runs the agent without Wine, the agent says Wine 8.0',
    );
  });

  it('keep the controller’s own facts when the agent cannot be asked, or is remote', () => {
    const facts = runFacts({ ...controller, agentAddress: 'tcp://10.0.0.5:7777', runs: null }, null, 'connection refused');
    assert.deepEqual(Object.keys(facts).sort(), [
      'backend',
      'controller: TCP/IP on the wire',
      'controller: agent address',
      'controller: agent boot ms',
      'controller: agent error',
      'controller: capture',
      'controller: host',
      'controller: suite revision',
      'controller: wire fingerprint',
    ]);
  });
});

describe('a remote agent whose hello contradicts the backend', () => {
  const topology = { backend: 'winsock' as const, agent: 'tcp://198.18.0.2:7777', peerAddress: '198.18.0.1' };

  it('is refused as winsock when it says it runs under Wine, naming the backend to use', () => {
    assert.equal(
      backendMismatch(topology, agent),
      "the agent at tcp://198.18.0.2:7777 runs under Wine 8.0 (its hello says so), and --backend winsock judges Windows' ws2_32: run it with --backend wine, which judges it by Wine’s known deviations (expectations/wine.yaml)",
    );
  });

  it('is taken as winsock when it does not, and as wine either way', () => {
    const windows: AgentFacts = { ...agent };
    delete windows.wine;
    assert.equal(backendMismatch(topology, windows), null);
    assert.equal(backendMismatch({ ...topology, backend: 'wine' }, agent), null);
    assert.equal(backendMismatch({ ...topology, backend: 'wine' }, windows), null);
    assert.equal(backendMismatch({ ...topology, backend: 'wine32' }, agent), null, 'the node agent names no build');
  });

  it("is refused as the other Wine column when it is the native agent's build for the other ws2_32", () => {
    const native = (arch: string): AgentFacts => ({ ...agent, implementation: `winsock-conformance native agent (C, ${arch})` });
    assert.equal(
      backendMismatch({ ...topology, backend: 'wine' }, native('x86')),
      "the agent at tcp://198.18.0.2:7777 runs the native agent's x86 build under Wine 8.0 (its hello says so), and --backend wine judges Wine's 64-bit ws2_32: run it with --backend wine32, which judges it by Wine’s known deviations (expectations/wine32.yaml)",
    );
    assert.match(
      backendMismatch({ ...topology, backend: 'wine32' }, native('x64')) ?? '',
      /x64 build .* --backend wine32 judges Wine's 32-bit ws2_32 \(WoW64\): run it with --backend wine,/,
    );
    assert.match(backendMismatch(topology, native('x86')) ?? '', /--backend winsock judges Windows' ws2_32: run it with --backend wine32,/);
    assert.equal(backendMismatch({ ...topology, backend: 'wine32' }, native('x86')), null);
    assert.equal(backendMismatch({ ...topology, backend: 'wine' }, native('x64')), null);
  });

  it('is refused as posix when it serves a ws2_32, and the POSIX agent as any Winsock backend', () => {
    assert.equal(
      backendMismatch({ ...topology, backend: 'posix' }, agent),
      "the agent at tcp://198.18.0.2:7777 runs under Wine 8.0 (its hello says so), and --backend posix judges the host's BSD sockets, as a comparison and not a Winsock implementation: run it with --backend wine, which judges it by Wine’s known deviations (expectations/wine.yaml)",
    );
    const windows: AgentFacts = { ...agent };
    delete windows.wine;
    assert.match(
      backendMismatch({ ...topology, backend: 'posix' }, windows) ?? '',
      /serves C:\\windows\\system32\\ws2_32\.dll, not under Wine .* run it with --backend winsock, which judges it by the page alone$/,
    );
    const posix: AgentFacts = { implementation: 'winsock-conformance posix agent', windows: 'none', ws2_32: 'none: libc.so.6', ops: [], node: 'v20.19.0' };
    assert.equal(backendMismatch({ ...topology, backend: 'posix' }, posix), null);
    for (const backend of ['winsock', 'wine', 'wine32'] as const)
      assert.match(
        backendMismatch({ ...topology, backend }, posix) ?? '',
        new RegExp(
          `serves no ws2_32 \\(none: libc\\.so\\.6\\): the POSIX comparison's agent \\(its hello says so\\), and --backend ${backend} judges .*: run it with --backend posix, which judges it as a comparison \\(expectations/posix\\.yaml\\)$`,
        ),
      );
  });
});

describe('the agent program a run names', () => {
  const setup: WineSetup = {
    wine64: '/usr/bin/wine64',
    wineserver: '/usr/bin/wineserver',
    prefix: '/cache/wine/prefix',
    winNodeDir: '/cache/wine/node',
    nodeExe: '/cache/wine/node/node.exe',
    koffiDir: '/cache/wine/node/koffi',
    nodeVersion: 'v22.23.3',
    koffiVersion: '3.3.4',
    cacheDir: '/cache',
    nativeAgents: { x64: '/cache/native/winsock-agent-x64.exe', x86: '/cache/native/winsock-agent-x86.exe' },
    wine32: '/usr/lib/wine/wine',
  };
  const named = (backend: 'wine' | 'wine32', raw: Record<string, string>): string | undefined => {
    const options = parseAgentOptions(raw, backend);
    return agentProgram(options, suiteAgent(setup, options, backend));
  };

  it('is the one launched, for every backend and agent', () => {
    const posix = parseAgentOptions({}, 'posix');
    assert.equal(agentProgram(posix, posixAgent(posix)), `POSIX agent (agents/posix/agent.ts, node ${process.version})`);
    assert.equal(named('wine', {}), 'node agent (agents/node/agent.ts, node.exe v22.23.3)');
    assert.equal(named('wine', { 'agent-kind': 'native' }), 'native agent (agents/native/, winsock-agent-x64.exe)');
    assert.equal(named('wine32', {}), 'native agent (agents/native/, winsock-agent-x86.exe)');
    assert.equal(
      named('wine', { 'agent-command': 'test/e2e/fixtures/lying-proxy.ts --hide-wine' }),
      'agent-command test/e2e/fixtures/lying-proxy.ts --hide-wine',
    );
    const command = parseAgentOptions({ 'agent-command': 'test/e2e/fixtures/posix-blocking-agent.ts' }, 'posix');
    assert.equal(agentProgram(command, posixAgent(command)), 'agent-command test/e2e/fixtures/posix-blocking-agent.ts');
    // Not started by the controller, so not named by it: the agent's hello says what it is (agent: implementation).
    assert.equal(named('wine', { agent: 'tcp://127.0.0.1:7777' }), undefined);
  });

  it('names the local node agent (winsock backend on Windows) with the node it runs in', () => {
    const options = parseAgentOptions({}, 'wine');
    assert.equal(agentProgram(options, suiteAgent(null, options, 'wine')), `node agent (agents/node/agent.ts, node ${process.version})`);
  });
});
