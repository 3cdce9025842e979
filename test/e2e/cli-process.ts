// The suite's own programs in child processes, for the e2e tests: the CLI in its own process group, bounded,
// with every process it started tracked (so that a test can press Ctrl-C on it, and see what is left), and
// the other scripts as npm's scripts run them. And, in the test's own process, a command (a subcommand, or a
// script's: lint:trace, spec:diff) for tests that read what it says and writes, and runs of the suite made
// as the command makes them, for tests that read a run's records, not its process.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { runCommand, type Command } from '../../src/cli/command';
import { dispatch } from '../../src/cli/main';
import type { RunOptions } from '../../src/run/options';
import type { RunSummary } from '../../src/run/run-suite';
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

/**
 * How long a test lets the CLI run before it kills it: a safety net against a run that hangs, not a speed
 * target (those are npm run bench's). A loaded machine (npm test runs its e2e files side by side with the
 * whole runs) stretches a run several times over, so it is generous, and well inside --test-timeout.
 */
export const RUN_BOUND_MS = 180_000;

/** Start the CLI in its own process group (so that a test can press Ctrl-C on it), killed at `boundMs`; a kill at the bound is said in its stderr. */
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
  const boundMs = options.boundMs ?? RUN_BOUND_MS;
  let boundReached = false;
  const bound = setTimeout(() => {
    boundReached = true;
    killGroup(child.pid);
  }, boundMs);
  const tracker = trackDescendants(child.pid ?? 0);
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(bound);
      if (boundReached) stderr += `(killed by the test at its bound of ${boundMs} ms)\n`;
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

/**
 * The command on `argv` (a subcommand named first, as on its command line) in this process, through the
 * exit path its process takes (src/cli/main.ts, command.ts): its exit code and what it wrote on stdout and
 * stderr. For a test that reads what the command says and writes, not its process: a process of its own
 * costs half a second of CPU to start. Run from the repository, as run() runs the command; cli.test.ts
 * runs the process itself for bad input, and tests that need another working folder run it. A run made so
 * must end before cucumber loads the steps (bad input, a run that cannot start, --list): cucumber loads
 * them once per process, and whole runs made here go through runHere, which keeps them.
 */
export async function commandHere(argv: readonly string[]): Promise<Ran> {
  const command = dispatch(argv);
  return runCommandHere(command.name, await command.load(), command.argv);
}

/** `command` on `argv` in this process as `name`'s process runs it (runCommand): what commandHere gives, for a script's command (npm run lint:trace, spec:diff). */
export async function runCommandHere(name: string, command: Command, argv: readonly string[]): Promise<Ran> {
  if (process.cwd() !== REPO_ROOT) throw new Error(`a command made here runs from the repository, not from ${process.cwd()}`);
  const said = { stdout: '', stderr: '' };
  const sink = (to: 'stdout' | 'stderr'): Writable => new Writable({ write: (chunk: Buffer, _encoding, done) => done(void (said[to] += chunk.toString())) });
  const code = await runCommand(name, command, argv, sink('stderr'), sink('stdout'));
  return { code, ...said };
}

/** The steps and hooks cucumber loaded for this process's first run made here: it loads them once per process. */
let support: ISupportCodeLibrary | undefined;
/** The runs made here, one after another: a process holds one testbed at a time (src/testbeds/lifecycle.ts). */
let runsHere: Promise<unknown> = Promise.resolve();

/**
 * A run of the suite in this process (src/run/run-suite.ts, as the command and the mutants make theirs),
 * without its lines; after any run made here before it. Cucumber and the steps are loaded on the first,
 * which a process of the command would pay for each run.
 */
export function runSuiteHere(options: RunOptions): Promise<RunSummary> {
  const made = runsHere.then(async () => {
    const { runSuite } = await import('../../src/run/run-suite');
    const summary = await runSuite(options, () => undefined, support);
    support = summary.support;
    return summary;
  });
  runsHere = made.catch(() => undefined);
  return made;
}

/** The run the command makes of `argv` (read as it reads them), in this process: its summary, and the exit code the command would give. */
export async function runHere(argv: readonly string[]): Promise<{ code: number; summary: RunSummary }> {
  const { parseArguments } = await import('../../src/cli/run-arguments');
  const options = parseArguments(argv);
  if (options === 'help' || options.list) throw new Error(`runHere makes runs, not --help or --list: ${argv.join(' ')}`);
  const summary = await runSuiteHere(options);
  return { code: summary.failed ? 1 : 0, summary };
}
