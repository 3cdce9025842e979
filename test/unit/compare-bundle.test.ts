// Comparing two runs (npm run report -- --diff), the folders the report skips and why, and the bundle's
// parts: the pcaps taken out of a run's messages, the runs staged with links that work inside the archive.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Catalogue } from '../../src/catalogue/catalogue';
import { catalogueOf, requirement, runRecordOf } from './catalogue-fixture';
import { changeKind, diffLines, diffRuns } from '../../src/report/diff';
import { buildMatrix } from '../../src/report/matrix';
import { renderHtml, renderMarkdown } from '../../src/report/render';
import { scanResultFolders } from '../../src/report/sources';
import { stageRuns } from '../../src/report/bundle';
import { TEST_SCREENSHOTS_FOLDER, type RunRecord, type ScenarioRecord } from '../../src/verdicts/run-record';
import type { Verdict } from '../../src/verdicts/meanings';
import { scratchDir } from '../scratch';

const CATALOGUE: Catalogue = catalogueOf([requirement('a'), requirement('b'), requirement('c'), requirement('d'), requirement('covered', 'MUST', 'covered')]);

function scenario(req: string | null, name: string, verdict: Verdict, line = 1): ScenarioRecord {
  return {
    name,
    feature: 'F',
    location: `features/x.feature:${line}`,
    requirement: req,
    strength: 'MUST',
    section: '-remarks',
    observed: verdict,
    verdict,
    detail: verdict === 'PASS' ? '' : `why ${name}`,
    observedDetail: verdict === 'PASS' ? '' : `why ${name}`,
    unobserved: [],
    expectation: null,
    waitedMs: 0,
  };
}

