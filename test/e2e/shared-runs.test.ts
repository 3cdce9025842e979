// npm test's whole runs (test/e2e/shared-runs.ts): each exits 0 and leaves nothing running, and the summary
// lines the README and docs/interpreting.md state for the Wine (64- and 32-bit) and POSIX runs are the runs' own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/core/paths';
import { onAnotherHost, SHARED_RUNS, sharedRun, type SharedRunName } from './shared-runs';
import { hasPrerequisite, namespaceMissing } from '../prerequisites';

/** A run's summary line, as the command prints it. */
function summaryLine(stdout: string): string {
  return stdout.split('\n').find((line) => /^\d+ scenarios: /.test(line)) ?? '(no summary line)';
}

/** The summary lines quoted (`57 scenarios: ...`) in the part of `file` from `from` up to `to`. */
function statedSummaries(file: string, from: string, to: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const start = text.indexOf(from);
  assert.ok(start >= 0, `${file}: no "${from}"`);
  const end = text.indexOf(to, start + from.length);
  const part = text.slice(start, end < 0 ? undefined : end);
  return [...part.matchAll(/`(\d+ scenarios: [^`]*)`/g)].map((m) => m[1] ?? '');
}

describe("npm test's whole runs", { concurrency: true }, () => {
  for (const name of Object.keys(SHARED_RUNS) as SharedRunName[]) {
    it(`${name}: exits 0, and leaves nothing running`, async (t) => {
      if (onAnotherHost(name) && !hasPrerequisite(t, namespaceMissing())) return;
      const run = await sharedRun(name);
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.deepEqual(run.leftovers, [], 'processes of the run, or of the prefix, still running');
    });
  }

  it("the Wine run's summary line is the README's", async () => {
    const stated = statedSummaries('README.md', '- **Wine, on Linux**', "- **Wine's 32-bit");
    assert.deepEqual(stated, [summaryLine((await sharedRun('wine')).stdout)]);
  });

  it("the 32-bit Wine run's summary line is the README's", async () => {
    const stated = statedSummaries('README.md', "- **Wine's 32-bit `ws2_32.dll`, on Linux**", '- **Windows**');
    assert.deepEqual(stated, [summaryLine((await sharedRun('wine32')).stdout)]);
  });

  it("the POSIX run's summary line is the README's and docs/interpreting.md's", async () => {
    const run = summaryLine((await sharedRun('posix')).stdout);
    assert.deepEqual(statedSummaries('README.md', '## The POSIX column', '\n## '), [run], 'README.md');
    assert.deepEqual(statedSummaries('docs/interpreting.md', '## The POSIX column', '\n## '), [run], 'docs/interpreting.md');
  });
});
