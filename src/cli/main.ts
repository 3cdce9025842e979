// winsock-conformance: runs the features on one backend through cucumber's API, prints a line per
// scenario with its verdict, writes the reports, and exits by the verdicts (0 conforming, 1 a failing
// verdict, 2 bad input or a run that cannot start, 130 interrupted).
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import type { IRunOptionsFormats, ISupportCodeLibrary } from '@cucumber/cucumber/api';
import parseTagExpression from '@cucumber/tag-expressions';
import type * as messages from '@cucumber/messages';
import { findBackend, backendNames } from '../testbeds/registry';
import { closeTestbed, openTestbed } from '../testbeds/lifecycle';
import { VerdictCollector, type ScenarioResult } from '../verdicts/verdicts';
import { VERDICTS, type Verdict } from '../verdicts/meanings';
import { CannotRun } from '../core/outcomes';
import { InputError } from '../core/input-error';
import type { AllureRunOptions } from '../run-outputs/allure-formatter';
import {
  abandonReports,
  beginReports,
  commitReports,
  countVerdicts,
  defaultReportsFolder,
  readRunRecord,
  REPORTS_FOLDER,
  runFiles,
  writeRunRecord,
} from '../verdicts/run-record';
import { checkLabel } from '../verdicts/run-identity';
import { RunInterrupted, watchRun, type RunWatch } from '../testbeds/interrupt';
import { REPO_ROOT } from '../core/paths';
import { featurePaths, functionCatalogue, functionFolder, isFeatureOf, type Catalogue } from '../catalogue/catalogue';
import { ScenarioTimes, writeJunit } from '../run-outputs/junit';
import { writeAllureVerdicts } from '../run-outputs/allure-verdicts';
import { failsRun } from '../run-outputs/verdict-formats';

export interface CliOptions {
  /** The function whose catalogue and features run (--function; spec/NAME.yaml); absent or null: the default one (catalogue.ts defaultFunction). */
  function?: string | null;
  backend: string;
  tags: string | null;
  backendOptions: Record<string, string>;
  parallel: number;
  /** Where the reports go; null writes none (mutant and stability runs). */
  reports: string | null;
  quiet: boolean;
  /** The implementation under test (--label "ReactOS 0.4.15"), recorded with the run; absent or null: unlabelled. */
  label?: string | null;
  /** The expectations file (--expectations FILE); absent or null: expectations/<backend>.yaml, if there is one. */
  expectations?: string | null;
  /** Scenarios selected by feature file, or feature:line (paths relative to the repository), on top of --tags; absent or empty: all. */
  paths?: string[];
  /** --list: print the requirements and the scenarios selected, with what selects each; run nothing. */
  list?: boolean;
}

export const USAGE =
  'usage: winsock-conformance [--function NAME] [--backend NAME] [--label TEXT] [--expectations FILE] [--tags EXPR] [--backend-option KEY=VALUE]... [--parallel N] ' +
  '[--reports DIR | --no-reports] [--rerun] [--quiet] [--list] [--help] [FEATURE[:LINE]...]';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** --rerun when the last run left nothing to run again: said in one line, and not a failure. */
export class NothingToRerun extends Error {
  override readonly name = 'NothingToRerun';
}

/** A feature file or feature:line named on the command line, as cucumber's paths take it (relative to the repository). */
function featurePath(arg: string): string {
  const match = /^(.*?)(?::(\d+))?$/.exec(arg);
  const file = match?.[1] ?? arg;
  const line = match?.[2];
  if (!file.endsWith('.feature'))
    throw new UsageError(`'${arg}' is neither an option nor a feature file (FEATURE or FEATURE:LINE, e.g. features/returns.feature:12)`);
  if (line !== undefined && Number(line) < 1) throw new UsageError(`'${arg}': lines are numbered from 1`);
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new InputError(`${file}: no such feature file`);
  const relative = path.relative(REPO_ROOT, absolute);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new UsageError(`${file}: not a feature of this suite (${REPO_ROOT})`);
  return line === undefined ? relative : `${relative}:${line}`;
}

