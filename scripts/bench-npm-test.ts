// npm run bench -- --npm-test: the wall time of `npm test` on a warm machine (a first run warms the set-up,
// the Wine prefix and the file cache, and is not counted); target at most 120 s.
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../src/core/paths';

/** The target, in seconds. */
const TARGET_S = 120;

/** `npm test` twice, the second timed; `line` prints one line of the bench's table. */
export function benchNpmTest(line: (label: string, value: string) => void): void {
  const once = (): { seconds: number; status: number | null } => {
    const start = process.hrtime.bigint();
    const run = spawnSync('npm', ['test'], { cwd: REPO_ROOT, stdio: 'ignore' });
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, status: run.status };
  };
  const warm = once();
  if (warm.status !== 0) throw new Error(`npm test failed (exit ${warm.status}) while warming`);
  const { seconds, status } = once();
  if (status !== 0) throw new Error(`npm test failed (exit ${status})`);
  line('npm test, warm (one run after a warming one)', `${seconds.toFixed(0)} s ${seconds <= TARGET_S ? 'ok' : 'OVER TARGET'} (target <= ${TARGET_S})`);
}
