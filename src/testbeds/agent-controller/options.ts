// The wine and winsock backends' options (--backend-option KEY=VALUE), checked and parsed.
import * as path from 'node:path';
import { REPO_ROOT } from '../../core/paths';

/** The options these backends take; any other is refused, naming these. Each is described in AgentOptions. */
export const OPTION_NAMES = ['agent', 'agent-command', 'agent-kind', 'grace', 'boot-timeout', 'capture', 'wine', 'cache', 'verbose', 'peer-address'] as const;

export interface AgentOptions {
  /** agent=tcp://HOST:PORT: an agent that is already running (default: start one). */
  remote: { host: string; port: number } | null;
  /**
   * agent-command=PROGRAM [ARGS...]: a local agent program to start instead of the suite's (a .ts or .js
   * file runs in this node; it gets --listen, --announce and --single appended; no Wine is set up), e.g.
   * the test fixture test/e2e/fixtures/faulty-agent.ts.
   */
  agentCommand: string[] | null;
  /**
   * agent-kind=node|native: the suite's agent to start, the node agent (agents/node/agent.ts in node.exe, the
   * default) or the native one (agents/native/, an executable of its own). The wine32 backend has only the
   * native one (its x86 build), and takes no agent-kind.
   */
  agentKind: 'node' | 'native';
  /** grace: ms an answer may come after a call's bound before the agent counts as hung (default 5000). */
  graceMs: number;
  /** boot-timeout: ms the agent may take to start (default 60000). */
  bootTimeoutMs: number;
  /** capture=on|off: tcpdump when root, on lo or, for a peer-address off loopback, on every interface for that address (default on). */
  capture: boolean;
  /** wine: the path of wine64 (wine backends; default: wine-setup.ts findWine64's search). */
  wine64: string | undefined;
  /** cache: the cache folder (default <repo>/.cache). */
  cacheDir: string;
  /** verbose=on|off: the agent logs every call to its log file (default off). */
  verbose: boolean;
  /** peer-address: the address the peer binds, which a remote agent must reach (default 127.0.0.1; remote-host.ts checks it). */
  peerAddress: string;
}

/** The options of `backend`; throws a one-line error naming what is wrong. */
export function parseAgentOptions(raw: Record<string, string>, backend: string): AgentOptions {
  for (const key of Object.keys(raw)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) throw new Error(`unknown ${backend} option '${key}'; valid: ${OPTION_NAMES.join(', ')}`);
  }
  const ms = (key: string, fallback: number): number => {
    if (raw[key] === undefined) return fallback;
    const n = Number(raw[key]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${backend} option ${key} takes milliseconds, not '${raw[key]}'`);
    return n;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (v === 'on' || v === 'true' || v === '1') return true;
    if (v === 'off' || v === 'false' || v === '0') return false;
    throw new Error(`${backend} option ${key} takes on or off, not '${v}'`);
  };
  let remote: AgentOptions['remote'] = null;
  if (raw.agent !== undefined) {
    remote = agentAddress(raw.agent);
    if (!remote) throw new Error(`${backend} option agent takes tcp://HOST:PORT, not '${raw.agent}'`);
  }
  let agentCommand: string[] | null = null;
  if (raw['agent-command'] !== undefined) {
    agentCommand = raw['agent-command'].trim().split(/\s+/).filter(Boolean);
    if (agentCommand.length === 0) throw new Error(`${backend} option agent-command takes a program and its arguments`);
    if (remote) throw new Error(`${backend} options agent and agent-command exclude each other: one connects to a running agent, the other starts one`);
  }
  if (backend === 'wine32' && raw['agent-kind'] !== undefined)
    throw new Error("unknown wine32 option 'agent-kind'; the wine32 backend has one agent, the native one built for x86");
  const agentKind = backend === 'wine32' ? 'native' : (raw['agent-kind'] ?? 'node');
  if (agentKind !== 'node' && agentKind !== 'native') throw new Error(`${backend} option agent-kind takes node or native, not '${agentKind}'`);
  if (raw['agent-kind'] !== undefined && (remote || agentCommand))
    throw new Error(`${backend} option agent-kind chooses the suite's agent to start; with ${remote ? 'agent' : 'agent-command'} the suite starts none`);
  return {
    remote,
    agentCommand,
    agentKind,
    graceMs: ms('grace', 5000),
    bootTimeoutMs: ms('boot-timeout', 60_000),
    capture: flag('capture', true),
    wine64: raw.wine,
    cacheDir: path.resolve(raw.cache ?? path.join(REPO_ROOT, '.cache')),
    verbose: flag('verbose', false),
    peerAddress: raw['peer-address'] ?? '127.0.0.1',
  };
}

/** The host and port of an agent option's `tcp://HOST:PORT` (an IPv6 host in brackets); null when it is not one. */
export function agentAddress(value: string): { host: string; port: number } | null {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(value);
  return m ? { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) } : null;
}

/** Whether `host` is this host's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return /^127\.|^localhost$|^::1$/.test(host);
}