/** --rerun: the locations of the scenarios of the last run in `folder` that were not PASS. */
function rerunPaths(folder: string, fn: string, backend: string, label: string | null): string[] {
  let record;
  try {
    record = readRunRecord(path.resolve(folder));
  } catch (error) {
    throw new InputError(`--rerun: ${(error as Error).message}`);
  }
  if (record.function !== fn || record.backend !== backend || record.label !== label) {
    // The function is named when it is what differs.
    const describeRun = (f: string, b: string, l: string | null): string =>
      `${record.function === fn ? '' : `${f} on `}${l === null ? b : `${b} labelled '${l}'`}`;
    const was = describeRun(record.function, record.backend, record.label);
    const is = describeRun(fn, backend, label);
    throw new InputError(`--rerun: ${folder} holds a run of ${was}, not of ${is}`);
  }
  const again = record.results.filter((r) => r.verdict !== 'PASS');
  if (again.length === 0) throw new NothingToRerun(`nothing to rerun: all ${record.results.length} scenarios of the last run in ${folder} were PASS`);
  return [...new Set(again.map((r) => r.location))].map((location) => {
    try {
      return featurePath(path.join(REPO_ROOT, location));
    } catch (error) {
      throw new InputError(`--rerun: ${(error as Error).message} (the features changed since that run: run them all)`);
    }
  });
}

