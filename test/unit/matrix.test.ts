// The compliance matrix: verdicts.json checking, the model (requirement verdicts, the verdict line,
// untestable rows, links to evidence), its HTML and Markdown, and the Allure helpers of the report.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Catalogue } from '../../src/catalogue/catalogue';
import { catalogueOf, requirement, runRecordOf } from './catalogue-fixture';
import { allureFormatOptions, ResultsWriter, toProperties } from '../../src/run-outputs/allure';
import { stageResults, stripAnalytics } from '../../src/report/allure-html';
import { buildMatrix, type RunSource } from '../../src/report/matrix';
import { diffRuns } from '../../src/report/diff';
import { escapeHtml, scenarioKey } from '../../src/run-outputs/keys';
import { CONTRADICTION_FACT } from '../../src/testbeds/agent-controller/facts';
import { scenarioFiles } from '../../src/run-outputs/scenario-files';
import { parseRunRecord, type RunRecord, type ScenarioRecord } from '../../src/verdicts/run-record';
import { sectionUrl } from '../../src/catalogue/published-page';
import { renderHtml, renderMarkdown } from '../../src/report/render';
import { allureIds, hrefFrom, parseProperties, readRunFolder } from '../../src/report/sources';
import type { Verdict } from '../../src/verdicts/meanings';
import { InputError } from '../../src/core/input-error';
import type { EvidenceSource, WindowsEvidence } from '../../src/catalogue/windows-evidence';
import { scratchDir } from '../scratch';

const CATALOGUE: Catalogue = catalogueOf([
  requirement('returns.zero', 'MUST', 'any-backend', { section: '-returns' }),
  requirement('remarks.a', 'MUST'),
  requirement('remarks.b', 'MUST'),
  requirement('remarks.may', 'MAY'),
  requirement('remarks.summary', 'INFORMATIVE', 'covered', { coveredBy: ['remarks.a', 'remarks.b'] }),
  requirement('remarks.client', 'CLIENT', 'not-testable', { why: 'an obligation on applications' }),
]);

let line = 1;
function scenario(requirementId: string | null, verdict: Verdict, extra: Partial<ScenarioRecord> = {}): ScenarioRecord {
  line += 1;
  return {
    name: `scenario ${line} of ${requirementId ?? 'nothing'}`,
    feature: 'Feature',
    location: `features/x.feature:${line}`,
    requirement: requirementId,
    strength: null,
    section: null,
    verdict,
    observed: verdict === 'XFAIL' ? 'FAIL' : verdict === 'XPASS' ? 'PASS' : verdict,
    detail: verdict === 'PASS' ? '' : `detail of ${verdict}`,
    observedDetail: verdict === 'PASS' ? '' : `detail of ${verdict}`,
    unobserved: [],
    expectation: null,
    waitedMs: 0,
    ...extra,
  };
}

/** A run as the report reads it, in folder `<backend>/` beside the matrix: each scenario with its call log and wire log, and `pcaps` of them with their packets. */
function source(record: RunRecord, folder = `reports/${record.backend}`, withAllure = true, pcaps: readonly ScenarioRecord[] = []): RunSource {
  const allureIds = Object.fromEntries(record.results.map((r, i) => [scenarioKey(r.location, r.name), `id${i}`]));
  const files = record.results.flatMap((r) => {
    const { callLog, wireLog, pcap } = scenarioFiles('', r.location, r.name);
    return [callLog, wireLog, ...(pcaps.includes(r) ? [pcap] : [])];
  });
  return {
    folder,
    record,
    facts: { node: 'v20' },
    allureReport: withAllure ? `${record.backend}/allure-report/index.html` : null,
    allureIds: withAllure ? allureIds : {},
    files: Object.fromEntries([...files, 'verdicts.json'].map((file) => [file, `${record.backend}/${file}`])),
  };
}

const allPass = (): RunRecord =>
  runRecordOf({
    backend: 'simulator',
    backendOptions: {},
    metadata: {},
    results: [scenario('returns.zero', 'PASS'), scenario('remarks.a', 'PASS'), scenario('remarks.b', 'PASS'), scenario('remarks.may', 'PASS')],
  });

describe('verdicts.json', () => {
  const good = JSON.stringify(allPass());

  it('reads a run record', () => {
    const record = parseRunRecord(good, 'v.json');
    assert.equal(record.backend, 'simulator');
    assert.equal(record.results.length, 4);
    assert.equal(record.results[0]?.verdict, 'PASS');
    assert.deepEqual(record.metadata, {});
    const withMetadata = parseRunRecord(JSON.stringify({ ...allPass(), metadata: { wine: 'wine-9.0', build: 7 } }), 'v.json');
    assert.deepEqual(withMetadata.metadata, { wine: 'wine-9.0', build: '7' });
  });

  it('records the function of the run; a record from before runs named it is of WSARecvDisconnect', () => {
    assert.equal(parseRunRecord(JSON.stringify({ ...allPass(), function: 'shutdown' }), 'v.json').function, 'shutdown');
    const older: Partial<RunRecord> = allPass();
    delete older.function;
    assert.equal(parseRunRecord(JSON.stringify(older), 'v.json').function, 'WSARecvDisconnect');
    assert.throws(() => parseRunRecord(JSON.stringify({ ...allPass(), function: 7 }), 'v.json'), /^InputError: v\.json: function must be a non-empty string$/);
  });

  it('names the file and the field of a mistake in one line', () => {
    assert.throws(
      () => parseRunRecord('{', 'a/verdicts.json'),
      (e: Error) => e instanceof InputError && /^a\/verdicts\.json: not JSON/.test(e.message) && !e.message.includes('\n'),
    );
    assert.throws(() => parseRunRecord('[]', 'v.json'), /v\.json: expected an object with backend and results/);
    assert.throws(() => parseRunRecord('{"backend":"x"}', 'v.json'), /v\.json: results must be a list/);
    const bad = JSON.parse(good) as { results: { verdict: string }[] };
    (bad.results[1] as { verdict: string }).verdict = 'MAYBE';
    assert.throws(() => parseRunRecord(JSON.stringify(bad), 'v.json'), /v\.json: results\[1\]\.verdict 'MAYBE' is not one of PASS, FAIL/);
    assert.throws(() => parseRunRecord('{"backend":"x","results":[{"verdict":"PASS"}]}', 'v.json'), /results\[0\]\.name must be a string/);
    assert.throws(() => parseRunRecord('{"backend":"x","backendOptions":{"a":1},"results":[]}', 'v.json'), /backendOptions must map names to strings/);
    assert.throws(() => parseRunRecord('{"backend":"x","metadata":[],"results":[]}', 'v.json'), /metadata must be an object/);
    assert.throws(() => parseRunRecord('{"backend":"x","label":"","results":[]}', 'v.json'), /v\.json: label must be a non-empty string or null/);
    assert.throws(() => parseRunRecord('{"backend":"x","startedAt":"yesterday","results":[]}', 'v.json'), /v\.json: startedAt 'yesterday' is not a date/);
    assert.throws(() => parseRunRecord('{"backend":"x","suite":{"commit":1},"results":[]}', 'v.json'), /v\.json: suite must be null or an object/);
  });

  it('reads the run’s identity, and a record from before runs kept it', () => {
    const identity = {
      label: 'ReactOS 0.4.15',
      startedAt: '2026-12-02T09:52:26.351Z',
      finishedAt: '2026-12-02T09:52:30.000Z',
      suite: { version: '0.1.0', commit: 'abc', localChanges: false },
      expectations: 'vendor/reactos.yaml',
    };
    const record = parseRunRecord(JSON.stringify({ ...allPass(), ...identity }), 'v.json');
    assert.deepEqual(
      { label: record.label, startedAt: record.startedAt, finishedAt: record.finishedAt, suite: record.suite, expectations: record.expectations },
      identity,
    );
    const old = parseRunRecord(JSON.stringify({ backend: 'wine', results: [] }), 'v.json');
    assert.deepEqual([old.label, old.startedAt, old.suite, old.expectations], [null, null, null, null]);
  });
});

