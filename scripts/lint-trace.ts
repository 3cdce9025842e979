// npm run lint:trace: for every catalogue (spec/*.yaml, named after its function), every tag of its features
// names a known requirement, every testable requirement has a scenario, IDs are unique within the
// catalogue, each features folder is one function's, each entry has a strength and a section of the
// page; and every anchor resolves to a statement of the page, and every statement of the page is claimed
// by an entry or classified non-normative. Prints `traced: N/N requirements` and `page: N/N statements claimed`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueFiles, functionCatalogue, loadCatalogue, pageFile } from '../src/catalogue/catalogue';
import { readScenarios, trace } from '../src/catalogue/trace';
import { pageCoverage } from '../src/catalogue/anchors';
import { pageStatements } from '../src/catalogue/statements';
import { InputError } from '../src/core/input-error';
import { REPO_ROOT } from '../src/core/paths';

/** Lint one catalogue against its features and its page (`page` overrides where the page is read). */
function lint(file: string, pageOverride: string | null): boolean {
  const catalogue = functionCatalogue(path.basename(file, '.yaml'));
  const page = pageOverride ?? pageFile(catalogue);
  if (!existsSync(page)) throw new InputError(`the page ${catalogue.page} (from ${catalogue.file}) is not at ${page}; check out shared/ beside the repository`);
  const features = path.join(REPO_ROOT, catalogue.features);
  if (!existsSync(features)) throw new InputError(`${catalogue.file}: its features folder ${catalogue.features} does not exist`);
  const report = trace(catalogue, readScenarios(features), page);
  const coverage = pageCoverage(catalogue, pageStatements(readFileSync(page, 'utf8')), page);
  for (const problem of [...report.problems, ...coverage.problems]) process.stdout.write(`${problem}\n`);
  const name = catalogueFiles().length > 1 ? `${catalogue.function}: ` : '';
  process.stdout.write(
    `${name}traced: ${report.traced}/${report.total} requirements (${report.testableWithScenario}/${report.testable} testable ones have scenarios; the rest say why not)\n`,
  );
  process.stdout.write(`${name}page: ${coverage.claimed}/${coverage.total} statements claimed (${path.relative(process.cwd(), page) || page})\n`);
  return report.problems.length === 0 && report.traced === report.total && coverage.problems.length === 0;
}

/** `--page FILE` lints the catalogue of that page (the one, or the one whose page has its file name) against this revision of it. */
function main(argv: readonly string[]): number {
  let page: string | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--page' && argv[i + 1]) page = path.resolve(argv[++i] as string);
    else throw new InputError(`unknown argument '${argv[i] ?? ''}'; usage: npm run lint:trace [-- --page FILE]`);
  }
  const files = catalogueFiles();
  if (files.length === 0) throw new InputError('no catalogue in spec/');
  const chosen = page && files.length > 1 ? files.filter((file) => path.basename(loadCatalogue(file).page) === path.basename(page as string)) : files;
  if (chosen.length !== 1 && page) throw new InputError(`--page ${page}: no single catalogue in spec/ has a page of that name`);
  // A run takes the .feature files directly in its function's folder: two catalogues cannot share one.
  const byFolder = new Map<string, string>();
  for (const file of files) {
    const catalogue = loadCatalogue(file);
    const folder = path.normalize(catalogue.features);
    const other = byFolder.get(folder);
    if (other !== undefined) throw new InputError(`${catalogue.file}: features ${catalogue.features} is ${other}'s folder already; each function has its own`);
    byFolder.set(folder, catalogue.function);
  }
  let ok = true;
  for (const file of chosen) ok = lint(file, page) && ok;
  return ok ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  process.stderr.write(`lint:trace: ${error.message}\n`);
  process.exitCode = 2;
}
