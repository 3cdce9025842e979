// npm run lint:trace: every tag names a known requirement, every testable requirement has a scenario,
// IDs are unique, each entry has a strength and a section of the page. Prints `traced: N/N requirements`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CATALOGUE_FILE, loadCatalogue } from '../src/spec/catalogue';
import { readScenarios, trace } from '../src/spec/trace';
import { InputError } from '../src/core/input-error';
import { REPO_ROOT } from '../src/core/paths';

function main(): number {
  const catalogue = loadCatalogue(CATALOGUE_FILE);
  const page = path.resolve(REPO_ROOT, catalogue.page);
  if (!existsSync(page)) {
    process.stderr.write(`lint:trace: the page ${catalogue.page} (from ${catalogue.file}) is not at ${page}; check out shared/ beside the repository\n`);
    return 2;
  }
  const report = trace(catalogue, readScenarios(path.join(REPO_ROOT, 'features')), page);
  for (const problem of report.problems) process.stdout.write(`${problem}\n`);
  process.stdout.write(
    `traced: ${report.traced}/${report.total} requirements (${report.testableWithScenario}/${report.testable} testable ones have scenarios; the rest say why not)\n`,
  );
  return report.problems.length === 0 && report.traced === report.total ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  process.stderr.write(`lint:trace: ${error.message}\n`);
  process.exitCode = 2;
}