describe('the matrix model', () => {
  it('has a row for every catalogue entry, untestable ones with their reason instead of a verdict', () => {
    const matrix = buildMatrix(CATALOGUE, [source(allPass())]);
    assert.deepEqual(
      matrix.rows.map((r) => [r.requirement.id, r.kind, r.cells.length]),
      [
        ['returns.zero', 'tested', 1],
        ['remarks.a', 'tested', 1],
        ['remarks.b', 'tested', 1],
        ['remarks.may', 'tested', 1],
        ['remarks.summary', 'covered', 0],
        ['remarks.client', 'not-testable', 0],
      ],
    );
    assert.equal(matrix.rows[4]?.note, 'covered by remarks.a, remarks.b');
    assert.equal(matrix.rows[5]?.note, 'not testable: an obligation on applications');
    assert.equal(matrix.rows[0]?.sectionUrl, sectionUrl('-returns', CATALOGUE.url));
  });

  it('gives a requirement the loudest verdict of its scenarios and links the scenario that decided it, and its call and wire logs', () => {
    const record = allPass();
    record.results.push(scenario('remarks.a', 'FAIL'), scenario('remarks.a', 'PASS'));
    const matrix = buildMatrix(CATALOGUE, [source(record)]);
    const cell = matrix.rows[1]?.cells[0];
    assert.equal(cell?.verdict, 'FAIL');
    assert.equal(cell?.scenarios.length, 3);
    assert.equal(cell?.primary?.href, 'simulator/allure-report/index.html#id4');
    assert.equal(cell?.deciding?.verdict, 'FAIL');
    const failing = record.results[4] as ScenarioRecord;
    const files = scenarioFiles('', failing.location, failing.name);
    assert.deepEqual(cell?.deciding?.links, [
      { label: 'Allure', href: 'simulator/allure-report/index.html#id4' },
      { label: 'call log', href: `simulator/${files.callLog}` },
      { label: 'wire log', href: `simulator/${files.wireLog}` },
    ]);
    assert.ok(!JSON.stringify(matrix).includes('cucumber.html?'), 'no verdict links cucumber’s step log');
  });

  it('falls back to the call log without an Allure report, and says NOT RUN where nothing ran', () => {
    const record = allPass();
    record.results = record.results.filter((r) => r.requirement !== 'remarks.b');
    const matrix = buildMatrix(CATALOGUE, [source(record, 'reports/simulator', false)]);
    assert.match(matrix.rows[0]?.cells[0]?.primary?.href ?? '', /^simulator\/logs\/x-\d+-scenario-\d+-of-returns-zero\.call-log\.txt$/);
    assert.equal(matrix.rows[0]?.cells[0]?.primary?.label, 'call log');
    assert.equal(matrix.rows[2]?.cells[0]?.verdict, 'NOT RUN');
    assert.equal(matrix.rows[2]?.cells[0]?.primary, null);
    assert.equal(matrix.columns[0]?.summary.keepsEveryMust, 'not established');
  });

  it('writes the verdict line of a conforming run', () => {
    const summary = buildMatrix(CATALOGUE, [source(allPass())]).columns[0]?.summary;
    assert.equal(summary?.line, 'keeps every MUST: yes; 0 requirements with a deviation; 0 requirements with an optional behaviour absent');
  });

  it('counts deviations (recorded ones too), absent optional behaviours, unknowns and stale expectations', () => {
    const expectation = {
      verdict: 'FAIL',
      detail: 'got = SOCKET_ERROR WSAEINVAL (10022)',
      observed: 'WSAEINVAL',
      reason: 'Wine bug 1234',
      evidence: 'https://bugs.example/1234',
    };
    const record = runRecordOf({
      backend: 'wine',
      backendOptions: {},
      metadata: {},
      results: [
        scenario('returns.zero', 'XFAIL', { expectation }),
        scenario('remarks.a', 'BROKEN'),
        scenario('remarks.b', 'XPASS', { expectation }),
        scenario('remarks.may', 'OPTIONAL'),
      ],
    });
    const matrix = buildMatrix(CATALOGUE, [source(record)]);
    const summary = matrix.columns[0]?.summary;
    assert.deepEqual(summary?.deviations, ['returns.zero']);
    assert.deepEqual(summary?.optionalAbsent, ['remarks.may']);
    assert.deepEqual(summary?.unknown, ['remarks.a']);
    assert.deepEqual(summary?.staleExpectations, ['remarks.b']);
    assert.equal(summary?.keepsEveryMust, 'no');
    assert.equal(
      summary?.line,
      'keeps every MUST: no; 1 requirement with a deviation; 1 requirement with an optional behaviour absent; 1 requirement unknown (BROKEN, TIMEOUT or not run); 1 requirement with an expectation out of date (XPASS)',
    );
    // A recorded deviation opens its scenario, as any verdict; its reason and evidence are a note, said once for both cells.
    assert.equal(matrix.rows[0]?.cells[0]?.primary?.href, 'wine/allure-report/index.html#id0');
    assert.equal(matrix.rows[0]?.cells[0]?.expectation?.reason, 'Wine bug 1234');
    const recorded = matrix.notes.filter((n) => n.kind === 'recorded');
    assert.deepEqual(
      recorded.map((n) => [n.requirement, n.text, n.sources]),
      [
        [
          'returns.zero',
          'Wine bug 1234',
          [{ what: 'https://bugs.example/1234', links: [{ label: 'https://bugs.example/1234', href: 'https://bugs.example/1234' }] }],
        ],
        [
          'remarks.b',
          'Wine bug 1234',
          [{ what: 'https://bugs.example/1234', links: [{ label: 'https://bugs.example/1234', href: 'https://bugs.example/1234' }] }],
        ],
      ],
    );
    assert.deepEqual(matrix.rows[0]?.cells[0]?.notes, [recorded[0]?.number]);
  });

  it("resolves a recorded deviation's evidence in each run that shows it, and says its reason once", () => {
    const queued = scenario('remarks.a', 'XFAIL');
    const pcapOf = scenarioFiles('', queued.location, queued.name).pcap;
    const expectation = {
      verdict: 'FAIL',
      detail: `detail of XFAIL`,
      observed: 'no reset',
      reason: 'Wine never calls shutdown(SHUT_RD)',
      evidence: [
        `reports/wine/junit.xml, scenario "${queued.name}" (call log, wire log)`,
        `reports/wine/${pcapOf}`,
        'reports/wine/verdicts.json',
        'reports/wine/junit.xml',
        'wine 8.0 (Debian 8.0~repack-4) server/sock.c:2658-2705 sock_ioctl',
        'https://bugs.winehq.org/show_bug.cgi?id=1',
      ].join('; '),
    };
    const record = (backendOptions: Record<string, string>): RunRecord => {
      const r = runRecordOf({ ...allPass(), backend: 'wine', backendOptions });
      r.results[1] = { ...queued, expectation };
      return r;
    };
    const node = source(record({}), 'reports/wine', true, []);
    const native = source(record({ 'agent-kind': 'native' }), 'reports/wine-native', true, []);
    // The native agent's run is in its own folder, with its packets: its files are its own.
    const nativeFiles = Object.fromEntries(Object.keys(node.files).map((file) => [file, `wine-native/${file}`]));
    const nativeSource: RunSource = {
      ...native,
      files: { ...nativeFiles, [pcapOf]: `wine-native/${pcapOf}` },
      allureReport: 'wine-native/allure-report/index.html',
    };
    const matrix = buildMatrix(CATALOGUE, [node, nativeSource]);
    const notes = matrix.notes.filter((n) => n.kind === 'recorded');
    assert.equal(notes.length, 1, 'one note for the deviation both runs show');
    const note = notes[0];
    assert.deepEqual(
      note?.citations.map((c) => c.column),
      [0, 1],
    );
    assert.deepEqual(
      matrix.rows[1]?.cells.map((c) => c.notes),
      [[note?.number], [note?.number]],
    );
    const [inNode, inNative] = note?.citations.map((c) => c.evidence) ?? [];
    const files = scenarioFiles('', queued.location, queued.name);
    assert.deepEqual(inNode, [
      {
        what: `${queued.location} ${queued.name}`,
        links: [
          { label: 'Allure', href: 'wine/allure-report/index.html#id1' },
          { label: 'call log', href: `wine/${files.callLog}` },
          { label: 'wire log', href: `wine/${files.wireLog}` },
        ],
      },
      // The node agent's run has no capture of it: said, not linked elsewhere.
      { what: `${pcapOf}: not in this run's reports`, links: [] },
      { what: 'verdicts.json', links: [{ label: 'verdicts.json', href: 'wine/verdicts.json' }] },
      { what: "junit.xml: not in this run's reports", links: [] },
    ]);
    assert.deepEqual(
      inNative?.[0]?.links.map((l) => l.href),
      ['wine-native/allure-report/index.html#id1', `wine-native/${files.callLog}`, `wine-native/${files.wireLog}`, `wine-native/${pcapOf}`],
    );
    assert.deepEqual(note?.sources, [
      { what: 'wine 8.0 (Debian 8.0~repack-4) server/sock.c:2658-2705 sock_ioctl', links: [] },
      {
        what: 'https://bugs.winehq.org/show_bug.cgi?id=1',
        links: [{ label: 'https://bugs.winehq.org/show_bug.cgi?id=1', href: 'https://bugs.winehq.org/show_bug.cgi?id=1' }],
      },
    ]);
    const html = renderHtml(matrix, { generated: 'now' });
    assert.equal(html.split('Wine never calls shutdown(SHUT_RD)').length - 1, 1, 'the reason said once');
    assert.match(renderMarkdown(matrix, { generated: 'now' }), /^ {3}- reason: Wine never calls shutdown\(SHUT_RD\)$/m);
  });

  it('says a reason that several expectations of a requirement share once, with what each observed', () => {
    const recorded = (observed: string) => ({
      verdict: 'FAIL',
      detail: `d ${observed}`,
      observed,
      reason: 'recvmsg reads the end of the stream',
      evidence: 'reports/posix/verdicts.json',
    });
    const record = runRecordOf({
      ...allPass(),
      backend: 'posix',
      results: [
        scenario('returns.zero', 'PASS'),
        scenario('remarks.a', 'XFAIL', { expectation: recorded('recv returns 0') }),
        scenario('remarks.a', 'XFAIL', { expectation: recorded('recvfrom returns 0') }),
        scenario('remarks.b', 'PASS'),
        scenario('remarks.may', 'PASS'),
      ],
    });
    const matrix = buildMatrix(CATALOGUE, [source(record)]);
    assert.deepEqual(
      matrix.notes.map((n) => [n.kind, n.text, n.expectations.map((e) => e.observed), n.citations[0]?.scenarios.length]),
      [['recorded', 'recvmsg reads the end of the stream', ['recv returns 0', 'recvfrom returns 0'], 2]],
    );
    assert.deepEqual(matrix.notes[0]?.citations[0]?.evidence, [
      ...record.results.slice(1, 3).map((r, i) => ({
        what: `${r.location} ${r.name}`,
        links: [
          { label: 'Allure', href: `posix/allure-report/index.html#id${i + 1}` },
          { label: 'call log', href: `posix/${scenarioFiles('', r.location, r.name).callLog}` },
          { label: 'wire log', href: `posix/${scenarioFiles('', r.location, r.name).wireLog}` },
        ],
      })),
      { what: 'verdicts.json', links: [{ label: 'verdicts.json', href: 'posix/verdicts.json' }] },
    ]);
    const html = renderHtml(matrix, { generated: 'now' });
    assert.equal(html.split('recvmsg reads the end of the stream').length - 1, 1);
    assert.match(
      html,
      /<div class="field"><b>Reason:<\/b> recvmsg reads the end of the stream<\/div><details class="backing"><summary>[^<]*<\/summary>[^]*<b>Observed:<\/b> recv returns 0<\/div>[^]*<b>Observed:<\/b> recvfrom returns 0<\/div>[^]*<\/details>/,
      'the reason in view, what backs it (each recorded deviation with what it observed) opened on demand',
    );
  });

  it('counts what was observed: an expected BROKEN is unknown, not a deviation', () => {
    const record = allPass();
    record.results[1] = scenario('remarks.a', 'XFAIL', {
      observed: 'BROKEN',
      expectation: { verdict: 'BROKEN', detail: 'd', observed: 'x', reason: 'cannot observe', evidence: 'notes' },
    });
    const matrix = buildMatrix(CATALOGUE, [source(record)]);
    assert.equal(matrix.rows[1]?.cells[0]?.verdict, 'XFAIL');
    const summary = matrix.columns[0]?.summary;
    assert.deepEqual(summary?.deviations, []);
    assert.deepEqual(summary?.unknown, ['remarks.a']);
    assert.equal(summary?.keepsEveryMust, 'not established');
  });

  it('leaves the answer open when a MUST is BROKEN, and counts N/A apart', () => {
    const record = allPass();
    record.results[1] = scenario('remarks.a', 'TIMEOUT');
    record.results[2] = scenario('remarks.b', 'N/A');
    const summary = buildMatrix(CATALOGUE, [source(record)]).columns[0]?.summary;
    assert.equal(summary?.keepsEveryMust, 'not established');
    assert.deepEqual(summary?.notApplicable, ['remarks.b']);
    const onlyNa = allPass();
    onlyNa.results[2] = scenario('remarks.b', 'N/A');
    assert.equal(
      buildMatrix(CATALOGUE, [source(onlyNa)]).columns[0]?.summary.line,
      'keeps every MUST it could observe: yes; 0 requirements with a deviation; 0 requirements with an optional behaviour absent; 1 MUST requirement not established: 1 N/A; 1 requirement not applicable here',
    );
  });

  it('puts runs side by side, naming options and telling twins apart by folder', () => {
    const a = allPass();
    const b = runRecordOf({ ...allPass(), backendOptions: { mutant: 'fin-sent' } });
    const c = allPass();
    const matrix = buildMatrix(CATALOGUE, [source(a, 'host-a/simulator'), source(b), source(c, 'host-b/simulator')]);
    assert.deepEqual(
      matrix.columns.map((col) => col.title),
      ['simulator (mutant=fin-sent)', 'simulator @ host-a/simulator', 'simulator @ host-b/simulator'],
    );
    assert.equal(matrix.rows[0]?.cells.length, 3);
  });

  it('puts Winsock implementations first, then the reference simulator, then the comparison; versions in numeric order', () => {
    const run = (backend: string, label: string | null = null, backendOptions: Record<string, string> = {}): RunSource =>
      source(runRecordOf({ ...allPass(), backend, label, backendOptions }), `reports/${backend}-${label ?? ''}-${Object.keys(backendOptions).join()}`);
    const given = [
      run('posix'),
      run('simulator'),
      run('wine', 'Wine 10.0'),
      run('wine', null, { 'agent-kind': 'native' }),
      run('winsock', 'Windows 11 24H2'),
      run('wine', 'Wine 8.0'),
      run('wine'),
    ];
    const matrix = buildMatrix(CATALOGUE, given);
    assert.deepEqual(
      matrix.columns.map((c) => [c.title, c.kind]),
      [
        ['Windows 11 24H2', 'implementation'],
        ['wine', 'implementation'],
        ['wine (agent-kind=native)', 'implementation'],
        ['Wine 8.0', 'implementation'],
        ['Wine 10.0', 'implementation'],
        ['simulator', 'reference'],
        ['posix', 'comparison'],
      ],
    );
    // The cells follow their columns.
    assert.deepEqual(
      matrix.rows[0]?.cells.map((c) => c.primary?.href.split('/')[0]),
      ['winsock', 'wine', 'wine', 'wine', 'wine', 'simulator', 'posix'],
    );
    // A comparison keeps its runs' order: old, then new.
    const diff = diffRuns(CATALOGUE, given[0]?.record as RunRecord, given[1]?.record as RunRecord);
    assert.deepEqual(
      buildMatrix(CATALOGUE, given.slice(0, 2), diff).columns.map((c) => c.title),
      ['posix', 'simulator'],
    );
  });

  it('gives each labelled run of one backend a column of its own, headed with when it ran and the suite revision', () => {
    const suite = { version: '0.1.0', commit: '7e3b4366697dc27b82a9c476be6663b4ecce954c', localChanges: true };
    const reactos = runRecordOf({ ...allPass(), backend: 'winsock', label: 'ReactOS 0.4.15', startedAt: '2026-12-02T09:52:26.351Z', suite });
    const windows = runRecordOf({
      ...allPass(),
      backend: 'winsock',
      label: 'Windows 11 24H2',
      startedAt: null,
      selection: "--tags '@req:remarks.a'",
      suite: { ...suite, localChanges: false },
    });
    const matrix = buildMatrix(CATALOGUE, [source(reactos, 'reports/winsock-reactos-0.4.15'), source(windows, 'reports/winsock-windows-11-24h2')]);
    assert.deepEqual(
      matrix.columns.map((c) => [c.title, c.backendTitle, c.revision]),
      [
        ['ReactOS 0.4.15', 'winsock', '0.1.0 at 7e3b4366697d, with local changes'],
        ['Windows 11 24H2', 'winsock', '0.1.0 at 7e3b4366697d'],
      ],
    );
    const html = renderHtml(matrix, { generated: '2026-12-02T10:00:00Z' });
    assert.match(
      html,
      /<td class="run"><a href="#run-1" class="title">ReactOS 0\.4\.15<\/a><small>Winsock implementation: winsock<\/small><small>ran 2026-12-02 09:52 UTC; suite 0\.1\.0 at 7e3b4366697d, with local changes<\/small>/,
    );
    assert.match(
      html,
      /<a href="#run-2" class="title">Windows 11 24H2<\/a><small>Winsock implementation: winsock<\/small><small>ran time not recorded; suite [^<;]*; only --tags &#39;@req:remarks\.a&#39;<\/small>/,
    );
    // The column's head stays short, its identity on hover.
    assert.match(
      html,
      /<th class="run" id="run-1" data-kind="implementation" title="ReactOS 0\.4\.15\nwinsock\nran 2026-12-02 09:52 UTC\n[^"]*">ReactOS 0\.4\.15<small>winsock<\/small>/,
    );
    assert.match(
      renderMarkdown(matrix, { generated: 'x' }),
      /^- \*\*ReactOS 0\.4\.15\*\* \(winsock; ran 2026-12-02 09:52 UTC; suite 0\.1\.0 at 7e3b4366697d, with local changes\)/m,
    );
  });

  it('lists scenarios whose requirement the catalogue does not know', () => {
    const record = allPass();
    record.results.push(scenario('remarks.gone', 'PASS'), scenario(null, 'PASS'));
    const matrix = buildMatrix(CATALOGUE, [source(record)]);
    assert.deepEqual(
      matrix.unmatched.map((u) => u.requirement),
      ['remarks.gone', null],
    );
  });
});

