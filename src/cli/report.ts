// winsock-conformance report [--out DIR] [--no-allure] [FOLDER...]
// winsock-conformance report --bundle FILE.tar.gz [--no-allure] [FOLDER...]
// winsock-conformance report --diff OLD NEW [--out DIR] [--no-allure]          (npm run report -- ...)
// Builds each run's Allure report (FOLDER/allure-report/index.html, from FOLDER/allure-results) and, for
// each function the runs are of, the compliance matrix of its runs (matrix.html and matrix.md), with its
// reference page annotated with their verdicts beside it (<function>.annotated.html): in DIR for the
// default function, in DIR/<function>/ for another (catalogue.ts functionFolder), as the runs' own
// reports folders are. FOLDERs are result folders of a run (with verdicts.json), from any
// host; the default is every reports/*/ and reports/<function>/*/ that has one, and every other folder
// there is named with the reason it was skipped. --diff compares two runs:
// it prints the requirements and scenarios whose verdict changed and writes DIR/diff.html and diff.md, the
// matrix of the two with a change column. --bundle packs the runs' matrix and reports into one archive that
// opens from disk, built in a temporary folder: the reports folder is left as it was. --diff and --bundle
// take the runs of one function. Exit 0 when built (--diff: 0 when no verdict changed, 1 when some did),
// 2 for bad input (a missing folder, a malformed verdicts.json, an unknown option).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { functionCatalogue, functionNames, functionFolder, type Catalogue } from '../catalogue/catalogue';
import { windowsEvidenceOf } from '../catalogue/windows-evidence';
import { readRunRecord, REPORTS_FOLDER, runFiles, type RunRecord } from '../verdicts/run-record';
import { buildAllureReport, countResults } from '../report/allure-html';
import { buildMatrix, type Matrix, type RunSource } from '../report/matrix';
import { renderHtml, renderMarkdown } from '../report/render';
import { hrefFrom, readRunFolder, scanResultFolders } from '../report/sources';
import { diffLines, diffRuns } from '../report/diff';
import { bundleRoot, packBundle, stageRuns } from '../report/bundle';
import { annotatedPageName, writeAnnotatedPage } from '../report/annotated-page';
import { InputError } from '../core/input-error';
import { REPO_ROOT } from '../core/paths';
import { parseCommandLine } from './arguments';
import type { Command } from './command';

const USAGE =
  'usage: winsock-conformance report [--out DIR] [--no-allure] [FOLDER...] | --bundle FILE.tar.gz [--no-allure] [FOLDER...] | --diff OLD NEW [--out DIR] [--no-allure]';

interface Options {
  out: string;
  allure: boolean;
  folders: string[];
  diff: boolean;
  bundle: string | null;
}

const OPTIONS = {
  out: { type: 'string' },
  'no-allure': { type: 'boolean' },
  bundle: { type: 'string' },
  diff: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `${USAGE}

  FOLDER...                the runs' reports folders (default: every reports/*/ and reports/<function>/*/ with a verdicts.json)
  --out DIR                where the matrix and the annotated page go (default reports)
  --no-allure              no Allure HTML report per run
  --bundle FILE.tar.gz     pack the runs' matrix and reports into one archive that opens from disk, leaving the
                           reports folder (its matrix, the runs' folders) as it is
  --diff OLD NEW           the requirements and scenarios whose verdict changed between two runs; exit 1 when some did
`;

function parse(argv: readonly string[], stdout: NodeJS.WritableStream): Options | 'help' {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
  if (values.help) return 'help';
  const options: Options = {
    out: values.out ?? REPORTS_FOLDER,
    allure: !values['no-allure'],
    folders: positionals,
    diff: values.diff ?? false,
    bundle: values.bundle ?? null,
  };
  if (options.bundle !== null && !/\.(tar\.gz|tgz)$/.test(options.bundle)) throw new InputError(`--bundle ${options.bundle}: name a .tar.gz file`);
  if (options.bundle !== null && values.out !== undefined)
    throw new InputError('--bundle writes the archive only, and leaves the reports folder as it is: --out has nothing to write');
  if (options.diff) {
    if (options.folders.length !== 2) throw new InputError(`--diff compares two runs: --diff OLD NEW, not ${options.folders.length} folders`);
    if (options.bundle !== null) throw new InputError('--diff and --bundle are separate: bundle the runs, then compare them');
    return options;
  }
  if (options.folders.length === 0) {
    // The runs of every function: its reports root is reports/ or reports/<function>/, as a run's default folder.
    const roots = [...new Set(functionNames().map((name) => functionFolder(REPORTS_FOLDER, name)))];
    for (const root of roots) {
      const scan = scanResultFolders(root);
      for (const { folder, reason } of scan.skipped) if (!roots.includes(folder)) stdout.write(`skipped ${folder}: ${reason}\n`);
      options.folders.push(...scan.folders);
    }
    if (options.folders.length === 0) throw new InputError('no reports/*/verdicts.json: run `npm run conformance` first, or name result folders');
  }
  return options;
}

/** The folders of each function's runs, in the order the functions first appear; each function's catalogue is spec/<function>.yaml. */
function byFunction(folders: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const folder of folders) {
    const fn = readRunRecord(path.resolve(folder)).function;
    groups.set(fn, [...(groups.get(fn) ?? []), folder]);
  }
  return groups;
}

