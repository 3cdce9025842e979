// winsock-conformance bench [--samples N] [--wine] [--npm-test] (npm run bench; src/cli/bench.ts reads the flags): the suite's speed targets, measured, never asserted in tests.
//   simulator: the whole suite with all its reports against stock cucumber-js running the same features
//              with the message, HTML and JUnit formatters: the median of the ratios of back-to-back
//              pairs; target at most 1.2x.
//   agent:     (with --wine) each agent's boot under Wine on a warm wineserver (targets: the native agent
//              at most 0.1 s; the node agent's node.exe takes about 0.9 s) and the round trip of a trivial
//              call to it, median target <= 1 ms; and each Wine run's wall time against its agent boot
//              plus the windows it had to wait, median of the samples; target 1.2x.
//   npm test:  (with --npm-test) its wall time on a warm machine; target at most 120 s; and its CPU time (bench-npm-test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../src/core/paths';
import { readRunRecord } from '../src/verdicts/run-record';
import { featurePaths, functionCatalogue } from '../src/catalogue/catalogue';
import { benchNpmTest } from './bench-npm-test';

export interface BenchOptions {
  /** How many samples each measurement takes the median of. */
  samples: number;
  /** The agents' and the Wine run's targets too. */
  wine: boolean;
  /** npm test's wall time, warm, too (two whole npm test runs). */
  npmTest: boolean;
  /** Where the table goes: the command's stdout. */
  stdout: NodeJS.WritableStream;
}

let samples = 9;
let stdout: NodeJS.WritableStream = process.stdout;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Wall time of a command, in ms; its exit code is the caller's business. */
function timed(command: string, commandArgs: string[]): { ms: number; status: number | null; stdout: string } {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, commandArgs, { cwd: REPO_ROOT, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, status: run.status, stdout: run.stdout };
}

function line(label: string, value: string): void {
  stdout.write(`${label.padEnd(52)} ${value}\n`);
}

/**
 * The suite against stock cucumber-js running the same features, steps and support code with cucumber's
 * message, HTML and JUnit formatters: what the suite adds (Allure results, verdicts, its command) costs
 * at most a fifth of that run.
 */
function simulator(): void {
  const cucumber = path.join(REPO_ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
  const stockRun = (reports: string): number => {
    const formats = ['message:messages.ndjson', 'html:cucumber.html', 'junit:junit.xml'].flatMap((f) => [
      '--format',
      `${f.split(':')[0]}:${path.join(reports, f.split(':')[1] as string)}`,
    ]);
    const result = timed(process.execPath, [cucumber, ...featurePaths(functionCatalogue()), ...formats]);
    if (result.status !== 0) throw new Error(`stock cucumber-js failed (exit ${result.status})`);
    return result.ms;
  };
  const suiteRun = (reports: string): number => {
    const result = timed(process.execPath, ['bin/conformance.js', '--quiet', '--reports', reports]);
    if (result.status !== 0) throw new Error(`the simulator run failed (exit ${result.status})`);
    return result.ms;
  };
  const runs = { stock: [] as number[], suite: [] as number[] };
  for (let i = 0; i < samples; i += 1) {
    // Each sample times the two runs back to back, in alternating order, so that the machine's drift over
    // the benchmark (it moves by a tenth here) cancels out of their ratio.
    const order = i % 2 === 0 ? (['stock', 'suite'] as const) : (['suite', 'stock'] as const);
    for (const which of order) {
      const reports = mkdtempSync(path.join(tmpdir(), `bench-${which}-`));
      runs[which].push(which === 'stock' ? stockRun(reports) : suiteRun(reports));
      rmSync(reports, { recursive: true, force: true });
    }
  }
  const ratios = runs.suite.map((ms, i) => ms / (runs.stock[i] as number));
  const ratio = median(ratios);
  line(
    `suite, all reports / stock cucumber-js (median of ${samples} pairs)`,
    `${median(runs.suite).toFixed(0)} / ${median(runs.stock).toFixed(0)} ms, ${ratio.toFixed(2)}x ${ratio <= 1.2 ? 'ok' : 'OVER TARGET'} (target <= 1.2; pairs: ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
  );
}

/** Each agent's boot and round trip under Wine: the node agent, and the native one when it is built. */
async function agents(): Promise<void> {
  const { measureRoundTrips, wineAgentBootTimes } = await import('../src/testbeds/agent-controller/bench');
  for (const [kind, bootTarget] of [
    ['node', null],
    ['native', 100],
  ] as const) {
    const options = { 'agent-kind': kind };
    // The first boot starts the wineserver; the rest find it warm.
    const boots = (await wineAgentBootTimes(options, samples + 1)).slice(1);
    const boot = median(boots);
    const verdict = bootTarget === null ? '' : boot <= bootTarget ? ' ok' : ' OVER TARGET';
    line(
      `${kind} agent boot under Wine, warm (median of ${boots.length})`,
      `${boot.toFixed(0)} ms${verdict}${bootTarget === null ? '' : ` (target <= ${bootTarget})`}`,
    );
    const trips = await measureRoundTrips(200, options);
    line(`${kind} agent round trip, trivial call (median of 200)`, `${median(trips).toFixed(3)} ms ${median(trips) <= 1 ? 'ok' : 'OVER TARGET'}`);
  }
}

async function wine(): Promise<void> {
  await agents();
  const runs: { wall: number; boot: number; waited: number }[] = [];
  for (let i = 0; i < samples; i += 1) {
    const reports = mkdtempSync(path.join(tmpdir(), 'bench-wine-'));
    const run = timed(process.execPath, ['bin/conformance.js', '--backend', 'wine', '--quiet', '--reports', reports]);
    const verdicts = run.status === 0 ? readRunRecord(reports) : null;
    rmSync(reports, { recursive: true, force: true });
    if (!verdicts) throw new Error(`the wine run failed (exit ${run.status})`);
    const boot = Number(verdicts.metadata?.['controller: agent boot ms']);
    if (!Number.isFinite(boot)) throw new Error('the wine run recorded no agent boot time');
    runs.push({ wall: run.ms, boot, waited: verdicts.results.reduce((sum, r) => sum + r.waitedMs, 0) });
  }
  const ratios = runs.map((r) => r.wall / (r.boot + r.waited));
  const ratio = median(ratios);
  line(`wine run, wall (median of ${samples})`, `${median(runs.map((r) => r.wall)).toFixed(0)} ms`);
  line('agent boot + windows waited (medians)', `${median(runs.map((r) => r.boot)).toFixed(0)} + ${median(runs.map((r) => r.waited)).toFixed(0)} ms`);
  line(
    'wall / (boot + windows), median (target <= 1.2)',
    `${ratio.toFixed(2)}x ${ratio <= 1.2 ? 'ok' : 'OVER TARGET'} (runs: ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
  );
}

export async function bench(options: BenchOptions): Promise<void> {
  samples = options.samples;
  stdout = options.stdout;
  simulator();
  if (options.wine) await wine();
  if (options.npmTest) benchNpmTest(line);
}
