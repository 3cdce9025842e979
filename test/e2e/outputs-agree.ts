// Every output of one run tells the verdicts of its verdicts.json, scenario by scenario: junit.xml, the raw
// allure-results the run wrote, the Allure report built from them and read in headless Chromium (its name,
// statuses in its tree, categories, counts and success rate, and the message of a scenario of each
// verdict), and the compliance matrix read there too. JUnit agrees with the run's exit code; Allure and the
// matrix give the page's answer, so that a run that breaks a MUST never reads as all passed there. The
// mapping it checks against is src/run-outputs/verdict-formats.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { allureScenarioKey, scenarioKey } from '../../src/run-outputs/keys';
import { allureIds } from '../../src/report/sources';
import { UNOBSERVED_LABEL } from '../../src/run-outputs/allure-verdicts';
import { allureCategories, breaksMust, failsRun, VERDICT_FORMATS, verdictMessage, type AllureStatus } from '../../src/run-outputs/verdict-formats';
import { readRunRecord, runFiles, type ScenarioRecord } from '../../src/verdicts/run-record';
import { requirementVerdict } from '../../src/verdicts/verdicts';
import { lackedObservers, qualifiedVerdict, VERDICTS, type Verdict } from '../../src/verdicts/meanings';
import { openAllureReport, openBrowser, waitShown } from './browser';
import { commandHere } from './cli-process';
import { scratchDir } from '../scratch';
import { junitSchemaErrors, parseXml, type XmlElement } from '../junit-schema';

/** The Allure category a scenario of this record belongs in, by the categories' own patterns. */
function categoryOf(record: ScenarioRecord): string | null {
  const status = VERDICT_FORMATS[record.verdict].allure;
  const message = verdictMessage(record);
  return allureCategories().find((c) => c.matchedStatuses.includes(status) && new RegExp(c.messageRegex).test(message))?.name ?? null;
}

/** The facts a testcase's <system-out> gives, one `key: value` a line; a key given several times keeps each value. */
function outputFacts(testcase: XmlElement): Map<string, string[]> {
  const facts = new Map<string, string[]>();
  const text = testcase.children.find((c) => c.name === 'system-out')?.text ?? '';
  for (const line of text.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) facts.set(line.slice(0, colon), [...(facts.get(line.slice(0, colon)) ?? []), line.slice(colon + 2)]);
  }
  return facts;
}

/**
 * junit.xml keeps to the schema Jenkins validates against (junit-10.xsd, test/junit-schema.ts), tells each
 * scenario's verdict in the element verdict-formats.ts gives it with its evidence in the body, and counts
 * them as verdicts.json does, in agreement with the exit code.
 */
export function checkJunit(folder: string, records: readonly ScenarioRecord[], exitCode: number): void {
  const text = readFileSync(runFiles(folder).junit, 'utf8');
  assert.deepEqual(junitSchemaErrors(text).slice(0, 10), [], `${runFiles(folder).junit}: against junit-10.xsd`);
  const suite = parseXml(text).children.find((c) => c.name === 'testsuite');
  const count = (name: string): number => Number(suite?.attributes[name]);
  const cases = new Map<string, { verdict: string | undefined; outcome: string; unobserved: string[] }>();
  const bodies = new Map<string, string>();
  for (const testcase of suite?.children.filter((c) => c.name === 'testcase') ?? []) {
    const facts = outputFacts(testcase);
    const location = facts.get('location')?.[0] ?? '(no location)';
    const ending = testcase.children.find((c) => c.name !== 'system-out');
    cases.set(location, { verdict: facts.get('verdict')?.[0], outcome: ending?.name ?? 'passed', unobserved: facts.get('unobserved') ?? [] });
    bodies.set(location, ending?.text ?? '');
  }
  assert.equal(cases.size, records.length, 'junit.xml: one testcase per scenario');
  for (const record of records) {
    assert.deepEqual(
      cases.get(record.location),
      {
        verdict: qualifiedVerdict(record),
        outcome: VERDICT_FORMATS[record.verdict].junit,
        // What a check could not look at: the qualifier of a PASS.
        unobserved: record.unobserved.map((u) => `${u.observer}: ${u.check} (${u.why})`),
      },
      `junit.xml: ${record.location}`,
    );
    // What did not pass carries its message and its call log, for a reader who has only this file.
    if (record.verdict !== 'PASS' && record.observed !== 'N/A' && record.observed !== 'BROKEN')
      assert.match(bodies.get(record.location) ?? '', /\n--- call-log\.txt\n/, `junit.xml: ${record.location}: the call log in its body`);
    if (record.verdict !== 'PASS') assert.ok(bodies.get(record.location)?.startsWith(verdictMessage(record)), `junit.xml: ${record.location}: its message`);
  }
  const expected = (outcome: string): number => records.filter((r) => VERDICT_FORMATS[r.verdict].junit === outcome).length;
  assert.deepEqual(
    { tests: count('tests'), failures: count('failures'), errors: count('errors'), skipped: count('skipped') },
    { tests: records.length, failures: expected('failure'), errors: expected('error'), skipped: expected('skipped') },
    'junit.xml: the counts',
  );
  assert.equal(count('failures') + count('errors') === 0, exitCode === 0, `junit.xml: failures and errors, against exit code ${exitCode}`);
}

