// A host of its own for the implementation under test, inside this machine: a network namespace joined to
// this one by a veth pair, a /30 of the benchmarking range 198.18.0.0/15 (RFC 2544) between them, and an
// agent listening in it as a vendor starts one on their Windows machine (README, "On another host"). The
// suite then runs outside, as on the vendor's Linux machine, and its peer's traffic crosses the link.
//
// Wine in the namespace needs a prefix of its own: Wine 8.0 creates every socket in the wineserver, not in
// the client (server/sock.c, init_socket: `socket( unix_family, unix_type, unix_protocol )`), and a client
// joins whichever server already serves its prefix (its socket is a file under /tmp, which a namespace
// shares). Started while another run of the checkout's prefix is going, an agent in the namespace would
// have its sockets made by that server, outside the namespace, and listen there. So the host gets its own
// prefix, a copy of the checkout's: hard links, but for the files Wine writes in place (the registry, which
// Wine 8.0 rewrites in place when it has more than one link: server/registry.c, save_registry).
//
// Made and removed by the test itself; a host left behind by a test process that was killed (its name holds
// that process's id) is removed by the next one.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../src/core/paths';
import { endPrefixProcesses, ensureWineSetup, pidAlive, wineEnv } from '../../src/testbeds/agent-controller/wine-setup';
import { awaitAtMost } from '../../src/testbeds/agent-controller/launcher';
import { namespaceMissing } from '../prerequisites';

const NAME_PREFIX = 'wsc-host-';
/** 198.18.0.0/15: 2^17 addresses, 32768 blocks of four. */
const RANGE_BASE = (198 << 24) | (18 << 16);
const BLOCKS = 32768;
/** How long the agent may take to say it listens (a fresh wineserver and Wine's services start with it). */
const LISTEN_BOUND_MS = 60_000;

/** Where hosts' Wine prefixes live: beside the checkout's, on its file system (for the hard links). */
const HOSTS_DIR = path.join(REPO_ROOT, '.cache', 'wine', 'hosts');

export interface NamespaceHost {
  /** The namespace's name. */
  name: string;
  /** This machine's end of the link: the address the peer listens at. */
  thisHostAddress: string;
  /** The namespace's end: the agent's host. */
  agentHost: string;
  /** An address of this machine the namespace has no route to (on this machine's end of the link, outside the /30). */
  unroutableAddress: string;
  /** The agent's port, as its --listen said. */
  agentPort: number;
  /** End the agent and everything of the host's (its Wine, its prefix, the namespace and its link); safe to call twice. */
  remove(): Promise<void>;
}

