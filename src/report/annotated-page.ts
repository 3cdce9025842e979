// The annotated page: the reference page itself, read where it lies at report time, statement by
// statement, each marked with the requirements that encode it (src/catalogue/anchors.ts), their strength and,
// for each run of the matrix, the verdict as a badge that links to the evidence. A statement without a
// test says why (covered by other entries, not testable, not normative). Self-contained HTML (no script,
// no external resource), beside matrix.html so that the runs' evidence links are the matrix's own.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pageFile, type Catalogue } from '../catalogue/catalogue';
import { pageCoverage, pageDisplay, type Claim, type PageCoverage } from '../catalogue/anchors';
import { pageStatements, type Statement } from '../catalogue/statements';
import type { Matrix, MatrixRow } from './matrix';
import { sectionUrl } from '../catalogue/published-page';
import { BADGE_STYLE, badge, noteAnchor, rowAnchor } from './render';
import { WINDOWS_EVIDENCE_NOTE, WINDOWS_EVIDENCE_STYLE, windowsEvidenceHtml } from './windows-evidence-html';
import { escapeHtml } from '../run-outputs/keys';

export interface AnnotatedPageOptions {
  generated: string;
  /** The compliance matrix, relative to the annotated page. */
  matrixHref: string;
  /** The page as shown to the reader (its path from the working directory). */
  pageName: string;
}

/** The annotated page's file name, beside matrix.html. */
export function annotatedPageName(catalogue: Catalogue): string {
  return `${catalogue.function}.annotated.html`;
}

