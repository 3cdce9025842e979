// npm run bench [-- --samples N] [--wine]: the suite's speed targets, measured, never asserted in tests.
//   simulator: the whole suite against a bare start of the same cucumber (same entry point, support code
//              and formatters) that runs no scenario, with and without report files: the median of the
//              ratios of back-to-back pairs; target at most 1.3x. A plain cucumber-js start is printed
//              beside them, for reference.
//   agent:     (with --wine) the round trip of a trivial call to the agent, median target <= 1 ms, and
//              each Wine run's wall time against its agent boot plus the windows it had to wait, median
//              of the samples; target 1.2x.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
const args = process.argv.slice(2);
const samples = Number(args[args.indexOf('--samples') + 1]) || 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Wall time of a command, in ms; its exit code is the caller's business. */
function timed(command: string, commandArgs: string[]): { ms: number; status: number | null; stdout: string } {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, commandArgs, { cwd: ROOT, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, status: run.status, stdout: run.stdout };
}

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(52)} ${value}\n`);
}

function simulator(): void {
  const cucumber = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
  const plain: number[] = [];
  const runs = { bare: [] as number[], suite: [] as number[], bareNoReports: [] as number[], suiteNoReports: [] as number[] };
  const none = ['--tags', '@bench-selects-no-scenario'];
  const run = (args: string[]): number => {
    const reports = mkdtempSync(path.join(tmpdir(), 'bench-'));
    const result = timed(process.execPath, ['bin/conformance.js', '--quiet', ...(args.includes('--no-reports') ? [] : ['--reports', reports]), ...args]);
    rmSync(reports, { recursive: true, force: true });
    if (!args.includes('--tags') && result.status !== 0) throw new Error(`the simulator run failed (exit ${result.status})`);
    return result.ms;
  };
  for (let i = 0; i < samples; i += 1) {
    plain.push(timed(process.execPath, [cucumber, '--profile', 'simulator', ...none]).ms);
    // Each sample times the two runs of a pair back to back, in alternating order, so that the machine's
    // drift over the benchmark (it moves by a tenth here) cancels out of their ratio.
    const pair = (bare: string[], suite: string[]): [number, number] => {
      if (i % 2 === 0) return [run(bare), run(suite)];
      const suiteMs = run(suite);
      return [run(bare), suiteMs];
    };
    const [bare, suite] = pair(none, []);
    runs.bare.push(bare);
    runs.suite.push(suite);
    const [bareNoReports, suiteNoReports] = pair([...none, '--no-reports'], ['--no-reports']);
    runs.bareNoReports.push(bareNoReports);
    runs.suiteNoReports.push(suiteNoReports);
  }
  const report = (label: string, suite: number[], bare: number[]): void => {
    const ratios = suite.map((ms, i) => ms / (bare[i] as number));
    const ratio = median(ratios);
    line(
      `${label} (median of ${samples} pairs)`,
      `${median(suite).toFixed(0)} / ${median(bare).toFixed(0)} ms, ${ratio.toFixed(2)}x ${ratio <= 1.3 ? 'ok' : 'OVER TARGET'} (pairs: ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
  };
  line('plain cucumber-js start, no scenario (reference)', `${median(plain).toFixed(0)} ms`);
  report('every scenario / none, all reports', runs.suite, runs.bare);
  report('every scenario / none, --no-reports', runs.suiteNoReports, runs.bareNoReports);
}

async function wine(): Promise<void> {
  const { measureRoundTrips } = await import('../src/testbeds/agent/bench');
  const trips = await measureRoundTrips(200);
  line('agent round trip, trivial call (median of 200)', `${median(trips).toFixed(3)} ms ${median(trips) <= 1 ? 'ok' : 'OVER TARGET'}`);
  const runs: { wall: number; boot: number; waited: number }[] = [];
  for (let i = 0; i < samples; i += 1) {
    const reports = mkdtempSync(path.join(tmpdir(), 'bench-wine-'));
    const run = timed(process.execPath, ['bin/conformance.js', '--backend', 'wine', '--quiet', '--reports', reports]);
    const verdicts = JSON.parse(readFileSync(path.join(reports, 'verdicts.json'), 'utf8')) as { results: { waitedMs: number }[]; metadata?: Record<string, string> };
    rmSync(reports, { recursive: true, force: true });
    if (run.status !== 0) throw new Error(`the wine run failed (exit ${run.status})`);
    const boot = Number(verdicts.metadata?.['agent boot ms']);
    if (!Number.isFinite(boot)) throw new Error('the wine run recorded no agent boot time');
    runs.push({ wall: run.ms, boot, waited: verdicts.results.reduce((sum, r) => sum + r.waitedMs, 0) });
  }
  const ratios = runs.map((r) => r.wall / (r.boot + r.waited));
  const ratio = median(ratios);
  line(`wine run, wall (median of ${samples})`, `${median(runs.map((r) => r.wall)).toFixed(0)} ms`);
  line('agent boot + windows waited (medians)', `${median(runs.map((r) => r.boot)).toFixed(0)} + ${median(runs.map((r) => r.waited)).toFixed(0)} ms`);
  line('wall / (boot + windows), median (target <= 1.2)', `${ratio.toFixed(2)}x ${ratio <= 1.2 ? 'ok' : 'OVER TARGET'} (runs: ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
}

async function main(): Promise<void> {
  simulator();
  if (args.includes('--wine')) await wine();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