/** --diff and --bundle put runs side by side in one matrix: of one function, or one line saying whose each is. */
function oneFunction(groups: Map<string, string[]>, what: string): string {
  if (groups.size === 1) return [...groups.keys()][0] as string;
  const whose = [...groups].map(([fn, folders]) => `${fn}: ${folders.join(', ')}`).join('; ');
  throw new InputError(`${what} takes the runs of one function; these are of ${groups.size} (${whose})`);
}

/**
 * The name of the Allure report of `record`'s run, the first thing its overview says: the run, and the page's
 * answer as the matrix's column gives it (its `headline`).
 */
export function allureReportName(record: RunRecord, headline: string): string {
  const title = record.label === null ? record.backend : `${record.label} (${record.backend})`;
  return `${record.function} on ${title}: ${headline}`;
}

/**
 * Build the Allure report of `record`'s run (judged against `catalogue`, its function's) from `resultsDir` into
 * `outDir`, and say where, as `shownAs` names it.
 */
async function buildAllureOf(
  record: RunRecord,
  catalogue: Catalogue,
  resultsDir: string,
  outDir: string,
  shownAs: (index: string) => string,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const source = { folder: '', record, facts: record.metadata, allureReport: null, allureIds: {}, files: {} };
  const [column] = buildMatrix(catalogue, [source]).columns;
  const build = await buildAllureReport(resultsDir, outDir, allureReportName(record, column?.summary.line ?? ''), record.results);
  stdout.write(`allure: ${shownAs(build.index)} (${build.results} results, ${(build.ms / 1000).toFixed(1)} s)\n`);
}

/** Whether the run in `folder` has Allure results to build a report from; if not, it is said. */
function hasAllureResults(folder: string, stdout: NodeJS.WritableStream): boolean {
  if (countResults(runFiles(path.resolve(folder)).allureResults) > 0) return true;
  stdout.write(`allure: ${shown(path.resolve(folder))} has no allure-results; its matrix column links its scenarios' call and wire logs only\n`);
  return false;
}

/** Each run's Allure report in its own folder; `catalogueOf` gives a function's catalogue, read once by the caller. */
async function buildAllureReports(folders: readonly string[], catalogueOf: (fn: string) => Catalogue, stdout: NodeJS.WritableStream): Promise<void> {
  for (const folder of folders) {
    if (!hasAllureResults(folder, stdout)) continue;
    const files = runFiles(path.resolve(folder));
    const record = readRunRecord(path.resolve(folder));
    await buildAllureOf(record, catalogueOf(record.function), files.allureResults, files.allureReport, shown, stdout);
  }
}

/** docs/interpreting.md, which the matrix links as how to read it; a bundle carries a copy of its own. */
const INTERPRETING = path.join(REPO_ROOT, 'docs', 'interpreting.md');

/**
 * Write the matrix as `<name>.html` and `<name>.md` in `out`, and, given the catalogue, the annotated page
 * beside it, which the matrix links to, as it links `interpreting` (docs/interpreting.md, or a bundle's
 * copy). Returns the HTML's path and the annotated page's (null when the page is not there to annotate,
 * or none was asked for).
 */
function writeMatrix(
  out: string,
  name: string,
  matrix: Matrix,
  annotate: Catalogue | null = null,
  interpreting = INTERPRETING,
): { html: string; annotatedPage: string | null } {
  const generated = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  mkdirSync(out, { recursive: true });
  const annotatedPage = annotate ? writeAnnotatedPage(annotate, matrix, out, generated) : null;
  // No page to annotate: an annotated page of an earlier report must not stand beside this matrix.
  if (annotate && annotatedPage === null) rmSync(path.join(out, annotatedPageName(annotate)), { force: true });
  const rendering = { generated, annotatedPage: annotatedPage && path.basename(annotatedPage), interpreting: hrefFrom(out, interpreting) };
  writeFileSync(path.join(out, `${name}.html`), renderHtml(matrix, rendering));
  writeFileSync(path.join(out, `${name}.md`), renderMarkdown(matrix, rendering));
  return { html: path.join(out, `${name}.html`), annotatedPage };
}

function shown(file: string): string {
  return path.relative(process.cwd(), file) || '.';
}

function runs(n: number): string {
  return `${n} ${n === 1 ? 'run' : 'runs'}`;
}