describe('rendering', () => {
  const record = runRecordOf({
    backend: 'wine',
    backendOptions: {},
    metadata: {},
    results: [
      scenario('returns.zero', 'FAIL', { detail: 'returned <1> | not 0' }),
      scenario('remarks.a', 'PASS'),
      scenario('remarks.b', 'PASS'),
      scenario('remarks.may', 'OPTIONAL'),
    ],
  });
  const matrix = buildMatrix(CATALOGUE, [source(allPass()), source(record)]);
  const options = { generated: '2026-01-01T00:00:00Z' };

  it('writes a self-contained HTML page: a summary row per run, every requirement a row, each detail said once in a note', () => {
    const html = renderHtml(matrix, { ...options, interpreting: '../docs/interpreting.md' });
    assert.match(
      html,
      /<tr class="verdict-line must-no" data-backend="wine" data-line="keeps every MUST: no; 1 requirement with a deviation; 1 requirement with an optional behaviour absent">/,
    );
    assert.match(html, /<tr class="verdict-line must-yes" data-backend="simulator"/);
    assert.match(
      html,
      /<td class="line">keeps every MUST: <span class="answer">no<\/span><\/td><td><div class="part" data-part="deviations">1 requirement with a deviation<span class="ids"><a href="#req-returns\.zero">returns\.zero<\/a>/,
    );
    assert.match(html, /<td class="scenarios">4 scenarios: 2 PASS, 1 FAIL, 1 OPTIONAL<\/td>/);
    for (const r of CATALOGUE.requirements) assert.ok(html.includes(`data-requirement="${r.id}"`), r.id);
    assert.match(html, /<td class="note" colspan="2"><span class="untested">covered by <a href="#req-remarks\.a">/);
    // The FAIL's detail is a note, which its cell cites by number.
    assert.equal(html.split('returned &lt;1&gt; | not 0').length - 1, 1, 'the detail said once');
    const failing = matrix.notes.find((n) => n.text === 'returned <1> | not 0');
    assert.match(
      html,
      new RegExp(
        `data-verdict="FAIL"><a href="[^"]*" class="badge v-fail" title="Allure: features/x\\.feature:\\d+ scenario \\d+ of returns\\.zero">FAIL</a> <a class="note-ref" href="#note-${failing?.number}"`,
      ),
    );
    assert.match(html, new RegExp(`<div class="note" id="note-${failing?.number}" data-kind="detail">`));
    assert.match(html, /How to read it: <a href="\.\.\/docs\/interpreting\.md">interpreting\.md<\/a>/);
    assert.doesNotMatch(html, />cucumber</, 'no cucumber badge beside a verdict');
    assert.ok(!/<(script|link|img)\b/i.test(html), 'no script, stylesheet or image to fetch');
  });

  it('writes Markdown with one column per run, the notes below, and escaped cells', () => {
    const text = renderMarkdown(matrix, options);
    assert.match(text, /^\| requirement \| strength \| rule \| wine \| simulator \|$/m);
    assert.match(
      text,
      /^\| wine \| Winsock implementation \| keeps every MUST: no; 1 requirement with a deviation; 1 requirement with an optional behaviour absent \| 4 scenarios: 2 PASS, 1 FAIL, 1 OPTIONAL \|$/m,
    );
    assert.match(
      text,
      /^\| `returns\.zero` \| MUST \| rule of returns\.zero \| \[\*\*FAIL\*\*\]\([^)]*\) \[1\] \(\[call log\]\([^)]*\), \[wire log\]\([^)]*\)\) \| \[\*\*PASS\*\*\]\([^)]*\) \(\[call log\]/m,
    );
    assert.match(text, /^1\. `returns\.zero`, FAIL in wine:\n {3}returned <1> \\\| not 0$/m);
    assert.match(text, /^\| `remarks\.client` \| CLIENT \| rule of remarks\.client \*\(not testable: an obligation on applications\)\* \| — \| — \|$/m);
  });

  it('says of the posix column, in its header and its summary, that it is a comparison, not a Winsock implementation', () => {
    const posix = buildMatrix(CATALOGUE, [source(runRecordOf({ ...allPass(), backend: 'posix' })), source(record)]);
    assert.deepEqual(
      posix.columns.map((c) => [c.title, c.note === null]),
      [
        ['wine', true],
        ['posix', false],
      ],
      'the comparison last; wine is what it seems',
    );
    const html = renderHtml(posix, options);
    assert.match(
      html,
      /<th class="group" data-kind="comparison" colspan="1" title="comparison, not Winsock"><span class="group-name">comparison, not Winsock<\/span><\/th><\/tr>/,
    );
    assert.match(html, /<th class="run" id="run-2" data-kind="comparison" title="[^"]*">posix<\/th>/);
    assert.match(
      html,
      /data-backend="posix"[^]*?<tr class="column-note-row must-yes"><td class="run"><\/td><td colspan="5" class="column-note">A comparison, not a Winsock implementation: /,
    );
    assert.match(
      renderMarkdown(posix, options),
      /^\| posix \| comparison, not Winsock \| keeps every MUST: yes; [^|]*\*\(A comparison, not a Winsock implementation: [^|]*\)\* \| 4 scenarios: 4 PASS \|$/m,
    );
  });
});

