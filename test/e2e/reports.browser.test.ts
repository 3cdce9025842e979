// The reports as a reader sees them: a fresh simulator run (and one with a rule broken on purpose), the
// report command, then both reports in headless Chromium, served from 127.0.0.1. Screenshots go to
// reports/screenshots/. Chromium must not reach beyond 127.0.0.1; every other request fails the test.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM } from '../../scripts/setup';
import { loadCatalogue } from '../../src/spec/catalogue';
import { scratchDir } from '../scratch';
import { launchChromium, run, SCREENSHOTS } from './browser';
/** The rule the fin-sent mutant breaks, and the scenario that catches it. */
const BROKEN_RULE = 'remarks.no-effect-on-lower-layers';

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
  it('needs Chromium', () => assert.fail(`chromium is not installed (${CHROMIUM}): run \`npm run setup\` as root, which installs it`));
} else
  describe('the reports in a browser', { timeout: 180_000 }, () => {
    let work = '';
    let profile = '';
    let server: Server | null = null;
    let context: BrowserContext | null = null;
    let page: Page;
    let origin = '';
    const external: string[] = [];

    before(async () => {
      work = scratchDir('reports-browser');
      const [plain, mutant] = await Promise.all([
        run('bin/conformance.js', ['--reports', path.join(work, 'simulator'), '--quiet']),
        run('bin/conformance.js', ['--backend-option', 'mutant=fin-sent', '--reports', path.join(work, 'fin-sent'), '--quiet']),
      ]);
      assert.equal(plain.code, 0, `the simulator run failed: ${plain.stderr || plain.stdout}`);
      assert.equal(mutant.code, 1, `the fin-sent run should fail: ${mutant.stderr || mutant.stdout}`);
      const report = await run('scripts/report.ts', ['--out', work, path.join(work, 'simulator'), path.join(work, 'fin-sent')]);
      assert.equal(report.code, 0, `npm run report failed: ${report.stderr}`);
      assert.match(report.stdout, /^simulator: keeps every MUST: yes; 0 deviations; 0 optional behaviours absent$/m);

      server = await serve(work);
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      profile = scratchDir('chromium-profile');
      context = await launchChromium(profile);
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        external.push(url);
        return route.abort();
      });
      page = context.pages()[0] ?? (await context.newPage());
      mkdirSync(SCREENSHOTS, { recursive: true });
    });

    after(async () => {
      await context?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    it('the matrix opens with a verdict line per run and a row per requirement', async () => {
      await page.goto(`${origin}/matrix.html`);
      const lines = await page.locator('.verdict-line').allInnerTexts();
      assert.equal(lines.length, 2);
      assert.match(lines[0] ?? '', /^simulator\s*keeps every MUST: yes; 0 deviations; 0 optional behaviours absent/);
      assert.match(lines[1] ?? '', /^simulator \(mutant=fin-sent\)\s*keeps every MUST: no; \d+ deviations?; 0 optional behaviours absent/);
      assert.match(lines[1] ?? '', new RegExp(`deviations: .*${BROKEN_RULE.replace(/\./g, '\\.')}`));

      const catalogue = loadCatalogue();
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
      await page.goto(`${origin}/simulator/allure-report/index.html`);
      await page.getByText('WSARecvDisconnect conformance: simulator').first().waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-overview.png') });
      // The tree groups by feature; open every group.
      for (const feature of new Set(verdicts.results.map((r) => r.feature))) await page.getByText(feature, { exact: true }).first().click();
      await page
        .getByText(verdicts.results[verdicts.results.length - 1]?.name ?? '', { exact: true })
        .first()
        .waitFor();
      const text = await page.locator('body').innerText();
      const missing = verdicts.results.filter((r) => !text.includes(r.name)).map((r) => r.name);
      assert.deepEqual(missing, [], 'scenarios missing from the Allure tree');
      assert.match(text, /Metadata[\s\S]*simulator model/, 'the environment facts from environment.properties');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-scenarios.png') });
    });

    it('a FAIL in the matrix leads to its scenario and evidence in Allure', async () => {
      await page.goto(`${origin}/matrix.html`);
      const badge = page.locator(`tr[data-requirement="${BROKEN_RULE}"] td.cell[data-verdict="FAIL"] a.badge`);
      assert.match((await badge.getAttribute('href')) ?? '', /^fin-sent\/allure-report\/index\.html#[0-9a-f]{32}$/);
      await badge.click();
      await page.getByText('Tear down').first().waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-scenario.png') });
      const text = await page.locator('body').innerText();
      assert.match(text, new RegExp(`requirement\\s+${BROKEN_RULE.replace(/\./g, '\\.')}`));
      assert.match(text, /strength\s+MUST/);
      assert.match(text, /verdict\s+FAIL/, "the run's verdict, as a label");
      assert.match(text, /FAIL: Deviation: /);
      assert.match(text, /Deviation from the page/, 'the Allure category of a Deviation');
      await page.getByText('After hook').first().click();
      await page.getByText('call log', { exact: true }).first().click();
      const callLog = page.getByText('"line":', { exact: false }).first();
      await callLog.waitFor();
      await callLog.scrollIntoViewIfNeeded();
      const link = page.locator('a[href*="learn.microsoft.com"]').first();
      assert.equal(await link.getAttribute('href'), 'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvdisconnect#remarks');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'allure-evidence.png') });
    });

    it('no page asked for anything beyond 127.0.0.1', () => {
      assert.deepEqual(external, []);
    });
  });
