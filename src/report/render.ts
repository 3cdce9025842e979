// The compliance matrix as a self-contained HTML page (no script, no external resource) and as
// Markdown. Pure: a Matrix in, text out.
import { escapeHtml } from '../run-outputs/keys';
import type { CellScenario, Matrix, MatrixCell, MatrixColumn, MatrixRow } from './matrix';
import { diffLines, type RequirementChange } from './diff';
import { VERDICT_MEANINGS, type Verdict } from '../verdicts/meanings';

export interface RenderOptions {
  /** When the report was built, shown in the header. */
  generated: string;
  /** The annotated reference page beside the matrix (src/report/annotated-page.ts), linked from its header. */
  annotatedPage?: string | null;
}

/** The legend: what each verdict means, and the matrix's own NOT RUN. */
const LEGEND: readonly [string, string][] = [
  ...(Object.entries(VERDICT_MEANINGS) as [Verdict, string][]),
  ['NOT RUN', 'no scenario of the requirement ran (a --tags run)'],
];

function verdictClass(verdict: string): string {
  return `v-${verdict.replace(/[^A-Za-z]/g, '').toLowerCase()}`;
}

export function rowAnchor(id: string): string {
  return `req-${id.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

function sections(rows: readonly MatrixRow[]): { section: string; url: string; rows: MatrixRow[] }[] {
  const groups: { section: string; url: string; rows: MatrixRow[] }[] = [];
  for (const row of rows) {
    const last = groups[groups.length - 1];
    if (last && last.section === row.requirement.section) last.rows.push(row);
    else groups.push({ section: row.requirement.section, url: row.sectionUrl, rows: [row] });
  }
  return groups;
}

// --- HTML ------------------------------------------------------------------------------------------

/** The verdict badges' look, shared with the annotated page. */
export const BADGE_STYLE = `.badge { display: inline-block; font-weight: 700; font-size: 12px; padding: 1px 7px; border-radius: 10px; color: #fff; text-decoration: none; }
.v-pass { background: #1a7f37; } .v-fail { background: #cf222e; } .v-xfail { background: #bc4c00; }
.v-xpass { background: #8250df; } .v-optional { background: #0969da; } .v-na { background: #6e7781; }
.v-broken { background: #82071e; } .v-timeout { background: #9a6700; } .v-notrun { background: #afb8c1; }`;

const STYLE = `
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; margin: 0; padding: 24px 32px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
p.meta { color: var(--muted); margin: 0 0 16px; }
a { color: #0550ae; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.verdicts { display: grid; gap: 8px; margin: 16px 0 24px; }
.verdict-line { border: 1px solid var(--line); border-left: 6px solid #1a7f37; border-radius: 6px; padding: 10px 14px; background: #f6f8fa; }
.verdict-line.must-no { border-left-color: #cf222e; }
.verdict-line.must-open { border-left-color: #bf8700; }
.verdict-line .backend { font-weight: 600; margin-right: 8px; }
.verdict-line .answer { font-weight: 700; }
.verdict-line .more { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
.verdict-line .column-note { font-style: italic; margin-top: 2px; }
table.matrix thead th small.column-note { font-style: italic; }
table.matrix { border-collapse: collapse; width: 100%; }
table.matrix th, table.matrix td { border: 1px solid var(--line); padding: 6px 8px; vertical-align: top; text-align: left; }
table.matrix thead th { background: #f6f8fa; position: sticky; top: 0; z-index: 1; }
table.matrix thead th small { display: block; font-weight: normal; color: var(--muted); }
tr.section th { background: #eaeef2; font-size: 13px; }
td.id code { white-space: nowrap; }
td.rule { max-width: 460px; }
td.note { color: var(--muted); font-style: italic; background: #fbfbfc; }
td.cell { min-width: 150px; }
${BADGE_STYLE}
.links { font-size: 12px; margin-left: 4px; }
.detail { font-size: 12px; color: #1f2328; margin-top: 3px; }
.qualifier { font-size: 12px; font-style: italic; margin-left: 4px; color: #6e4b00; }
.expectation { font-size: 12px; color: #6e4b00; margin-top: 3px; }
details { font-size: 12px; margin-top: 3px; }
details ul { margin: 4px 0 0; padding-left: 16px; }
.strength { font-size: 12px; font-weight: 600; }
.legend td, .legend th, .runs td, .runs th { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
.legend, .runs { border-collapse: collapse; }
td.change { font-size: 12px; white-space: nowrap; } td.change ul { white-space: normal; }
tr.changed-regression td.id { border-left: 4px solid #cf222e; } tr.changed-fixed td.id { border-left: 4px solid #1a7f37; }
tr.changed-changed td.id { border-left: 4px solid #0969da; } tr.changed-rejudged td.id { border-left: 4px solid #6e7781; }
.change-regression { color: #cf222e; font-weight: 700; } .change-fixed { color: #1a7f37; font-weight: 700; } .change-changed { color: #0969da; font-weight: 700; }
.change-rejudged { color: #57606a; font-weight: 700; } .judging { color: var(--muted); font-style: italic; }
pre.changes { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
`;

function link(href: string, text: string, cls = ''): string {
  return `<a href="${escapeHtml(href)}"${cls ? ` class="${cls}"` : ''}>${text}</a>`;
}

/** A verdict badge, a link when there is evidence to follow; `title` is shown on hover. */
export function badge(verdict: string, href: string | null, title = ''): string {
  const text = escapeHtml(verdict);
  const attributes = `class="badge ${verdictClass(verdict)}"${title ? ` title="${escapeHtml(title)}"` : ''}`;
  return href ? `<a href="${escapeHtml(href)}" ${attributes}>${text}</a>` : `<span ${attributes}>${text}</span>`;
}

function scenarioLinksHtml(scenario: CellScenario): string {
  return scenario.links.map((l) => link(l.href, escapeHtml(l.label))).join(' · ');
}

/** What a verdict lacked, said beside its badge: `without the wire`. */
function qualifierHtml(unobserved: readonly string[]): string {
  return unobserved.length > 0 ? `<span class="qualifier">without ${escapeHtml(unobserved.join(' and '))}</span>` : '';
}

function cellHtml(cell: MatrixCell): string {
  const parts = [badge(cell.verdict, cell.primary?.href ?? null) + qualifierHtml(cell.unobserved)];
  // The scenario that decided the verdict speaks for the cell; the others are one click away.
  const deciding = cell.scenarios.find((s) => s.verdict === cell.verdict);
  if (deciding) {
    if (deciding.links.length > 0) parts.push(`<span class="links">${scenarioLinksHtml(deciding)}</span>`);
    if (deciding.detail) parts.push(`<div class="detail">${escapeHtml(deciding.detail)}</div>`);
  }
  if (cell.expectation) {
    const evidence = /^[a-z][a-z0-9+.-]*:\/\//i.test(cell.expectation.evidence)
      ? ` (${link(cell.expectation.evidence, 'evidence')})`
      : cell.expectation.evidence
        ? ` (evidence: ${escapeHtml(cell.expectation.evidence)})`
        : '';
    parts.push(`<div class="expectation">expected ${escapeHtml(cell.expectation.verdict)}: ${escapeHtml(cell.expectation.reason)}${evidence}</div>`);
  }
  if (cell.scenarios.length > 1) {
    const items = cell.scenarios
      .map(
        (s) =>
          `<li>${badge(s.verdict, null)}${s.reading === s.verdict ? '' : qualifierHtml([s.reading.slice(s.verdict.length + ', without '.length)])} ${escapeHtml(s.name)} <span class="links">${scenarioLinksHtml(s)}</span>` +
          `${s.detail && s !== deciding ? `<div class="detail">${escapeHtml(s.detail)}</div>` : ''}</li>`,
      )
      .join('');
    const open = cell.verdict === 'PASS' || cell.verdict === 'N/A' ? '' : ' open';
    parts.push(`<details${open}><summary>${cell.scenarios.length} scenarios</summary><ul>${items}</ul></details>`);
  }
  const unobserved = cell.unobserved.length > 0 ? ` data-unobserved="${escapeHtml(cell.unobserved.join(' and '))}"` : '';
  return `<td class="cell" data-verdict="${escapeHtml(cell.verdict)}"${unobserved}>${parts.join(' ')}</td>`;
}

/** When a run started, to the minute: `2026-12-02 09:52 UTC`. */
function ranAt(startedAt: string | null): string {
  return startedAt === null ? 'time not recorded' : `${new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What tells a run apart beyond its title: the backend under a label, when it ran, the suite's revision. */
function columnIdentity(column: MatrixColumn): string[] {
  return [
    ...(column.label === null ? [] : [column.backendTitle]),
    `ran ${ranAt(column.startedAt)}`,
    `suite ${column.revision}`,
    ...(column.selection === null ? [] : [`only ${column.selection}`]),
  ];
}

function columnHeaderHtml(column: MatrixColumn): string {
  const links = [
    column.allureReport ? link(column.allureReport, 'Allure report') : '',
    column.cucumberHtml ? link(column.cucumberHtml, 'cucumber step log') : '',
  ].filter(Boolean);
  // The note's first words in the header (the whole note leads the column's verdict line).
  const note = column.note ? `<small class="column-note">${escapeHtml(column.note.split(':')[0] ?? '')}</small>` : '';
  const identity = columnIdentity(column)
    .map((line) => `<small>${escapeHtml(line)}</small>`)
    .join('');
  return `<th>${escapeHtml(column.title)}${identity}<small>${escapeHtml(column.folder)}</small>${links.length ? `<small>${links.join(' · ')}</small>` : ''}${note}</th>`;
}

function noteHtml(row: MatrixRow): string {
  if (row.kind === 'covered') {
    return `covered by ${row.coveredBy.map((id) => link(`#${rowAnchor(id)}`, `<code>${escapeHtml(id)}</code>`)).join(', ')}`;
  }
  return escapeHtml(row.note ?? '');
}

/** The change column of a comparison: the requirement's verdict before and after, and its scenarios that changed. */
function changeHtml(change: RequirementChange | undefined): string {
  if (!change) return '<td class="change"></td>';
  const head =
    change.from === change.to
      ? `${escapeHtml(change.to)}, unchanged`
      : `<span class="change-${change.kind}">${escapeHtml(change.kind)}</span> ${badge(change.from, null)} → ${badge(change.to, null)}`;
  const scenarios = change.scenarios
    .map(
      (s) =>
        `<li>${escapeHtml(s.from)} → ${escapeHtml(s.to)}: ${escapeHtml(s.name)} <code>${escapeHtml(s.location)}</code>` +
        `${s.judging ? ` <span class="judging">rejudged: ${escapeHtml(s.judging)}</span>` : ''}</li>`,
    )
    .join('');
  return `<td class="change" data-change="${change.kind}">${head}${scenarios ? `<ul>${scenarios}</ul>` : ''}</td>`;
}

function rowHtml(row: MatrixRow, columns: number, matrix: Matrix): string {
  const r = row.requirement;
  const head =
    `<td class="id"><code>${escapeHtml(r.id)}</code></td>` +
    `<td><span class="strength">${escapeHtml(r.strength)}</span></td>` +
    `<td class="rule">${escapeHtml(r.rule)}</td>`;
  const change = matrix.diff?.requirements.find((c) => c.id === r.id);
  const changeCell = matrix.diff ? (row.kind === 'tested' ? changeHtml(change) : '') : '';
  const cells =
    row.kind === 'tested'
      ? row.cells.map(cellHtml).join('') + changeCell
      : `<td class="note" colspan="${columns + (matrix.diff ? 1 : 0)}">${noteHtml(row)}</td>`;
  return `<tr id="${rowAnchor(r.id)}" data-requirement="${escapeHtml(r.id)}"${change ? ` class="changed-${change.kind}"` : ''}>${head}${cells}</tr>`;
}

/** A comparison's summary above the table: the changes in one line, then one line each. */
function diffSummaryHtml(matrix: Matrix): string {
  const first = matrix.columns[0];
  const last = matrix.columns[matrix.columns.length - 1];
  if (!matrix.diff || !first || !last) return '';
  const [summary, ...changes] = diffLines(matrix.diff, first.title, last.title);
  // Each line wraps within the page, its continuation indented under its own text.
  const line = (text: string): string => {
    const indent = text.length - text.trimStart().length;
    return `<div style="padding-left: ${indent + 4}ch; text-indent: -4ch">${escapeHtml(text.trimStart())}</div>`;
  };
  return `<h2>Changes</h2><p>${escapeHtml(summary ?? '')}</p>${changes.length ? `<pre class="changes"><code>${changes.map(line).join('')}</code></pre>` : ''}`;
}

function verdictLineHtml(column: MatrixColumn): string {
  const s = column.summary;
  // A yes over fewer than every MUST (some N/A, or kept only as far as the run could look) is not the full yes.
  const cls = s.keepsEveryMust === 'yes' ? (s.observedEveryMust ? 'must-yes' : 'must-open') : s.keepsEveryMust === 'no' ? 'must-no' : 'must-open';
  const lists = [
    s.deviations.length ? `deviations: ${s.deviations.join(', ')}` : '',
    s.optionalAbsent.length ? `optional behaviours absent: ${s.optionalAbsent.join(', ')}` : '',
    s.unknown.length ? `unknown: ${s.unknown.join(', ')}` : '',
    ...s.mustsNotEstablished.filter((e) => e.why.startsWith('without ')).map((e) => `MUSTs ${e.why}: ${e.requirements.join(', ')}`),
    s.notApplicable.length ? `not applicable: ${s.notApplicable.join(', ')}` : '',
    s.staleExpectations.length ? `expectations out of date: ${s.staleExpectations.join(', ')}` : '',
  ].filter(Boolean);
  const [first, ...rest] = s.line.split('; ');
  const answer = (first ?? '').replace(/: (.*)$/, ': <span class="answer">$1</span>');
  return (
    `<div class="verdict-line ${cls}" data-backend="${escapeHtml(column.title)}">` +
    `<span class="backend">${escapeHtml(column.title)}</span>` +
    `<span class="line">${answer}${rest.length ? `; ${escapeHtml(rest.join('; '))}` : ''}</span>` +
    `${column.note ? `<div class="column-note">${escapeHtml(column.note)}</div>` : ''}` +
    `${lists.length ? `<div class="more">${escapeHtml(lists.join(' · '))}</div>` : ''}</div>`
  );
}

/** The page's title: the compliance matrix, or for a comparison (--diff) the two runs compared. */
function pageTitle(matrix: Matrix): string {
  const first = matrix.columns[0];
  const last = matrix.columns[matrix.columns.length - 1];
  return matrix.diff && first && last ? `${matrix.function}: ${first.title} compared with ${last.title}` : `${matrix.function} compliance matrix`;
}

export function renderHtml(matrix: Matrix, options: RenderOptions): string {
  const n = matrix.columns.length;
  const body = sections(matrix.rows)
    .map(
      (group) =>
        `<tr class="section"><th colspan="${3 + n + (matrix.diff ? 1 : 0)}">Section ${link(group.url, `<code>${escapeHtml(group.section)}</code>`)}</th></tr>` +
        group.rows.map((row) => rowHtml(row, n, matrix)).join('\n'),
    )
    .join('\n');
  const runs = matrix.columns
    .map((c) => {
      const facts = Object.entries(c.facts)
        .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`)
        .join('<br>');
      const counts = Object.entries(c.counts)
        .filter(([, count]) => count > 0)
        .map(([v, count]) => `${count} ${escapeHtml(v)}`)
        .join(', ');
      return `<tr><th>${escapeHtml(c.title)}</th><td><code>${escapeHtml(c.folder)}</code></td><td>${counts || 'no scenarios'}</td><td>${facts || '—'}</td></tr>`;
    })
    .join('\n');
  const unmatched = matrix.unmatched.length
    ? `<h2>Scenarios without a catalogue entry</h2><ul>${matrix.unmatched
        .map(
          (u) =>
            `<li>${badge(u.verdict, null)} ${escapeHtml(u.column)}: ${escapeHtml(u.scenario)} (<code>${escapeHtml(u.location)}</code>), requirement ${escapeHtml(u.requirement ?? 'none')}</li>`,
        )
        .join('')}</ul>`
    : '';
  const legend = LEGEND.map(([v, meaning]) => `<tr><td>${badge(v, null)}</td><td>${escapeHtml(meaning)}</td></tr>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(pageTitle(matrix))}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(pageTitle(matrix))}</h1>
<p class="meta">Every requirement of the catalogue, against ${n === 1 ? 'one run' : `${n} runs`}. Built ${escapeHtml(options.generated)}. The rules restate the reference page (${escapeHtml(matrix.page)}); section links go to its published version.${options.annotatedPage ? ` The page itself, statement by statement with these verdicts: ${link(options.annotatedPage, 'the annotated page')}.` : ''}</p>
<div class="verdicts">
${matrix.columns.map(verdictLineHtml).join('\n')}
</div>
${diffSummaryHtml(matrix)}
<table class="matrix">
<thead><tr><th>Requirement</th><th>Strength</th><th>Rule</th>${matrix.columns.map(columnHeaderHtml).join('')}${matrix.diff ? '<th>Change</th>' : ''}</tr></thead>
<tbody>
${body}
</tbody>
</table>
${unmatched}
<h2>Verdicts</h2>
<p class="meta">A requirement’s verdict is the loudest of its scenarios’: XPASS, FAIL, TIMEOUT, BROKEN, XFAIL, OPTIONAL, PASS, N/A. A verdict links to the scenario that decided it (Allure, else cucumber.html), or to the evidence of a recorded deviation.</p>
<table class="legend">${legend}</table>
<h2>Runs</h2>
<table class="runs"><tr><th>Column</th><th>Folder</th><th>Scenarios</th><th>Environment</th></tr>
${runs}
</table>
</body>
</html>
`;
}

// --- Markdown --------------------------------------------------------------------------------------

function md(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdLink(text: string, href: string | null): string {
  return href ? `[${text}](${href.replace(/ /g, '%20').replace(/\)/g, '%29')})` : text;
}

function shorten(text: string, max = 140): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function cellMarkdown(cell: MatrixCell): string {
  let text = mdLink(`**${cell.verdict}**`, cell.primary?.href ?? null) + (cell.unobserved.length > 0 ? `, without ${md(cell.unobserved.join(' and '))}` : '');
  const decided = cell.scenarios.find((s) => s.verdict === cell.verdict);
  if (cell.expectation) text += `: ${md(shorten(cell.expectation.reason))}`;
  else if (decided?.detail) text += `: ${md(shorten(decided.detail))}`;
  if (cell.scenarios.length > 1) text += ` (${cell.scenarios.length} scenarios)`;
  return text;
}

export function renderMarkdown(matrix: Matrix, options: RenderOptions): string {
  const lines: string[] = [];
  lines.push(`# ${pageTitle(matrix)}`, '');
  lines.push(
    `Every requirement of the catalogue, against ${matrix.columns.length === 1 ? 'one run' : `${matrix.columns.length} runs`}. Built ${options.generated}.` +
      (options.annotatedPage ? ` The page itself, statement by statement with these verdicts: ${mdLink('the annotated page', options.annotatedPage)}.` : ''),
    '',
  );
  lines.push('| backend | verdict |', '|---|---|');
  for (const c of matrix.columns) lines.push(`| ${md(c.title)} | ${md(c.summary.line)}${c.note ? ` *(${md(c.note)})*` : ''} |`);
  lines.push('');
  const first = matrix.columns[0];
  const last = matrix.columns[matrix.columns.length - 1];
  if (matrix.diff && first && last) {
    const [summary, ...changes] = diffLines(matrix.diff, first.title, last.title);
    lines.push('## Changes', '', summary ?? '', '');
    if (changes.length > 0) lines.push('```', ...changes, '```', '');
  }
  const titles = [...matrix.columns.map((c) => md(c.title)), ...(matrix.diff ? ['change'] : [])];
  lines.push(`| requirement | strength | rule | ${titles.join(' | ')} |`);
  lines.push(`|---|---|---|${titles.map(() => '---|').join('')}`);
  for (const group of sections(matrix.rows)) {
    lines.push(`| **${mdLink(md(group.section), group.url)}** | | |${titles.map(() => ' |').join('')}`);
    for (const row of group.rows) {
      const r = row.requirement;
      const rule = row.kind === 'tested' ? md(r.rule) : `${md(r.rule)} *(${md(row.note ?? '')})*`;
      const change = matrix.diff?.requirements.find((c) => c.id === r.id);
      const changeText = change ? (change.from === change.to ? 'scenarios changed' : `${change.kind}: ${change.from} → ${change.to}`) : '';
      const cells = row.kind === 'tested' ? [...row.cells.map(cellMarkdown), ...(matrix.diff ? [changeText] : [])] : titles.map(() => '—');
      lines.push(`| \`${r.id}\` | ${r.strength} | ${rule} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('');
  if (matrix.unmatched.length > 0) {
    lines.push('## Scenarios without a catalogue entry', '');
    for (const u of matrix.unmatched)
      lines.push(`- **${u.verdict}** ${md(u.column)}: ${md(u.scenario)} (\`${u.location}\`), requirement ${u.requirement ?? 'none'}`);
    lines.push('');
  }
  lines.push('## Runs', '');
  for (const c of matrix.columns) {
    const links = [c.allureReport ? mdLink('Allure report', c.allureReport) : '', c.cucumberHtml ? mdLink('cucumber step log', c.cucumberHtml) : ''].filter(
      Boolean,
    );
    const facts = Object.entries(c.facts).map(([k, v]) => `${k}: ${v}`);
    lines.push(
      `- **${md(c.title)}** (${md(columnIdentity(c).join('; '))}), \`${c.folder}\`${links.length ? `: ${links.join(', ')}` : ''}${facts.length ? `. ${md(facts.join('; '))}` : ''}`,
    );
  }
  lines.push('', '## Verdicts', '');
  for (const [v, meaning] of LEGEND) lines.push(`- **${v}**: ${meaning}`);
  lines.push('');
  return lines.join('\n');
}
