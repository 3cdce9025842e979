// One run of the suite through cucumber's API: opens the testbed, runs the selected scenarios, turns
// cucumber's messages into verdicts, and writes the reports (record.ts) when the run completes. Shared by
// the command, the mutants, the stability runs and the tests.
import path from 'node:path';
import { copyFileSync, mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';
import type * as messages from '@cucumber/messages';
import { findBackend } from '../testbeds/registry';
import { closeTestbed, openTestbed, type OpenedTestbed } from '../testbeds/lifecycle';
import { VerdictCollector, type ScenarioResult } from '../verdicts/verdicts';
import type { Verdict } from '../verdicts/meanings';
import { CannotRun } from '../core/outcomes';
import { InputError } from '../core/input-error';
import { abandonReports, beginReports, commitReports, countVerdicts, incomingFolder, runFiles, type RunRecord } from '../verdicts/run-record';
import { RunInterrupted, watchRun, type RunWatch } from '../testbeds/interrupt';
import { REPO_ROOT } from '../core/paths';
import { functionCatalogue } from '../catalogue/catalogue';
import { ScenarioTimes, textEvidence } from '../run-outputs/junit';
import { writeScenarioLogs } from '../run-outputs/scenario-files';
import { failsRun } from '../run-outputs/verdict-formats';
import { selectionText, type RunOptions } from './options';
import { planRun } from './plan';
import { reportFormats, writeRunReports } from './record';
import { mergeRecords, mergeReports, rerunSubfolder, type RerunOf, type FinishedRecord } from './rerun';

export interface RunSummary {
  results: ScenarioResult[];
  counts: Record<Verdict, number>;
  /** Whether the run fails by its verdicts (a rerun's: by the whole run's, `merged`). */
  failed: boolean;
  /** A rerun's (options.rerun): the whole run, the rerun merged into it. Null for any other run. */
  merged: RunRecord | null;
  /** The backend's facts of the run, as verdicts.json records them (a rerun's: the whole run's). */
  facts: Record<string, string>;
  /** The loaded steps and hooks, to pass back in for another run in the same process. */
  support: ISupportCodeLibrary;
}

/** Called with each scenario's verdict as it comes, unless the run is quiet, interrupted, or cannot run at all. */
export type OnVerdict = (result: ScenarioResult) => void;

/** Run the suite once. */
export async function runSuite(options: RunOptions, onVerdict: OnVerdict, support?: ISupportCodeLibrary): Promise<RunSummary> {
  const entry = findBackend(options.backend);
  if (!entry) throw new InputError(`unknown backend '${options.backend}'`);
  // From the start: a signal while cucumber still loads ends the run as interrupted too.
  const watch = watchRun(options.parallel > 0, (signal) => process.stderr.write(`winsock-conformance: ${signal}: stopping\n`));
  // The testbed opens (an agent boots) while cucumber loads, which is why cucumber is imported only
  // below; BeforeAll takes the testbed over (src/testbeds/lifecycle.ts). A parallel run's workers open their own.
  const opening = options.parallel === 0 ? openTestbed(options.backend, options.backendOptions, true) : null;
  try {
    // One turn of the event loop first: the opening runs up to its first wait on I/O (an agent spawned),
    // rather than behind cucumber's loading, which holds the thread for a good part of a second.
    await new Promise((resolve) => setImmediate(resolve));
    return await runCucumberOnce(options, watch, onVerdict, opening, support);
  } catch (error) {
    if (watch.signal) throw new RunInterrupted(watch.signal);
    throw error;
  } finally {
    // Closing since AfterAll, or still open if the run ended before it (bad input, an interrupt).
    await closeTestbed();
    watch.dispose();
  }
}

/**
 * A serial run's testbed, started: one that cannot serve the run at all (CannotRun: an agent that cannot
 * be reached, of another protocol version, Wine missing) stops it here, before its reports are begun. Any
 * other failure is left to the scenarios, which end BROKEN with its evidence (support/hooks.ts).
 */
async function testbedServes(opening: Promise<OpenedTestbed> | null): Promise<void> {
  if (opening === null) return;
  try {
    const opened = await opening;
    await opened.started;
  } catch (error) {
    if (error instanceof CannotRun) throw error;
  }
}

/**
 * One run, whose reports (if any) replace the last run's in `options.reports` only when it completes: a run
 * rejected before it starts, or cut short, leaves them as they were. A rerun writes its own reports into
 * its subfolder of the incoming folder, then the whole run's, merged (rerun.ts).
 */
async function runCucumberOnce(
  options: RunOptions,
  watch: RunWatch,
  onVerdict: OnVerdict,
  opening: Promise<OpenedTestbed> | null,
  support?: ISupportCodeLibrary,
): Promise<RunSummary> {
  const folder = options.reports === null ? null : path.resolve(options.reports);
  const incoming = folder === null ? null : incomingFolder(folder);
  const rerun = options.rerun ?? null;
  const reports = incoming !== null && rerun !== null ? path.join(incoming, rerunSubfolder(rerun.record)) : incoming;
  const prepared = await prepareRun(reports, options);
  await testbedServes(opening);
  if (folder === null || incoming === null || reports === null) return summarise(await runPrepared(prepared, null, options, watch, onVerdict, support), rerun);
  try {
    beginReports(folder);
    const ran = await runPrepared(prepared, reports, options, watch, onVerdict, support);
    // Each scenario's call log and wire log as text (logs/), from its attachments, which only this run has.
    writeScenarioLogs(reports, ran.results);
    let merged: RunRecord | null = null;
    if (rerun) merged = await mergeReports(incoming, rerun, ran.record);
    else {
      const scenarios = ran.results.map((result) => ({ ...result, evidence: textEvidence(result.attachments) }));
      await writeRunReports(reports, ran.record, scenarios, ran.times);
    }
    commitReports(folder);
    return summarise(ran, rerun, merged);
  } finally {
    abandonReports(folder);
  }
}

/** What a run ran: its scenarios' verdicts, its record and its scenarios' times. */
interface Ran {
  results: ScenarioResult[];
  record: FinishedRecord;
  times: ScenarioTimes;
  support: ISupportCodeLibrary;
}

function summarise(ran: Ran, rerun: RerunOf | null, written: RunRecord | null = null): RunSummary {
  const merged = written ?? (rerun ? mergeRecords(rerun.record, ran.record) : null);
  // The exit code's rule is the one every output follows (verdict-formats.ts); a rerun's is the whole run's.
  const judged = merged?.results ?? ran.results;
  return {
    results: ran.results,
    counts: countVerdicts(ran.results),
    failed: judged.length === 0 || judged.some((r) => failsRun(r.verdict)),
    merged,
    facts: (merged ?? ran.record).metadata,
    support: ran.support,
  };
}

type Prepared = Awaited<ReturnType<typeof prepareRun>>;

/** Everything of a run before it starts: cucumber loaded and configured, the scenarios planned, the expectations read. Writes nothing. */
async function prepareRun(reports: string | null, options: RunOptions) {
  const startedAt = new Date();
  const { suiteRevision } = await import('../verdicts/run-identity');
  // The revision the run starts from: the code that judges it. Asked now, answered while cucumber loads.
  const suite = reports ? suiteRevision() : null;
  suite?.catch(() => undefined);
  const { expectationsFile, loadExpectations } = await import('../verdicts/expectations-file');
  const catalogue = functionCatalogue(options.function ?? null);
  const { runConfiguration, allScenarios } = await planRun(options, catalogue, {
    // The AfterAll hook writes the Allure results' environment.properties, so the world parameters say where they go.
    ...(reports ? { allureResults: runFiles(reports).allureResults, captures: runFiles(reports).captures } : {}),
  });
  // cucumber always runs a formatter on its stdout, which is not this command's (the verdict lines are
  // the output): its stdout is a sink, where it runs rerun (which writes only at the run's end), or the
  // Allure formatter of a run with reports (record.ts).
  runConfiguration.formats = {
    ...runConfiguration.formats,
    stdout: 'rerun',
    files: {},
    ...(reports ? reportFormats(reports, options.backend, catalogue.url) : {}),
  };
  const expectationsSource = options.expectations ?? expectationsFile(REPO_ROOT, options.backend, catalogue.function);
  const expectations = loadExpectations(expectationsSource, options.backend, catalogue, new Set(allScenarios.map((p) => p.name)));
  return { startedAt, suite, catalogue, runConfiguration, expectationsSource, expectations };
}

async function runPrepared(
  prepared: Prepared,
  reports: string | null,
  options: RunOptions,
  watch: RunWatch,
  onVerdict: OnVerdict,
  support?: ISupportCodeLibrary,
): Promise<Ran> {
  const { runCucumber } = await import('@cucumber/cucumber/api');
  const { expectationFor } = await import('../verdicts/expectations-file');
  const { catalogue, runConfiguration, expectations } = prepared;
  if (reports) mkdirSync(reports, { recursive: true });
  if (reports && expectations.file !== null) copyFileSync(prepared.expectationsSource, runFiles(reports).expectations);

  const requirements = new Map(catalogue.requirements.map((r) => [r.id, r]));
  // A testbed that cannot serve this run at all (support/hooks.ts: CannotRun, e.g. wine64 missing or an
  // agent of another protocol version) fails every scenario with it; its message is the one line the CLI
  // prints, and no verdict is printed.
  let cannotRun: string | null = null;
  const collector = new VerdictCollector(
    (id) => requirements.get(id) ?? null,
    (scenario) => expectationFor(expectations, scenario),
    (result) => {
      // Scenarios cut short by an interrupt have no verdict worth printing.
      if (!options.quiet && !watch.signal && cannotRun === null) onVerdict(result);
    },
  );
  const times = new ScenarioTimes();
  const onMessage = (envelope: messages.Envelope): void => {
    times.add(envelope);
    const exception = envelope.testStepFinished?.testStepResult.exception;
    if (exception?.type === CannotRun.name) cannotRun ??= exception.message?.split('\n')[0] ?? 'the run could not start';
    collector.add(envelope);
  };
  const cucumberStdout = new Writable({ write: (_chunk, _encoding, done) => done() });
  const run = await runCucumber(
    support ? { ...runConfiguration, support } : runConfiguration,
    { cwd: REPO_ROOT, stdout: cucumberStdout, stderr: process.stderr },
    onMessage,
  );
  if (watch.signal) throw new RunInterrupted(watch.signal);
  if (cannotRun !== null) throw new CannotRun(cannotRun);

  const results = collector.results;
  const record: FinishedRecord = {
    function: catalogue.function,
    backend: options.backend,
    label: options.label ?? null,
    backendOptions: options.backendOptions,
    startedAt: prepared.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    suite: await prepared.suite,
    expectations: expectations.file,
    selection: options.tags === null && (options.paths?.length ?? 0) === 0 ? null : selectionText(options),
    metadata: collector.metadata,
    counts: countVerdicts(results),
    results: results.map(({ attachments: _attachments, id: _id, ...scenario }) => scenario),
  };
  return { results, record, times, support: run.support };
}