describe('what Windows is known to do, beside each row', () => {
  const wine: EvidenceSource = {
    id: 'wine-8.0',
    cite: 'wine 8.0 (Debian 8.0~repack-4)',
    what: "Wine's tests",
    get: 'apt-get source wine',
    url: 'https://gitlab.winehq.org/wine/wine/-/blob/wine-8.0/{file}#L{from}-{to}',
    where: 'e.yaml:1',
  };
  const windows: WindowsEvidence = {
    file: 'e.yaml',
    function: 'WSARecvDisconnect',
    searched: ["Wine's tests"],
    sources: [wine],
    entries: [
      {
        id: 'remarks.a',
        items: [
          {
            kind: 'test-on-windows',
            citation: { source: wine, file: 'dlls/ws2_32/tests/sock.c', lines: [{ from: 9019, to: 9032 }], hash: 'd9bbb2b37ac1', in: 'test_shutdown' },
            call: 'shutdown(SD_RECEIVE)',
            shows: 'recv fails with WSAESHUTDOWN <twice>',
            windows: null,
            bearing: 'agrees',
            where: 'e.yaml:2',
          },
          {
            kind: 'microsoft-documentation',
            citation: { url: 'https://learn.microsoft.com/x', title: 'A provider page', section: 'Remarks', edition: null },
            call: 'WSPRecvDisconnect',
            shows: 'the window is kept',
            windows: 'Windows 7 on',
            bearing: 'contradicts',
            where: 'e.yaml:3',
          },
        ],
        notFound: 'no test with data queued',
        where: 'e.yaml:4',
      },
      { id: 'remarks.client', items: [], notFound: 'an obligation on applications', where: 'e.yaml:5' },
    ],
  };
  const matrix = buildMatrix(CATALOGUE, [source(allPass())], null, windows);
  const options = { generated: '2026-01-01T00:00:00Z' };

  it('gives every row its entry of the evidence, or none where the file lists it not', () => {
    const byId = new Map(matrix.rows.map((row) => [row.requirement.id, row.windows]));
    assert.equal(byId.get('remarks.a')?.items.length, 2);
    assert.equal(byId.get('remarks.client')?.notFound, 'an obligation on applications');
    assert.equal(byId.get('returns.zero'), null);
    assert.ok(
      buildMatrix(CATALOGUE, [source(allPass())]).rows.every((row) => row.windows === null),
      'no evidence given, none shown',
    );
  });

  it('shows it in the rule cell, labelled as cited evidence, closed, with no badge and no verdict', () => {
    const html = renderHtml(matrix, options);
    const details = (id: string): string =>
      new RegExp(`<details class="windows-evidence" data-windows-evidence="${id.replace(/\./g, '\\.')}">[^]*?</details>`).exec(html)?.[0] ?? '';
    const a = details('remarks.a');
    assert.match(
      a,
      /<summary><span class="windows-label">what Windows is known to do \(cited\)<\/span>: <span class="windows-tally">tests on Windows: 1 agrees; Microsoft documentation: 1 contradicts; some not found<\/span><\/summary>/,
    );
    assert.match(
      a,
      /<li data-bearing="agrees" data-kind="test-on-windows"><span class="bearing bearing-agrees">agrees with the rule<\/span> · <span class="kind">a test that runs on Windows<\/span>, <span class="call">shutdown\(SD_RECEIVE\)<\/span>: recv fails with WSAESHUTDOWN &lt;twice&gt;/,
    );
    assert.ok(
      a.includes(
        '<a href="https://gitlab.winehq.org/wine/wine/-/blob/wine-8.0/dlls/ws2_32/tests/sock.c#L9019-9032">wine 8.0 (Debian 8.0~repack-4) dlls/ws2_32/tests/sock.c:9019-9032 test_shutdown</a>',
      ),
      a,
    );
    assert.match(a, /<span class="bearing bearing-contradicts">contradicts the rule<\/span>[^]*\(Windows: Windows 7 on\)/);
    assert.match(a, /<p class="not-found">not found: no test with data queued<\/p>/);
    assert.match(
      details('remarks.client'),
      /windows-tally">no public evidence of Windows<[^]*<p class="not-found">no public evidence: an obligation on applications<\/p>/,
    );
    assert.match(details('returns.zero'), /windows-tally">not recorded</);
    assert.match(html, /<div class="rule">rule of remarks\.a<\/div><details class="windows-evidence" data-windows-evidence="remarks\.a">/);
    for (const id of ['remarks.a', 'remarks.client', 'returns.zero']) assert.doesNotMatch(details(id), /class="badge|data-verdict|<details[^>]* open/, id);
    assert.match(html, /<p class="meta">“what Windows is known to do \(cited\)” is public evidence of real Windows [^<]* never one /);
  });

  it('lists it in Markdown after the table, each item with its bearing and citation', () => {
    const text = renderMarkdown(matrix, options);
    assert.match(text, /^## What Windows is known to do \(cited\)$/m);
    assert.match(text, /^- `remarks\.a`: tests on Windows: 1 agrees; Microsoft documentation: 1 contradicts; some not found$/m);
    assert.match(
      text,
      /^ {2}- \*agrees with the rule\* \(a test that runs on Windows, shutdown\(SD_RECEIVE\)\): recv fails with WSAESHUTDOWN <twice> \[wine 8\.0 \(Debian 8\.0~repack-4\) dlls\/ws2_32\/tests\/sock\.c:9019-9032 test_shutdown\]\(https:\/\/gitlab\.winehq\.org\/[^)]*#L9019-9032\)$/m,
    );
    assert.match(text, /^ {2}- not found: no test with data queued$/m);
    assert.match(text, /^- `remarks\.client`: no public evidence of Windows\n {2}- no public evidence: an obligation on applications$/m);
    assert.match(text, /^- `returns\.zero`: not recorded$/m);
  });
});

describe("a run's named facts", () => {
  const contradiction = "the agent says Windows NT 10.0.19045, not under Wine, yet the wire shows Linux's TCP/IP (controller: wire fingerprint)";
  const lying: RunSource = { ...source(allPass()), facts: { 'controller: TCP/IP on the wire': 'Linux (...)', [CONTRADICTION_FACT]: contradiction } };
  const matrix = buildMatrix(CATALOGUE, [lying]);
  const named = `${CONTRADICTION_FACT}: ${contradiction}`;

  it('names a contradiction first among the run’s facts, in HTML and Markdown, and lists it once', () => {
    assert.deepEqual(matrix.columns[0]?.named, [named]);
    const html = renderHtml(matrix, { generated: '2026-01-01T00:00:00Z' });
    assert.ok(
      html.includes(
        `<td><strong class="named-fact">${escapeHtml(named)}</strong><br><details><summary>1 fact more</summary>controller: TCP/IP on the wire: Linux (...)</details></td>`,
      ),
      html,
    );
    const text = renderMarkdown(matrix, { generated: '2026-01-01T00:00:00Z' });
    assert.ok(text.includes(`. **${named}**; controller: TCP/IP on the wire: Linux (...)`), text);
    assert.equal(text.split(contradiction).length, 2, 'once');
  });

  it('names nothing for a run whose facts hold no contradiction', () => {
    assert.deepEqual(buildMatrix(CATALOGUE, [source(allPass())]).columns[0]?.named, []);
  });
});

describe('report inputs', () => {
  it('reads back the environment properties the hook writes', () => {
    const facts = { backend: 'wine', 'option prefix': 'C:\\wine=1', 'simulator model': 'a: b', multi: 'one\ntwo', ' lead': '#x' };
    assert.deepEqual(parseProperties(toProperties(facts)), facts);
  });

  it('finds Allure ids by feature file and scenario name, the last retry winning', () => {
    const dir = scratchDir('allure-ids');
    const write = (uuid: string, name: string, stop: number): void =>
      writeFileSync(path.join(dir, `${uuid}-result.json`), JSON.stringify({ uuid, fullName: `proj:features/a.feature#${name}`, stop }));
    write('u1', 'one', 10);
    write('u2', 'one', 20);
    write('u3', 'two: with colon', 5);
    writeFileSync(path.join(dir, 'x-container.json'), '{}');
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    assert.deepEqual(allureIds(dir), { 'features/a.feature#one': md5('u2'), 'features/a.feature#two: with colon': md5('u3') });
    assert.equal(scenarioKey('features/a.feature:12', 'one'), 'features/a.feature#one');
  });

  it('makes hrefs relative to the matrix and encoded', () => {
    assert.equal(hrefFrom('/r', '/r/my run/cucumber.html'), 'my%20run/cucumber.html');
    assert.equal(hrefFrom('/r/out', '/r/a/b.html'), '../a/b.html');
  });

  it('stops at a missing folder, a missing or malformed verdicts.json', () => {
    const dir = scratchDir('report-input');
    assert.throws(
      () => readRunFolder(path.join(dir, 'nope'), dir),
      (e: Error) => e instanceof InputError && /nope: no such folder$/.test(e.message),
    );
    mkdirSync(path.join(dir, 'empty'));
    assert.throws(() => readRunFolder(path.join(dir, 'empty'), dir), /verdicts\.json: missing/);
    mkdirSync(path.join(dir, 'bad'));
    writeFileSync(path.join(dir, 'bad', 'verdicts.json'), '{"backend": 3}');
    assert.throws(() => readRunFolder(path.join(dir, 'bad'), dir), /verdicts\.json: backend must be a non-empty string/);
    mkdirSync(path.join(dir, 'good'));
    writeFileSync(path.join(dir, 'good', 'verdicts.json'), JSON.stringify(allPass()));
    const run = readRunFolder(path.join(dir, 'good'), dir);
    assert.equal(run.allureReport, null);
  });
});

describe('Allure', () => {
  it('labels scenarios by requirement, strength and section and links the page section', () => {
    const options = allureFormatOptions('/r/allure-results', 'wine', CATALOGUE.url);
    const labelFor = (tag: string): string | undefined => options.labels.find((l) => l.pattern.some((p) => p.test(tag)))?.name;
    assert.equal(labelFor('@req:remarks.no-icmp'), 'requirement');
    assert.equal(labelFor('@strength:MUST'), 'strength');
    assert.equal(labelFor('@section:-remarks'), 'section');
    assert.deepEqual(options.globalLabels, { backend: 'wine' });
    assert.equal(
      options.links['page section']?.urlTemplate('@section:-returns'),
      'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvdisconnect#return-value',
    );
    assert.equal(
      sectionUrl('metadata', CATALOGUE.url),
      'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvdisconnect#requirements',
    );
    assert.equal(
      sectionUrl('-param s', CATALOGUE.url),
      'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvdisconnect#parameters',
    );
  });

  it('writes one container per scenario, its set-up and tear-down together', async () => {
    const dir = scratchDir('allure-writer');
    const writer = new ResultsWriter(dir);
    writer.writeGroup({ uuid: 'a', children: ['t1'], befores: [{ name: 'set up' }], afters: [] });
    writer.writeGroup({ uuid: 'b', children: ['t1'], befores: [], afters: [{ name: 'tear down' }] });
    writer.writeGroup({ uuid: 'c', children: ['t2'], befores: [], afters: [{ name: 'other' }] });
    await writer.flushed();
    const containers = readdirSync(dir).sort();
    assert.deepEqual(containers, ['a-container.json', 'c-container.json']);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'a-container.json'), 'utf8')), {
      uuid: 'a',
      children: ['t1'],
      befores: [{ name: 'set up' }],
      afters: [{ name: 'tear down' }],
    });
  });

  it('takes the analytics tag out of the report, and refuses a template it does not know', () => {
    const page =
      '<body><div id="app"></div>\n    <script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>\n    <script>\n      function gtag(){dataLayer.push(arguments);}\n      gtag(\'config\', \'G-X\');\n    </script>\n    <script>data</script></body>';
    assert.equal(stripAnalytics(page), '<body><div id="app"></div>\n    <script>data</script></body>');
    assert.throws(() => stripAnalytics('<script src="https://www.googletagmanager.com/x"></script>'), /still loads Google Tag Manager/);
  });

  it('names the suite’s evidence and gives it a type Allure shows inline', () => {
    const from = scratchDir('allure-stage');
    const to = path.join(scratchDir('allure-staged'), 'allure-results');
    const attachment = (type: string): unknown => ({ name: 'Attachment', attachments: [{ name: 'Attachment', source: 's', type }] });
    writeFileSync(
      path.join(from, 'c-container.json'),
      JSON.stringify({
        befores: [{ stage: 'finished', steps: [] }],
        afters: [{ stage: 'finished', steps: [attachment('application/vnd.winsock-conformance.call-log+json')] }],
      }),
    );
    writeFileSync(
      path.join(from, 'r-result.json'),
      JSON.stringify({ steps: [{ name: 'Given x', steps: [attachment('application/vnd.winsock-conformance.not-applicable+json')] }] }),
    );
    writeFileSync(path.join(from, 's-attachment'), '[]');
    stageResults(from, to);
    const container = JSON.parse(readFileSync(path.join(to, 'c-container.json'), 'utf8')) as {
      befores: { name: string }[];
      afters: { name: string; steps: { name: string; attachments: { name: string; type: string }[] }[] }[];
    };
    assert.equal(container.befores[0]?.name, 'Before hook');
    assert.equal(container.afters[0]?.name, 'After hook');
    assert.deepEqual(container.afters[0]?.steps[0], { name: 'call log', attachments: [{ name: 'call log', source: 's', type: 'application/json' }] });
    assert.match(readFileSync(path.join(to, 'r-result.json'), 'utf8'), /"name":"not applicable"/);
    assert.equal(readFileSync(path.join(to, 's-attachment'), 'utf8'), '[]');
  });
});

