// Every output tells the suite's verdict (src/report/verdict-formats.ts): for a simulator run, which
// passes, and a mutant run (provider-stub: ReactOS's stub provider, with FAIL and OPTIONAL), junit.xml, the
// raw allure-results, the Allure report read in headless Chromium, the matrix and verdicts.json agree,
// scenario by scenario, and with the exit code (test/e2e/outputs-agree.ts). The Wine run, with XFAIL,
// OPTIONAL and N/A, is checked the same way where test/e2e/robustness.test.ts already runs it: one Wine
// run less for `npm test`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CHROMIUM } from '../../scripts/setup';
import { REPO_ROOT } from '../../src/core/paths';
import { scratchDir } from '../scratch';
import { assertOutputsAgree } from './outputs-agree';

/** The suite's command on the simulator, into `reports`; its exit code. */
function conformance(reports: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'conformance.js'), '--quiet', '--reports', reports, ...args],
      { cwd: REPO_ROOT, timeout: 120_000 },
      (error) => resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0),
    );
  });
}

// Without Chromium this is one failing test with one line, never a silent skip.
if (!existsSync(CHROMIUM)) {
  it('needs Chromium', () => assert.fail(`chromium is not installed (${CHROMIUM}): run \`npm run setup\` as root, which installs it`));
} else
  describe('every output tells the verdicts of verdicts.json, and agrees with the exit code', { timeout: 180_000 }, () => {
    const work = scratchDir('verdict-formats');

    it('a simulator run: every scenario PASS, exit 0', async () => {
      const reports = path.join(work, 'simulator');
      const code = await conformance(reports, []);
      assert.equal(code, 0);
      await assertOutputsAgree(reports, code);
    });

    it('a mutant run (provider-stub): FAIL and OPTIONAL, exit 1', async () => {
      const reports = path.join(work, 'provider-stub');
      const code = await conformance(reports, ['--backend-option', 'mutant=provider-stub']);
      assert.equal(code, 1);
      await assertOutputsAgree(reports, code);
    });
  });