describe('comparing two runs', () => {
  // a: fixed; b: a regression in one of two scenarios; c: unchanged; d: the same verdict, one scenario moved lines and another changed.
  const before = runRecordOf({
    results: [
      scenario('a', 'a1', 'FAIL', 10),
      scenario('b', 'b1', 'PASS', 20),
      scenario('b', 'b2', 'PASS', 21),
      scenario('c', 'c1', 'XFAIL', 30),
      scenario('d', 'd1', 'FAIL', 40),
      scenario('d', 'd2', 'PASS', 41),
    ],
  });
  const after = runRecordOf({
    results: [
      scenario('a', 'a1', 'PASS', 10),
      scenario('b', 'b1', 'PASS', 20),
      scenario('b', 'b2', 'TIMEOUT', 21),
      scenario('c', 'c1', 'XFAIL', 35),
      scenario('d', 'd1', 'FAIL', 44),
      scenario('d', 'd2', 'N/A', 45),
    ],
  });

  it('lists the requirements whose verdict changed, and their scenarios, by feature file and name', () => {
    const diff = diffRuns(CATALOGUE, before, after);
    assert.equal(diff.compared, 4);
    assert.deepEqual(
      diff.requirements.map((r) => [r.id, r.from, r.to, r.kind, r.scenarios.map((s) => `${s.name}: ${s.from} -> ${s.to}`)]),
      [
        ['a', 'FAIL', 'PASS', 'fixed', ['a1: FAIL -> PASS']],
        ['b', 'PASS', 'TIMEOUT', 'regression', ['b2: PASS -> TIMEOUT']],
        ['d', 'FAIL', 'FAIL', 'changed', ['d2: PASS -> N/A']],
      ],
    );
    assert.deepEqual(diffLines(diff, 'Wine 8.0', 'Wine 9.0'), [
      "Wine 8.0 -> Wine 9.0: 2 of the catalogue's 4 testable requirements changed verdict, 1 more requirement changed in some scenario",
      '  fixed: a (MUST): FAIL -> PASS',
      '      FAIL -> PASS  a1 (features/x.feature:10)',
      '  regression: b (MUST): PASS -> TIMEOUT',
      '      PASS -> TIMEOUT  b2 (features/x.feature:21) - why b2',
      '  d (MUST): FAIL, unchanged; its scenarios changed',
      '      PASS -> N/A  d2 (features/x.feature:45) - why d2',
    ]);
  });

  it('counts a scenario one run lacks as NOT RUN, and nothing when the runs agree', () => {
    const fewer = runRecordOf({ results: [scenario('a', 'a1', 'FAIL', 10)] });
    const diff = diffRuns(CATALOGUE, before, fewer);
    assert.deepEqual(
      diff.requirements.map((r) => [r.id, r.from, r.to]),
      [
        ['b', 'PASS', 'NOT RUN'],
        ['c', 'XFAIL', 'NOT RUN'],
        ['d', 'FAIL', 'NOT RUN'],
      ],
    );
    assert.deepEqual(diffRuns(CATALOGUE, before, before).requirements, []);
    assert.equal(changeKind('NOT RUN', 'FAIL'), 'regression');
    assert.equal(changeKind('FAIL', 'NOT RUN'), 'changed', 'a scenario that no longer runs is not fixed');
    assert.equal(changeKind('XFAIL', 'FAIL'), 'regression');
  });

  it('calls a verdict that changed while the implementation did the same rejudged, never a regression or a fix', () => {
    const recorded = { verdict: 'FAIL', detail: 'why a1', observed: 'o', reason: 'r', evidence: 'e' };
    // The same observations: a1 judged by an expectation in the old run only, b2 in the new run only; c1's observation changed.
    const judged = runRecordOf({
      results: [
        { ...scenario('a', 'a1', 'XFAIL', 10), observed: 'FAIL', observedDetail: 'why a1', expectation: recorded },
        scenario('b', 'b2', 'FAIL', 21),
        scenario('c', 'c1', 'PASS', 30),
      ],
      expectations: 'expectations/wine.yaml',
    });
    const rejudged = runRecordOf({
      results: [
        scenario('a', 'a1', 'FAIL', 10),
        { ...scenario('b', 'b2', 'XFAIL', 21), observed: 'FAIL', observedDetail: 'why b2', expectation: { ...recorded, detail: 'why b2' } },
        { ...scenario('c', 'c1', 'XFAIL', 30), observed: 'FAIL', observedDetail: 'why c1', expectation: { ...recorded, detail: 'why c1' } },
      ],
    });
    const diff = diffRuns(CATALOGUE, judged, rejudged);
    assert.deepEqual(
      diff.requirements.map((r) => [r.id, r.from, r.to, r.kind, r.scenarios.map((s) => s.judging)]),
      [
        ['a', 'XFAIL', 'FAIL', 'rejudged', ["a known deviation in the old run's expectations only"]],
        ['b', 'FAIL', 'XFAIL', 'rejudged', ["a known deviation in the new run's expectations only"]],
        // PASS to FAIL is the implementation's doing, even where the new expectations record the deviation.
        ['c', 'PASS', 'XFAIL', 'changed', [null]],
      ],
    );
    const lines = diffLines(diff, 'judged', 'not judged');
    assert.equal(
      lines[0],
      "judged -> not judged: 3 of the catalogue's 4 testable requirements changed verdict (2 of them only rejudged: the implementation did the same, the judging differs)",
    );
    assert.equal(lines[1], '  judged by: expectations/wine.yaml -> no expectations file');
    assert.equal(lines[2], '  rejudged: a (MUST): XFAIL -> FAIL');
    assert.match(
      lines[3] ?? '',
      /^ {6}XFAIL -> FAIL {2}a1 \(features\/x\.feature:10\) - why a1 \[rejudged: a known deviation in the old run's expectations only\]$/,
    );
    assert.ok(!lines.some((l) => /regression|fixed/.test(l)), lines.join('\n'));
    // Another deviation than the one recorded is the implementation's: the detail as observed tells it.
    const other = runRecordOf({
      results: [
        {
          ...scenario('a', 'a1', 'FAIL', 10),
          observedDetail: 'why else',
          detail: 'why else (a deviation other than the one recorded in the expectations: why a1)',
        },
      ],
    });
    assert.equal(diffRuns(CATALOGUE, judged, other).requirements[0]?.kind, 'regression');
  });

  it('shows the changes in the matrix of the two runs: a summary and a change column', () => {
    const source = (r: RunRecord, folder: string) => ({ folder, record: r, facts: {}, allureReport: null, allureIds: {}, files: {} });
    const diff = diffRuns(CATALOGUE, before, after);
    const matrix = buildMatrix(CATALOGUE, [source(before, 'old'), source(after, 'new')], diff);
    const html = renderHtml(matrix, { generated: 'now' });
    // Its own title: not the matrix's.
    assert.match(
      html,
      /<title>WSARecvDisconnect: wine @ old compared with wine @ new<\/title>[\s\S]*<h1>WSARecvDisconnect: wine @ old compared with wine @ new<\/h1>/,
    );
    assert.match(html, /<h2>Changes<\/h2><p>wine @ old -&gt; wine @ new: 2 of the catalogue&#39;s 4 testable requirements changed verdict/);
    assert.match(html, /<th rowspan="2">Change<\/th><\/tr>/);
    assert.match(html, /<tr id="req-b" data-requirement="b" class="changed-regression">.*<td class="change" data-change="regression">/);
    assert.match(html, /<tr id="req-c" data-requirement="c">.*<td class="change"><\/td><\/tr>/);
    assert.match(html, /<td class="note" colspan="3"><span class="untested">covered by/);
    const text = renderMarkdown(matrix, { generated: 'now' });
    assert.match(text, /^# WSARecvDisconnect: wine @ old compared with wine @ new$/m);
    assert.match(text, /^\| `a` \| MUST \| rule of a \| \*\*FAIL\*\* \[1\] \| \*\*PASS\*\* \| fixed: FAIL → PASS \|$/m);
    assert.match(text, /^1\. `a`, FAIL in wine @ old:\n {3}why a1$/m);
  });
});

describe('the report’s folders', () => {
  it('names every folder it skips, and why', () => {
    const root = scratchDir('scan');
    const run = (name: string, text: string) => {
      mkdirSync(path.join(root, name));
      writeFileSync(path.join(root, name, 'verdicts.json'), text);
    };
    run('wine', JSON.stringify(runRecordOf({ results: [] })));
    run('wine.incoming', JSON.stringify(runRecordOf({ results: [] })));
    run('broken', '{');
    mkdirSync(path.join(root, 'notes'));
    // The browser tests' screenshots are known not to be a run: passed over without a word.
    mkdirSync(path.join(root, TEST_SCREENSHOTS_FOLDER));
    writeFileSync(path.join(root, 'matrix.html'), '');
    const scan = scanResultFolders(root);
    assert.deepEqual(scan.folders, [path.join(root, 'wine')]);
    assert.deepEqual(
      scan.skipped.map((s) => path.basename(s.folder)),
      ['broken', 'notes', 'wine.incoming'],
    );
    const [broken, notes, incoming] = scan.skipped.map((s) => s.reason);
    assert.match(broken ?? '', /broken\/verdicts\.json: not JSON \(/);
    assert.equal(notes, 'no verdicts.json: not the reports of a run that completed');
    assert.equal(incoming, 'the reports of a run under way, or of one cut short: incomplete');
  });
});

describe('the bundle', () => {
  it('stages each run with its files, its pcaps and links relative to the bundle’s root', async () => {
    const runs = scratchDir('bundle-runs');
    const run = path.join(runs, 'wine');
    mkdirSync(path.join(run, 'allure-report'), { recursive: true });
    writeFileSync(path.join(run, 'verdicts.json'), JSON.stringify(runRecordOf({ results: [scenario('a', 'a1', 'PASS')], label: 'Wine 9.0' })));
    writeFileSync(path.join(run, 'expectations.yaml'), 'backend: wine\n');
    // cucumber's HTML step log and Allure's formatter log, as an older version of the suite left them: not handed over.
    writeFileSync(path.join(run, 'cucumber.html'), '<html>');
    writeFileSync(path.join(run, 'allure-formatter.log'), '');
    writeFileSync(path.join(run, 'allure-report', 'index.html'), '<html>');
    mkdirSync(path.join(run, 'reruns', '1'), { recursive: true });
    writeFileSync(path.join(run, 'reruns', '1', 'messages.ndjson'), '{}');
    writeFileSync(path.join(run, 'reruns', '1', 'cucumber.html'), '<html>');
    const pcap = 'reception-85-data-still-queued-resets-the-tcp-connection.pcap';
    mkdirSync(path.join(run, 'pcap'));
    writeFileSync(path.join(run, 'pcap', pcap), 'packets');
    const callLog = 'reception-85-data-still-queued-resets-the-tcp-connection.call-log.txt';
    mkdirSync(path.join(run, 'logs'));
    writeFileSync(path.join(run, 'logs', callLog), 'calls');
    const root = path.join(scratchDir('bundle-root'), 'hand-over');
    const [staged] = await stageRuns([run], root);
    assert.equal(staged?.name, 'wine');
    assert.equal(staged?.pcaps, 1);
    assert.equal(readFileSync(path.join(root, 'wine', 'pcap', pcap), 'utf8'), 'packets', 'the capture keeps the name the expectations cite');
    assert.equal(staged?.source.allureReport, 'wine/allure-report/index.html');
    // The scenarios' evidence the matrix links: the copies in the bundle.
    assert.equal(readFileSync(path.join(root, 'wine', 'logs', callLog), 'utf8'), 'calls');
    assert.equal(staged?.source.files[`logs/${callLog}`], `wine/logs/${callLog}`);
    assert.equal(staged?.source.files[`pcap/${pcap}`], `wine/pcap/${pcap}`);
    assert.equal(staged?.source.record.label, 'Wine 9.0');
    for (const file of ['verdicts.json', 'expectations.yaml', 'allure-report/index.html', 'reruns/1/messages.ndjson'])
      assert.ok(existsSync(path.join(root, 'wine', file)), file);
    for (const file of ['allure-formatter.log', 'cucumber.html', 'reruns/1/cucumber.html']) assert.ok(!existsSync(path.join(root, 'wine', file)), file);
    assert.equal(readFileSync(path.join(root, 'wine', 'expectations.yaml'), 'utf8'), 'backend: wine\n');
  });
});