interface RawResult {
  fullName: string;
  status: string;
  labels: { name: string; value: string }[];
  statusDetails: { message?: string; trace?: string };
  steps: RawStep[];
}
interface RawStep {
  statusDetails?: { message?: string };
  steps?: RawStep[];
}

function stepMessages(steps: readonly RawStep[] | undefined): string[] {
  return (steps ?? []).flatMap((step) => [...(step.statusDetails?.message ? [step.statusDetails.message] : []), ...stepMessages(step.steps)]);
}

function checkRawAllure(folder: string, records: readonly ScenarioRecord[]): void {
  const dir = runFiles(folder).allureResults;
  const results = readdirSync(dir)
    .filter((file) => file.endsWith('-result.json'))
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as RawResult);
  assert.equal(results.length, records.length, 'allure-results: one result per scenario');
  const byKey = new Map(results.map((result) => [allureScenarioKey(result.fullName), result]));
  for (const record of records) {
    const result = byKey.get(scenarioKey(record.location, record.name));
    const where = `allure-results: ${record.location}`;
    assert.ok(result, `${where}: no result`);
    const format = VERDICT_FORMATS[record.verdict];
    assert.equal(result.status, format.allure, `${where}: status`);
    assert.deepEqual(
      result.labels.filter((l) => l.name === 'verdict').map((l) => l.value),
      [record.verdict],
      `${where}: verdict label`,
    );
    assert.deepEqual(
      result.labels.filter((l) => l.name === UNOBSERVED_LABEL).map((l) => l.value),
      [...new Set(record.unobserved.map((u) => u.observer))],
      `${where}: the observers it lacked, as labels`,
    );
    assert.equal(result.statusDetails.message ?? '', verdictMessage(record), `${where}: message`);
    assert.deepEqual(stepMessages(result.steps), [], `${where}: the message is said once, not again on a step`);
    if (!format.keepsTrace) assert.equal(result.statusDetails.trace, undefined, `${where}: no stack of the suite's own code for a ${record.verdict}`);
  }
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'categories.json'), 'utf8')), allureCategories(), 'allure-results: categories.json');
}

/** `npm run report` for this one run, its matrix into `out`: the command in this process (commandHere). */
async function buildReports(folder: string, out: string): Promise<void> {
  const report = await commandHere(['report', '--out', out, folder]);
  if (report.code !== 0) throw new Error(`npm run report failed: ${report.stderr}`);
}

/** The Allure report's tree as a reader sees it: each scenario's status, by Allure's test-result id. */
async function readTree(page: Page, scope: string): Promise<Map<string, string>> {
  const leaves = await page
    .locator(`${scope} button[data-tree-node-id]`)
    .evaluateAll((buttons) =>
      buttons.map((b) => [b.getAttribute('data-tree-node-id') ?? '', b.querySelector('[data-testid^="tree-leaf-status-"]')?.getAttribute('data-testid') ?? '']),
    );
  return new Map(leaves.map(([id = '', status = '']) => [id, status.replace('tree-leaf-status-', '')]));
}

interface AllureReading {
  /** The report's name, the first line of its overview. */
  name: string;
  /** The number the overview gives of each status, and of all. */
  counts: Record<AllureStatus | 'total', number>;
  successRate: string;
  statusOf: Map<string, string>;
  categoryOf: Map<string, string>;
}

