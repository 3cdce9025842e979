// npm run lint:trace: for every catalogue (spec/*.yaml, named after its function), every tag of its features
// names a known requirement, every testable requirement has a scenario, IDs are unique within the
// catalogue, each features folder is one function's, each entry has a strength and a section of the
// page; every anchor resolves to a statement of the page, and every statement of the page is claimed
// by an entry or classified non-normative; and every entry has its cited Windows evidence or says none was
// found (spec/<function>.windows-evidence.yaml), each cited source line checked against a local copy of its
// source where one is given (--source ID=DIR). Prints `traced: N/N requirements`, `page: N/N statements
// claimed` and `windows evidence: N/N entries`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueFiles, functionCatalogue, loadCatalogue, pageFile } from '../src/catalogue/catalogue';
import { readScenarios, trace } from '../src/catalogue/trace';
import { pageCoverage } from '../src/catalogue/anchors';
import { pageStatements } from '../src/catalogue/statements';
import { checkWindowsEvidence, windowsEvidenceFile, windowsEvidenceOf, type WindowsEvidence } from '../src/catalogue/windows-evidence';
import { parseCommandLine } from '../src/cli/arguments';
import { runAsProgram, UsageError, type Command } from '../src/cli/command';
import { InputError } from '../src/core/input-error';
import { REPO_ROOT } from '../src/core/paths';

const USAGE = 'usage: npm run lint:trace [-- --page FILE] [--source ID=DIR ...]';

/** The Windows evidence beside a catalogue, checked against it; its lines said, and whether it holds. */
function lintWindowsEvidence(
  file: string,
  evidence: WindowsEvidence | null,
  sources: ReadonlyMap<string, string>,
  name: string,
  stdout: NodeJS.WritableStream,
): boolean {
  const catalogue = functionCatalogue(path.basename(file, '.yaml'));
  if (evidence === null) {
    const shown = path.relative(process.cwd(), windowsEvidenceFile(catalogue));
    stdout.write(`${shown}: not there: every entry of ${catalogue.file} needs its cited Windows evidence, or notFound saying none was found\n`);
    stdout.write(`${name}windows evidence: 0/${catalogue.requirements.length} entries\n`);
    return false;
  }
  const check = checkWindowsEvidence(catalogue, evidence, sources);
  for (const problem of check.problems) stdout.write(`${problem}\n`);
  const missing = check.unchecked.length > 0 ? ` (not given: ${check.unchecked.join(', ')}; --source ID=DIR, each source's get says how)` : '';
  stdout.write(
    `${name}windows evidence: ${check.withWindowsEvidence + check.noneFound}/${check.total} entries (${check.withWindowsEvidence} with evidence of Windows, ${check.noneFound} none found); ` +
      `${check.checked}/${check.sourceCitations} source citations checked against their source${missing}\n`,
  );
  return check.problems.length === 0;
}

/** Lint one catalogue against its features and its page (`page` overrides where the page is read). */
function lint(
  file: string,
  pageOverride: string | null,
  evidence: WindowsEvidence | null,
  sources: ReadonlyMap<string, string>,
  stdout: NodeJS.WritableStream,
): boolean {
  const catalogue = functionCatalogue(path.basename(file, '.yaml'));
  const page = pageOverride ?? pageFile(catalogue);
  if (!existsSync(page)) throw new InputError(`the page ${catalogue.page} (from ${catalogue.file}) is not at ${page}; check out shared/ beside the repository`);
  const features = path.join(REPO_ROOT, catalogue.features);
  if (!existsSync(features)) throw new InputError(`${catalogue.file}: its features folder ${catalogue.features} does not exist`);
  const report = trace(catalogue, readScenarios(features), page);
  const coverage = pageCoverage(catalogue, pageStatements(readFileSync(page, 'utf8')), page);
  for (const problem of [...report.problems, ...coverage.problems]) stdout.write(`${problem}\n`);
  const name = catalogueFiles().length > 1 ? `${catalogue.function}: ` : '';
  stdout.write(
    `${name}traced: ${report.traced}/${report.total} requirements (${report.testableWithScenario}/${report.testable} testable ones have scenarios; the rest say why not)\n`,
  );
  stdout.write(`${name}page: ${coverage.claimed}/${coverage.total} statements claimed (${path.relative(process.cwd(), page) || page})\n`);
  const evidenceHolds = lintWindowsEvidence(file, evidence, sources, name, stdout);
  return report.problems.length === 0 && report.traced === report.total && coverage.problems.length === 0 && evidenceHolds;
}

/** `--page FILE` lints the catalogue of that page (the one, or the one whose page has its file name) against this revision of it. */
async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandLine(argv, { page: { type: 'string' }, source: { type: 'string', multiple: true } });
  const page = values.page === undefined ? null : path.resolve(values.page);
  const sources = new Map<string, string>();
  for (const value of values.source ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(value);
    if (!match) throw new UsageError(`--source ${value}: give ID=DIR, e.g. wine-8.0=/tmp/winesrc/wine-8.0~repack`);
    const dir = path.resolve(match[2] as string);
    if (!existsSync(dir)) throw new InputError(`--source ${value}: ${dir} does not exist`);
    sources.set(match[1] as string, dir);
  }
  const files = catalogueFiles();
  if (files.length === 0) throw new InputError('no catalogue in spec/');
  const chosen = page && files.length > 1 ? files.filter((file) => path.basename(loadCatalogue(file).page) === path.basename(page)) : files;
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
  const evidence = new Map(chosen.map((file) => [file, windowsEvidenceOf(loadCatalogue(file))]));
  const known = new Set([...evidence.values()].flatMap((e) => e?.sources.map((s) => s.id) ?? []));
  for (const id of sources.keys())
    if (!known.has(id)) throw new InputError(`--source ${id}: no Windows evidence file names a source ${id} (${[...known].join(', ')})`);
  let ok = true;
  for (const file of chosen) ok = lint(file, page, evidence.get(file) ?? null, sources, stdout) && ok;
  return ok ? 0 : 1;
}

export const lintTrace: Command = { usage: USAGE, main };

runAsProgram(module, 'lint:trace', lintTrace);
