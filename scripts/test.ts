// npm test [-- --jobs N] [--e2e]: every check of the suite, the independent ones side by side (at most N
// steps at once, started in the order listed), each step's output printed whole when it ends, with its
// time. The set-up goes first; the whole runs several e2e tests read (test/e2e/shared-runs.ts) are made
// once, into a folder of this run's, while the e2e files start beside them and wait for the runs they
// read. The tests' files go in RAM where the machine lets them (scratchRoot). Exits 1 when a step failed
// (a step whose prerequisite failed does not start, and says so), 0 otherwise; 2 for bad input.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../src/core/paths';
import { parseCommandLine, wholeNumber } from '../src/cli/arguments';
import { runAsProgram } from '../src/cli/command';
import { interruptSharedRuns, makeSharedRun, SHARED_RUNS_ENV, summaryOf, type SharedRunName } from '../test/e2e/shared-runs';
import { SCRATCH_ENV } from '../test/scratch';

/** What a step did: its exit code (0 is success) and its output. */
interface Outcome {
  code: number;
  output: string;
}

interface Step {
  name: string;
  /** The steps that must have succeeded before this one starts. */
  after: string[];
  /** Whether `npm run test:e2e` (--e2e) runs it: the e2e tests, and what they need. */
  e2e?: true;
  run: () => Promise<Outcome>;
}

const TS = ['-r', 'ts-node/register'];

/** A command of the checkout, its stdout and stderr together. */
function command(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): () => Promise<Outcome> {
  return () =>
    new Promise((resolve) => {
      const child = spawn(program, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
      child.on('error', (error) => (output += `${error.message}\n`));
      child.on('close', (code, signal) => resolve({ code: code ?? 1, output: signal ? `${output}(ended by ${signal})\n` : output }));
    });
}

const node = (args: string[], env?: NodeJS.ProcessEnv): (() => Promise<Outcome>) => command(process.execPath, args, env);

interface Choice {
  /** How many steps run at once. */
  jobs: number;
  /** The e2e tests alone (with the set-up and the shared runs they read): npm run test:e2e. */
  e2eOnly: boolean;
}

const USAGE = 'usage: npm test [-- --jobs N (steps at once, N >= 1; 6 by default)] [--e2e (the e2e tests alone)]';

/** The command line, read as every command of the suite reads its own (src/cli/arguments.ts). */
function parseArguments(argv: string[]): Choice {
  const { values } = parseCommandLine(argv, { jobs: { type: 'string' }, e2e: { type: 'boolean' } });
  return { jobs: values.jobs === undefined ? 6 : wholeNumber('--jobs', values.jobs, 1, 'steps at once'), e2eOnly: values.e2e ?? false };
}

/** tmpfs's magic number, as statfs(2) gives it. */
const TMPFS_MAGIC = 0x01021994;
/** The room npm test wants in RAM: its files took 133 MB at their most, measured. */
const SCRATCH_ROOM = 1024 ** 3;

/**
 * The folder this npm test's files go in (the shared runs, and every test's scratch folders): one of its own
 * in /dev/shm when that is a tmpfs with room, else in the system's temporary folder. On this machine's ext4
 * (mounted with discard) a file made and removed costs the kernel far more than in RAM, and the tests make
 * tens of thousands: the reports of every run, and the copies of the shared ones. Measured: copying one
 * shared run, 280 to 720 ms of CPU on ext4, 46 ms on tmpfs. Only the tests' own folders move: the
 * processes the tests start keep their TMPDIR, which Wine's wineserver uses for its socket.
 */
function scratchRoot(): string {
  const shm = '/dev/shm';
  try {
    const fs = statfsSync(shm);
    if (fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= SCRATCH_ROOM) return mkdtempSync(path.join(shm, 'winsock-conformance-npm-test-'));
  } catch {
    // No such folder, or not readable: the system's temporary folder, below.
  }
  return mkdtempSync(path.join(tmpdir(), 'winsock-conformance-npm-test-'));
}

function steps(scratch: string, sharedRuns: string): Step[] {
  const stepEnv = { ...process.env, [SCRATCH_ENV]: scratch };
  const e2eEnv = { ...stepEnv, [SHARED_RUNS_ENV]: sharedRuns };
  const runStep = (name: SharedRunName): Step => ({
    name: `run: ${name}`,
    after: ['setup'],
    e2e: true,
    run: async () => {
      const run = await makeSharedRun(name, path.join(sharedRuns, name));
      // Its summary line when it passed; all it said otherwise (test/e2e/shared-runs.test.ts fails on it too).
      return { code: run.code ?? 1, output: run.code === 0 ? summaryOf(run) : `${run.stdout}${run.stderr}` };
    },
  });
  // In the order they start: the longest first, so that the others fill the time beside them.
  return [
    // The set-up first, alone: it installs what the rest needs, and takes a few seconds once done.
    { name: 'setup', after: [], e2e: true, run: node([...TS, 'scripts/setup.ts']) },
    // The whole runs wait on their windows far more than they compute; the e2e files wait on them (so the
    // runs come first: with fewer jobs, the e2e files must not hold the slots the runs need) and on
    // processes of their own (Wine, Chromium, the CLI), four files at once.
    ...(['wine', 'wine-native', 'wine32', 'wine-remote', 'posix', 'simulator'] as const).map(runStep),
    // The e2e files, four at once, the largest first (scripts/e2e-files.ts: node --test would sort them by name).
    { name: 'test:e2e', after: ['setup'], e2e: true, run: node([...TS, path.join('scripts', 'e2e-files.ts'), ...e2eTestFiles()], e2eEnv) },
    { name: 'lint', after: [], run: command('npm', ['run', '--silent', 'lint']) },
    { name: 'typecheck', after: [], run: command('npm', ['run', '--silent', 'typecheck']) },
    { name: 'mutants', after: [], run: node(['bin/conformance.js', 'mutants']) },
    { name: 'test:unit', after: [], run: node([...TS, 'test/unit/all.ts'], stepEnv) },
    { name: 'lint:trace', after: [], run: node([...TS, 'scripts/lint-trace.ts']) },
  ];
}

/**
 * The e2e test files (test/e2e/*.test.ts), the largest first: they hold the most tests, and the longest,
 * and started last they would run on alone at the end.
 */
function e2eTestFiles(): string[] {
  const dir = path.join('test', 'e2e');
  return readdirSync(path.join(REPO_ROOT, dir))
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => ({ file: path.join(dir, file), size: statSync(path.join(REPO_ROOT, dir, file)).size }))
    .sort((a, b) => b.size - a.size || a.file.localeCompare(b.file))
    .map(({ file }) => file);
}

