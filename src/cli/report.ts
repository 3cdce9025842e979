// winsock-conformance report [--out DIR] [--no-allure] [--bundle FILE.tar.gz] [FOLDER...]
// winsock-conformance report --diff OLD NEW [--out DIR] [--no-allure]          (npm run report -- ...)
// Builds each run's Allure report (FOLDER/allure-report/index.html, from FOLDER/allure-results) and, for
// each function the runs are of, the compliance matrix of its runs (matrix.html and matrix.md), with its
// reference page annotated with their verdicts beside it (<function>.annotated.html): in DIR for the
// default function, in DIR/<function>/ for another (catalogue.ts functionFolder), as the runs' own
// reports folders are. FOLDERs are result folders of a run (with verdicts.json), from any
// host; the default is every reports/*/ and reports/<function>/*/ that has one, and every other folder
// there is named with the reason it was skipped. --diff compares two runs:
// it prints the requirements and scenarios whose verdict changed and writes DIR/diff.html and diff.md, the
// matrix of the two with a change column. --bundle also packs the matrix and every run's reports into one
// archive that opens from disk. --diff and --bundle take the runs of one function. Exit 0 when built (--diff: 0 when no verdict changed, 1 when some did),
// 2 for bad input (a missing folder, a malformed verdicts.json, an unknown option).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { functionCatalogue, functionNames, functionFolder, type Catalogue } from '../catalogue/catalogue';
import { readRunRecord, REPORTS_FOLDER, runFiles } from '../verdicts/run-record';
import { buildAllureReport, countResults } from '../report/allure-html';
import { buildMatrix, type Matrix, type RunSource } from '../report/matrix';
import { renderHtml, renderMarkdown } from '../report/render';
import { readRunFolder, scanResultFolders } from '../report/sources';
import { diffLines, diffRuns } from '../report/diff';
import { bundleRoot, packBundle, stageRuns } from '../report/bundle';
import { annotatedPageName, writeAnnotatedPage } from '../report/annotated-page';
import { InputError } from '../core/input-error';
import { REPO_ROOT } from '../core/paths';
import { parseCommandLine } from './arguments';
import type { Command } from './command';

const USAGE = 'usage: winsock-conformance report [--out DIR] [--no-allure] [--bundle FILE.tar.gz] [FOLDER...] | --diff OLD NEW [--out DIR] [--no-allure]';

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
  --bundle FILE.tar.gz     also pack the matrix and every run's reports into one archive that opens from disk
  --diff OLD NEW           the requirements and scenarios whose verdict changed between two runs; exit 1 when some did