async function readAllureReport(page: Page, index: string): Promise<AllureReading> {
  const title = await openAllureReport(page, index);
  await waitShown(page.locator('[data-testid="tree-section-title"]').first());
  const overview = await page.locator('body').innerText();
  const name = await title.innerText();
  const counts = { total: 0, passed: 0, failed: 0, broken: 0, skipped: 0 };
  for (const key of Object.keys(counts) as (keyof typeof counts)[]) {
    const said = new RegExp(`^${key}\\n(\\d+)$`, 'im').exec(overview)?.[1];
    counts[key] = said === undefined ? 0 : Number(said);
  }
  const successRate = /Success rate: ([\d.]+%)/.exec(overview)?.[1] ?? 'none';
  // Open every feature's group: Allure opens some by itself, and a click on an open one closes it. A click
  // the page has not taken (while it still renders) changes nothing within the bound, and is made again.
  // The page is asked every 100 ms, not at every frame (waitForFunction's default): a frame asked for is a
  // frame Chromium draws: reports.browser's reading of its three reports took 3.7 s more CPU so (21.6 s
  // against 17.9 s for that test, alone).
  const leaves = '[data-testid="tree-content"] button[data-tree-node-id]';
  const toggle = async (title: Locator): Promise<number> => {
    const before = await page.locator(leaves).count();
    for (let attempt = 1; ; attempt += 1) {
      await title.click();
      const changed = await page
        .waitForFunction(`document.querySelectorAll('${leaves}').length !== ${before}`, undefined, { timeout: 10_000, polling: 100 })
        .then(
          () => true,
          () => false,
        );
      if (changed) return (await page.locator(leaves).count()) - before;
      if (attempt === 3) throw new Error(`the Allure report: the group "${await title.innerText()}" neither opens nor closes`);
    }
  };
  for (const title of await page.locator('[data-testid="tree-section-title"]').all()) if ((await toggle(title)) < 0) await toggle(title);
  const statusOf = await readTree(page, '[data-testid="tree-content"]');

  // The tab says how many categories there are; a run of PASS alone has none, and no such tab.
  const categoryCount = Number(/^Categories\s+(\d+)$/m.exec(overview)?.[1] ?? '0');
  const categoryOf = new Map<string, string>();
  await page.goto(`${index}#categories`);
  const categories = page.locator('[id^="cat:"]');
  if (categoryCount > 0) await waitShown(categories.first());
  assert.equal(await categories.count(), categoryCount, 'the Allure report: its categories, against the number its tab gives');
  for (const category of await categories.all()) {
    const name = await category.locator('[data-testid="tree-section-title"]').first().innerText();
    // Open it, unless it is open; a click the page has not taken is made again, as for the groups above.
    const title = category.locator('[data-testid="tree-section-title"]').first();
    for (let attempt = 1; (await category.locator('button[data-tree-node-id]').count()) === 0; attempt += 1) {
      if (attempt > 3) throw new Error(`the Allure report: the category "${name}" does not open`);
      await title.click();
      await category
        .locator('button[data-tree-node-id]')
        .first()
        .waitFor({ timeout: 10_000 })
        .catch(() => undefined);
    }
    for (const id of await category
      .locator('button[data-tree-node-id]')
      .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-tree-node-id') ?? '')))
      categoryOf.set(id, name.trim());
  }
  return { name, counts, successRate, statusOf, categoryOf };
}

/** What a scenario's page in the Allure report says: its verdict label, its message once, and no stack of the suite's code for a deviation. */
async function checkScenarioPage(page: Page, index: string, id: string, record: ScenarioRecord): Promise<void> {
  await page.goto(`${index}#${id}`);
  await waitShown(page.getByText('verdict', { exact: true }).first());
  const text = await page.locator('body').innerText();
  const where = `the Allure page of ${record.location}`;
  assert.match(text, new RegExp(`verdict\\s+${record.verdict.replace('/', '\\/')}\\b`), `${where}: its verdict label`);
  if (record.verdict === 'PASS') {
    // Allure shows no message of a passed scenario (its results keep it): the qualifier is its label.
    for (const observer of lackedObservers(record)) assert.match(text, new RegExp(`${UNOBSERVED_LABEL}\\s+${observer}\\b`), `${where}: unobserved ${observer}`);
    return;
  }
  const message = verdictMessage(record);
  assert.deepEqual(await page.locator('[data-testid="test-result-error-message"]').allInnerTexts(), [message], `${where}: its message`);
  // Allure 3 also marks, in the scenario's body, where it ended: a line that repeats the message's first line.
  const marks = (await page.locator('[data-testid="test-result-step-title"]').allInnerTexts()).filter((title) => title.includes(message));
  assert.ok(marks.length <= 1, `${where}: ${marks.length} marks of where it ended`);
  assert.equal(text.split(message).length - 1, 1 + marks.length, `${where}: "${message}" said once`);
  if (!VERDICT_FORMATS[record.verdict].keepsTrace) assert.doesNotMatch(text, /\bat .*(support|steps)\/\S+\.ts:\d+/, `${where}: no stack frames of the suite`);
}

/** The run's column of the compliance matrix: each requirement's cell holds the loudest of its scenarios' verdicts. */
async function checkMatrix(page: Page, matrix: string, column: number, records: readonly ScenarioRecord[], exitCode: number): Promise<void> {
  await page.goto(matrix);
  const read = await page.locator('tr[data-requirement]').evaluateAll(
    (rows, nth) =>
      rows.map((row) => {
        const cell = row.querySelectorAll('td.cell')[nth];
        return [row.getAttribute('data-requirement') ?? '', cell?.getAttribute('data-verdict') ?? null, cell?.getAttribute('data-unobserved') ?? null] as const;
      }),
    column,
  );
  const cells = new Map(read.map(([requirement, verdict]) => [requirement, verdict]));
  const unobservedCells = new Map(read.map(([requirement, , unobserved]) => [requirement, unobserved]));
  const byRequirement = new Map<string, ScenarioRecord[]>();
  for (const record of records) if (record.requirement) byRequirement.set(record.requirement, [...(byRequirement.get(record.requirement) ?? []), record]);
  for (const [requirement, scenarios] of byRequirement) {
    assert.equal(cells.get(requirement), requirementVerdict(scenarios.map((s) => s.verdict)), `matrix: ${requirement}`);
    // Kept as far as observed, the cell names what its scenarios' checks lacked.
    const observedKept = requirementVerdict(scenarios.map((s) => s.observed)) === 'PASS';
    const lacked = [...new Set(scenarios.flatMap((s) => lackedObservers({ verdict: s.observed, unobserved: s.unobserved })))];
    assert.equal(unobservedCells.get(requirement), observedKept && lacked.length > 0 ? lacked.join(' and ') : null, `matrix: ${requirement}, what it lacked`);
  }
  // The headline never says every MUST is kept while one was not established (qualified, or N/A).
  const headline = (await page.locator('.verdict-line').nth(column).getAttribute('data-line')) ?? '';
  const qualifiedMust = records.some(
    (r) => r.strength === 'MUST' && r.observed === 'PASS' && lackedObservers({ verdict: r.observed, unobserved: r.unobserved }).length > 0,
  );
  if (qualifiedMust) {
    assert.doesNotMatch(headline, /^keeps every MUST: yes/, `matrix: the headline, ${headline}`);
    assert.match(headline, /MUST requirements? not established: [^;]*without /, `matrix: the headline, ${headline}`);
  }
  const failing = [...cells.values()].filter((v): v is Verdict => v !== null && (VERDICTS as readonly string[]).includes(v) && failsRun(v as Verdict));
  assert.equal(failing.length === 0, exitCode === 0, `matrix: failing cells ${failing.join(', ')}, against exit code ${exitCode}`);
}

/** The files the run wrote (verdicts.json, junit.xml, allure-results) agree, and with `exitCode`; the run's records. */
export function assertFilesAgree(folder: string, exitCode: number): ScenarioRecord[] {
  const { results: records } = readRunRecord(folder);
  assert.ok(records.length > 0, `${folder}: no scenario`);
  assert.equal(exitCode, records.some((r) => failsRun(r.verdict)) ? 1 : 0, 'verdicts.json against the exit code');
  checkJunit(folder, records, exitCode);
  checkRawAllure(folder, records);
  return records;
}

/** Where the reports built from a run are, as the browser reaches them. */
export interface BuiltReports {
  /** The URL of a file of the reports. */
  urlOf: (file: string) => string;
  /** The matrix.html that has this run, and the run's column in it (0 for the first). */
  matrix: string;
  column: number;
}

/**
 * The reports `npm run report` built from the run in `folder` (its Allure report, read in `page`, and its
 * column of the matrix) agree with its verdicts.json and with `exitCode`, scenario by scenario.
 */
export async function assertReportsAgree(page: Page, folder: string, exitCode: number, built: BuiltReports): Promise<void> {
  const { results: records } = readRunRecord(folder);
  const index = built.urlOf(path.join(runFiles(folder).allureReport, 'index.html'));
  const reading = await readAllureReport(page, index);
  const ids = allureIds(runFiles(folder).allureResults);
  const expectedCounts = { total: records.length, passed: 0, failed: 0, broken: 0, skipped: 0 };
  for (const record of records) {
    const id = ids[scenarioKey(record.location, record.name)] ?? '';
    const where = `the Allure report: ${record.location}`;
    expectedCounts[VERDICT_FORMATS[record.verdict].allure] += 1;
    assert.equal(reading.statusOf.get(id), VERDICT_FORMATS[record.verdict].allure, `${where}: status in the tree`);
    assert.equal(reading.categoryOf.get(id) ?? null, categoryOf(record), `${where}: category`);
  }
  assert.equal(reading.statusOf.size, records.length, 'the Allure report: one scenario in the tree per scenario of the run');
  assert.deepEqual(reading.counts, expectedCounts, 'the Allure report: its counts');
  const rated = expectedCounts.passed + expectedCounts.failed + expectedCounts.broken;
  const rate = rated === 0 ? 'none' : `${Math.floor((expectedCounts.passed / rated) * 10000) / 100}%`;
  assert.equal(reading.successRate, rate, 'the Allure report: its success rate');
  // The page's answer: failed where a MUST was broken, recorded or not (a run that exits 0 may have some),
  // broken for the rest of what fails the run; all passed only where the run exits 0 and broke no MUST.
  const brokeMust = records.some((r) => breaksMust(r.verdict));
  assert.equal(reading.counts.failed > 0, brokeMust, 'the Allure report: failed exactly where a MUST was broken');
  assert.equal(
    reading.counts.failed + reading.counts.broken === 0,
    exitCode === 0 && !brokeMust,
    `the Allure report: all passed, against exit code ${exitCode}`,
  );
  assert.ok(reading.name.startsWith(`${readRunRecord(folder).function} on `), `the Allure report's name: ${reading.name}`);
  assert.match(
    reading.name,
    brokeMust ? /: keeps every MUST: no; / : /: keeps every MUST(?: it could observe)?: (?:yes|not established)\b/,
    "the Allure report's name: the page's answer",
  );
  // One scenario of each verdict but PASS, on its own page; and a PASS qualified by what it could not
  // observe ("PASS, without the wire"), whose message says so there.
  for (const verdict of VERDICTS.filter((v) => v !== 'PASS')) {
    const record = records.find((r) => r.verdict === verdict);
    if (record) await checkScenarioPage(page, index, ids[scenarioKey(record.location, record.name)] ?? '', record);
  }
  const qualified = records.find((r) => r.verdict === 'PASS' && lackedObservers(r).length > 0);
  if (qualified) await checkScenarioPage(page, index, ids[scenarioKey(qualified.location, qualified.name)] ?? '', qualified);
  await checkMatrix(page, built.urlOf(built.matrix), built.column, records, exitCode);
}

/**
 * Every output of the run in `folder` (the reports folder of one run, which exited `exitCode`) against its
 * verdicts.json: the files it wrote, then the reports built from them as `npm run report` builds them, read
 * from disk in a Chromium of their own.
 */
export async function assertOutputsAgree(folder: string, exitCode: number): Promise<void> {
  assertFilesAgree(folder, exitCode);
  const out = scratchDir('outputs-agree');
  await buildReports(folder, out);
  const browser = await openBrowser((url) => url.startsWith('file://'));
  try {
    const urlOf = (file: string): string => pathToFileURL(file).href;
    await assertReportsAgree(browser.page, folder, exitCode, { urlOf, matrix: path.join(out, 'matrix.html'), column: 0 });
    assert.deepEqual(browser.refused, [], 'no request beyond the files on disk');
  } finally {
    await browser.context.close();
  }
}
