// npm run report -- [--out DIR] [--no-allure] [FOLDER...]
// Builds each run's Allure report (FOLDER/allure-report/index.html, from FOLDER/allure-results) and the
// compliance matrix of all of them (DIR/matrix.html and DIR/matrix.md), with the reference page annotated
// with their verdicts beside it (DIR/<function>.annotated.html). FOLDERs are result folders of
// `npm run conformance` (with verdicts.json), from any host; the default is every reports/*/ that has
// one. Exit 0 when built, 2 for bad input (a missing folder, a malformed verdicts.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCatalogue } from '../src/spec/catalogue';
import { runFiles } from '../src/verdicts/run-record';
import { buildAllureReport, countResults } from '../src/report/allure-html';
import { buildMatrix } from '../src/report/matrix';
import { renderHtml, renderMarkdown } from '../src/report/render';
import { writeAnnotatedPage } from '../src/report/annotated-page';
import { readRunFolder, resultFolders } from '../src/report/sources';
import { InputError } from '../src/core/input-error';

const USAGE = 'usage: npm run report -- [--out DIR] [--no-allure] [FOLDER...]';

interface Options {
  out: string;
  allure: boolean;
  folders: string[];
}

function parse(argv: readonly string[]): Options | 'help' {
  const options: Options = { out: 'reports', allure: true, folders: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--out') {
      const value = argv[++i];
      if (!value) throw new InputError('--out needs a folder');
      options.out = value;
    } else if (arg.startsWith('--out=')) options.out = arg.slice('--out='.length);
    else if (arg === '--no-allure') options.allure = false;
    else if (arg === '--help' || arg === '-h') return 'help';
    else if (arg.startsWith('-')) throw new InputError(`unknown option '${arg}'; ${USAGE}`);
    else options.folders.push(arg);
  }
  if (options.folders.length === 0) {
    options.folders = resultFolders('reports');
    if (options.folders.length === 0) throw new InputError('no reports/*/verdicts.json: run `npm run conformance` first, or name result folders');
  }
  return options;
}

async function main(argv: readonly string[]): Promise<number> {
  const started = performance.now();
  const options = parse(argv);
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const catalogue = loadCatalogue();
  const out = path.resolve(options.out);
  // Read every folder first, so that bad input stops the report before anything is built.
  for (const folder of options.folders) readRunFolder(folder, out);

  if (options.allure) {
    for (const folder of options.folders) {
      const files = runFiles(path.resolve(folder));
      const results = files.allureResults;
      if (countResults(results) === 0) {
        process.stdout.write(`allure: ${folder} has no allure-results; its matrix column links to cucumber.html only\n`);
        continue;
      }
      const { backend, results: verdicts } = readRunFolder(folder, out).record;
      const build = await buildAllureReport(results, files.allureReport, `${catalogue.function} conformance: ${backend}`, verdicts);
      process.stdout.write(`allure: ${path.relative(process.cwd(), build.index)} (${build.results} results, ${(build.ms / 1000).toFixed(1)} s)\n`);
    }
  }

  const matrix = buildMatrix(
    catalogue,
    options.folders.map((folder) => readRunFolder(folder, out)),
  );
  const generated = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  mkdirSync(out, { recursive: true });
  const annotatedPage = writeAnnotatedPage(catalogue, matrix, out, generated);
  const rendering = { generated, annotatedPage: annotatedPage && path.basename(annotatedPage) };
  writeFileSync(path.join(out, 'matrix.html'), renderHtml(matrix, rendering));
  writeFileSync(path.join(out, 'matrix.md'), renderMarkdown(matrix, rendering));
  const shown = path.relative(process.cwd(), out) || '.';
  for (const column of matrix.columns) process.stdout.write(`${column.title}: ${column.summary.line}\n`);
  process.stdout.write(
    annotatedPage ? `annotated page: ${path.relative(process.cwd(), annotatedPage)}\n` : `annotated page: not built, the page ${catalogue.page} is not there\n`,
  );
  process.stdout.write(
    `matrix: ${shown}/matrix.html, ${shown}/matrix.md (${matrix.rows.length} requirements x ${matrix.columns.length} ${matrix.columns.length === 1 ? 'run' : 'runs'}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`report: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    process.exitCode = error instanceof InputError ? 2 : 1;
  },
);