`;

function parse(argv: readonly string[]): Options | 'help' {
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
      for (const { folder, reason } of scan.skipped) if (!roots.includes(folder)) process.stdout.write(`skipped ${folder}: ${reason}\n`);
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

async function buildAllureReports(folders: readonly string[], out: string): Promise<void> {
  for (const folder of folders) {
    const files = runFiles(path.resolve(folder));
    const results = files.allureResults;
    if (countResults(results) === 0) {
      process.stdout.write(`allure: ${folder} has no allure-results; its matrix column links to cucumber.html only\n`);
      continue;
    }
    const { record } = readRunFolder(folder, out);
    const title = record.label === null ? record.backend : `${record.label} (${record.backend})`;
    const build = await buildAllureReport(results, files.allureReport, `${record.function} conformance: ${title}`, record.results);
    process.stdout.write(`allure: ${path.relative(process.cwd(), build.index)} (${build.results} results, ${(build.ms / 1000).toFixed(1)} s)\n`);
  }
}

/**
 * Write the matrix as `<name>.html` and `<name>.md` in `out`, and, given the catalogue, the annotated page
 * beside it, which the matrix links to. Returns the HTML's path and the annotated page's (null when the
 * page is not there to annotate, or none was asked for).
 */
function writeMatrix(out: string, name: string, matrix: Matrix, annotate: Catalogue | null = null): { html: string; annotatedPage: string | null } {
  const generated = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  mkdirSync(out, { recursive: true });
  const annotatedPage = annotate ? writeAnnotatedPage(annotate, matrix, out, generated) : null;
  // No page to annotate: an annotated page of an earlier report must not stand beside this matrix.
  if (annotate && annotatedPage === null) rmSync(path.join(out, annotatedPageName(annotate)), { force: true });
  const rendering = { generated, annotatedPage: annotatedPage && path.basename(annotatedPage) };
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

async function compare(options: Options, out: string): Promise<number> {
  const catalogue = functionCatalogue(oneFunction(byFunction(options.folders), '--diff'));
  if (options.allure) await buildAllureReports(options.folders, out);
  const into = functionFolder(out, catalogue.function);
  const [before, after] = options.folders.map((folder) => readRunFolder(folder, into)) as [RunSource, RunSource];
  const diff = diffRuns(catalogue, before.record, after.record);
  const matrix = buildMatrix(catalogue, [before, after], diff);
  const [oldColumn, newColumn] = matrix.columns;
  for (const line of diffLines(diff, oldColumn?.title ?? 'old', newColumn?.title ?? 'new')) process.stdout.write(`${line}\n`);
  const { html } = writeMatrix(into, 'diff', matrix);
  process.stdout.write(`diff: ${shown(html)}, ${shown(html.replace(/\.html$/, '.md'))}\n`);
  return diff.requirements.length > 0 || diff.unmatched.length > 0 ? 1 : 0;
}

/** The matrix and the annotated page of one function's runs, in its reports root under `out`. */
function reportFunction(catalogue: Catalogue, folders: readonly string[], out: string, started: number): void {
  const into = functionFolder(out, catalogue.function);
  const matrix = buildMatrix(
    catalogue,
    folders.map((folder) => readRunFolder(folder, into)),
  );
  const { html, annotatedPage } = writeMatrix(into, 'matrix', matrix, catalogue);
  for (const column of matrix.columns) process.stdout.write(`${column.title}: ${column.summary.line}\n`);
  process.stdout.write(annotatedPage ? `annotated page: ${shown(annotatedPage)}\n` : `annotated page: not built, the page ${catalogue.page} is not there\n`);
  process.stdout.write(
    `matrix: ${shown(html)}, ${shown(html.replace(/\.html$/, '.md'))} (${catalogue.function}: the catalogue's ${matrix.rows.length} ${matrix.rows.length === 1 ? 'requirement' : 'requirements'} x ${runs(matrix.columns.length)}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const started = performance.now();
  const options = parse(argv);
  if (options === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const out = path.resolve(options.out);
  // Read every folder and the catalogue of every function first, so that bad input stops the report before anything is built.
  for (const folder of options.folders) readRunFolder(folder, out);
  const groups = byFunction(options.folders);
  const catalogues = new Map([...groups.keys()].map((fn) => [fn, functionCatalogue(fn)]));
  if (options.diff) return compare(options, out);
  const bundled = options.bundle === null ? null : (catalogues.get(oneFunction(groups, '--bundle')) as Catalogue);

  if (options.allure) await buildAllureReports(options.folders, out);
  for (const [fn, folders] of groups) reportFunction(catalogues.get(fn) as Catalogue, folders, out, started);

  if (options.bundle !== null && bundled !== null) {
    const { root, dispose } = bundleRoot(options.bundle);
    try {
      const staged = stageRuns(options.folders, root);
      writeMatrix(
        root,
        'matrix',
        buildMatrix(
          bundled,
          staged.map((s) => s.source),
        ),
        bundled,
      );
      copyFileSync(path.join(REPO_ROOT, 'docs', 'interpreting.md'), path.join(root, 'interpreting.md'));
      const bytes = await packBundle(root, options.bundle);
      const pcaps = staged.reduce((n, s) => n + s.pcaps, 0);
      process.stdout.write(
        `bundle: ${shown(path.resolve(options.bundle))} (${(bytes / 1024 / 1024).toFixed(1)} MB: ${path.basename(root)}/matrix.html, ${runs(staged.length)}, ${pcaps} pcap files)\n`,
      );
    } finally {
      dispose();
    }
  }
  return 0;
}

export const report: Command = { usage: USAGE, main };
