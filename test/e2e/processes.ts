// Linux processes as /proc shows them, for the tests that check a run left nothing running. Such a check
// looks only at what is the test's own: the processes descended from the one it started, and the Wine
// processes of this checkout's prefix. Other checkouts run the same programs on the same machine (their
// agents, their wineservers), and are none of a test's business.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../src/core/paths';
import { readProcStat } from '../../src/core/proc-stat';
import { prefixUsers, processImage } from '../../src/testbeds/agent-controller/wine-setup';

export interface Proc {
  pid: number;
  ppid: number;
  state: string;
  /** When it started, in clock ticks since boot: with the pid, the process's identity. */
  start: string;
  comm: string;
}

/** This checkout's Wine prefix (src/testbeds/agent-controller/wine-setup.ts puts it in <repo>/.cache/wine/prefix). */
export const PREFIX = path.join(REPO_ROOT, '.cache', 'wine', 'prefix');

export function readProc(pid: number): Proc | null {
  const stat = readProcStat(pid);
  if (!stat) return null;
  const [state = '', ppid] = stat.fields;
  return { pid, comm: stat.comm, state, ppid: Number(ppid), start: stat.fields[19] ?? '' };
}

export function allProcs(): Proc[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => readProc(Number(n)))
    .filter((p): p is Proc => p !== null);
}

/** Whether the process recorded in `p` still runs (a zombie whose threads have all exited holds nothing; a reused pid is another process). */
export function stillRuns(p: Proc): boolean {
  const now = readProc(p.pid);
  return now !== null && now.start === p.start && running(now);
}

/** Now, in the unit of Proc.start: clock ticks since boot (USER_HZ: 100 on x86 and ARM Linux, `getconf CLK_TCK`). */
export function ticksSinceBoot(): number {
  const uptimeSeconds = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Math.ceil(uptimeSeconds * 100);
}

export function environOf(pid: number): string[] {
  return processImage(pid)?.environ ?? [];
}

/**
 * Whether process `p` (as read now) runs: not a zombie, or a zombie by its main thread only, whose other
 * threads live on and hold what it held (Wine's winedevice.exe is left so: wine-setup.ts processImage).
 */
function running(p: Proc): boolean {
  if (p.state !== 'Z') return true;
  try {
    return fs.readdirSync(`/proc/${p.pid}/task`).length > 1;
  } catch {
    return false;
  }
}

/** The pids of process `pid`'s children, as each of its threads lists those it started (CONFIG_PROC_CHILDREN). */
function childrenOf(pid: number): number[] {
  let threads: string[];
  try {
    threads = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of threads) {
    try {
      for (const child of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child) children.push(Number(child));
    } catch {
      // the thread ended meanwhile
    }
  }
  return children;
}

/**
 * Collects, until stopped, every process descended from `root` (polling every 50 ms), `root` excluded;
 * `peek` tells those seen so far. Each poll reads the children of the tree's live processes only, not the
 * whole of /proc: with a run or more being tracked at every moment of npm test, reading all of /proc 20
 * times a second cost its tests 10 s of CPU. A process is taken for a child only of the very process
 * recorded under its parent's pid (the same start): a pid that ended and came back as another checkout's
 * process adopts nothing into the run.
 */
export function trackDescendants(root: number): { peek(): Proc[]; stop(): Proc[] } {
  if (!fs.existsSync(`/proc/${process.pid}/task/${process.pid}/children`))
    throw new Error("this kernel does not list a process's children in /proc (CONFIG_PROC_CHILDREN), which the tests' tracking of a run's processes reads");
  const rootProc = readProc(root);
  /** pid -> start of the tree's processes that may still have children to find, root included. */
  const live = new Map<number, string>(rootProc ? [[root, rootProc.start]] : []);
  const seen = new Map<string, Proc>();
  const poll = (): void => {
    const queue = [...live];
    for (let next = queue.pop(); next; next = queue.pop()) {
      const [pid, start] = next;
      const now = readProc(pid);
      // Gone, or its pid now another's: nothing more of the tree can start under it.
      if (now?.start !== start) {
        live.delete(pid);
        continue;
      }
      // Its name as it is now: one first seen between its fork and its exec bore its parent's (an agent
      // spawned by the CLI is node until it is wine64, then node.exe), which named it wrongly to the end.
      const key = `${pid}@${start}`;
      if (seen.has(key)) seen.set(key, now);
      for (const child of childrenOf(pid)) {
        const p = readProc(child);
        if (!p || p.state === 'Z' || p.ppid !== pid || live.get(child) === p.start) continue;
        live.set(child, p.start);
        seen.set(`${p.pid}@${p.start}`, p);
        queue.push([child, p.start]);
      }
    }
  };
  poll();
  // Unref'd: a test that fails before it calls stop() must not be kept alive by the polling, forever.
  const timer = setInterval(poll, 50).unref();
  return {
    peek: () => {
      poll();
      return [...seen.values()];
    },
    stop: () => {
      clearInterval(timer);
      poll();
      return [...seen.values()];
    },
  };
}

/** The live processes of the Wine prefix: their environment names it (Wine's programs, and the agents in it). */
export function prefixProcs(prefix = PREFIX): Proc[] {
  return allProcs().filter((p) => running(p) && environOf(p.pid).includes(`WINEPREFIX=${prefix}`));
}

/**
 * Which of `started` (the processes a test's run started) still run and are that run's to end. Wine's own
 * processes of the prefix (the wineserver, services.exe, explorer.exe, ...: anything there but the suite's
 * agents and probes) serve every user of the prefix: while a controller other than `controllers`
 * uses it, they are that controller's to end, whichever run started them.
 */
export function stillRunningOf(started: readonly Proc[], controllers: readonly number[], prefix = PREFIX): Proc[] {
  // Another test of this checkout running beside uses the prefix (or leaves it), and ends them when it leaves.
  const shared = prefixUsers(prefix, controllers).length > 0;
  // The agents (node.exe, or the native winsock-agent-x64.exe, its name cut to 15 characters) are the run's own.
  const wines = (p: Proc): boolean => p.comm !== 'node.exe' && !p.comm.startsWith('winsock-agent') && environOf(p.pid).includes(`WINEPREFIX=${prefix}`);
  return started.filter((p) => stillRuns(p) && !(shared && wines(p)));
}

/** The prefix's processes still running, unless a controller other than `controllers` still uses it (and ends them when it leaves). */
export function prefixLeftovers(controllers: readonly number[], prefix = PREFIX): Proc[] {
  return prefixUsers(prefix, controllers).length > 0 ? [] : prefixProcs(prefix);
}

/** The TCP ports in LISTEN state (IPv4 and IPv6) whose socket one of `pids` holds open. */
export function listeningPortsOf(pids: readonly number[]): Set<number> {
  const portOfSocket = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && cols[9]) portOfSocket.set(cols[9], parseInt(cols[1]?.split(':')[1] ?? '0', 16));
    }
  }
  const ports = new Set<number>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        const port = inode === undefined ? undefined : portOfSocket.get(inode);
        if (port !== undefined) ports.add(port);
      } catch {
        // closed meanwhile
      }
    }
  }
  return ports;
}