/** How the agent is started in the host: a program, its arguments, and its environment. */
export interface HostAgent {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The Wine prefix it runs in (a copy made for the host), whose processes end with the host; null without Wine. */
  prefix: string | null;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function dotted(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.');
}

/** The namespaces that exist now, by name. */
function namespaces(): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Remove a namespace of ours: end what runs in it (ours: its name says so), then the namespace, whose link goes with it. */
function removeNamespace(name: string): void {
  for (const pid of ip('netns', 'pids', name).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  try {
    ip('netns', 'del', name);
  } catch {
    // already gone
  }
}

/** Hosts left by test processes that are gone (killed before they could remove them). */
function removeLeftovers(): void {
  for (const name of namespaces()) {
    const owner = new RegExp(`^${NAME_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (owner === undefined || pidAlive(Number(owner))) continue;
    removeNamespace(name);
    fs.rmSync(path.join(HOSTS_DIR, name), { recursive: true, force: true });
  }
}

/** A /30 of the range no address of this machine is in, starting from one this process's id picks. */
function freeBlock(): number {
  const used = new Set(
    [...ip('-o', '-4', 'addr', 'show').matchAll(/inet (\d+)\.(\d+)\.(\d+)\.(\d+)\//g)].map(
      (m) => ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 2,
    ),
  );
  for (let i = 0; i < BLOCKS; i += 1) {
    const block = (RANGE_BASE >>> 2) + ((process.pid + i * 7919) % BLOCKS);
    // Its own block and the next (the unroutable address's) are free.
    if (!used.has(block) && !used.has(block + 1)) return block;
  }
  throw new Error('no free /30 in 198.18.0.0/15 on this machine');
}

/**
 * A prefix for the host: the checkout's, hard-linked, but for its top-level files (the registry and
 * Wine's own notes), which are copied, since Wine writes them in place.
 */
function copyPrefix(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  execFileSync('cp', ['-al', from, to]);
  for (const entry of fs.readdirSync(to, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(to, entry.name);
    fs.rmSync(file);
    fs.copyFileSync(path.join(from, entry.name), file);
  }
}

/** The native agent under Wine, as README's step 3 runs it on a Linux host: `wine64 winsock-agent-x64.exe ARGS`. */
export async function wineNativeAgent(hostDir: string, agentArgs: readonly string[]): Promise<HostAgent> {
  const setup = await ensureWineSetup();
  const builtAgent = setup.nativeAgents?.x64;
  if (builtAgent === undefined) throw new Error('the native agent is not built (npm run setup builds it with mingw-w64)');
  const prefix = path.join(hostDir, 'prefix');
  copyPrefix(setup.prefix, prefix);
  // Step 2: the one file, copied to the host.
  const exe = path.join(hostDir, path.basename(builtAgent));
  fs.copyFileSync(builtAgent, exe);
  return { command: setup.wine64, args: [exe, ...agentArgs], env: wineEnv(prefix), prefix };
}

/** The POSIX agent in this node: a host whose agent needs no Wine, for the checks that only need one to connect. */
export function posixAgent(agentArgs: readonly string[]): HostAgent {
  return {
    command: process.execPath,
    args: ['-r', 'ts-node/register', path.join(REPO_ROOT, 'agents', 'posix', 'agent.ts'), ...agentArgs],
    env: process.env,
    prefix: null,
  };
}

/**
 * Wait for the agent's `listening on HOST:PORT` line in its log file (on the file's change events, bounded);
 * its port. The log is a file, not a pipe of ours: Wine hands a program's standard handles to its
 * wineserver, and a pipe end that reaches it may outlive the agent and keep this process from exiting.
 */
function listening(child: ChildProcess, log: string): Promise<number> {
  const output = (): string => {
    try {
      return fs.readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`the agent did not say it listens within ${LISTEN_BOUND_MS} ms:\n${output()}`)), LISTEN_BOUND_MS);
    const check = (): void => {
      const port = /listening on [^\s:]+:(\d+)/.exec(output())?.[1];
      if (port !== undefined) done(null, Number(port));
    };
    const watcher = fs.watch(log, check);
    const onExit = (code: number | null): void => done(new Error(`the agent exited (${code}) before it listened:\n${output()}`));
    const done = (error: Error | null, port = 0): void => {
      clearTimeout(timer);
      watcher.close();
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(port);
    };
    child.once('exit', onExit);
    check();
  });
}

/**
 * Make a host and start its agent there (`agent` is given the host's folder, for what it copies there).
 * Needs root and iproute2's `ip`.
 */
export async function startNamespaceHost(agent: (hostDir: string) => Promise<HostAgent> | HostAgent): Promise<NamespaceHost> {
  const missing = namespaceMissing();
  if (missing !== null) throw new Error(`a host in a network namespace needs ${missing}`);
  removeLeftovers();
  const block = freeBlock();
  const name = `${NAME_PREFIX}${process.pid}-${block & 0xffff}`;
  const hostDir = path.join(HOSTS_DIR, name);
  const thisHostAddress = dotted((block << 2) + 1);
  const agentHost = dotted((block << 2) + 2);
  const unroutableAddress = dotted(((block + 1) << 2) + 1);
  // veth names: at most 15 bytes; the block keeps them apart.
  const outside = `wsc${block & 0x7fff}h`;
  let child: ChildProcess | null = null;
  let prefix: string | null = null;
  let removal: Promise<void> | null = null;
  const remove = (): Promise<void> =>
    (removal ??= (async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGKILL');
        await awaitAtMost(exited, 5000);
      }
      // Wine's processes of the host's prefix (its wineserver last, as a run ends its own).
      if (prefix !== null) {
        const setup = await ensureWineSetup();
        endPrefixProcesses({ wine64: setup.wine64, wineserver: setup.wineserver, prefix });
      }
      removeNamespace(name);
      fs.rmSync(hostDir, { recursive: true, force: true });
    })());
  try {
    ip('netns', 'add', name);
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name);
    ip('addr', 'add', `${thisHostAddress}/30`, 'dev', outside);
    ip('addr', 'add', `${unroutableAddress}/32`, 'dev', outside);
    ip('link', 'set', outside, 'up');
    ip('-n', name, 'addr', 'add', `${agentHost}/30`, 'dev', 'eth0');
    ip('-n', name, 'link', 'set', 'eth0', 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
    fs.mkdirSync(hostDir, { recursive: true });
    const started = await agent(hostDir);
    prefix = started.prefix;
    const log = path.join(hostDir, 'agent.log');
    const logFd = fs.openSync(log, 'w');
    try {
      child = spawn('ip', ['netns', 'exec', name, started.command, ...started.args], { env: started.env, stdio: ['ignore', logFd, logFd] });
    } finally {
      fs.closeSync(logFd);
    }
    const agentPort = await listening(child, log);
    return { name, thisHostAddress, agentHost, unroutableAddress, agentPort, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
