// The compliance matrix of six runs, as a reader sees it in headless Chromium from disk (file://): npm test's
// shared runs (the simulator, Wine with each agent, POSIX), and the two Wine runs again as if made on another
// host (copies, labelled), so that no run is made for this test. It is read where `npm run report` writes
// it, beside the runs, and inside the bundle `--bundle` packs, unpacked: the requirement column and the head
// stay in view as it scrolls, each recorded deviation's reason is said once, the columns are in order, and
// every link of the matrix and the annotated page opens the run's own evidence. Screenshots go to
// reports/screenshots/. Nothing beyond file:// may be requested.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { extract } from 'tar';
import { CHROMIUM } from '../../scripts/setup';
import { functionCatalogue } from '../../src/catalogue/catalogue';
import { annotatedPageName } from '../../src/report/annotated-page';
import { wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import { readRunRecord, writeRunRecord } from '../../src/verdicts/run-record';
import { scratchDir } from '../scratch';
import { openBrowser, SCREENSHOTS } from './browser';
import { commandHere } from './cli-process';
import { copyOfSharedRun, type SharedRunName } from './shared-runs';

/** The six runs: each shared run in a folder of its own, and the two Wine runs again, labelled as another host's. */
const RUNS: readonly { folder: string; from: SharedRunName; label?: string }[] = [
  { folder: 'posix', from: 'posix' },
  { folder: 'simulator', from: 'simulator' },
  { folder: 'wine', from: 'wine' },
  { folder: 'wine-native', from: 'wine-native' },
  { folder: 'wine-8.0-host-b', from: 'wine', label: 'Wine 8.0 on host B' },
  { folder: 'wine-8.0-host-b-native', from: 'wine-native', label: 'Wine 8.0 on host B, native agent' },
];

/** The columns as the matrix must order them: Winsock implementations by title, then the simulator, then the comparison. */
const COLUMNS = [
  ['wine', 'implementation', 'wine'],
  ['wine (agent-kind=native)', 'implementation', 'wine-native'],
  ['Wine 8.0 on host B', 'implementation', 'wine-8.0-host-b'],
  ['Wine 8.0 on host B, native agent', 'implementation', 'wine-8.0-host-b-native'],
  ['simulator', 'reference', 'simulator'],
  ['posix', 'comparison', 'posix'],
] as const;

/** A recorded deviation of Wine's, which all four Wine columns show. */
const WINE_DEVIATION = 'errors.wsanotinitialised';

interface PageLinks {
  /** Every link's target, resolved by the browser. */
  hrefs: string[];
  /** The ids of the page's elements. */
  ids: string[];
}

/** Which of a page's links lead nowhere: a file that is not there, or a fragment of one of our pages that names no element. */
function deadLinks(page: string, { hrefs, ids }: PageLinks): string[] {
  const dead: string[] = [];
  const pages = new Map<string, string>();
  const text = (file: string): string => pages.get(file) ?? pages.set(file, readFileSync(file, 'utf8')).get(file) ?? '';
  for (const href of hrefs) {
    if (!href.startsWith('file://')) continue;
    const url = new URL(href);
    const file = fileURLToPath(url);
    if (!existsSync(file)) dead.push(href);
    else if (url.hash && file.endsWith('.html') && !file.endsWith(`${path.sep}index.html`)) {
      // A fragment of the matrix or the annotated page (Allure's index.html routes its own).
      const id = decodeURIComponent(url.hash.slice(1));
      const known = file === fileURLToPath(page) ? ids.includes(id) : text(file).includes(`id="${id}"`);
      if (!known) dead.push(href);
    }
  }
  return dead;
}

if (!existsSync(CHROMIUM)) {
  it('needs Chromium', () => assert.fail(`Chromium's headless shell is not installed (${CHROMIUM}): run \`npm run setup\` as root, which installs it`));
} else if (!wineSetupDone()) {
  it('needs Wine', () => assert.fail('Wine is not set up for the agent: run `npm run setup` first'));
} else
  describe('the matrix of six runs in a browser', { timeout: 240_000 }, () => {
    let work = '';
    let bundled = '';
    let context: BrowserContext | null = null;
    let page: Page;
    let external: string[] = [];
    const url = (file: string): string => pathToFileURL(file).href;

    before(async () => {
      work = scratchDir('matrix-six-runs');
      const made = await Promise.all(RUNS.map(({ folder, from }) => copyOfSharedRun(from, path.join(work, folder))));
      for (const shared of made) assert.equal(shared.code, 0, `the ${shared.name} run failed: ${shared.stderr || shared.stdout}`);
      for (const { folder, label } of RUNS) {
        if (label) writeRunRecord(path.join(work, folder), { ...readRunRecord(path.join(work, folder)), label });
      }
      // The Wine runs with the Allure report npm test's shared run comes with (their verdicts open their Allure
      // tests: shared-runs.ts), the others without (their call logs).
      const bundle = path.join(work, 'six-runs.tar.gz');
      // The matrix beside the runs, then the bundle (which writes its archive only): the report command in
      // this process (commandHere), one after the other.
      const folders = RUNS.map((r) => path.join(work, r.folder));
      const report = await commandHere(['report', '--no-allure', '--out', work, ...folders]);
      const packed = await commandHere(['report', '--no-allure', '--bundle', bundle, ...folders]);
      assert.equal(report.code, 0, `npm run report failed: ${report.stderr}`);
      assert.equal(packed.code, 0, `npm run report --bundle failed: ${packed.stderr}`);
      const unpacked = scratchDir('matrix-bundle');
      await extract({ file: bundle, cwd: unpacked });
      bundled = path.join(unpacked, 'six-runs');
      let refused: string[];
      ({ context, page, refused } = await openBrowser((target) => target.startsWith('file://')));
      external = refused;
      mkdirSync(SCREENSHOTS, { recursive: true });
    });

    after(async () => {
      await context?.close();
    });

    it('orders the columns: Winsock implementations first, then the reference simulator, then the POSIX comparison', async () => {
      await page.goto(url(path.join(work, 'matrix.html')));
      const heads = await page
        .locator('table.matrix th.run')
        .evaluateAll((cells) => cells.map((c) => [c.firstChild?.textContent ?? '', c.getAttribute('data-kind') ?? '']));
      assert.deepEqual(
        heads,
        COLUMNS.map(([title, kind]) => [title, kind]),
      );
      assert.deepEqual(await page.locator('table.matrix th.group').evaluateAll((cells) => cells.map((c) => [c.textContent, c.getAttribute('colspan')])), [
        ['Winsock implementations', '4'],
        ['reference simulator', '1'],
        ['comparison, not Winsock', '1'],
      ]);
      // The summary on top, in the same order, each run's answer and counts in the words of its verdict line.
      const summary = await page
        .locator('tr.verdict-line')
        .evaluateAll((rows) =>
          rows.map((row) => [row.getAttribute('data-backend'), row.querySelector('td.line')?.textContent, row.querySelector('td.scenarios')?.textContent]),
        );
      assert.deepEqual(
        summary.map(([title]) => title),
        COLUMNS.map(([title]) => title),
      );
      for (const [title, answer, scenarios] of summary) {
        assert.match(answer ?? '', /^keeps every MUST( it could observe)?: (yes|no|not established)$/, `${title}: its answer`);
        assert.match(scenarios ?? '', /^83 scenarios: \d+ PASS/, `${title}: its scenarios, counted with their unit`);
      }
    });

    it('keeps the requirement column and the head in view as the matrix scrolls right and down', async () => {
      await page.setViewportSize({ width: 1000, height: 800 });
      await page.goto(url(path.join(work, 'matrix.html')));
      const row = page.locator(`tr[data-requirement="${WINE_DEVIATION}"]`);
      const rowTop = (await row.boundingBox())?.y ?? 0;
      // Scrolled as far right as the matrix goes, and down to the row, which is then under the head.
      await page.evaluate(`window.scrollTo(document.documentElement.scrollWidth, ${rowTop - 300})`);
      const scrolledX = Number(await page.evaluate('window.scrollX'));
      assert.ok(scrolledX > 100, `the matrix of six runs is wider than 1000 px, so the page scrolls right (by ${scrolledX} px)`);
      const requirement = await row.locator('th.requirement').boundingBox();
      const firstRun = await row.locator('td.cell').first().boundingBox();
      const lastRun = await row.locator('td.cell').last().boundingBox();
      assert.ok(requirement && firstRun && lastRun);
      assert.ok(requirement.x >= 0 && requirement.x < 40, `the requirement stays at the left edge (x ${requirement.x})`);
      assert.ok(firstRun.x < requirement.x + requirement.width, 'the first run went under it');
      assert.ok(lastRun.x + lastRun.width <= 1001, `the last run is in view (right edge ${lastRun.x + lastRun.width})`);
      assert.match(await row.locator('th.requirement').innerText(), new RegExp(`^${WINE_DEVIATION.replace(/\./g, '\\.')}\\s*MUST\\n`));
      const head = await page.locator('table.matrix th.run').last().boundingBox();
      assert.ok(head && head.y >= 0 && head.y < 60, `the columns' head stays at the top (y ${head?.y})`);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'matrix-6-runs-scrolled.png') });
      await page.setViewportSize({ width: 1440, height: 900 });
    });

    it("says each recorded deviation's reason once, and each cell points at it by number", async () => {
      await page.goto(url(path.join(work, 'matrix.html')));
      const text = await page.locator('body').innerText();
      const reasons = new Set(
        RUNS.flatMap(({ folder }) => readRunRecord(path.join(work, folder)).results.flatMap((r) => (r.expectation ? [r.expectation.reason] : []))),
      );
      assert.ok(reasons.size >= 5, `the Wine and POSIX runs' recorded deviations (${reasons.size})`);
      for (const reason of reasons) assert.equal(text.split(reason).length - 1, 1, `said once: ${reason.slice(0, 80)}...`);
      // The four Wine columns cite one note for the deviation they share; its evidence is each run's own.
      const refs = await page
        .locator(`tr[data-requirement="${WINE_DEVIATION}"] td.cell`)
        .evaluateAll((cells) => cells.map((c) => [...c.querySelectorAll(':scope > a.note-ref')].map((a) => a.getAttribute('href'))));
      const [shared] = refs[0] ?? [];
      assert.ok(shared, 'the Wine cell cites a note');
      assert.deepEqual(
        refs.slice(0, 4).map((r) => r[0]),
        [shared, shared, shared, shared],
      );
      const evidence = await page.locator(`${shared} .in-runs`).evaluateAll((lists) =>
        lists.flatMap((list) => {
          let current = '';
          return [...list.children].flatMap((e) => {
            if (e.classList.contains('run')) current = e.textContent ?? '';
            return e.tagName === 'A' ? [[current, e.getAttribute('href') ?? '']] : [];
          });
        }),
      );
      const folderOf = new Map<string, string>(COLUMNS.map(([title, , folder]) => [title, folder]));
      assert.ok(evidence.length >= 4 * 2, `each Wine column's call and wire log at least (${evidence.length} links)`);
      for (const [title, href] of evidence) assert.ok(href?.startsWith(`${folderOf.get(title ?? '')}/`), `${title}'s evidence is its own: ${href}`);
    });

    it('links every verdict to its evidence, never to a cucumber badge', async () => {
      await page.goto(url(path.join(work, 'matrix.html')));
      const matrixLinks = await page.locator('table.matrix a, .notes a').evaluateAll((links) => links.map((a) => [a.textContent, a.getAttribute('href')]));
      assert.deepEqual(
        matrixLinks.filter(([label, href]) => /cucumber/i.test(`${label} ${href}`)),
        [],
      );
      const labels = new Set(matrixLinks.map(([label]) => label));
      for (const label of ['Allure', 'call log', 'wire log']) assert.ok(labels.has(label), `a cell links its ${label}`);
      // cucumber's HTML step log, which reads like a report of verdicts and is not, is neither written nor linked.
      assert.equal(await page.locator('a[href$="cucumber.html"]').count(), 0);
    });

    for (const where of ['reports', 'the unpacked bundle'] as const) {
      it(`resolves every link of the matrix and the annotated page, read in ${where}`, async () => {
        const root = where === 'reports' ? work : bundled;
        let evidence = 0;
        for (const file of ['matrix.html', annotatedPageName(functionCatalogue())]) {
          const at = url(path.join(root, file));
          await page.goto(at);
          const links = {
            hrefs: (await page.locator('a[href]').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href') ?? ''))).map(
              (href) => new URL(href, at).href,
            ),
            ids: await page.locator('[id]').evaluateAll((elements) => elements.map((e) => e.id)),
          };
          assert.deepEqual(deadLinks(at, links), [], `${where}: ${file}`);
          evidence += links.hrefs.filter((href) => /\/logs\/|\/pcap\//.test(href)).length;
        }
        assert.ok(evidence > 6 * 80, `the scenarios' call logs and wire logs, in ${where} (${evidence} links)`);
        if (where === 'the unpacked bundle') {
          await page.goto(url(path.join(root, 'matrix.html')));
          assert.equal(await page.getByRole('link', { name: 'interpreting.md' }).getAttribute('href'), 'interpreting.md', 'the bundle’s own copy');
        }
      });
    }

    it('fits six runs in a 1440 px window, with the matrix about as tall as its rows', async (t) => {
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(url(path.join(work, 'matrix.html')));
      const height = async (selector: string): Promise<number> => Math.round((await page.locator(selector).boundingBox())?.height ?? 0);
      const size = {
        width: Number(await page.evaluate('document.documentElement.scrollWidth')),
        height: Number(await page.evaluate('document.documentElement.scrollHeight')),
        matrix: await height('table.matrix'),
        summary: await height('table.summary'),
        notes: await height('.notes'),
      };
      t.diagnostic(`six runs at 1440 px: page ${size.width} x ${size.height} px; summary ${size.summary}, matrix ${size.matrix}, notes ${size.notes} px high`);
      assert.ok(size.width <= 1440, `no sideways scrolling with six runs (${size.width} px)`);
      // About 140 px a row: the rule, and under it the closed summary of what Windows is known to do (cited),
      // which wraps in the 340 px requirement column (3,279 px before it was there).
      assert.ok(size.matrix <= 6000, `the matrix: ${size.matrix} px for 38 requirements`);
      // The notes state each reason in view, and open what backs it on demand (7,401 px of notes, a 13,970 px
      // page, when the backing was open).
      assert.ok(size.notes <= 4500, `the notes: ${size.notes} px`);
      assert.ok(size.height < 12_000, `the page: ${size.height} px`);
      await page.setViewportSize({ width: 1440, height: 2400 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'matrix-6-runs.png') });
      await page.setViewportSize({ width: 1440, height: 900 });
    });

    it('asked for nothing beyond the files on disk', () => {
      assert.deepEqual(external, []);
    });
  });
