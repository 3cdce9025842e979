// Two runs compared (`npm run report -- --diff`) where only the judging changed: npm test's Wine run, and the
// same run judged without expectations/wine.yaml, as a run without an expectations file judges it (each
// scenario's verdict is what was observed). The command says the verdicts were rejudged, calls nothing a
// regression or a fix of the implementation, and its diff.html, opened in headless Chromium, has its own
// title and a Changes block that fits the page.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it, before } from 'node:test';
import { CHROMIUM } from '../../scripts/setup';
import { REPO_ROOT } from '../../src/core/paths';
import { applyExpectation } from '../../src/verdicts/verdicts';
import { countVerdicts, readRunRecord, writeRunRecord, type ScenarioRecord } from '../../src/verdicts/run-record';
import type { ObservedVerdict } from '../../src/verdicts/meanings';
import { scratchDir } from '../scratch';
import { openBrowser, SCREENSHOTS } from './browser';
import { commandHere, type Ran } from './cli-process';
import { copyOfSharedRun } from './shared-runs';

/** What a scenario's record says was observed, before expectations: never one of the verdicts expectations make. */
function observedOf(scenario: ScenarioRecord): ObservedVerdict {
  const { observed } = scenario;
  if (observed === 'XFAIL' || observed === 'XPASS') throw new Error(`${scenario.location}: observed ${observed}, a verdict only expectations give`);
  return observed;
}

/** A copy of the run in `folder`, in `into`, its verdicts as a run without an expectations file records them. */
function judgedWithoutExpectations(folder: string, into: string): void {
  cpSync(folder, into, { recursive: true });
  const record = readRunRecord(folder);
  const results = record.results.map((s) => ({ ...s, ...applyExpectation(observedOf(s), s.observedDetail, null), expectation: null }));
  writeRunRecord(into, { ...record, expectations: null, results, counts: countVerdicts(results) });
}

if (!existsSync(CHROMIUM)) {
  it('needs Chromium', () => assert.fail(`Chromium's headless shell is not installed (${CHROMIUM}): run \`npm run setup\` as root, which installs it`));
} else
  describe('--diff of one Wine run judged with and without its expectations', { timeout: 240_000 }, () => {
    const work = scratchDir('diff-rejudged');
    const judged = path.join(work, 'wine');
    const unjudged = path.join(work, 'wine-unjudged');
    /** The requirements the expectations turn to XFAIL: what the comparison must call rejudged. */
    let recorded: string[] = [];
    let forward: Ran;
    let backward: Ran;

    before(async () => {
      const wine = await copyOfSharedRun('wine', judged);
      assert.equal(wine.code, 0, wine.stderr);
      judgedWithoutExpectations(judged, unjudged);
      recorded = [...new Set(readRunRecord(judged).results.flatMap((s) => (s.verdict === 'XFAIL' && s.requirement ? [s.requirement] : [])))];
      assert.ok(recorded.length > 0, 'the Wine run has recorded deviations');
      // The report command in this process (commandHere), one after the other.
      forward = await commandHere(['report', '--no-allure', '--out', path.join(work, 'forward'), '--diff', judged, unjudged]);
      backward = await commandHere(['report', '--no-allure', '--out', path.join(work, 'backward'), '--diff', unjudged, judged]);
    });

    it('says the verdicts were rejudged, and calls nothing a regression or a fix', () => {
      for (const [ran, from, to] of [
        [forward, 'XFAIL', 'FAIL'],
        [backward, 'FAIL', 'XFAIL'],
      ] as const) {
        // A verdict changed, so the command says so in its exit code, as for any change.
        assert.equal(ran.code, 1, ran.stderr);
        const lines = ran.stdout.split('\n');
        assert.match(
          lines[0] ?? '',
          new RegExp(
            `: ${recorded.length} of the catalogue's \\d+ testable requirements changed verdict \\(${recorded.length} of them only rejudged: the implementation did the same, the judging differs\\)$`,
          ),
        );
        const changed = lines.filter((l) => /^ {2}\S+: \S+ \(/.test(l));
        assert.deepEqual(changed.sort(), recorded.map((id) => `  rejudged: ${id} (MUST): ${from} -> ${to}`).sort());
        assert.ok(!/regression|fixed/.test(ran.stdout), ran.stdout);
      }
      assert.match(forward.stdout, /^ {2}judged by: expectations\/wine\.yaml -> no expectations file$/m);
      assert.match(forward.stdout, /\[rejudged: a known deviation in the old run's expectations only\]$/m);
    });

    it('prints the lines the README quotes of this comparison', () => {
      const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
      const part = readme.slice(readme.indexOf('`--diff OLD NEW` compares two runs'), readme.indexOf('`--bundle FILE.tar.gz` builds'));
      const quoted = [...part.matchAll(/`((?:judged by|rejudged): [^`]*)`/g)].map((m) => m[1] ?? '');
      assert.equal(quoted.length, 2, part);
      const printed = forward.stdout.split('\n').map((l) => l.trim());
      for (const line of quoted) assert.ok(printed.includes(line), `the README quotes "${line}", which the comparison does not print:\n${forward.stdout}`);
    });

    it('diff.html has its own title, and its Changes block wraps within the page', async () => {
      const browser = await openBrowser((url) => url.startsWith('file://'));
      try {
        const { page } = browser;
        // A laptop's width: the block's longest lines (a scenario's name and its deviation) are wider.
        await page.setViewportSize({ width: 1024, height: 768 });
        await page.goto(pathToFileURL(path.join(work, 'forward', 'diff.html')).href);
        assert.match(await page.title(), /^WSARecvDisconnect: wine @ .* compared with wine @ .*$/);
        assert.equal(await page.locator('h1').innerText(), await page.title());
        const changes = page.locator('pre.changes');
        assert.match(await changes.innerText(), /rejudged: remarks\./);
        const fit = {
          ...(await changes.evaluate((block) => ({
            right: block.getBoundingClientRect().right,
            scrollWidth: block.scrollWidth,
            clientWidth: block.clientWidth,
          }))),
          pageWidth: Number(await page.evaluate('document.documentElement.clientWidth')),
        };
        assert.ok(fit.right <= fit.pageWidth, `the Changes block ends at ${fit.right} px, beyond the page's ${fit.pageWidth} px`);
        assert.ok(fit.scrollWidth <= fit.clientWidth, `the Changes block scrolls: ${fit.scrollWidth} px of text in ${fit.clientWidth} px`);
        mkdirSync(SCREENSHOTS, { recursive: true });
        await changes.screenshot({ path: path.join(SCREENSHOTS, 'diff-changes.png') });
        assert.deepEqual(browser.refused, [], 'no request beyond the files on disk');
      } finally {
        await browser.context.close();
      }
    });
  });
