// The whole runs that several e2e tests read (the simulator's, Wine's with each agent and its 32-bit
// ws2_32's, Wine's on another host, the POSIX column's), each made once per `npm test` and shared. `npm test`
// (scripts/test.ts) makes them into the folder that SHARED_RUNS_ENV names while the e2e files run beside, and
// a test that reads one waits for its record to appear there. A test file run on its own (without that
// folder) makes the run it reads itself, once per process, in its scratch folder.
import { cpSync, existsSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../scratch';
import { run as runScript, startCli } from './cli-process';
import { prefixLeftovers, stillRunningOf } from './processes';
import { startNamespaceHost, wineNativeAgent, type NamespaceHost } from './namespace-host';
import { AGENT_HOST, fillAddresses, wineAgentArguments, wineControllerArguments } from './readme-vendor-steps';

/** The environment variable naming the folder of one `npm test`'s shared runs. */
export const SHARED_RUNS_ENV = 'WINSOCK_CONFORMANCE_SHARED_RUNS';

/** Each shared run, by name: the command's arguments besides its reports folder. */
export const SHARED_RUNS = {
  simulator: [],
  wine: ['--backend', 'wine'],
  'wine-native': ['--backend', 'wine', '--backend-option', 'agent-kind=native'],
  wine32: ['--backend', 'wine32'],
  posix: ['--backend', 'posix'],
  // The README's run against another host, against a network namespace with the native agent under Wine.
  'wine-remote': wineControllerArguments(),
} as const satisfies Record<string, readonly string[]>;

export type SharedRunName = keyof typeof SHARED_RUNS;

/**
 * The shared runs whose Allure report several tests open (the reports, the matrix and the annotated page in
 * Chromium): built once, after the run, by the report command, into the run's folder (allure-report/), where
 * the copies the tests make carry it, and their own `report --no-allure` links it.
 */
const WITH_ALLURE_REPORT: ReadonlySet<SharedRunName> = new Set(['wine']);

/** Whether shared run `name` is against another host's agent (its arguments name AGENT-HOST): it gets a host of its own. */
export function onAnotherHost(name: SharedRunName): boolean {
  return SHARED_RUNS[name].some((arg) => arg.includes(AGENT_HOST));
}

/** A finished shared run: its reports folder, how the command ended, and what it left running. */
export interface SharedRun {
  name: SharedRunName;
  /** Its reports folder (verdicts.json, messages.ndjson, ...). */
  folder: string;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The command and every process it started. */
  controllers: number[];
  /**
   * What was still running when the command had exited (`pid comm`): processes it started, and the Wine
   * prefix's (unless another controller still used the prefix, and ends them when it leaves).
   */
  leftovers: string[];
}

/** A shared run's summary line (`83 scenarios: ...`), as the command printed it. */
export function summaryOf(run: Pick<SharedRun, 'stdout'>): string {
  return run.stdout.split('\n').find((line) => /^\d+ scenarios: /.test(line)) ?? '(no summary line)';
}

/** The runs being made, by the process group of their CLI (each runs in its own), and their ends. */
const running = new Map<number, Promise<unknown>>();

/** Ctrl-C to every run being made, as a person presses it; resolves when each has ended its agents and exited. */
export async function interruptSharedRuns(): Promise<void> {
  for (const pid of running.keys()) process.kill(-pid, 'SIGINT');
  await Promise.all(running.values());
}

/** The record of a finished run, beside its reports folder. */
function recordFile(folder: string): string {
  return `${folder}.run.json`;
}

/** Make shared run `name` with its reports in `folder`, and write its record beside it (the record last, whole). */
export async function makeSharedRun(name: SharedRunName, folder: string): Promise<SharedRun> {
  let shared: SharedRun;
  let host: NamespaceHost | null = null;
  try {
    // A run whose arguments name another host's agent runs against a host made for it, and removed after.
    if (onAnotherHost(name)) host = await startNamespaceHost((dir) => wineNativeAgent(dir, wineAgentArguments()));
    const args = host ? fillAddresses(SHARED_RUNS[name], host.agentHost, host.thisHostAddress) : SHARED_RUNS[name];
    const cli = startCli([...args, '--quiet', '--reports', folder]);
    const removeHost = host?.remove;
    running.set(cli.pid, removeHost ? cli.done.then(removeHost) : cli.done);
    const run = await cli.done.finally(() => running.delete(cli.pid));
    const controllers = [run.pid, ...run.descendants.map((p) => p.pid)];
    const leftovers = [...stillRunningOf(run.descendants, controllers), ...prefixLeftovers(controllers)].map((p) => `${p.pid} ${p.comm}`);
    shared = { name, folder, code: run.code, stdout: run.stdout, stderr: run.stderr, ms: run.ms, controllers, leftovers: [...new Set(leftovers)] };
    if (WITH_ALLURE_REPORT.has(name) && run.code === 0) {
      const report = await runScript('bin/conformance.js', ['report', '--out', `${folder}-report`, folder]);
      // A report that could not be built fails every test that reads the run, saying so.
      if (report.code !== 0) shared = { ...shared, code: null, stderr: `npm run report failed on the run: ${report.stderr}` };
    }
  } catch (error) {
    // A record all the same, so that no test waits for it in vain: the tests that read it fail with this.
    shared = { name, folder, code: null, stdout: '', stderr: `the run could not be made: ${String(error)}`, ms: 0, controllers: [], leftovers: [] };
  } finally {
    await host?.remove();
  }
  writeFileSync(`${recordFile(folder)}.incoming`, JSON.stringify(shared));
  renameSync(`${recordFile(folder)}.incoming`, recordFile(folder));
  return shared;
}

/** The record of run `folder`, once it is there (made by `npm test` beside the tests). */
function recordOnceThere(folder: string): Promise<SharedRun> {
  const file = recordFile(folder);
  return new Promise((resolve) => {
    const watcher = watch(path.dirname(file), () => settle());
    const settle = (): void => {
      if (!existsSync(file)) return;
      watcher.close();
      resolve(JSON.parse(readFileSync(file, 'utf8')) as SharedRun);
    };
    settle();
  });
}

const made = new Map<SharedRunName, Promise<SharedRun>>();

/** Shared run `name`: `npm test`'s, or, for a test file run on its own, this process's, made on first use. */
export function sharedRun(name: SharedRunName): Promise<SharedRun> {
  const shared = process.env[SHARED_RUNS_ENV];
  if (shared) return recordOnceThere(path.join(shared, name));
  const run = made.get(name) ?? makeSharedRun(name, path.join(scratchDir('shared-runs'), name));
  made.set(name, run);
  return run;
}

/** Shared run `name` with its reports copied to `folder`: for a test that builds reports, which go into the run's folder. */
export async function copyOfSharedRun(name: SharedRunName, folder: string): Promise<SharedRun> {
  const run = await sharedRun(name);
  cpSync(run.folder, folder, { recursive: true });
  return { ...run, folder };
}
