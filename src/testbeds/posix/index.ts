// The posix backend: a comparison column, not a Winsock implementation. The same scenarios run against the
// host's BSD sockets, each Winsock call carried onto POSIX as the porting table says
// (agents/posix/mapping.ts: WSARecvDisconnect is shutdown(fd, SHUT_RD), WSAGetLastError is errno mapped to
// WSA codes, ...), so that the matrix shows where POSIX differs from the page.
//
// The calls run in the POSIX agent (agents/posix/agent.ts), a child node process the agent controller
// (src/testbeds/agent-controller/) starts and talks to over the control protocol: a call that blocks past its bound
// or crashes the agent ends its scenario as TIMEOUT or BROKEN and the run goes on with a fresh agent, as
// with Wine's. The peer and the capture are the same loopback ones. What has no POSIX counterpart (the
// table's NO_POSIX_COUNTERPART, a process without start-up, fault injection) is N/A here, with the reason,
// before anything is asked of the agent.
import * as path from 'node:path';
import type { Call, CallOutcome, FaultName, Testbed, TestbedFactory, WinsockProcess } from '../../core/ports';
import { NotApplicable } from '../../core/outcomes';
import { REPO_ROOT } from '../../core/paths';
import { keptByTheTable, NO_UNINITIALISED_PROCESS, notApplicableOnPosix } from '../../../agents/posix/mapping';
import { AgentTestbed, type OwnAgent } from '../agent-controller';
import { POSIX_COLUMN_NOTE } from './column-note';
import { buildAgent, type LaunchSpec } from '../agent-controller/launcher';
import { parseAgentOptions, type AgentOptions } from '../agent-controller/options';

const POSIX_AGENT_ENTRY = path.join(REPO_ROOT, 'agents', 'posix', 'agent.ts');

/** The POSIX agent in the local node, built like the Winsock agent (only node built-ins beside koffi). */
function posixAgentLaunch(options: AgentOptions): LaunchSpec {
  const agentJs = buildAgent(path.join(options.cacheDir, 'posix', 'agent'), POSIX_AGENT_ENTRY);
  return {
    command: process.execPath,
    args: [agentJs, '--koffi', path.join(REPO_ROOT, 'node_modules', 'koffi'), ...(options.verbose ? ['--verbose'] : [])],
    // Blocked calls park a libuv pool thread each until they are woken: keep a few spare.
    env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
    logDir: path.join(options.cacheDir, 'posix', 'logs'),
    bootTimeoutMs: options.bootTimeoutMs,
    label: 'in the local node (POSIX comparison)',
  };
}

/** The POSIX agent, for the agent controller: named in the run's facts as what it is, not as the Winsock agent. */
export function posixAgent(options: AgentOptions): OwnAgent {
  return {
    program: () => `POSIX agent (agents/posix/agent.ts, node ${process.version})`,
    launch: () => posixAgentLaunch(options),
  };
}

/** The agent's main process, behind the porting table: a call with no POSIX counterpart is N/A, never sent. */
class PortedProcess implements WinsockProcess {
  constructor(private readonly inner: WinsockProcess) {}

  call(call: Call, boundMs: number): Promise<CallOutcome> {
    const why = notApplicableOnPosix(call.op);
    if (why !== null) return Promise.reject(new NotApplicable(`${call.op} has no POSIX counterpart: ${why}`));
    return this.inner.call(call, boundMs);
  }

  release(): Promise<void> {
    return this.inner.release();
  }
}

class PosixTestbed implements Testbed {
  readonly backend = 'posix';
  readonly peer: Testbed['peer'];
  readonly wire: Testbed['wire'];
  readonly notCapturedBecause: string | null;
  readonly faults: readonly FaultName[];

  constructor(private readonly agent: AgentTestbed) {
    this.peer = agent.peer;
    this.wire = agent.wire;
    this.notCapturedBecause = agent.notCapturedBecause;
    this.faults = agent.faults;
  }

  now(): number {
    return this.agent.now();
  }

  hostAddress(): string {
    return this.agent.hostAddress();
  }

  async mainProcess(): Promise<WinsockProcess> {
    return new PortedProcess(await this.agent.mainProcess());
  }

  uninitialisedProcess(): Promise<WinsockProcess> {
    return Promise.reject(new NotApplicable(NO_UNINITIALISED_PROCESS));
  }

  inject(fault: FaultName): Promise<void> {
    return this.agent.inject(fault);
  }

  endScenario(): Promise<void> {
    return this.agent.endScenario();
  }

  keptByConstruction(requirement: string): string | null {
    return keptByTheTable(requirement);
  }

  async metadata(): Promise<Record<string, string>> {
    return { ...(await this.agent.metadata()), 'controller: column': POSIX_COLUMN_NOTE };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function options(raw: Record<string, string>): AgentOptions {
  if (raw.wine !== undefined) throw new Error("unknown posix option 'wine'; the posix backend runs no Wine");
  if (raw['agent-kind'] !== undefined) throw new Error("unknown posix option 'agent-kind'; the posix backend has one agent, the POSIX one");
  return parseAgentOptions(raw, 'posix');
}

export const posixTestbed: TestbedFactory = {
  checkOptions: (raw) => void options(raw),
  create: async (raw) => {
    const parsed = options(raw);
    if (process.platform !== 'linux' && !parsed.remote && !parsed.agentCommand) {
      throw new Error(`the posix backend knows Linux's socket numbers only (this host runs ${process.platform})`);
    }
    return new PosixTestbed(new AgentTestbed('posix', parsed, null, posixAgent(parsed)));
  },
};
