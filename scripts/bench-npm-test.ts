// npm run bench -- --npm-test: the wall time of `npm test` on a warm machine (a first run warms the set-up,
// the Wine prefix and the file cache, and is not counted); target at most 120 s. Beside it, the CPU time its
// processes took (those reaped by their parents: not the daemons Wine and Chromium leave to init, a few
// percent more), which the wall time cannot go below once divided by the cores: the steps run side by side,
// so that CPU, not waiting, is what a faster npm test must save. Both vary by about a tenth from one run to
// another on this kind of machine, and drift with it over hours: compare runs made side by side.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { CannotRun } from '../src/core/outcomes';
import { REPO_ROOT } from '../src/core/paths';
import { readProcStat } from '../src/core/proc-stat';

/** The target, in seconds. */
const TARGET_S = 120;

/** Clock ticks per second of /proc's times (USER_HZ: 100 on x86 and ARM Linux). */
const USER_HZ = 100;

/** The CPU seconds of this process's reaped children and their reaped descendants (/proc/self/stat cutime + cstime); null off Linux. */
function childrenCpuSeconds(): number | null {
  const stat = readProcStat('self');
  // cutime and cstime are fields 16 and 17 of proc(5).
  return stat ? (Number(stat.fields[13]) + Number(stat.fields[14])) / USER_HZ : null;
}

/**
 * `npm test` twice, the second timed; `line` prints one line of the bench's table. Their output goes to a
 * file, removed when both pass; a run that fails is no measurement, and the file it left is named.
 */
export function benchNpmTest(line: (label: string, value: string) => void): void {
  const folder = mkdtempSync(path.join(tmpdir(), 'winsock-conformance-bench-'));
  const once = (name: string): { seconds: number; cpu: number | null } => {
    const log = path.join(folder, `${name}.log`);
    const output = openSync(log, 'w');
    const cpuBefore = childrenCpuSeconds();
    const start = process.hrtime.bigint();
    const run = spawnSync('npm', ['test'], { cwd: REPO_ROOT, stdio: ['ignore', output, output] });
    const cpuAfter = childrenCpuSeconds();
    closeSync(output);
    if (run.error) throw new CannotRun(`npm test did not start (${run.error.message}), so it is not measured`);
    if (run.status !== 0)
      throw new CannotRun(`npm test failed (exit ${run.status ?? run.signal}) in its ${name} run, so it is not measured: its output is in ${log}`);
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
  };
  once('warming');
  const { seconds, cpu } = once('timed');
  rmSync(folder, { recursive: true, force: true });
  line('npm test, warm (one run after a warming one)', `${seconds.toFixed(0)} s ${seconds <= TARGET_S ? 'ok' : 'OVER TARGET'} (target <= ${TARGET_S})`);
  const cores = availableParallelism();
  if (cpu !== null)
    line(
      "npm test's CPU time, the same run",
      `${cpu.toFixed(0)} s on ${cores} cores: no wall time below ${(cpu / cores).toFixed(0)} s (the target allows at most ${TARGET_S * cores} s of CPU)`,
    );
}