async function compare(options: Options, out: string, stdout: NodeJS.WritableStream): Promise<number> {
  const catalogue = functionCatalogue(oneFunction(byFunction(options.folders), '--diff'));
  if (options.allure) await buildAllureReports(options.folders, () => catalogue, stdout);
  const into = functionFolder(out, catalogue.function);
  const [before, after] = options.folders.map((folder) => readRunFolder(folder, into)) as [RunSource, RunSource];
  const diff = diffRuns(catalogue, before.record, after.record);
  const matrix = buildMatrix(catalogue, [before, after], diff, windowsEvidenceOf(catalogue));
  const [oldColumn, newColumn] = matrix.columns;
  for (const line of diffLines(diff, oldColumn?.title ?? 'old', newColumn?.title ?? 'new')) stdout.write(`${line}\n`);
  const { html } = writeMatrix(into, 'diff', matrix);
  stdout.write(`diff: ${shown(html)}, ${shown(html.replace(/\.html$/, '.md'))}\n`);
  return diff.requirements.length > 0 || diff.unmatched.length > 0 ? 1 : 0;
}

/** The matrix and the annotated page of one function's runs, in its reports root under `out`. */
function reportFunction(catalogue: Catalogue, folders: readonly string[], out: string, started: number, stdout: NodeJS.WritableStream): void {
  const into = functionFolder(out, catalogue.function);
  const matrix = buildMatrix(
    catalogue,
    folders.map((folder) => readRunFolder(folder, into)),
    null,
    windowsEvidenceOf(catalogue),
  );
  const { html, annotatedPage } = writeMatrix(into, 'matrix', matrix, catalogue);
  for (const column of matrix.columns) stdout.write(`${column.title}: ${column.summary.line}\n`);
  stdout.write(annotatedPage ? `annotated page: ${shown(annotatedPage)}\n` : `annotated page: not built, the page ${catalogue.page} is not there\n`);
  stdout.write(
    `matrix: ${shown(html)}, ${shown(html.replace(/\.html$/, '.md'))} (${catalogue.function}: the catalogue's ${matrix.rows.length} ${matrix.rows.length === 1 ? 'requirement' : 'requirements'} x ${runs(matrix.columns.length)}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  const started = performance.now();
  const options = parse(argv, stdout);
  if (options === 'help') {
    stdout.write(HELP);
    return 0;
  }
  const out = path.resolve(options.out);
  // Read every folder and the catalogue of every function first, so that bad input stops the report before anything is built.
  for (const folder of options.folders) readRunFolder(folder, out);
  const groups = byFunction(options.folders);
  const catalogues = new Map([...groups.keys()].map((fn) => [fn, functionCatalogue(fn)]));
  if (options.diff) return compare(options, out, stdout);
  if (options.bundle !== null)
    return bundle(options.folders, options.bundle, catalogues.get(oneFunction(groups, '--bundle')) as Catalogue, options.allure, stdout);

  if (options.allure) await buildAllureReports(options.folders, (fn) => catalogues.get(fn) as Catalogue, stdout);
  for (const [fn, folders] of groups) reportFunction(catalogues.get(fn) as Catalogue, folders, out, started, stdout);
  return 0;
}

/**
 * --bundle: the matrix, the annotated page and each run's Allure report, built in a temporary folder and
 * packed into `file`. Nothing of the reports folder changes: its matrix stays that of all its runs, and
 * the runs' folders stay as the runs left them.
 */
async function bundle(folders: readonly string[], file: string, catalogue: Catalogue, allure: boolean, stdout: NodeJS.WritableStream): Promise<number> {
  const { root, dispose } = bundleRoot(file);
  try {
    // Where it is once the bundle is unpacked: the temporary folder it is built in is gone by then.
    const inBundle = (index: string): string => `in the bundle, ${path.relative(path.dirname(root), index)}`;
    const staged = await stageRuns(
      folders,
      root,
      allure
        ? (resultsDir, outDir, record) =>
            hasAllureResults(path.dirname(resultsDir), stdout) ? buildAllureOf(record, catalogue, resultsDir, outDir, inBundle, stdout) : Promise.resolve()
        : null,
    );
    const matrix = buildMatrix(
      catalogue,
      staged.map((s) => s.source),
      null,
      windowsEvidenceOf(catalogue),
    );
    // The bundle's matrix links its own copy of interpreting.md, which opens wherever the bundle is unpacked.
    const interpreting = path.join(root, 'interpreting.md');
    copyFileSync(INTERPRETING, interpreting);
    writeMatrix(root, 'matrix', matrix, catalogue, interpreting);
    for (const column of matrix.columns) stdout.write(`${column.title}: ${column.summary.line}\n`);
    const bytes = await packBundle(root, file);
    const pcaps = staged.reduce((n, s) => n + s.pcaps, 0);
    stdout.write(
      `bundle: ${shown(path.resolve(file))} (${(bytes / 1024 / 1024).toFixed(1)} MB: ${path.basename(root)}/matrix.html, ${runs(staged.length)}, ${pcaps} pcap files)\n`,
    );
  } finally {
    dispose();
  }
  return 0;
}

export const report: Command = { usage: USAGE, main };
