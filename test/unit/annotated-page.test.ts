// The annotated page's HTML, without runs: every statement with its claims, and a page the catalogue no
// longer matches said so, statement by statement. (The browser test opens it with a simulator and a Wine run.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functionCatalogue } from '../../src/catalogue/catalogue';
import { pageCoverage } from '../../src/catalogue/anchors';
import { pageStatements } from '../../src/catalogue/statements';
import { buildMatrix, type RunSource } from '../../src/report/matrix';
import { windowsEvidenceOf } from '../../src/catalogue/windows-evidence';
import { type ScenarioRecord } from '../../src/verdicts/run-record';
import { runRecordOf } from './catalogue-fixture';
import { renderAnnotatedPage, statementAnchor } from '../../src/report/annotated-page';
import { parseRunRecord } from '../../src/verdicts/run-record';
import { escapeHtml } from '../../src/run-outputs/keys';
import { WINE_WIRE_FACT } from '../../src/testbeds/agent-controller/facts';
import { PAGE, PAGE_TEXT, replaceInStatement, statement, STATEMENTS } from '../page-edits';

const catalogue = functionCatalogue();
const options = { generated: '2026-12-02T00:00:00Z', matrixHref: 'matrix.html', pageName: 'page.md' };

function render(text: string): string {
  return renderAnnotatedPage(catalogue, pageCoverage(catalogue, pageStatements(text), PAGE), buildMatrix(catalogue, []), options);
}

describe('the annotated page', () => {
  it('has an element per statement, each naming the requirements that claim it, linked to the matrix', () => {
    const html = render(PAGE_TEXT);
    assert.equal((html.match(/<div class="stmt" /g) ?? []).length, STATEMENTS.length);
    for (const r of catalogue.requirements) assert.ok(html.includes(`<a href="matrix.html#req-${r.id}"><code>${r.id}</code></a>`), r.id);
    assert.ok(
      html.includes(
        `id="${statementAnchor('-remarks/p2/s3')}" data-locator="-remarks/p2/s3" data-requirements="remarks.tcp-reset-queued-data remarks.tcp-reset-later-data"`,
      ),
    );
    assert.doesNotMatch(html, /class="problems"|claim unclaimed/);
    assert.doesNotMatch(html, /<script|src="http/);
  });

  it('puts beside each claim what Windows is known to do, cited, apart from the verdicts', () => {
    const matrix = buildMatrix(catalogue, [], null, windowsEvidenceOf(catalogue));
    const html = renderAnnotatedPage(catalogue, pageCoverage(catalogue, STATEMENTS, PAGE), matrix, options);
    for (const r of catalogue.requirements) assert.ok(html.includes(`<details class="windows-evidence" data-windows-evidence="${r.id}">`), r.id);
    const reset =
      new RegExp(`id="${statementAnchor('-remarks/p2/s3')}"[^]*?<div class="claim" data-requirement="remarks\\.tcp-reset-queued-data">([^]*?)</div>`).exec(
        html,
      )?.[1] ?? '';
    assert.match(
      reset,
      /<details class="windows-evidence" data-windows-evidence="remarks\.tcp-reset-queued-data"><summary><span class="windows-label">what Windows is known to do \(cited\)<\/span>: /,
    );
    assert.match(
      reset,
      /<span class="bearing bearing-contradicts">contradicts the rule<\/span>[^]*?href="https:\/\/learn\.microsoft\.com\/en-us\/windows\/win32\/api\/ws2spi\/nc-ws2spi-lpwsprecvdisconnect"/,
    );
    assert.match(reset, /<p class="not-found">not found: No public test shows Windows resetting/);
    assert.match(html, /<p class="meta">“what Windows is known to do \(cited\)” is public evidence /);
  });

  it("names beside each run what its facts name: where the agent contradicts the controller, and Wine's TCP/IP", () => {
    const record = parseRunRecord(JSON.stringify({ backend: 'wine', results: [] }), 'v.json');
    const note = "Wine runs on the host's TCP/IP: the agent says Windows NT 10.0.19045 under Wine 8.0, and the wire shows Linux's TCP/IP";
    const run = { folder: 'reports/wine', record, facts: { [WINE_WIRE_FACT]: note }, allureReport: null, allureIds: {}, files: {} };
    const html = renderAnnotatedPage(catalogue, pageCoverage(catalogue, pageStatements(PAGE_TEXT), PAGE), buildMatrix(catalogue, [run]), options);
    assert.ok(html.includes(`<small class="named-fact">${escapeHtml(`${WINE_WIRE_FACT}: ${note}`)}</small>`));
  });

  it('says so where the catalogue no longer matches the page', () => {
    const html = render(replaceInStatement(PAGE_TEXT, statement('-remarks/p2/s5'), 'ICMP', 'IGMP'));
    assert.match(html, /<div class="problems"><b>The catalogue does not match this page<\/b> \(2 problems;/);
    assert.match(
      html,
      new RegExp(`id="${statementAnchor('-remarks/p2/s5')}"[^>]*><div class="text">In no case will an IGMP error[^]*?claimed by no entry of the catalogue`),
    );
  });

  it('says what several runs share once, after their names, with the matrix’s note that says the rest', () => {
    const na = { name: 'no fault injection', feature: 'Errors', location: 'features/errors.feature:31', requirement: 'errors.wsaenetdown' };
    const run = (backend: string, backendOptions: Record<string, string>): RunSource => {
      const results: ScenarioRecord[] = [
        {
          ...na,
          strength: 'MUST',
          section: '-returns',
          observed: 'N/A',
          verdict: 'N/A',
          detail: 'cannot fail the network',
          observedDetail: 'cannot fail the network',
          unobserved: [],
          expectation: null,
          waitedMs: 0,
        },
      ];
      const record = runRecordOf({ function: catalogue.function, backend, backendOptions, results });
      return { folder: backend, record, facts: {}, allureReport: null, allureIds: {}, files: {} };
    };
    const matrix = buildMatrix(catalogue, [run('wine', {}), run('wine', { 'agent-kind': 'native' })]);
    const html = renderAnnotatedPage(catalogue, pageCoverage(catalogue, pageStatements(PAGE_TEXT), PAGE), matrix, options);
    const note = matrix.notes.find((n) => n.requirement === 'errors.wsaenetdown');
    // Said once beside each statement the requirement claims, after both runs' names.
    const grouped = `<div class="detail">wine, wine (agent-kind=native): cannot fail the network (<a href="matrix.html#note-${note?.number}">note ${note?.number}</a>)</div>`;
    const claims = catalogue.requirements.find((r) => r.id === 'errors.wsaenetdown')?.anchors.length ?? 0;
    assert.ok(claims > 0);
    assert.equal(html.split(grouped).length - 1, claims);
    // Elsewhere only on hover, in each badge's title.
    assert.equal(html.replace(/ title="[^"]*"/g, '').split('cannot fail the network').length - 1, claims);
  });
});