describe('a MUST kept only as far as the run could observe', () => {
  const WIRE = { observer: 'the wire', check: 'no segment from the socket besides its handshake', why: 'the wire is not captured in this run' };

  it('reads "PASS, without the wire" in its cell, and the headline never says every MUST is kept', () => {
    const record = allPass();
    record.results[1] = scenario('remarks.a', 'PASS', { unobserved: [WIRE] });
    record.results[2] = scenario('remarks.b', 'N/A');
    const matrix = buildMatrix(CATALOGUE, [source(record)]);
    const cell = matrix.rows.find((r) => r.requirement.id === 'remarks.a')?.cells[0];
    assert.deepEqual(cell?.unobserved, ['the wire']);
    assert.equal(cell?.reading, 'PASS, without the wire');
    const summary = matrix.columns[0]?.summary;
    assert.equal(summary?.keepsEveryMust, 'yes');
    assert.equal(summary?.observedEveryMust, false);
    assert.equal(
      summary?.line,
      'keeps every MUST it could observe: yes; 0 requirements with a deviation; 0 requirements with an optional behaviour absent; 2 MUST requirements not established: 1 N/A, 1 without the wire; 1 requirement not applicable here',
    );
    const options = { generated: 'now', annotatedPage: null };
    assert.match(renderHtml(matrix, options), /data-verdict="PASS" data-unobserved="the wire">.*<span class="qualifier">without the wire<\/span>/);
    assert.match(renderHtml(matrix, options), /class="verdict-line must-open"/);
    assert.match(renderMarkdown(matrix, options), /\*\*PASS\*\*\]\([^)]*\), without the wire/);
  });

  it('leaves a deviation unqualified, and reads an old record without unobserved as none', () => {
    const record = allPass();
    record.results[1] = scenario('remarks.a', 'FAIL', { unobserved: [WIRE] });
    const cell = buildMatrix(CATALOGUE, [source(record)]).rows.find((r) => r.requirement.id === 'remarks.a')?.cells[0];
    assert.deepEqual(cell?.unobserved, []);
    const old = JSON.parse(JSON.stringify(allPass())) as { results: Record<string, unknown>[] };
    for (const r of old.results) delete r.unobserved;
    assert.deepEqual(
      parseRunRecord(JSON.stringify(old), 'old.json').results.map((r) => r.unobserved),
      old.results.map(() => []),
    );
    const bad = JSON.parse(JSON.stringify(allPass())) as { results: Record<string, unknown>[] };
    if (bad.results[0]) bad.results[0].unobserved = ['the wire'];
    assert.throws(() => parseRunRecord(JSON.stringify(bad), 'bad.json'), /bad\.json: results\[0\]\.unobserved must be a list/);
  });
});
