// The annotated page as a reader sees it: a Wine run and a simulator run, the report command, then the
// page opened from disk (file://) in headless Chromium, reached from the matrix. Every statement of the
// page is there with its requirements and each run's verdict; a Wine deviation's badge leads to its
// evidence in Allure. Screenshots go to reports/screenshots/. Nothing beyond file:// may be requested.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM } from '../../scripts/setup';
import { functionCatalogue, pageFile } from '../../src/catalogue/catalogue';
import { pageStatements } from '../../src/catalogue/statements';
import { annotatedPageName, statementAnchor } from '../../src/report/annotated-page';
import { wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import { scratchDir } from '../scratch';
import { openBrowser, SCREENSHOTS, showScenarioEvidence, waitShown } from './browser';
import { summaryLine } from '../../src/cli/verdict-lines';
import { commandHere, runHere } from './cli-process';
import { copyOfSharedRun } from './shared-runs';

/** A deviation Wine 8 has (expectations/wine.yaml), the statement that says otherwise, and its scenario's evidence. */
const WINE_DEVIATION = 'errors.wsanotinitialised';
/**
 * The simulator run's scenarios: the requirements the page's checks read (a deviation of Wine's and the
 * rule of another, and a rule both keep). It has only these, so that the other requirements read NOT RUN for
 * the simulator, which the page shows too; the Wine run is npm test's whole one (test/e2e/shared-runs.ts).
 */
const SIMULATOR_TAGS = `@req:${WINE_DEVIATION} or @req:remarks.tcp-reset-queued-data or @req:returns.zero-on-success`;

/** The one browser global the page's checks use (the suite is type-checked without the DOM's types). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { borderTopStyle: string };
}

const catalogue = functionCatalogue();
const statements = pageStatements(readFileSync(pageFile(catalogue), 'utf8'));

if (!existsSync(CHROMIUM)) {
  it('needs Chromium', () => assert.fail(`Chromium's headless shell is not installed (${CHROMIUM}): run \`npm run setup\` as root, which installs it`));
} else if (!wineSetupDone()) {
  it('needs Wine', () => assert.fail('Wine is not set up for the agent: run `npm run setup` first'));
} else
  describe('the annotated page in a browser, for a simulator and a Wine run', { timeout: 240_000 }, () => {
    let work = '';
    let context: BrowserContext | null = null;
    let page: Page;
    let external: string[] = [];
    let annotated = '';

    before(async () => {
      work = scratchDir('annotated-page');
      const [simulator, wine] = await Promise.all([
        runHere(['--tags', SIMULATOR_TAGS, '--reports', path.join(work, 'simulator'), '--quiet']),
        copyOfSharedRun('wine', path.join(work, 'wine')).then(({ code, stdout, stderr }) => ({ code: code ?? -1, stdout, stderr })),
      ]);
      assert.equal(simulator.code, 0, `the simulator run failed: ${summaryLine(simulator.summary)}`);
      assert.equal(wine.code, 0, `the Wine run failed: ${wine.stderr || wine.stdout}`);
      // The Wine run's Allure report is the one npm test's shared run comes with (shared-runs.ts); the
      // simulator's verdicts lead to their call logs.
      const report = await commandHere(['report', '--no-allure', '--out', work, path.join(work, 'simulator'), path.join(work, 'wine')]);
      assert.equal(report.code, 0, `npm run report failed: ${report.stderr}`);
      annotated = path.join(work, annotatedPageName(catalogue));
      assert.match(report.stdout, new RegExp(`^annotated page: .*${annotatedPageName(catalogue).replace(/\./g, '\\.')}$`, 'm'));

      let refused: string[];
      ({ context, page, refused } = await openBrowser((url) => url.startsWith('file://')));
      external = refused;
      mkdirSync(SCREENSHOTS, { recursive: true });
    });

    after(async () => {
      await context?.close();
    });

    it('the matrix links to it, and it opens from disk', async () => {
      await page.goto(pathToFileURL(path.join(work, 'matrix.html')).href);
      await page.getByRole('link', { name: 'the annotated page' }).click();
      await page.waitForURL(pathToFileURL(annotated).href);
      assert.match(await page.locator('h1').innerText(), /WSARecvDisconnect: the reference page, annotated/);
      assert.match(await page.locator('body').innerText(), new RegExp(`${statements.length}/${statements.length} statements claimed`));
      await page.screenshot({ path: path.join(SCREENSHOTS, 'annotated-page.png') });
    });

    it('shows every statement of the page, and every requirement ID of the catalogue', async () => {
      await page.goto(pathToFileURL(annotated).href);
      const shown = await page.locator('.stmt').evaluateAll((elements) => elements.map((e) => e.getAttribute('data-locator')));
      assert.deepEqual(
        shown,
        statements.map((s) => s.locator),
      );
      const ids = new Set(await page.locator('.claim[data-requirement]').evaluateAll((elements) => elements.map((e) => e.getAttribute('data-requirement'))));
      assert.deepEqual(
        catalogue.requirements.map((r) => r.id).filter((id) => !ids.has(id)),
        [],
        'requirement IDs missing from the annotated page',
      );
      assert.equal(await page.locator('.claim.unclaimed').count(), 0);
      const notRun = page.locator('.claim[data-requirement="remarks.no-icmp"] .run[data-run="simulator"]');
      assert.equal(await notRun.getAttribute('data-verdict'), 'NOT RUN', 'a requirement the simulator run did not select');
    });

    it('marks a tested statement with its strength and each run’s verdict, and an untested one with why', async () => {
      await page.goto(pathToFileURL(annotated).href);
      const claim = page.locator(`#${statementAnchor('-remarks/p2/s3')} .claim[data-requirement="remarks.tcp-reset-queued-data"]`);
      assert.match(await claim.innerText(), /MUST/);
      // In the matrix's order of columns: the Winsock implementation first, the reference simulator after it.
      assert.deepEqual(await claim.locator('.run').evaluateAll((runs) => runs.map((r) => `${r.getAttribute('data-run')} ${r.getAttribute('data-verdict')}`)), [
        'wine XFAIL',
        'simulator PASS',
      ]);
      const untested = page.locator('.claim[data-requirement="remarks.no-blocking-call-in-apc"]').first();
      assert.match(await untested.innerText(), /CLIENT\s+no test: The outcome is undefined behaviour/);
      assert.match(
        await page.locator('.claim[data-requirement="description.summary"]').first().innerText(),
        /no test of its own: covered by remarks\.receives-disallowed/,
      );
      assert.match(await page.locator(`#${statementAnchor('-see-also/p1/s1')} .claim`).innerText(), /^not normative: /);
    });

    it('a Wine deviation’s badge links to its evidence', async () => {
      await page.goto(pathToFileURL(annotated).href);
      const row = statements.find((s) => catalogue.requirements.find((r) => r.id === WINE_DEVIATION)?.anchors.some((a) => a.at === s.locator));
      assert.ok(row, `a statement anchored by ${WINE_DEVIATION}`);
      const statement = page.locator(`#${statementAnchor(row.locator)}`);
      await statement.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'annotated-page-wine-deviation.png') });
      const badge = statement.locator(`.claim[data-requirement="${WINE_DEVIATION}"] .run[data-run="wine"] a.badge`);
      assert.equal(await badge.innerText(), 'XFAIL');
      assert.match((await badge.getAttribute('href')) ?? '', /^wine\/allure-report\/index\.html#[0-9a-f]{32}$/);
      assert.match((await badge.getAttribute('title')) ?? '', /^XFAIL: Wine's WSARecvDisconnect checks nothing itself and ignores its buffer/);
      await badge.click();
      await waitShown(page.getByText('Tear down').first());
      const text = await page.locator('body').innerText();
      assert.match(text, new RegExp(`requirement\\s+${WINE_DEVIATION.replace(/\./g, '\\.')}`));
      assert.match(text, /verdict\s+XFAIL/);
      await showScenarioEvidence(page);
      // The recorded deviation: the call on the duplicated socket, in the probe that never called WSAStartup, returned 0.
      await waitShown(page.getByText(/\[probe\] WSARecvDisconnect\(0x[0-9a-f]+, NULL\) = 0 /).first());
      await page.screenshot({ path: path.join(SCREENSHOTS, 'annotated-page-wine-evidence.png') });
    });

    it('shows beside the verdicts, apart from them, what Windows is known to do, cited; the matrix too', async () => {
      await page.goto(pathToFileURL(annotated).href);
      const claim = page.locator(`#${statementAnchor('-remarks/p2/s3')} .claim[data-requirement="remarks.tcp-reset-queued-data"]`);
      const evidence = claim.locator('details.windows-evidence');
      await evidence.scrollIntoViewIfNeeded();
      assert.match(
        await evidence.locator('summary').innerText(),
        /^what Windows is known to do \(cited\): Microsoft documentation: 1 agrees, 1 contradicts; some not found$/,
      );
      const contradiction = evidence.locator('li[data-bearing="contradicts"]').first();
      assert.equal(await contradiction.isVisible(), false, 'closed until the reader opens it');
      await evidence.locator('summary').click();
      assert.match(
        await contradiction.innerText(),
        /^contradicts the rule · Microsoft documentation, WSPRecvDisconnect[^]*LPWSPRECVDISCONNECT callback function \(ws2spi\.h\), Remarks/,
      );
      assert.equal(
        await contradiction.locator('a').getAttribute('href'),
        'https://learn.microsoft.com/en-us/windows/win32/api/ws2spi/nc-ws2spi-lpwsprecvdisconnect',
      );
      assert.match(await evidence.locator('.not-found').innerText(), /^not found: No public test shows Windows resetting/);
      // Evidence, not a verdict: no badge, no verdict attribute, and a look of its own; the run's verdicts stand apart.
      assert.equal(await evidence.locator('.badge, [data-verdict]').count(), 0);
      assert.equal(await evidence.evaluate((e) => (globalThis as unknown as BrowserWindow).getComputedStyle(e).borderTopStyle), 'dashed');
      // Winsock implementations first (Wine's XFAIL), then the simulator (src/report/matrix.ts columnOrder).
      assert.deepEqual(await claim.locator('.run').evaluateAll((runs) => runs.map((r) => r.getAttribute('data-verdict'))), ['XFAIL', 'PASS']);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'annotated-page-windows-evidence.png') });

      await page.goto(pathToFileURL(path.join(work, 'matrix.html')).href);
      const row = page.locator('tr[data-requirement="remarks.tcp-reset-queued-data"]');
      const inMatrix = row.locator('th.requirement details.windows-evidence');
      await inMatrix.scrollIntoViewIfNeeded();
      await inMatrix.locator('summary').click();
      assert.match(await inMatrix.innerText(), /contradicts the rule · Microsoft documentation/);
      assert.equal(await inMatrix.locator('.badge, [data-verdict]').count(), 0);
      assert.deepEqual(await row.locator('td.cell').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-verdict'))), ['XFAIL', 'PASS']);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'matrix-windows-evidence.png') });
    });

    it('asked for nothing beyond the files on disk', () => {
      assert.deepEqual(external, []);
    });
  });
