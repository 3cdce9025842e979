// What a run writes into its reports folder: the formatters it asks cucumber for while it runs (the
// messages, cucumber's HTML, the Allure results), and at its end the record (verdicts.json), the run's
// identity in the Allure environment, junit.xml and the verdicts on the Allure results.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IRunOptionsFormats } from '@cucumber/cucumber/api';
import { REPO_ROOT } from '../core/paths';
import type { AllureRunOptions } from '../run-outputs/allure-formatter';
import { writeAllureVerdicts } from '../run-outputs/allure-verdicts';
import { ScenarioTimes, writeJunit, type JunitScenario } from '../run-outputs/junit';
import { runFiles, writeRunRecord, type RunRecord } from '../verdicts/run-record';

/** Where the formatter of the Allure results is, as cucumber imports formatters (bin/allure-formatter.js says why it is JavaScript). */
const ALLURE_FORMATTER = pathToFileURL(path.join(REPO_ROOT, 'bin', 'allure-formatter.js')).href;

/**
 * cucumber's report formatters for a run that writes its reports into `folder` (an empty one): the messages
 * (the archival record) and the Allure results, all through cucumber's own formatter configuration. Not
 * cucumber's HTML: it counts an XFAIL's or an OPTIONAL's steps as FAILED and shows a pass rate, which a
 * reader would take for the verdicts; the verdicts' reports are the matrix and Allure. junit.xml the run
 * writes itself, from its verdicts. The Allure formatter writes its results into their folder and nothing
 * to the stream cucumber gives it, so it takes the place of the formatter cucumber always runs on its
 * stdout (which the run sends nowhere: src/run/run-suite.ts), rather than a file of its own that would stay
 * empty in every reports folder.
 */
export function reportFormats(folder: string, backend: string, pageUrl: string): Pick<IRunOptionsFormats, 'stdout' | 'files' | 'options'> {
  const files = runFiles(folder);
  const allure: AllureRunOptions = { allure: { resultsDir: files.allureResults, backend, pageUrl } };
  return {
    stdout: ALLURE_FORMATTER,
    files: { [files.messages]: 'message' },
    options: allure as unknown as IRunOptionsFormats['options'],
  };
}

/**
 * The files a finished run writes from its verdicts: `record` (verdicts.json) and the others, which tell the
 * same verdicts (src/run-outputs/verdict-formats.ts). `results` are its scenarios with their pickles' ids,
 * by which `times` knows each one's time, and their evidence as text, which junit.xml carries.
 */
export async function writeRunReports(folder: string, record: RunRecord, results: readonly JunitScenario[], times: ScenarioTimes): Promise<void> {
  const { identityFacts } = await import('../verdicts/run-identity');
  writeRunRecord(folder, record);
  const { junit, allureResults } = runFiles(folder);
  const identity = identityFacts(record);
  await addAllureEnvironment(allureResults, identity, record.metadata);
  const options = Object.fromEntries(Object.entries(record.backendOptions).map(([key, value]) => [`option ${key}`, value]));
  writeJunit(junit, {
    name: `${record.function} conformance: ${record.label ?? record.backend}`,
    facts: { ...identity, backend: record.backend, ...options, ...record.metadata },
    results,
    times,
  });
  await writeAllureVerdicts(allureResults, results);
}

/**
 * The run's identity joins the facts the testbed wrote into the Allure results' environment (support/hooks.ts),
 * listed first; the run's facts as verdicts.json records them replace a worker's there (a parallel run's
 * workers each wrote their own, and the record's are the ones every output tells); a merged rerun's identity
 * (its reruns) replaces the one written before.
 */
async function addAllureEnvironment(resultsDir: string, identity: Record<string, string>, runFacts: Record<string, string>): Promise<void> {
  const { toProperties } = await import('../run-outputs/allure');
  const { parseProperties } = await import('../report/sources');
  const file = path.join(resultsDir, 'environment.properties');
  const written = existsSync(file) ? parseProperties(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, toProperties({ ...identity, ...written, ...runFacts, ...identity }));
}
