// The reports as a reader sees them: a simulator run (npm test's shared one) and one with a rule broken on
// purpose, the shared Wine run with Wine's recorded deviations, the report command, then the reports in
// headless Chromium, served from 127.0.0.1, where every output of each of the three runs must tell its
// verdicts.json. Screenshots go to reports/screenshots/, where a person looks at them (the Wine run's Allure
// overview, and a Wine deviation's page with its evidence, among them). Chromium must not reach beyond
// 127.0.0.1; every other request fails the test.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM } from '../../scripts/setup';
import { wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import { functionCatalogue } from '../../src/catalogue/catalogue';
import { scratchDir } from '../scratch';
import { readRunRecord } from '../../src/verdicts/run-record';
import { pcapFileName } from '../../src/run-outputs/wire-log';
import { breaksMust } from '../../src/run-outputs/verdict-formats';
import { scenarioKey } from '../../src/run-outputs/keys';
import { allureIds } from '../../src/report/sources';
import { runFiles } from '../../src/verdicts/run-record';
import { openAllureReport, openBrowser, scenarioAttachment, screenshotAllureOverview, SCREENSHOTS, showScenarioEvidence, waitShown } from './browser';
import { summaryLine } from '../../src/cli/verdict-lines';
import { commandHere, runHere } from './cli-process';
import { copyOfSharedRun } from './shared-runs';
import { assertFilesAgree, assertReportsAgree } from './outputs-agree';

/** The rule the fin-sent mutant breaks, and the scenario that catches it. */
const BROKEN_RULE = 'remarks.no-effect-on-lower-layers';
const WINE_SCENARIO = 'Data still queued resets the TCP connection after the call with no disconnect data buffer';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.js': 'text/javascript',
  '.md': 'text/markdown',
  '.xml': 'application/xml',
};

