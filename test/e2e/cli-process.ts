// The suite's own programs in child processes, for the e2e tests: the CLI in its own process group, bounded,
// with every process it started tracked (so that a test can press Ctrl-C on it, and see what is left), and
// the other scripts as npm's scripts run them.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../src/core/paths';
import { VERDICTS } from '../../src/verdicts/meanings';
import { ticksSinceBoot, trackDescendants, type Proc } from './processes';

const BIN = path.join(REPO_ROOT, 'bin', 'conformance.js');

/** A scenario's verdict line, as the CLI prints it: any of the verdicts, then a space. */
export const VERDICT_LINE = new RegExp(`^(${VERDICTS.join('|')}) `, 'm');

/** SIGKILL to a process group, if it is still there. */
function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  pid: number;
  /** Every process the run started, and theirs (workers, agents, probes, tcpdump). */
  descendants: Proc[];
  /** When the CLI had exited, in clock ticks since boot (the unit of Proc.start). */
  endedTicks: number;
}

export interface Running {
  pid: number;
  /** Resolves with the first stdout line that matches. */
  line(pattern: RegExp): Promise<string>;
  done: Promise<Finished>;
}

/** Start the CLI in its own process group (so that a test can press Ctrl-C on it), killed at `boundMs`. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; boundMs?: number } = {}): Running {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    stdout += text;
    for (const w of [...waiters]) {
      const line = stdout.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr.on('data', (text: string) => (stderr += text));
  // At the bound, the whole group: the CLI and everything it started (its agents, tcpdump).
  const bound = setTimeout(() => killGroup(child.pid), options.boundMs ?? 60_000);
  const tracker = trackDescendants(child.pid ?? 0);
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(bound);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, pid: child.pid ?? 0, descendants: tracker.stop(), endedTicks: ticksSinceBoot() });
    });
  });
  return {
    pid: child.pid ?? 0,
    done,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void done.then((f) => reject(new Error(`the run ended (${f.code ?? f.signal}) without a line matching ${pattern}:\n${f.stdout}\n${f.stderr}`)));
      }),
  };
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; boundMs?: number } = {}): Promise<Finished> {
  return startCli(args, options).done;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run one of the suite's programs, JavaScript or TypeScript (through ts-node, as npm's scripts do), in `cwd` (default the repository). */
export function run(script: string, args: readonly string[], cwd = REPO_ROOT): Promise<Ran> {
  const loader = script.endsWith('.ts') ? ['-r', 'ts-node/register'] : [];
  return new Promise((resolve) => {
    execFile(process.execPath, [...loader, path.join(REPO_ROOT, script), ...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