/** The id of a statement's element: its locator, made safe for a fragment. */
export function statementAnchor(locator: string): string {
  return `st-${locator.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
}

const STYLE = `
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; margin: 0 auto; padding: 24px 32px; max-width: 1280px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2, h3 { margin: 28px 0 8px; } h2 { font-size: 19px; } h3 { font-size: 16px; }
p.meta { color: var(--muted); margin: 0 0 12px; font-size: 13.5px; }
a { color: #0550ae; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.problems { border: 1px solid #cf222e; border-radius: 6px; background: #fff5f5; padding: 8px 14px; font-size: 13px; }
.block { border-left: 3px solid var(--line); margin: 10px 0; padding: 2px 0 2px 12px; }
.block.note { border-left-color: #0969da; background: #f6f8fa; }
.block.row { border-left-color: #8c959f; }
.block-label { font-weight: 700; font-size: 13px; color: var(--muted); }
.stmt { display: grid; grid-template-columns: minmax(0, 1fr) minmax(300px, 44%); gap: 4px 18px; padding: 6px 0; border-top: 1px dashed #eaeef2; }
.stmt:first-of-type { border-top: none; }
.stmt:target { background: #fff8c5; }
.text h2, .text h3 { margin: 14px 0 0; display: inline; }
.text .loc { white-space: nowrap; font-size: 11px; color: var(--muted); text-decoration: none; margin-left: 6px; }
.claims { font-size: 12.5px; }
.claim { margin: 0 0 4px; }
.claim .strength { font-weight: 600; margin: 0 4px; }
.claim .run { white-space: nowrap; margin-right: 8px; }
.claim .run-name { color: var(--muted); margin-right: 2px; }
.claim .why { color: var(--muted); font-style: italic; }
.claim .detail { color: var(--muted); font-size: 12px; margin-top: 1px; }
.claim .qualifier { font-size: 12px; font-style: italic; margin-left: 4px; color: #6e4b00; }
.claim.unclaimed { color: #cf222e; font-weight: 600; }
.claim.non-normative { color: var(--muted); font-style: italic; }
${BADGE_STYLE}
${WINDOWS_EVIDENCE_STYLE}
`;

function link(href: string, html: string, attributes = ''): string {
  return `<a href="${escapeHtml(href)}"${attributes}>${html}</a>`;
}

/** `asAbove`: the statement before this one is of the same non-normative group, whose reason it gave. */
function claimHtml(claim: Claim, rows: ReadonlyMap<string, MatrixRow>, matrix: Matrix, matrixHref: string, asAbove: boolean): string {
  if ('nonNormative' in claim) {
    const reason = escapeHtml(claim.nonNormative.reason);
    return `<div class="claim non-normative" title="${reason}">not normative${asAbove ? ' (as above)' : `: ${reason}`}</div>`;
  }
  const r = claim.requirement;
  const row = rows.get(r.id);
  const head = `${link(`${matrixHref}#${rowAnchor(r.id)}`, `<code>${escapeHtml(r.id)}</code>`)}` + `<span class="strength">${escapeHtml(r.strength)}</span>`;
  let body: string;
  if (!row || row.kind !== 'tested') {
    const why =
      r.testing === 'covered'
        ? `no test of its own: covered by ${r.coveredBy.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}`
        : `no test: ${escapeHtml(r.why ?? 'not testable')}`;
    body = `<span class="why">${why}</span>`;
  } else {
    // What the runs did where it is not a plain PASS is said in words too, not only on hover: each text
    // once, after the runs that share it, with the matrix's note that says the rest (reason, evidence).
    const details = new Map<string, { runs: string[]; notes: number[] }>();
    const detail = (text: string, run: string, notes: readonly number[]): void => {
      const said = details.get(text) ?? { runs: [], notes: [] };
      said.runs.push(run);
      for (const n of notes) if (!said.notes.includes(n)) said.notes.push(n);
      details.set(text, said);
    };
    body = row.cells
      .map((cell, i) => {
        const run = matrix.columns[i]?.title ?? '';
        const deciding = cell.deciding;
        const title = cell.expectation ? `${cell.verdict}: ${cell.expectation.reason}` : (deciding?.detail ?? '');
        if (cell.verdict !== 'PASS' && deciding?.detail) detail(deciding.detail, run, deciding.notes);
        // A verdict kept only as far as the run could look says what it lacked, beside the badge and in words.
        const lacked = cell.unobserved.length > 0 ? `without ${cell.unobserved.join(' and ')}` : '';
        if (lacked) detail(`${cell.reading}, so not established`, run, cell.notes);
        const shown = badge(cell.verdict, cell.primary?.href ?? null, title) + (lacked ? `<span class="qualifier">${escapeHtml(lacked)}</span>` : '');
        const unobserved = lacked ? ` data-unobserved="${escapeHtml(cell.unobserved.join(' and '))}"` : '';
        return `<span class="run" data-run="${escapeHtml(run)}" data-verdict="${escapeHtml(cell.verdict)}"${unobserved}><span class="run-name">${escapeHtml(run)}</span>${shown}</span>`;
      })
      .join('');
    body += [...details]
      .map(([text, { runs, notes }]) => {
        const refs = notes.map((n) => link(`${matrixHref}#${noteAnchor(n)}`, `note ${n}`)).join(', ');
        return `<div class="detail">${escapeHtml(runs.join(', '))}: ${escapeHtml(text)}${refs ? ` (${refs})` : ''}</div>`;
      })
      .join('');
  }
  return `<div class="claim" data-requirement="${escapeHtml(r.id)}">${head} ${body}${windowsEvidenceHtml(r.id, row?.windows ?? null)}</div>`;
}

/** One statement and its claims; `heading` makes its text a heading of that level. */
function statementHtml(
  statement: Statement,
  coverage: PageCoverage,
  rows: ReadonlyMap<string, MatrixRow>,
  matrix: Matrix,
  matrixHref: string,
  heading: { level: number; url: string } | null = null,
): string {
  const claims = coverage.claims.get(statement.locator) ?? [];
  const before = coverage.statements[coverage.statements.indexOf(statement) - 1];
  const previous = before ? (coverage.claims.get(before.locator) ?? []) : [];
  const ids = claims.flatMap((c) => ('requirement' in c ? [c.requirement.id] : []));
  const shown = statement.blockKind === 'row' && statement.label !== null ? statement.text.slice(statement.label.length + 3) : statement.text;
  const claimsHtml =
    claims.length > 0
      ? claims
          .map((c) =>
            claimHtml(c, rows, matrix, matrixHref, 'nonNormative' in c && previous.some((p) => 'nonNormative' in p && p.nonNormative === c.nonNormative)),
          )
          .join('')
      : '<div class="claim unclaimed">claimed by no entry of the catalogue: it is out of date with this page (npm run lint:trace)</div>';
  const anchor = statementAnchor(statement.locator);
  return (
    `<div class="stmt" id="${anchor}" data-locator="${escapeHtml(statement.locator)}" data-requirements="${escapeHtml(ids.join(' '))}">` +
    `<div class="text">${
      heading
        ? `<h${heading.level} data-section="${escapeHtml(statement.section)}">${escapeHtml(shown)} ${link(heading.url, 'published', ' class="loc"')}</h${heading.level}>`
        : escapeHtml(shown)
    }${link(`#${anchor}`, escapeHtml(statement.locator), ' class="loc"')}</div>` +
    `<div class="claims">${claimsHtml}</div></div>`
  );
}

/** The statements grouped into their blocks, in the page's order. */
function blocks(statements: readonly Statement[]): Statement[][] {
  const groups: Statement[][] = [];
  for (const s of statements) {
    const last = groups[groups.length - 1];
    if (last && last[0]?.block === s.block) last.push(s);
    else groups.push([s]);
  }
  return groups;
}

export function renderAnnotatedPage(catalogue: Catalogue, coverage: PageCoverage, matrix: Matrix, options: AnnotatedPageOptions): string {
  const rows = new Map(matrix.rows.map((row) => [row.requirement.id, row]));
  const one = (s: Statement, heading: { level: number; url: string } | null = null): string =>
    statementHtml(s, coverage, rows, matrix, options.matrixHref, heading);
  const parts: string[] = [];
  let section = '';
  for (const group of blocks(coverage.statements)) {
    const first = group[0] as Statement;
    if (first.section !== section) {
      section = first.section;
      if (section === 'metadata') parts.push(`<h2>Front matter ${link(sectionUrl(section, catalogue.url), 'published', ' class="loc"')}</h2>`);
    }
    switch (first.blockKind) {
      case 'heading': {
        parts.push(
          `<div class="block heading">${one(first, { level: first.kind === 'parameter' ? 3 : 2, url: sectionUrl(first.section, catalogue.url) })}</div>`,
        );
        break;
      }
      case 'note':
        parts.push(`<div class="block note"><div class="block-label">Note</div>${group.map((s) => one(s)).join('')}</div>`);
        break;
      case 'row':
        parts.push(`<div class="block row"><div class="block-label">${escapeHtml(first.label ?? '')}</div>${group.map((s) => one(s)).join('')}</div>`);
        break;
      case 'table-head':
        parts.push(`<div class="block table-head"><div class="block-label">Table columns</div>${group.map((s) => one(s)).join('')}</div>`);
        break;
      default:
        parts.push(`<div class="block ${escapeHtml(first.blockKind)}">${group.map((s) => one(s)).join('')}</div>`);
    }
  }
  const problems = coverage.problems.length
    ? `<div class="problems"><b>The catalogue does not match this page</b> (${coverage.problems.length} problems; <code>npm run lint:trace</code> lists them): statements it no longer accounts for say so below.</div>`
    : '';
  const runs = matrix.columns
    .map(
      (c) =>
        `<b>${escapeHtml(c.title)}</b> (<code>${escapeHtml(c.folder)}</code>): ${escapeHtml(c.summary.line)}${c.named.map((fact) => `<br><small class="named-fact">${escapeHtml(fact)}</small>`).join('')}`,
    )
    .join('<br>');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(catalogue.function)}: the reference page, annotated</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(catalogue.function)}: the reference page, annotated</h1>
<p class="meta">The page <code>${escapeHtml(options.pageName)}</code> (${link(catalogue.url, 'published')}), statement by statement: beside each, the requirements of <code>${escapeHtml(catalogue.file)}</code> that encode it, their strength and each run’s verdict, which links to its evidence. Statements without a test say why. ${coverage.claimed}/${coverage.total} statements claimed. Built ${escapeHtml(options.generated)}. ${link(options.matrixHref, 'The compliance matrix')}.</p>
<p class="meta">${runs || 'No runs.'}</p>
<p class="meta">${escapeHtml(WINDOWS_EVIDENCE_NOTE)}</p>
${problems}
${parts.join('\n')}
</body>
</html>
`;
}

/**
 * Write the annotated page of `catalogue` beside the matrix in `outDir`, reading the page where it lies;
 * null (nothing written) when the page is not there, e.g. a report built from runs copied to another host.
 */
export function writeAnnotatedPage(catalogue: Catalogue, matrix: Matrix, outDir: string, generated: string): string | null {
  const page = pageFile(catalogue);
  if (!existsSync(page)) return null;
  const coverage = pageCoverage(catalogue, pageStatements(readFileSync(page, 'utf8')), page);
  const file = path.join(outDir, annotatedPageName(catalogue));
  writeFileSync(file, renderAnnotatedPage(catalogue, coverage, matrix, { generated, matrixHref: 'matrix.html', pageName: pageDisplay(page) }));
  return file;
}