export function parseArguments(argv: readonly string[]): CliOptions | 'help' {
  const options: CliOptions = {
    backend: 'simulator',
    tags: null,
    backendOptions: {},
    parallel: 0,
    reports: null,
    quiet: false,
    label: null,
    expectations: null,
    paths: [],
  };
  const flags = [
    '--backend',
    '--function',
    '--label',
    '--expectations',
    '--tags',
    '--backend-option',
    '--parallel',
    '--reports',
    '--no-reports',
    '--rerun',
    '--quiet',
    '--list',
    '--help',
  ];
  const paths: string[] = [];
  let writeReports = true;
  let rerun = false;

  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') && arg.startsWith('--') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--list':
        options.list = true;
        break;
      case '--label': {
        options.label = value();
        const wrong = checkLabel(options.label);
        if (wrong) throw new UsageError(wrong);
        break;
      }
      case '--expectations': {
        const file = value();
        if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`--expectations ${file}: no such file`);
        options.expectations = file;
        break;
      }
      case '--rerun':
        rerun = true;
        break;
      case '--function':
        options.function = value();
        break;
      case '--backend':
        options.backend = value();
        break;
      case '--tags':
        options.tags = value();
        break;
      case '--backend-option': {
        const pair = value();
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UsageError(`--backend-option takes KEY=VALUE, not '${pair}'`);
        options.backendOptions[pair.slice(0, eq)] = pair.slice(eq + 1);
        break;
      }
      case '--parallel': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0) throw new UsageError('--parallel takes a whole number of workers');
        options.parallel = n;
        break;
      }
      case '--reports':
        options.reports = value();
        break;
      case '--no-reports':
        writeReports = false;
        break;
      case '--quiet':
        options.quiet = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'; valid: ${flags.join(', ')}`);
        paths.push(featurePath(arg));
    }
  }

  const backend = findBackend(options.backend);
  if (!backend) throw new UsageError(`unknown backend '${options.backend}'; valid: ${backendNames().join(', ')}`);
  try {
    backend.load().checkOptions(options.backendOptions);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (options.tags !== null) {
    try {
      parseTagExpression(options.tags);
    } catch (error) {
      throw new UsageError(`malformed tag expression '${options.tags}': ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const catalogue = functionCatalogue(options.function ?? null);
  options.function = catalogue.function;
  for (const named of paths) {
    const file = named.replace(/:\d+$/, '');
    if (!isFeatureOf(catalogue, file))
      throw new UsageError(`${file} is not a feature of ${catalogue.function} (${featurePaths(catalogue).join(', ')}): name its function with --function`);
  }
  const label = options.label ?? null;
  const ownFolder = options.reports ?? defaultReportsFolder(options.backend, label, functionFolder(REPORTS_FOLDER, catalogue.function));
  if (rerun) {
    if (paths.length > 0) throw new UsageError('--rerun and FEATURE:LINE each choose the scenarios: give one of them');
    paths.push(...rerunPaths(ownFolder, catalogue.function, options.backend, label));
  }
  options.paths = paths;
  options.reports = writeReports ? ownFolder : null;
  return options;
}

export interface RunSummary {
  results: ScenarioResult[];
  counts: Record<Verdict, number>;
  failed: boolean;
  /** The loaded steps and hooks, to pass back in for another run in the same process. */
  support: ISupportCodeLibrary;
}

function progressLine(result: ScenarioResult): string {
  const detail = result.detail ? ` - ${result.detail}` : '';
  return `${result.verdict.padEnd(8)} ${(result.requirement ?? '-').padEnd(44)} ${result.name} (${result.location})${detail}`;
}

/** Run the suite once; shared by the CLI, the mutants and the stability scripts. */
export async function runSuite(options: CliOptions, log: (line: string) => void, support?: ISupportCodeLibrary): Promise<RunSummary> {
  const entry = findBackend(options.backend);
  if (!entry) throw new UsageError(`unknown backend '${options.backend}'`);
  // From the start: a signal while cucumber still loads ends the run as interrupted too.
  const watch = watchRun(options.parallel > 0, (signal) => process.stderr.write(`winsock-conformance: ${signal}: stopping\n`));
  // The testbed opens (an agent boots) while cucumber loads, which is why cucumber is imported only
  // below; BeforeAll takes the testbed over (src/testbeds/lifecycle.ts). A parallel run's workers open their own.
  if (options.parallel === 0) void openTestbed(options.backend, options.backendOptions, true);
  try {
    // One turn of the event loop first: the opening runs up to its first wait on I/O (an agent spawned),
    // rather than behind cucumber's loading, which holds the thread for a good part of a second.
    await new Promise((resolve) => setImmediate(resolve));
    return await runCucumberOnce(options, watch, log, support);
  } catch (error) {
    if (watch.signal) throw new RunInterrupted(watch.signal);
    throw error;
  } finally {
    // Closing since AfterAll, or still open if the run ended before it (bad input, an interrupt).
    await closeTestbed();
    watch.dispose();
  }
}

/** Where the formatter of the Allure results is, as cucumber imports formatters (bin/allure-formatter.js says why it is JavaScript). */
const ALLURE_FORMATTER = pathToFileURL(path.join(REPO_ROOT, 'bin', 'allure-formatter.js')).href;

/**
 * cucumber's report formatters for a run that writes its reports into `folder` (an empty one): the messages
 * (the archival record), HTML (cucumber's step log) and the Allure results, all through cucumber's own
 * formatter configuration. junit.xml the run writes itself, from its verdicts.
 */
function reportFormats(folder: string, backend: string, pageUrl: string): Pick<IRunOptionsFormats, 'files' | 'options'> {
  const files = runFiles(folder);
  const allure: AllureRunOptions = { allure: { resultsDir: files.allureResults, backend, pageUrl } };
  return {
    files: { [files.messages]: 'message', [files.cucumberHtml]: 'html', [files.allureFormatterLog]: ALLURE_FORMATTER },
    options: allure as unknown as IRunOptionsFormats['options'],
  };
}

/**
 * One run, whose reports (if any) replace the last run's in `options.reports` only when it completes: a run
 * rejected before it starts, or cut short, leaves them as they were.
 */
async function runCucumberOnce(options: CliOptions, watch: RunWatch, log: (line: string) => void, support?: ISupportCodeLibrary): Promise<RunSummary> {
  const folder = options.reports === null ? null : path.resolve(options.reports);
  if (folder === null) return runCucumberInto(null, options, watch, log, support);
  try {
    const summary = await runCucumberInto(beginReports(folder), options, watch, log, support);
    commitReports(folder);
    return summary;
  } finally {
    abandonReports(folder);
  }
}

async function runCucumberInto(
  reports: string | null,
  options: CliOptions,
  watch: RunWatch,
  log: (line: string) => void,
  support?: ISupportCodeLibrary,
): Promise<RunSummary> {
  const startedAt = new Date();
  const { suiteRevision, identityFacts } = await import('../verdicts/run-identity');
  // The revision the run starts from: the code that judges it. Asked now, answered while cucumber loads.
  const suite = reports ? suiteRevision() : null;
  suite?.catch(() => undefined);
  const { runCucumber } = await import('@cucumber/cucumber/api');
  const { expectationFor, expectationsFile, loadExpectations } = await import('../verdicts/expectations-file');
  const catalogue = functionCatalogue(options.function ?? null);
  const { runConfiguration, allScenarios } = await planRun(options, catalogue, {
    // The AfterAll hook writes the Allure results' environment.properties, so the world parameters say where they go.
    ...(reports ? { allureResults: runFiles(reports).allureResults, captures: runFiles(reports).captures } : {}),
  });
  // cucumber always runs a formatter on its stdout, which is not this command's (the verdict lines are
  // the output): there it runs rerun, which writes only at the run's end, into a sink.
  const cucumberStdout = new Writable({ write: (_chunk, _encoding, done) => done() });
  runConfiguration.formats = {
    ...runConfiguration.formats,
    stdout: 'rerun',
    files: {},
    ...(reports ? reportFormats(reports, options.backend, catalogue.url) : {}),
  };
  const expectationsSource = options.expectations ?? expectationsFile(REPO_ROOT, options.backend, catalogue.function);
  const expectations = loadExpectations(expectationsSource, options.backend, catalogue, new Set(allScenarios.map((p) => p.name)));
  if (reports && expectations.file !== null) copyFileSync(expectationsSource, runFiles(reports).expectations);

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
      if (!options.quiet && !watch.signal && cannotRun === null) log(progressLine(result));
    },
  );
  const times = new ScenarioTimes();
  const onMessage = (envelope: messages.Envelope): void => {
    times.add(envelope);
    const exception = envelope.testStepFinished?.testStepResult.exception;
    if (exception?.type === CannotRun.name) cannotRun ??= exception.message?.split('\n')[0] ?? 'the run could not start';
    collector.add(envelope);
  };
  const run = await runCucumber(
    support ? { ...runConfiguration, support } : runConfiguration,
    { cwd: REPO_ROOT, stdout: cucumberStdout, stderr: process.stderr },
    onMessage,
  );
  if (watch.signal) throw new RunInterrupted(watch.signal);
  if (cannotRun !== null) throw new CannotRun(cannotRun);

  const results = collector.results;
  const counts = countVerdicts(results);
  // The exit code's rule is the one every output follows (verdict-formats.ts).
  const failed = results.length === 0 || results.some((r) => failsRun(r.verdict));
  if (reports) {
    const record = {
      function: catalogue.function,
      backend: options.backend,
      label: options.label ?? null,
      backendOptions: options.backendOptions,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      suite: await suite,
      expectations: expectations.file,
      selection: options.tags === null && (options.paths?.length ?? 0) === 0 ? null : selectionText(options),
      metadata: collector.metadata,
      counts,
      results: results.map(({ attachments: _attachments, id: _id, ...scenario }) => scenario),
    };
    writeRunRecord(reports, record);
    await addAllureEnvironment(runFiles(reports).allureResults, identityFacts(record));
    // The other outputs tell the same verdicts, by src/run-outputs/verdict-formats.ts.
    const { junit, allureResults } = runFiles(reports);
    writeJunit(junit, {
      name: `${catalogue.function} conformance: ${record.label ?? options.backend}`,
      backend: options.backend,
      backendOptions: options.backendOptions,
      results,
      times,
    });
    await writeAllureVerdicts(allureResults, results);
  }
  return { results, counts, failed, support: run.support };
}

/**
 * cucumber's configuration for a run of `options` (the features of `catalogue`'s function), the scenarios
 * it selects (bad input when none) and the whole suite's, as cucumber plans them.
 */
export async function planRun(options: CliOptions, catalogue: Catalogue, worldParameters: Record<string, string> = {}) {
  const { loadConfiguration, loadSources } = await import('@cucumber/cucumber/api');
  const { runConfiguration } = await loadConfiguration(
    {
      file: 'cucumber.js',
      provided: {
        paths: featurePaths(catalogue),
        worldParameters: { backend: options.backend, backendOptions: options.backendOptions, ...worldParameters },
        ...(options.tags ? { tags: options.tags } : {}),
        ...(options.parallel > 0 ? { parallel: options.parallel } : {}),
      },
    },
    { cwd: REPO_ROOT },
  );
  // Scenarios named by feature:line replace the profile's paths (cucumber's configuration would add to them).
  const suiteSources = runConfiguration.sources;
  const byPath = options.paths !== undefined && options.paths.length > 0;
  if (byPath) runConfiguration.sources = { ...suiteSources, paths: options.paths ?? [] };
  const { plan, errors } = await loadSources(runConfiguration.sources, { cwd: REPO_ROOT });
  if (errors.length > 0) throw new InputError(`cannot parse the features: ${errors.map((e) => e.message).join('; ')}`);
  // Bad input like any other: a run of nothing would stand in for the last real one.
  if (plan.length === 0) throw new InputError(`no scenario matches ${selectionText(options)}`);
  // The whole suite's scenarios too, not only the selection's: an expectation of a scenario left out is not a mistake.
  const allScenarios = byPath || options.tags !== null ? (await loadSources({ ...suiteSources, tagExpression: '' }, { cwd: REPO_ROOT })).plan : plan;
  return { runConfiguration, plan, allScenarios };
}

/** What selected the scenarios, for a message. */
function selectionText(options: CliOptions): string {
  const parts = [options.tags === null ? '' : `--tags '${options.tags}'`, ...(options.paths ?? [])].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : `the features of ${options.function ?? 'the default function'}`;
}

/** The run's identity joins the facts the testbed wrote into the Allure results' environment (support/hooks.ts). */
async function addAllureEnvironment(resultsDir: string, facts: Record<string, string>): Promise<void> {
  const { toProperties } = await import('../run-outputs/allure');
  const { parseProperties } = await import('../report/sources');
  const file = path.join(resultsDir, 'environment.properties');
  const written = existsSync(file) ? parseProperties(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, toProperties({ ...facts, ...written }));
}

export function summaryLine(summary: RunSummary): string {
  const parts = VERDICTS.filter((v) => summary.counts[v] > 0).map((v) => `${summary.counts[v]} ${v}`);
  return `${summary.results.length} scenarios: ${parts.join(', ') || 'none ran'}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  // A reader that goes away (`| head`) ends the output, not the run: the run still ends in order, closes
  // its agents and writes its reports. Any other error of stdout is thrown as before.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  let options: CliOptions | 'help';
  try {
    options = parseArguments(argv);
  } catch (error) {
    if (error instanceof NothingToRerun) {
      process.stdout.write(`${error.message}\n`);
      return 0;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`winsock-conformance: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    // A file named on the command line that is missing or wrong: the line says which, the usage would not help.
    if (error instanceof InputError) {
      process.stderr.write(`winsock-conformance: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    const { helpText } = await import('./help');
    process.stdout.write(helpText(USAGE));
    return 0;
  }
  if (options.list) {
    try {
      const { listText } = await import('./list');
      const { readScenarios } = await import('../catalogue/trace');
      const catalogue = functionCatalogue(options.function ?? null);
      const { plan } = await planRun(options, catalogue);
      const selected = options.tags !== null || (options.paths?.length ?? 0) > 0;
      process.stdout.write(listText(catalogue, readScenarios(path.join(REPO_ROOT, catalogue.features)), plan, selected));
      return 0;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      process.stderr.write(`winsock-conformance: ${error.message}\n`);
      return 2;
    }
  }
  try {
    const summary = await runSuite(options, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`${summaryLine(summary)}\n`);
    if (options.reports) {
      const folder = path.resolve(options.reports);
      const pcaps = existsSync(runFiles(folder).captures) ? ', pcap/' : '';
      process.stdout.write(
        `reports: ${path.relative(process.cwd(), folder) || '.'}/ (verdicts.json, junit.xml, allure-results/${pcaps}, messages.ndjson, cucumber.html: cucumber's step log; npm run report builds the matrix and Allure's HTML)\n`,
      );
    }
    return summary.failed ? 1 : 0;
  } catch (error) {
    if (error instanceof InputError || error instanceof UsageError || error instanceof CannotRun) {
      process.stderr.write(`winsock-conformance: ${error.message}\n`);
      return 2;
    }
    if (error instanceof RunInterrupted) return error.exitCode;
    throw error;
  }
}
