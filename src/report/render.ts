// The compliance matrix as a self-contained HTML page (no script, no external resource) and as
// Markdown. Pure: a Matrix in, text out. Made to hold 10 to 20 runs: a summary of every run on top, then
// the matrix, whose requirement column and head stay in view as it scrolls, each cell a badge with its
// evidence and the numbers of the notes below it, where each reason and detail is said once.
import { escapeHtml } from '../run-outputs/keys';
import type { CellScenario, ColumnSummary, EvidenceLink, Matrix, MatrixCell, MatrixColumn, MatrixNote, MatrixRow, SummaryPartKind } from './matrix';
import type { ColumnKind } from '../testbeds/registry';
import { diffLines, type RequirementChange } from './diff';
import { VERDICT_MEANINGS, type Verdict } from '../verdicts/meanings';
import { BEARING_WORDS, citationText, citationUrl, KIND_WORDS } from '../catalogue/windows-evidence';
import {
  notFoundLead,
  WINDOWS_EVIDENCE_LABEL,
  WINDOWS_EVIDENCE_NOTE,
  WINDOWS_EVIDENCE_STYLE,
  windowsEvidenceHtml,
  windowsEvidenceTally,
} from './windows-evidence-html';

export interface RenderOptions {
  /** When the report was built, shown in the header. */
  generated: string;
  /** The annotated reference page beside the matrix (src/report/annotated-page.ts), linked from its header. */
  annotatedPage?: string | null;
  /** docs/interpreting.md, what the verdicts mean, relative to the matrix (in a bundle, its own copy); linked from its header. */
  interpreting?: string | null;
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

/** How wide the requirement column is: it stays in view as the runs scroll by, so it is kept narrow. */
const REQUIREMENT_WIDTH = 340;
/** How wide a run's column is: a badge and its note numbers, then its evidence's links on one line. */
const RUN_WIDTH = 160;
/** The head's first row, what each group of columns is: one line, so that the row of titles below stays just under it. */
const GROUP_ROW_HEIGHT = 24;

const STYLE = `
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; margin: 0; padding: 24px 32px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
p.meta { color: var(--muted); margin: 0 0 16px; max-width: 1100px; }
a { color: #0550ae; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
${BADGE_STYLE}
table.summary, .legend, .runs { border-collapse: collapse; margin: 8px 0 16px; }
table.summary th, table.summary td, .legend td, .legend th, .runs td, .runs th { border: 1px solid var(--line); padding: 5px 9px; text-align: left; vertical-align: top; }
table.summary thead th, .runs tr:first-child th { background: var(--head); font-size: 13px; }
table.summary td { font-size: 13px; }
table.summary td.run { border-left: 6px solid #1a7f37; min-width: 200px; }
table.summary tr.must-no td.run { border-left-color: #cf222e; }
table.summary tr.must-open td.run { border-left-color: #bf8700; }
table.summary .title { font-weight: 600; }
table.summary small { display: block; color: var(--muted); }
table.summary .column-note { font-style: italic; max-width: 420px; }
table.summary .answer { font-weight: 700; }
table.summary .part { white-space: nowrap; }
table.summary .ids { display: block; font-size: 11.5px; color: var(--muted); white-space: normal; max-width: 520px; }
table.summary .ids a { color: var(--muted); }
table.matrix { border-collapse: separate; border-spacing: 0; margin-top: 8px; }
table.matrix th, table.matrix td { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: 5px 7px; vertical-align: top; text-align: left; background: #fff; }
table.matrix thead th { position: sticky; top: 0; z-index: 2; background: var(--head); font-size: 13px; }
table.matrix thead tr.groups th { border-top: 1px solid var(--line); height: ${GROUP_ROW_HEIGHT}px; line-height: 16px; padding: 3px 7px; white-space: nowrap; font-size: 12px; font-weight: 600; color: var(--muted); }
table.matrix thead tr.titles th { top: ${GROUP_ROW_HEIGHT}px; }
table.matrix thead .group-name { position: sticky; left: ${REQUIREMENT_WIDTH + 8}px; }
/* (No overflow on the group's cell: it would hold its name's stickiness to itself.) */
table.matrix .requirement { position: sticky; left: 0; z-index: 1; width: ${REQUIREMENT_WIDTH}px; min-width: ${REQUIREMENT_WIDTH}px; max-width: ${REQUIREMENT_WIDTH}px; border-left: 1px solid var(--line); box-shadow: 2px 0 0 var(--line); font-weight: normal; }
table.matrix thead th.requirement { z-index: 3; }
table.matrix th.run { width: ${RUN_WIDTH}px; min-width: ${RUN_WIDTH}px; max-width: ${RUN_WIDTH + 40}px; }
table.matrix thead small { display: block; font-weight: normal; color: var(--muted); font-size: 11.5px; }
table.matrix thead small.column-note { font-style: italic; }
tr[data-requirement] { scroll-margin-top: 90px; }
tr[data-requirement]:target .requirement { background: #fff8c5; }
.requirement .strength { font-size: 11.5px; font-weight: 600; margin-left: 4px; }
.requirement .rule { font-size: 12.5px; margin-top: 1px; }
tr.section th { background: #eaeef2; font-size: 13px; }
tr.section .section-name { position: sticky; left: 8px; display: inline-block; }
td.note { color: var(--muted); font-style: italic; background: #fbfbfc; font-size: 13px; }
td.note .untested { position: sticky; left: ${REQUIREMENT_WIDTH + 8}px; display: inline-block; max-width: 760px; }
td.cell { font-size: 12px; }
.cell .qualifier, .notes .qualifier { font-size: 11.5px; font-style: italic; margin-left: 3px; color: #6e4b00; }
a.note-ref { font-size: 11px; font-weight: 700; text-decoration: none; border: 1px solid #8c959f; border-radius: 8px; padding: 0 4px; color: #1f2328; }
.cell .links { display: block; margin-top: 2px; font-size: 11.5px; }
.cell details { margin-top: 2px; font-size: 11.5px; }
.cell details ul { margin: 3px 0 0; padding: 0; list-style: none; }
.cell details li { margin: 2px 0; }
.cell details .badge { font-size: 10.5px; padding: 0 5px; }
.loc { color: var(--muted); }
td.change { font-size: 12px; min-width: 180px; } td.change ul { margin: 4px 0 0; padding-left: 16px; }
tr.changed-regression .requirement { border-left: 4px solid #cf222e; } tr.changed-fixed .requirement { border-left: 4px solid #1a7f37; }
tr.changed-changed .requirement { border-left: 4px solid #0969da; } tr.changed-rejudged .requirement { border-left: 4px solid #6e7781; }
.change-regression { color: #cf222e; font-weight: 700; } .change-fixed { color: #1a7f37; font-weight: 700; } .change-changed { color: #0969da; font-weight: 700; }
.change-rejudged { color: #57606a; font-weight: 700; } .judging { color: var(--muted); font-style: italic; }
${WINDOWS_EVIDENCE_STYLE}
pre.changes { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 1100px; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.notes { max-width: 1100px; }
.notes .requirement-notes { border-top: 1px solid var(--line); padding: 6px 0; }
.notes .note { margin: 6px 0 6px 18px; scroll-margin-top: 12px; }
.notes .note:target { background: #fff8c5; }
.notes .number { display: inline-block; min-width: 24px; font-weight: 700; }
.notes .where { color: var(--muted); font-size: 12.5px; }
.notes .field { margin: 2px 0 0 24px; font-size: 13px; }
.notes .field b { font-weight: 600; }
.notes ul { margin: 2px 0 0; padding-left: 16px; font-size: 12.5px; }
.notes .in-runs { margin-left: 12px; }
.notes .in-runs .run { font-weight: 600; }
.notes .sep { color: var(--line); }
.notes .sources { color: var(--muted); font-size: 12px; }
.notes details.backing { margin: 2px 0 0 24px; font-size: 13px; }
.notes details.backing > summary { cursor: pointer; color: var(--muted); }
.notes details.backing .field { margin-left: 0; }
.runs details { font-size: 12.5px; }
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

/** What each kind of run is: of one column, and over several. */
const KIND_NAMES: Record<ColumnKind, { one: string; many: string }> = {
  implementation: { one: 'Winsock implementation', many: 'Winsock implementations' },
  reference: { one: 'reference simulator', many: 'reference simulators' },
  comparison: { one: 'comparison, not Winsock', many: 'comparisons, not Winsock' },
};

/** The id of a note, which cells link to. */
export function noteAnchor(number: number): string {
  return `note-${number}`;
}

/** The numbers of the notes a cell or scenario cites, each a link to it. */
function noteRefs(numbers: readonly number[]): string {
  // Spaces between them, so that a cell citing many wraps them rather than widening its column.
  return numbers.map((n) => ` <a class="note-ref" href="#${noteAnchor(n)}" title="note ${n}">${n}</a>`).join('');
}

function linksHtml(links: readonly EvidenceLink[]): string {
  return links.map((l) => link(l.href, escapeHtml(l.label))).join(' · ');
}

/** What a verdict lacked, said beside its badge: `without the wire`. */
function qualifierHtml(unobserved: readonly string[]): string {
  return unobserved.length > 0 ? `<span class="qualifier">without ${escapeHtml(unobserved.join(' and '))}</span>` : '';
}

/** `features/reception.feature:130` as the cell shows it: `reception:130`, the scenario's name on hover. */
function shortLocation(scenario: CellScenario): string {
  const short = scenario.location.replace(/^.*\//, '').replace(/\.feature:/, ':');
  return `<span class="loc" title="${escapeHtml(`${scenario.location} ${scenario.name}`)}">${escapeHtml(short)}</span>`;
}

function cellHtml(cell: MatrixCell): string {
  // The badge opens the deciding scenario (its Allure test); its other evidence is beside it, and why it reads so is a note.
  const opens = cell.primary && cell.deciding ? `${cell.primary.label}: ${cell.deciding.location} ${cell.deciding.name}` : '';
  const parts = [badge(cell.verdict, cell.primary?.href ?? null, opens) + qualifierHtml(cell.unobserved) + noteRefs(cell.notes)];
  const rest = cell.deciding?.links.filter((l) => l.href !== cell.primary?.href) ?? [];
  if (rest.length > 0) parts.push(`<span class="links">${linksHtml(rest)}</span>`);
  if (cell.scenarios.length > 1) {
    const items = cell.scenarios
      .map(
        (s) =>
          `<li>${badge(s.verdict, s.links[0]?.href ?? null)}${s.reading === s.verdict ? '' : qualifierHtml([s.reading.slice(s.verdict.length + ', without '.length)])}${noteRefs(s.notes)} ${shortLocation(s)}` +
          `${s.links.length > 1 ? `<br>${linksHtml(s.links.slice(1))}` : ''}</li>`,
      )
      .join('');
    parts.push(`<details><summary>${cell.scenarios.length} scenarios</summary><ul>${items}</ul></details>`);
  }
  const unobserved = cell.unobserved.length > 0 ? ` data-unobserved="${escapeHtml(cell.unobserved.join(' and '))}"` : '';
  return `<td class="cell" data-verdict="${escapeHtml(cell.verdict)}"${unobserved}>${parts.join('')}</td>`;
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

/** A column's anchor: the summary's run names link to it. */
function columnAnchor(index: number): string {
  return `run-${index + 1}`;
}

/** The column's head: kept short, as it stays in view; the run's identity is in the summary above, and on hover. */
function columnHeaderHtml(column: MatrixColumn, index: number): string {
  const identity = columnIdentity(column);
  const label = column.label === null ? '' : `<small>${escapeHtml(column.backendTitle)}</small>`;
  const selection = column.selection === null ? '' : `<small>only ${escapeHtml(column.selection)}</small>`;
  return (
    `<th class="run" id="${columnAnchor(index)}" data-kind="${column.kind}" title="${escapeHtml([column.title, ...identity, column.folder].join('\n'))}">` +
    `${escapeHtml(column.title)}${label}${selection}</th>`
  );
}

/** The head's first row: over each run of columns of one kind, what they are. */
function columnGroupsHtml(columns: readonly MatrixColumn[]): string {
  const groups: { kind: ColumnKind; count: number }[] = [];
  for (const column of columns) {
    const last = groups[groups.length - 1];
    if (last && last.kind === column.kind) last.count += 1;
    else groups.push({ kind: column.kind, count: 1 });
  }
  return groups
    .map(({ kind, count }) => {
      const name = count === 1 ? KIND_NAMES[kind].one : KIND_NAMES[kind].many;
      // Its name stays beside the requirement column while the group's columns scroll under it.
      return `<th class="group" data-kind="${kind}" colspan="${count}" title="${escapeHtml(name)}"><span class="group-name">${escapeHtml(name)}</span></th>`;
    })
    .join('');
}

function untestedHtml(row: MatrixRow): string {
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

/** The requirement's own cell, which stays in view: its ID, strength and rule. A new per-requirement column goes right after it (rowHtml, and the head's). */
function requirementHtml(row: MatrixRow): string {
  const r = row.requirement;
  return (
    `<th class="requirement" scope="row"><code>${escapeHtml(r.id)}</code><span class="strength">${escapeHtml(r.strength)}</span>` +
    `<div class="rule">${escapeHtml(r.rule)}</div>${windowsEvidenceHtml(r.id, row.windows)}</th>`
  );
}

function rowHtml(row: MatrixRow, columns: number, matrix: Matrix): string {
  const r = row.requirement;
  const change = matrix.diff?.requirements.find((c) => c.id === r.id);
  const changeCell = matrix.diff ? (row.kind === 'tested' ? changeHtml(change) : '') : '';
  const cells =
    row.kind === 'tested'
      ? row.cells.map(cellHtml).join('') + changeCell
      : `<td class="note" colspan="${columns + (matrix.diff ? 1 : 0)}"><span class="untested">${untestedHtml(row)}</span></td>`;
  return `<tr id="${rowAnchor(r.id)}" data-requirement="${escapeHtml(r.id)}"${change ? ` class="changed-${change.kind}"` : ''}>${requirementHtml(row)}${cells}</tr>`;
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

/** A run's facts as `key: value`, less those it names first (MatrixColumn.named). */
function otherFacts(column: MatrixColumn): string[] {
  return Object.entries(column.facts)
    .map(([k, v]) => `${k}: ${v}`)
    .filter((fact) => !column.named.includes(fact));
}

/** The requirements a part of the verdict line counts, each a link to its row. */
function idsHtml(ids: readonly string[]): string {
  return ids.length > 0 ? `<span class="ids">${ids.map((id) => link(`#${rowAnchor(id)}`, escapeHtml(id))).join(', ')}</span>` : '';
}

/** The summary's columns after the run and its answer: the parts of the verdict line each holds. */
const SUMMARY_COLUMNS: readonly { head: string; parts: readonly SummaryPartKind[]; ids: boolean }[] = [
  { head: 'Deviations<small>MUST rules observed broken, recorded (XFAIL) or not</small>', parts: ['deviations'], ids: true },
  { head: 'Optional behaviours absent<small>MAY rules observed OPTIONAL</small>', parts: ['optional-absent'], ids: true },
  {
    head: 'Not established<small>MUSTs N/A or not fully observed; requirements unknown; expectations out of date</small>',
    parts: ['not-established', 'unknown', 'not-applicable', 'stale-expectations'],
    ids: false,
  },
];

/** The parts of a column's verdict line, in its words, each with the requirements it counts where `ids`. */
function partsHtml(summary: ColumnSummary, kinds: readonly SummaryPartKind[], ids: boolean): string {
  return summary.parts
    .filter((p) => kinds.includes(p.kind))
    .map(
      (p) =>
        `<div class="part" data-part="${p.kind}">${escapeHtml(p.text)}${ids || p.kind === 'unknown' || p.kind === 'stale-expectations' ? idsHtml(p.requirements) : ''}</div>`,
    )
    .join('');
}

/** A run's row of the summary: what it is, its answer, what its requirements and scenarios came to, its reports. */
function summaryRowHtml(column: MatrixColumn, index: number): string {
  const s = column.summary;
  // A yes over fewer than every MUST (some N/A, or kept only as far as the run could look) is not the full yes.
  const cls = s.keepsEveryMust === 'yes' ? (s.observedEveryMust ? 'must-yes' : 'must-open') : s.keepsEveryMust === 'no' ? 'must-no' : 'must-open';
  const answer = s.parts.find((p) => p.kind === 'answer')?.text ?? '';
  const reports = column.allureReport ? link(column.allureReport, 'Allure report') : '';
  const [backend, ...identity] = column.label === null ? [null, ...columnIdentity(column)] : columnIdentity(column);
  const run =
    `<td class="run">${link(`#${columnAnchor(index)}`, escapeHtml(column.title), 'title')}` +
    `<small>${escapeHtml([KIND_NAMES[column.kind].one, backend].filter(Boolean).join(': '))}</small>` +
    `<small>${escapeHtml(identity.join('; '))}</small>${reports ? `<small>${reports}</small>` : ''}</td>`;
  const row =
    `<tr class="verdict-line ${cls}" data-backend="${escapeHtml(column.title)}" data-line="${escapeHtml(s.line)}">${run}` +
    `<td class="line">${escapeHtml(answer).replace(/: ([^:]*)$/, ': <span class="answer">$1</span>')}</td>` +
    SUMMARY_COLUMNS.map((c) => `<td>${partsHtml(s, c.parts, c.ids)}</td>`).join('') +
    `<td class="scenarios">${escapeHtml(column.scenarios)}</td></tr>`;
  // What the column is, where it is no Winsock implementation, under its row, as wide as the table.
  const note = column.note
    ? `<tr class="column-note-row ${cls}"><td class="run"></td><td colspan="${SUMMARY_COLUMNS.length + 2}" class="column-note">${escapeHtml(column.note)}</td></tr>`
    : '';
  return row + note;
}

function summaryHtml(matrix: Matrix): string {
  const heads = SUMMARY_COLUMNS.map((c) => `<th>${c.head}</th>`).join('');
  return (
    `<table class="summary"><thead><tr><th>Run</th><th>Keeps every MUST rule of the page?</th>${heads}<th>Scenarios</th></tr></thead><tbody>\n` +
    `${matrix.columns.map(summaryRowHtml).join('\n')}\n</tbody></table>`
  );
}

/**
 * A recorded deviation's evidence in each run that shows it: each piece (a scenario, a file) once, then each
 * run's own links to it, so that ten runs of one implementation read as ten lines of links, not ten copies.
 */
function recordedEvidenceHtml(note: MatrixNote, matrix: Matrix): string {
  const pieces = new Map<string, string[]>();
  for (const c of note.citations) {
    const run = escapeHtml(matrix.columns[c.column]?.title ?? '');
    for (const e of c.evidence)
      pieces.set(e.what, [...(pieces.get(e.what) ?? []), `<span class="run">${run}</span>${e.links.length > 0 ? `: ${linksHtml(e.links)}` : ''}`]);
  }
  const items = [...pieces]
    .map(([what, runs]) => `<li>${escapeHtml(what)}<div class="in-runs">${runs.join(' <span class="sep">|</span> ')}</div></li>`)
    .join('');
  return `<div class="field"><b>Evidence</b>, in each run’s own reports:<ul class="evidence">${items}</ul></div>`;
}

/** A note: its number, the verdict and the runs that cite it, and its text; a recorded deviation with its evidence in each run. */
function matrixNoteHtml(note: MatrixNote, matrix: Matrix): string {
  const cited = note.citations.map((c) => {
    const column = matrix.columns[c.column];
    const readings = [...new Set(c.scenarios.map((s) => s.reading))];
    const badges = readings.map((r) => {
      const [verdict = r, ...lacked] = r.split(', ');
      return badge(verdict, null) + (lacked.length > 0 ? `<span class="qualifier">${escapeHtml(lacked.join(', '))}</span>` : '');
    });
    return `${badges.join('')} ${link(`#${columnAnchor(c.column)}`, escapeHtml(column?.title ?? ''))}`;
  });
  const head = `<span class="number">${note.number}</span><span class="where">${cited.join(' · ')}</span>`;
  let body: string;
  if (note.kind === 'recorded' && note.expectations.length > 0) {
    const sources =
      note.sources.length > 0
        ? `<div class="field sources"><b>Read in:</b> ${note.sources.map((r) => (r.links[0] ? link(r.links[0].href, escapeHtml(r.what)) : escapeHtml(r.what))).join('; ')}</div>`
        : '';
    // Each expectation that gives the reason, with what it observed; then the reason, once.
    const recorded = note.expectations
      .map(
        (e) =>
          `<div class="field"><b>Recorded deviation</b> (expected ${escapeHtml(e.verdict)}): ${escapeHtml(e.detail)}</div>` +
          `<div class="field"><b>Observed:</b> ${escapeHtml(e.observed)}</div>`,
      )
      .join('');
    // The reason in view; what backs it (the recorded deviation, what was observed, the evidence in each
    // run) opens on demand, so that twenty runs' notes do not make the page pages long.
    const backing = `${recorded}${recordedEvidenceHtml(note, matrix)}${sources}`;
    body = `<div class="field"><b>Reason:</b> ${escapeHtml(note.text)}</div><details class="backing"><summary>the recorded deviation, what was observed, and the evidence in each run</summary>${backing}</details>`;
  } else {
    body = `<div class="field">${escapeHtml(note.text)}</div>`;
  }
  return `<div class="note" id="${noteAnchor(note.number)}" data-kind="${note.kind}">${head}${body}</div>`;
}

function notesHtml(matrix: Matrix): string {
  if (matrix.notes.length === 0) return '';
  const byRequirement = new Map<string, MatrixNote[]>();
  for (const note of matrix.notes) byRequirement.set(note.requirement, [...(byRequirement.get(note.requirement) ?? []), note]);
  const strength = new Map(matrix.rows.map((r) => [r.requirement.id, r.requirement.strength]));
  const groups = [...byRequirement]
    .map(
      ([id, notes]) =>
        `<div class="requirement-notes" data-requirement="${escapeHtml(id)}">${link(`#${rowAnchor(id)}`, `<code>${escapeHtml(id)}</code>`)} <span class="strength">${escapeHtml(strength.get(id) ?? '')}</span>` +
        `${notes.map((n) => matrixNoteHtml(n, matrix)).join('')}</div>`,
    )
    .join('\n');
  return `<h2 id="notes">Notes</h2><p class="meta">What the numbers in the cells stand for, each said once: a deviation’s detail, a recorded deviation with what was observed, the reason and its evidence in each run that shows it, the reason a scenario is N/A, what a check could not observe.</p><div class="notes">${groups}</div>`;
}

/** The page's title: the compliance matrix, or for a comparison (--diff) the two runs compared. */
function pageTitle(matrix: Matrix): string {
  const first = matrix.columns[0];
  const last = matrix.columns[matrix.columns.length - 1];
  return matrix.diff && first && last ? `${matrix.function}: ${first.title} compared with ${last.title}` : `${matrix.function} compliance matrix`;
}

export function renderHtml(matrix: Matrix, options: RenderOptions): string {
  const n = matrix.columns.length;
  const span = 1 + n + (matrix.diff ? 1 : 0);
  const body = sections(matrix.rows)
    .map(
      (group) =>
        `<tr class="section"><th colspan="${span}"><span class="section-name">Section ${link(group.url, `<code>${escapeHtml(group.section)}</code>`)}</span></th></tr>` +
        group.rows.map((row) => rowHtml(row, n, matrix)).join('\n'),
    )
    .join('\n');
  const runs = matrix.columns
    .map((c) => {
      // The named facts first, in bold and always in view: a contradiction is not to be found by opening
      // every run's facts. Twenty runs' environments in full would be pages long: the rest opens on demand.
      const named = c.named.map((fact) => `<strong class="named-fact">${escapeHtml(fact)}</strong>`).join('<br>');
      const others = otherFacts(c);
      const rest =
        others.length > 0
          ? `<details><summary>${others.length} ${others.length === 1 ? 'fact' : 'facts'}${named ? ' more' : ''}</summary>${others.map((fact) => escapeHtml(fact)).join('<br>')}</details>`
          : '';
      const environment = [named, rest].filter(Boolean).join('<br>') || '—';
      return `<tr><th>${escapeHtml(c.title)}</th><td><code>${escapeHtml(c.folder)}</code></td><td>${escapeHtml(c.scenarios)}</td><td>${environment}</td></tr>`;
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
  const reading = options.interpreting ? ` How to read it: ${link(options.interpreting, 'interpreting.md')}.` : '';
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
<p class="meta">Every requirement of the catalogue, against ${n === 1 ? 'one run' : `${n} runs`}: Winsock implementations first, then the reference simulator and the comparison. Built ${escapeHtml(options.generated)}. The rules restate the reference page (${escapeHtml(matrix.page)}); section links go to its published version.${options.annotatedPage ? ` The page itself, statement by statement with these verdicts: ${link(options.annotatedPage, 'the annotated page')}.` : ''}${reading}</p>
<p class="meta">${escapeHtml(WINDOWS_EVIDENCE_NOTE)}</p>
${summaryHtml(matrix)}
${diffSummaryHtml(matrix)}
<p class="meta">A verdict opens the scenario that decided it in Allure (else its call log); beside it are that scenario’s call log, wire log and packets, and the numbers of the notes below that say why it reads so. A requirement with several scenarios lists each.</p>
<table class="matrix">
<thead><tr class="groups"><th class="requirement" rowspan="2">Requirement <small>its strength and rule, in the suite’s words</small></th>${columnGroupsHtml(matrix.columns)}${matrix.diff ? '<th rowspan="2">Change</th>' : ''}</tr>
<tr class="titles">${matrix.columns.map(columnHeaderHtml).join('')}</tr></thead>
<tbody>
${body}
</tbody>
</table>
${notesHtml(matrix)}
${unmatched}
<h2>Verdicts</h2>
<p class="meta">A requirement’s verdict is the loudest of its scenarios’: XPASS, FAIL, TIMEOUT, BROKEN, XFAIL, OPTIONAL, PASS, N/A.</p>
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

function cellMarkdown(cell: MatrixCell): string {
  const refs = cell.notes.length > 0 ? ` ${cell.notes.map((n) => `[${n}]`).join('')}` : '';
  const rest = cell.deciding?.links.filter((l) => l.href !== cell.primary?.href) ?? [];
  return (
    mdLink(`**${cell.verdict}**`, cell.primary?.href ?? null) +
    (cell.unobserved.length > 0 ? `, without ${md(cell.unobserved.join(' and '))}` : '') +
    refs +
    (rest.length > 0 ? ` (${rest.map((l) => mdLink(md(l.label), l.href)).join(', ')})` : '') +
    (cell.scenarios.length > 1 ? ` (${cell.scenarios.length} scenarios)` : '')
  );
}

function noteMarkdown(note: MatrixNote, matrix: Matrix): string[] {
  const cited = note.citations
    .map((c) => `${[...new Set(c.scenarios.map((s) => s.reading))].join(', ')} in ${md(matrix.columns[c.column]?.title ?? '')}`)
    .join('; ');
  const lines = [`${note.number}. \`${note.requirement}\`, ${cited}:`];
  if (note.kind === 'recorded' && note.expectations.length > 0) {
    for (const e of note.expectations) lines.push(`   - recorded deviation (expected ${md(e.verdict)}): ${md(e.detail)}`, `   - observed: ${md(e.observed)}`);
    lines.push(`   - reason: ${md(note.text)}`);
    // Each piece of evidence once, then each run's own links to it (as the HTML's notes).
    const pieces = new Map<string, string[]>();
    for (const c of note.citations) {
      const run = md(matrix.columns[c.column]?.title ?? '');
      for (const e of c.evidence)
        pieces.set(e.what, [...(pieces.get(e.what) ?? []), e.links.length > 0 ? `${run}: ${e.links.map((l) => mdLink(md(l.label), l.href)).join(', ')}` : run]);
    }
    for (const [what, runs] of pieces) lines.push(`   - evidence, ${md(what)}: ${runs.join('; ')}`);
    if (note.sources.length > 0)
      lines.push(`   - read in: ${note.sources.map((ev) => (ev.links[0] ? mdLink(md(ev.what), ev.links[0].href) : md(ev.what))).join('; ')}`);
  } else {
    lines.push(`   ${md(note.text)}`);
  }
  return lines;
}