/** A static server for `root` on 127.0.0.1 and a free port. */
function serve(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.join(root, pathname);
    if (!file.startsWith(root + path.sep) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface VerdictsFile {
  results: { name: string; requirement: string | null; verdict: string; feature: string }[];
}

// Without Chromium this is one failing test with one line, never a silent skip. `npm test` runs
// `npm run setup` first, which installs it (as root) or fails saying how.
if (!existsSync(CHROMIUM)) {
  it('needs Chromium', () => assert.fail(`Chromium's headless shell is not installed (${CHROMIUM}): run \`npm run setup\` as root, which installs it`));
} else
  describe('the reports in a browser', { timeout: 240_000 }, () => {
    let work = '';
    let server: Server | null = null;
    let context: BrowserContext | null = null;
    let page: Page;
    let origin = '';
    let external: string[] = [];
    /** Each run's folder and exit code, and the matrix that has it, at which column. */
    const runs: { folder: string; code: number; matrix: string; column: number }[] = [];

    before(async () => {
      work = scratchDir('reports-browser');
      assert.ok(wineSetupDone(), 'Wine is not set up: run `npm run setup` first');
      const [plain, mutant, wine] = await Promise.all([
        // The simulator's whole run is npm test's shared one (test/e2e/shared-runs.ts).
        copyOfSharedRun('simulator', path.join(work, 'simulator')).then(({ code, stdout, stderr }) => ({ code: code ?? -1, stdout, stderr })),
        // The mutant's run is made in this process: the test reads its records, not its process.
        runHere(['--backend-option', 'mutant=fin-sent', '--reports', path.join(work, 'fin-sent'), '--quiet']),
        // Wine's whole run is npm test's shared one too; its recorded deviations are what the tests open.
        copyOfSharedRun('wine', path.join(work, 'wine')).then(({ code, stdout, stderr }) => ({ code: code ?? -1, stdout, stderr })),
      ]);
      assert.equal(plain.code, 0, `the simulator run failed: ${plain.stderr || plain.stdout}`);
      assert.equal(mutant.code, 1, `the fin-sent run should fail: ${summaryLine(mutant.summary)}`);
      assert.equal(wine.code, 0, `the Wine run failed: ${wine.stderr || wine.stdout}`);
      const matrix = path.join(work, 'matrix.html');
      runs.push(
        { folder: path.join(work, 'simulator'), code: plain.code, matrix, column: 0 },
        { folder: path.join(work, 'fin-sent'), code: mutant.code, matrix, column: 1 },
        { folder: path.join(work, 'wine'), code: wine.code, matrix: path.join(work, 'wine-matrix', 'matrix.html'), column: 0 },
      );
      const report = await commandHere(['report', '--out', work, path.join(work, 'simulator'), path.join(work, 'fin-sent')]);
      assert.equal(report.code, 0, `npm run report failed: ${report.stderr}`);
      assert.match(report.stdout, /^simulator: keeps every MUST: yes; 0 requirements with a deviation; 0 requirements with an optional behaviour absent$/m);
      // The Wine run's matrix, beside the Allure report npm test's shared run comes with (shared-runs.ts).
      const wineReport = await commandHere(['report', '--no-allure', '--out', path.join(work, 'wine-matrix'), path.join(work, 'wine')]);
      assert.equal(wineReport.code, 0, `npm run report failed on the Wine run: ${wineReport.stderr}`);

      server = await serve(work);
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const browser = await openBrowser((url) => url.startsWith(`${origin}/`));
      ({ context, page, refused: external } = browser);
      mkdirSync(SCREENSHOTS, { recursive: true });
    });

    after(async () => {
      await context?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    it('the matrix opens with a verdict line per run and a row per requirement', async () => {
      await page.goto(`${origin}/matrix.html`);
      const lines = await page
        .locator('.verdict-line')
        .evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-backend') ?? ''}: ${row.getAttribute('data-line') ?? ''}`));
      assert.equal(lines.length, 2);
      assert.match(lines[0] ?? '', /^simulator: keeps every MUST: yes; 0 requirements with a deviation; 0 requirements with an optional behaviour absent/);
      assert.match(
        lines[1] ?? '',
        /^simulator \(mutant=fin-sent\): keeps every MUST: no; \d+ requirements? with a deviation; 0 requirements with an optional behaviour absent/,
      );
      const deviations = page.locator('.verdict-line[data-backend="simulator (mutant=fin-sent)"] [data-part="deviations"]');
      assert.match(await deviations.innerText(), new RegExp(`^\\d+ requirements? with a deviation\\n.*${BROKEN_RULE.replace(/\./g, '\\.')}`));

      const catalogue = functionCatalogue();
      assert.equal(await page.locator('tr[data-requirement]').count(), catalogue.requirements.length);
      const row = page.locator(`tr[data-requirement="${BROKEN_RULE}"]`);
      assert.match(await row.innerText(), /nothing is sent to the peer, and sending still works/);
      assert.deepEqual(await row.locator('td.cell').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-verdict'))), ['PASS', 'FAIL']);
      const untestable = await page.locator('tr[data-requirement="remarks.no-blocking-call-in-apc"] td.note').innerText();
      assert.match(untestable, /^not testable: /);
      const covered = await page.locator('tr[data-requirement="description.summary"] td.note').innerText();
      assert.match(covered, /^covered by remarks\.receives-disallowed, remarks\.disconnect-data-retrieval$/);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'matrix.png'), fullPage: true });
    });

    it('the Allure report lists every scenario of the run', async () => {
      const verdicts = JSON.parse(readFileSync(path.join(work, 'simulator', 'verdicts.json'), 'utf8')) as VerdictsFile;
      const title = await openAllureReport(page, `${origin}/simulator/allure-report/index.html`);
      assert.match(await title.innerText(), /^WSARecvDisconnect on simulator: keeps every MUST: yes; 0 requirements with a deviation; /);
      await screenshotAllureOverview(page, path.join(SCREENSHOTS, 'allure-overview.png'));
      // The tree groups by feature; open every group.
      for (const feature of new Set(verdicts.results.map((r) => r.feature))) await page.getByText(feature, { exact: true }).first().click();
      await waitShown(page.getByText(verdicts.results[verdicts.results.length - 1]?.name ?? '', { exact: true }).first());
      const text = await page.locator('body').innerText();
      const missing = verdicts.results.filter((r) => !text.includes(r.name)).map((r) => r.name);
      assert.deepEqual(missing, [], 'scenarios missing from the Allure tree');
      assert.match(text, /Metadata[\s\S]*simulator model/, 'the environment facts from environment.properties');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-scenarios.png') });
    });

    it('a FAIL in the matrix leads to its scenario and evidence in Allure', async () => {
      await page.goto(`${origin}/matrix.html`);
      const badge = page.locator(`tr[data-requirement="${BROKEN_RULE}"] td.cell[data-verdict="FAIL"] > a.badge`);
      assert.match((await badge.getAttribute('href')) ?? '', /^fin-sent\/allure-report\/index\.html#[0-9a-f]{32}$/);
      await badge.click();
      await waitShown(page.getByText('Tear down').first());
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-scenario.png') });
      const text = await page.locator('body').innerText();
      assert.match(text, new RegExp(`requirement\\s+${BROKEN_RULE.replace(/\./g, '\\.')}`));
      assert.match(text, /strength\s+MUST/);
      assert.match(text, /verdict\s+FAIL/, "the run's verdict, as a label");
      assert.match(text, /FAIL: \S/, 'the message, led by the verdict');
      assert.doesNotMatch(text, /Deviation: /, "the error's type is the suite's business, not the reader's");
      assert.match(text, /Deviation from the page/, 'the Allure category of a Deviation');
      await showScenarioEvidence(page);
      const callLog = page.getByText(/WSARecvDisconnect\(0x[0-9a-f]+, NULL\) = 0/).first();
      await waitShown(callLog);
      await callLog.scrollIntoViewIfNeeded();
      const link = page.locator('a[href*="learn.microsoft.com"]').first();
      assert.equal(await link.getAttribute('href'), 'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvdisconnect#remarks');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-evidence.png') });
    });

    it("the Wine run's Allure overview gives the page's answer: its deviations failed, never a green 100%", async () => {
      const { results } = readRunRecord(path.join(work, 'wine'));
      const deviations = results.filter((r) => breaksMust(r.verdict));
      assert.ok(deviations.length > 0, 'Wine 8.0 breaks MUST rules (expectations/wine.yaml records them)');
      const title = await openAllureReport(page, `${origin}/wine/allure-report/index.html`);
      assert.match(
        await title.innerText(),
        /^WSARecvDisconnect on wine: keeps every MUST: no; \d+ requirements? with a deviation; /,
        'the name is the matrix’s line',
      );
      assert.equal(
        await page.locator('[data-testid="metadata-item-failed"] [data-testid="metadata-value"]').innerText(),
        String(deviations.length),
        'failed: its deviations, recorded or not',
      );
      const overview = await page.locator('body').innerText();
      assert.doesNotMatch(overview, /\b100%/, 'no success rate of 100% for a run that breaks a MUST');
      assert.match(overview, /Global Errors\s+0\b/, 'no scenario’s verdict told again as an error of the whole run');
      await screenshotAllureOverview(page, path.join(SCREENSHOTS, 'allure-wine-overview.png'));
    });

    it("a Wine deviation's Allure page shows the verdict, the reason, and its call log, wire log and pcap in its body", async () => {
      // One line instead of a wait for a wire log that is not there: capture needs root (and tcpdump, which setup installs).
      assert.equal(process.getuid?.(), 0, 'the wire log is captured only when the tests run as root');
      const record = readRunRecord(path.join(work, 'wine')).results.find((r) => r.name === WINE_SCENARIO);
      assert.ok(record, `the Wine run has "${WINE_SCENARIO}"`);
      const id = allureIds(runFiles(path.join(work, 'wine')).allureResults)[scenarioKey(record.location, record.name)];
      await page.goto(`${origin}/wine/allure-report/index.html#${id}`);
      // Named by the scenario's feature, line (its Examples row) and name, as the run names it.
      const [feature, line] = record.location.split(':');
      const pcap = pcapFileName(feature ?? '', Number(line), WINE_SCENARIO);
      // Its evidence is in its body, each in view without a hook to expand; no step holds nothing.
      for (const name of ['call-log.txt', 'wire-log.txt', pcap]) await waitShown(scenarioAttachment(page, name));
      const teardown = page.locator('[data-testid="test-result-teardown-dropdown"]').locator('..');
      assert.equal(await teardown.locator('[data-testid="test-result-step-arrow-button"]').count(), 0, 'nothing left under the teardown to expand');
      for (const closed of await page.locator('[data-testid="test-result-step-arrow-button"]:not(:has([class*="opened"]))').all()) await closed.click();
      assert.equal(await page.locator('[data-testid="tree-leaf-status-unknown"]').count(), 0, 'a step of unknown status');
      assert.doesNotMatch(await page.locator('body').innerText(), /call-log\.json|wire-log\.json/, 'the JSON twins are for tools');
      await showScenarioEvidence(page);
      await scenarioAttachment(page, 'wire-log.txt').click();
      await waitShown(page.getByText('teardown begins').first());
      const text = await page.locator('body').innerText();
      assert.match(text, /verdict\s+XFAIL/, "the run's verdict, as a label");
      assert.match(text, /Category: Known deviation, recorded in expectations \(XFAIL\)/);
      assert.match(
        text,
        /XFAIL: no reset within 500 ms \(the peer saw nothing\), nor within 500 ms of its FIN \(the peer saw nothing\) \(recorded deviation: Wine 8.0 never calls the host's shutdown\(SHUT_RD\)/,
      );
      // The call log, strace style: constants by name, what a call handed back in place, then = and the return.
      assert.match(text, /^ +-\d\.\d{3} socket\(AF_INET, SOCK_STREAM, IPPROTO_TCP\) = (0x[0-9a-f]+) <[\d.]+ ms> \(round trip [\d.]+ ms\)$/m);
      const socket = /socket\(AF_INET, SOCK_STREAM, IPPROTO_TCP\) = (0x[0-9a-f]+)/.exec(text)?.[1] ?? '';
      assert.match(text, new RegExp(`^ +-\\d\\.\\d{3} ioctlsocket\\(${socket}, FIONREAD, \\[6\\]\\) = 0 <`, 'm'));
      assert.match(text, new RegExp(`^ +0\\.000 WSARecvDisconnect\\(${socket}, NULL\\) = 0 <`, 'm'));
      assert.doesNotMatch(text, /"op":|af=2/, 'no call shown as raw JSON');
      // The wire log, tcpdump style, on the same timeline: the window closes before the teardown begins,
      // and a reset after that is the teardown's.
      const wire = text.slice(text.indexOf('# tcpdump -n style'));
      const handshake = /^ +-\d\.\d{3} 127\.0\.0\.1\.\d+ > 127\.0\.0\.1\.\d+: Flags \[S\], seq \d+, win \d+, length 0$/m;
      assert.match(wire, handshake);
      assert.match(wire, /: Flags \[P\.\], seq 1:7, ack 1, win \d+, length 6$/m, 'the 6 bytes queued, numbered from the SYN');
      const at = (pattern: RegExp): number => wire.search(pattern);
      const opens = at(/----- window opens: the peer watches for a reset, up to 500 ms/);
      const closes = at(/----- window closes: the peer saw nothing/);
      const teardownBegins = at(/----- teardown begins/);
      assert.ok(opens > 0 && opens < closes && closes < teardownBegins, 'the window opens, closes, then the teardown begins');
      const reset = at(/Flags \[R/);
      assert.ok(reset < 0 || reset > teardownBegins, 'a reset on the wire is after the teardown began');
      assert.ok(existsSync(path.join(work, 'wine', 'pcap', pcap)), 'the run keeps the pcap in its reports folder');
      // The whole of the scenario's page, its evidence open: Allure scrolls inside the page, so the page grows to fit.
      await page.setViewportSize({ width: 1440, height: 2600 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-wine-deviation.png') });
      // And its evidence at full size: the scenario's body, from its steps to the pcap.
      const from = await page.locator('[data-testid="test-result-steps-root"]').boundingBox();
      const to = await scenarioAttachment(page, pcap).boundingBox();
      assert.ok(from && to, 'the evidence is on the page');
      await page.screenshot({
        path: path.join(SCREENSHOTS, 'allure-wine-evidence.png'),
        clip: { x: 0, y: from.y - 40, width: 1440, height: to.y + to.height + 20 - (from.y - 40) },
      });
      await page.setViewportSize({ width: 1440, height: 900 });
    });

    // The simulator's run (PASS, N/A), the mutant's (FAIL) and Wine's (XFAIL, OPTIONAL, N/A).
    it('every output of each run tells the verdicts of its verdicts.json, scenario by scenario, and agrees with its exit code', async () => {
      const urlOf = (file: string): string => `${origin}/${path.relative(work, file).split(path.sep).map(encodeURIComponent).join('/')}`;
      for (const { folder, code, matrix, column } of runs) {
        assertFilesAgree(folder, code);
        await assertReportsAgree(page, folder, code, { urlOf, matrix, column });
      }
    });

    it('no page asked for anything beyond 127.0.0.1', () => {
      assert.deepEqual(external, []);
    });
  });
