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
import { ScenarioTimes, textEvidence, writeJunit } from '../run-outputs/junit';
import { runFiles, writeRunRecord, type RunRecord } from '../verdicts/run-record';
import type { ScenarioResult } from '../verdicts/verdicts';

/** Where the formatter of the Allure results is, as cucumber imports formatters (bin/allure-formatter.js says why it is JavaScript). */
const ALLURE_FORMATTER = pathToFileURL(path.join(REPO_ROOT, 'bin', 'allure-formatter.js')).href;

/**
 * cucumber's report formatters for a run that writes its reports into `folder` (an empty one): the messages
 * (the archival record), HTML (cucumber's step log) and the Allure results, all through cucumber's own
 * formatter configuration. junit.xml the run writes itself, from its verdicts.
 */
export function reportFormats(folder: string, backend: string, pageUrl: string): Pick<IRunOptionsFormats, 'files' | 'options'> {
  const files = runFiles(folder);
  const allure: AllureRunOptions = { allure: { resultsDir: files.allureResults, backend, pageUrl } };
  return {
    files: { [files.messages]: 'message', [files.cucumberHtml]: 'html', [files.allureFormatterLog]: ALLURE_FORMATTER },
    options: allure as unknown as IRunOptionsFormats['options'],
  };
}

/** The files a finished run writes from its verdicts: `record` (verdicts.json) and the others, which tell the same verdicts (src/run-outputs/verdict-formats.ts). */
export async function writeRunReports(folder: string, record: RunRecord, results: readonly ScenarioResult[], times: ScenarioTimes): Promise<void> {
  const { identityFacts } = await import('../verdicts/run-identity');
  writeRunRecord(folder, record);
  const { junit, allureResults } = runFiles(folder);
  await addAllureEnvironment(allureResults, identityFacts(record));
  writeJunit(junit, {
    name: `${record.function} conformance: ${record.label ?? record.backend}`,
    backend: record.backend,
    backendOptions: record.backendOptions,
    results: results.map((result) => ({ ...result, evidence: textEvidence(result.attachments) })),
    times,
  });
  await writeAllureVerdicts(allureResults, results);
}

/** The run's identity joins the facts the testbed wrote into the Allure results' environment (support/hooks.ts). */
async function addAllureEnvironment(resultsDir: string, facts: Record<string, string>): Promise<void> {
  const { toProperties } = await import('../run-outputs/allure');
  const { parseProperties } = await import('../report/sources');
  const file = path.join(resultsDir, 'environment.properties');
  const written = existsSync(file) ? parseProperties(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, toProperties({ ...facts, ...written }));
}
