// The evidence an expectation names must be there, in the form a reader follows: `evidence` lists, separated
// by "; ", files a run writes and source locations (docs/contributing.md, "Adding a requirement", step 5). A file a run
// writes is in the run's default reports folder and is one of runFiles, or the call log, wire log or pcap a
// run keeps of a scenario of the features as they are (src/run-outputs/scenario-files.ts), so that it
// outlives no edit of a feature file that moves its scenario; a scenario it names in quotes is one of the
// expectation's requirement, by its exact name. A source location says which version of which source it
// was read in, and where.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { generateMessages } from '@cucumber/gherkin';
import { IdGenerator, SourceMediaType } from '@cucumber/messages';
import { functionCatalogue, functionFolder, functionNames, type Catalogue } from '../../src/catalogue/catalogue';
import { REPO_ROOT } from '../../src/core/paths';
import { scenarioFiles } from '../../src/run-outputs/scenario-files';
import { loadExpectations, type Expectations } from '../../src/verdicts/expectations-file';
import { defaultReportsFolder, runFiles } from '../../src/verdicts/run-record';

/** `<project> <version> (<source package>) <file>:<line>[-<line>] <function>`, e.g. `wine 8.0 (Debian 8.0~repack-4) server/sock.c:2681-2684 sock_ioctl`. */
const SOURCE_LOCATION = /^[A-Za-z][\w.+-]* \d+(?:\.\d+)+ \([^()]+\) [\w.+/-]+:(?<from>\d+)(?:-(?<to>\d+))? \S.*$/;

interface PlannedScenario {
  name: string;
  requirement: string | null;
  /** Its evidence files, in a run's folder: its call log, wire log and pcap (`logs/...`, `pcap/...`). */
  files: string[];
}

/** A function's scenarios as cucumber plans them (a Scenario Outline's rows one by one), each with the evidence files a run names after it. */
function plannedScenarios(catalogue: Catalogue): PlannedScenario[] {
  const folder = path.join(REPO_ROOT, catalogue.features);
  return readdirSync(folder)
    .filter((file) => file.endsWith('.feature'))
    .flatMap((file) => {
      const uri = `${catalogue.features.split(path.sep).join('/')}/${file}`;
      const envelopes = generateMessages(readFileSync(path.join(folder, file), 'utf8'), uri, SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN, {
        includeSource: false,
        includeGherkinDocument: false,
        includePickles: true,
        newId: IdGenerator.uuid(),
      });
      return envelopes.flatMap(({ pickle }) =>
        pickle
          ? [
              {
                name: pickle.name,
                requirement: pickle.tags.find((t) => t.name.startsWith('@req:'))?.name.slice('@req:'.length) ?? null,
                files: Object.values(scenarioFiles('', `${uri}:${pickle.location?.line}`, pickle.name)).map((file) => file.split(path.sep).join('/')),
              },
            ]
          : [],
      );
    });
}

interface ExpectationsFile {
  expectations: Expectations;
  scenarios: PlannedScenario[];
  /** Where a run of this file's backend writes its reports unless told, relative to the repository: reports/wine. */
  reports: string;
}

/** Every expectations file of every function, read as a run reads it. */
function expectationsFiles(): ExpectationsFile[] {
  return functionNames().flatMap((fn) => {
    const catalogue = functionCatalogue(fn);
    const scenarios = plannedScenarios(catalogue);
    const folder = functionFolder(path.join(REPO_ROOT, 'expectations'), fn);
    return readdirSync(folder)
      .filter((file) => file.endsWith('.yaml') && statSync(path.join(folder, file)).isFile())
      .map((file) => {
        const backend = path.basename(file, '.yaml');
        const expectations = loadExpectations(path.join(folder, file), backend, catalogue, new Set(scenarios.map((s) => s.name)));
        return { expectations, scenarios, reports: defaultReportsFolder(backend, null, functionFolder('reports', fn)).split(path.sep).join('/') };
      });
  });
}

/** What is wrong with one item of an expectation's evidence, or null. */
function itemProblem(item: string, requirement: string, { scenarios, reports }: ExpectationsFile): string | null {
  if (item.startsWith('reports/')) {
    const [file = ''] = item.split(/[\s,]/, 1);
    const written = new Set(Object.values(runFiles(reports)).map((f) => f.split(path.sep).join('/')));
    const ofRequirement = scenarios.filter((s) => s.requirement === requirement);
    const ofScenarios = [runFiles(reports).captures, runFiles(reports).logs].map((folder) => `${folder.split(path.sep).join('/')}/`);
    if (ofScenarios.some((folder) => file.startsWith(folder))) {
      if (!ofRequirement.some((s) => s.files.includes(file.slice(reports.length + 1))))
        return `${file} is no call log, wire log or capture a run writes for a scenario of ${requirement}`;
    } else if (!written.has(file)) {
      return `${file} is no file a run writes (${[...written].join(', ')})`;
    }
    for (const [, name] of item.matchAll(/"([^"]+)"/g)) {
      if (!ofRequirement.some((s) => s.name === name)) return `no scenario of ${requirement} is named "${name}"`;
    }
    // A file named in a note goes unchecked there: each file is an item of its own.
    const inNote = /[\w.-]+\.(?:pcap|html|ndjson|json|xml|txt|yaml)\b/.exec(item.slice(file.length).replace(/"[^"]*"/g, ''));
    return inNote ? `${file}'s note names ${inNote[0]}: a file is an item of its own` : null;
  }
  const location = SOURCE_LOCATION.exec(item);
  if (!location)
    return `"${item}" is neither a file a run writes (${reports}/...) nor a source location (<project> <version> (<source package>) <file>:<line>[-<line>] <function>)`;
  const { from, to } = location.groups ?? {};
  if (to !== undefined && Number(to) <= Number(from)) return `"${item}" has its lines backwards`;
  return null;
}

it('every evidence item is a file a run writes, a capture of a scenario of its requirement among them, or a source location with its version', () => {
  const problems: string[] = [];
  let items = 0;
  let captures = 0;
  for (const file of expectationsFiles()) {
    for (const entry of file.expectations.entries) {
      const list = entry.evidence.split(/;\s+/).map((item) => item.trim());
      items += list.length;
      captures += list.filter((item) => item.endsWith('.pcap')).length;
      for (const item of list) {
        const problem = itemProblem(item, entry.requirement, file);
        if (problem) problems.push(`${entry.where}: ${problem}`);
      }
      if (!list.some((item) => item.startsWith(`${file.reports}/`)))
        problems.push(`${entry.where}: the evidence names no file a run of ${file.reports} writes`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(items > 0 && captures > 0, 'the expectations name evidence, captures among it');
});