/** What Windows is known to do, as a section after the table: one item per requirement, its cited evidence under it. */
function windowsEvidenceMarkdown(rows: readonly MatrixRow[]): string[] {
  const lines = [`## ${WINDOWS_EVIDENCE_LABEL.charAt(0).toUpperCase()}${WINDOWS_EVIDENCE_LABEL.slice(1)}`, '', md(WINDOWS_EVIDENCE_NOTE), ''];
  for (const { requirement, windows } of rows) {
    lines.push(`- \`${requirement.id}\`: ${md(windowsEvidenceTally(windows))}`);
    for (const item of windows?.items ?? []) {
      const cite = mdLink(md(citationText(item.citation)), citationUrl(item.citation));
      const versions = item.windows ? ` (Windows: ${md(item.windows)})` : '';
      lines.push(`  - *${BEARING_WORDS[item.bearing]}* (${KIND_WORDS[item.kind]}, ${md(item.call)}): ${md(item.shows)}${versions} ${cite}`);
    }
    if (windows?.notFound) lines.push(`  - ${notFoundLead(windows)}: ${md(windows.notFound)}`);
  }
  lines.push('');
  return lines;
}

export function renderMarkdown(matrix: Matrix, options: RenderOptions): string {
  const lines: string[] = [];
  lines.push(`# ${pageTitle(matrix)}`, '');
  lines.push(
    `Every requirement of the catalogue, against ${matrix.columns.length === 1 ? 'one run' : `${matrix.columns.length} runs`}: Winsock implementations first, then the reference simulator and the comparison. Built ${options.generated}.` +
      (options.annotatedPage ? ` The page itself, statement by statement with these verdicts: ${mdLink('the annotated page', options.annotatedPage)}.` : '') +
      (options.interpreting ? ` How to read it: ${mdLink('interpreting.md', options.interpreting)}.` : ''),
    '',
  );
  lines.push('| run | what it is | verdict | scenarios |', '|---|---|---|---|');
  for (const c of matrix.columns)
    lines.push(`| ${md(c.title)} | ${md(KIND_NAMES[c.kind].one)} | ${md(c.summary.line)}${c.note ? ` *(${md(c.note)})*` : ''} | ${md(c.scenarios)} |`);
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
  lines.push(...windowsEvidenceMarkdown(matrix.rows));
  if (matrix.notes.length > 0) {
    lines.push('## Notes', '', 'What the numbers in the cells stand for, each said once.', '');
    for (const note of matrix.notes) lines.push(...noteMarkdown(note, matrix));
    lines.push('');
  }
  if (matrix.unmatched.length > 0) {
    lines.push('## Scenarios without a catalogue entry', '');
    for (const u of matrix.unmatched)
      lines.push(`- **${u.verdict}** ${md(u.column)}: ${md(u.scenario)} (\`${u.location}\`), requirement ${u.requirement ?? 'none'}`);
    lines.push('');
  }
  lines.push('## Runs', '');
  for (const c of matrix.columns) {
    const links = c.allureReport ? [mdLink('Allure report', c.allureReport)] : [];
    const facts = [...c.named.map((fact) => `**${md(fact)}**`), ...otherFacts(c).map(md)];
    lines.push(
      `- **${md(c.title)}** (${md(columnIdentity(c).join('; '))}), \`${c.folder}\`${links.length ? `: ${links.join(', ')}` : ''}${facts.length ? `. ${facts.join('; ')}` : ''}`,
    );
  }
  lines.push('', '## Verdicts', '');
  for (const [v, meaning] of LEGEND) lines.push(`- **${v}**: ${meaning}`);
  lines.push('');
  return lines.join('\n');
}