async function main(argv: readonly string[]): Promise<number> {
  const { jobs, e2eOnly } = parseArguments([...argv]);
  const scratch = scratchRoot();
  const sharedRuns = path.join(scratch, 'shared-runs');
  mkdirSync(sharedRuns);
  // Ctrl-C reaches the steps in this process group, which end their own processes; the runs being made
  // run in groups of their own, and are passed it; the scratch folder is ours.
  process.once('SIGINT', () => {
    void interruptSharedRuns().then(() => {
      rmSync(scratch, { recursive: true, force: true });
      process.exit(130);
    });
  });
  const t0 = performance.now();
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const pending = steps(scratch, sharedRuns).filter((step) => !e2eOnly || step.e2e);
  const outcomes = new Map<string, 'ok' | 'failed' | 'not run'>();
  let running = 0;
  try {
    await new Promise<void>((resolve) => {
      const next = (): void => {
        for (const step of [...pending]) {
          const blocked = step.after.find((name) => outcomes.has(name) && outcomes.get(name) !== 'ok');
          if (blocked) {
            pending.splice(pending.indexOf(step), 1);
            outcomes.set(step.name, 'not run');
            process.stdout.write(`-- ${step.name}: not run, because ${blocked} failed\n`);
            continue;
          }
          // In the order listed: a step waits for those before it to start, so that the long ones start first.
          if (running >= jobs || !step.after.every((name) => outcomes.get(name) === 'ok')) break;
          pending.splice(pending.indexOf(step), 1);
          running += 1;
          const start = performance.now();
          void step.run().then(({ code, output }) => {
            running -= 1;
            outcomes.set(step.name, code === 0 ? 'ok' : 'failed');
            const took = `${seconds(performance.now() - start)}, at ${seconds(performance.now() - t0)}`;
            process.stdout.write(`-- ${step.name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${took}\n${output.trimEnd()}\n`);
            next();
          });
        }
        if (pending.length === 0 && running === 0) resolve();
      };
      next();
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const failed = [...outcomes].filter(([, outcome]) => outcome !== 'ok').map(([name, outcome]) => `${name} (${outcome})`);
  process.stdout.write(`npm test: ${failed.length ? `FAILED: ${failed.join(', ')}` : 'all passed'} in ${seconds(performance.now() - t0)}\n`);
  return failed.length ? 1 : 0;
}

// The exit path every command of the suite shares: a bad argument is one line and the usage, exit 2.
runAsProgram(module, 'npm test', { usage: USAGE, main });
