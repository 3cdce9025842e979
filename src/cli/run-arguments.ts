// The run's command line (`winsock-conformance [options] [FEATURE[:LINE]...]`): its options, read by
// arguments.ts, become the RunOptions of src/run/ after every value is checked: the backend and its
// options, the tag expression, the features named, the label, and --rerun's last run.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import parseTagExpression from '@cucumber/tag-expressions';
import { DEFAULT_BACKEND } from '../core/backend-names';
import { findBackend, backendNames } from '../testbeds/registry';
import { InputError } from '../core/input-error';
import { REPO_ROOT } from '../core/paths';
import { defaultReportsFolder, readRunRecord, REPORTS_FOLDER } from '../verdicts/run-record';
import { checkLabel } from '../verdicts/run-identity';
import { featurePaths, functionCatalogue, functionFolder, isFeatureOf } from '../catalogue/catalogue';
import type { RunOptions } from '../run/options';
import { parseCommandLine, wholeNumber } from './arguments';
import { UsageError } from './command';

export const USAGE =
  'usage: winsock-conformance [--function NAME] [--backend NAME] [--label TEXT] [--expectations FILE] [--tags EXPR] [--backend-option KEY=VALUE]... [--parallel N] ' +
  '[--reports DIR | --no-reports] [--rerun] [--quiet] [--list] [--help] [FEATURE[:LINE]...]';

/** What a run is of: the function, the backend and the scenarios. The stability subcommand takes these too. */
export const SELECTION_OPTIONS = {
  backend: { type: 'string' },
  function: { type: 'string' },
  label: { type: 'string' },
  expectations: { type: 'string' },
  tags: { type: 'string' },
  'backend-option': { type: 'string', multiple: true },
  parallel: { type: 'string' },
} as const;

const RUN_OPTIONS = {
  ...SELECTION_OPTIONS,
  reports: { type: 'string' },
  'no-reports': { type: 'boolean' },
  rerun: { type: 'boolean' },
  quiet: { type: 'boolean' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The run's options as parseArgs gives them; a subcommand that takes fewer gives fewer. */
export interface RunFlags {
  function?: string;
  backend?: string;
  label?: string;
  expectations?: string;
  tags?: string;
  'backend-option'?: string[];
  parallel?: string;
  reports?: string;
  'no-reports'?: boolean;
  rerun?: boolean;
  quiet?: boolean;
  list?: boolean;
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

/** Each KEY=VALUE of --backend-option. */
function backendOptions(pairs: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--backend-option takes KEY=VALUE, not '${pair}'`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return options;
}

/** The options of a run from its flags and FEATURE[:LINE] arguments, every value checked. */
export function runOptions(flags: RunFlags, positionals: readonly string[]): RunOptions {
  const paths = positionals.map(featurePath);
  const label = flags.label ?? null;
  if (label !== null) {
    const wrong = checkLabel(label);
    if (wrong) throw new UsageError(wrong);
  }
  const expectations = flags.expectations ?? null;
  if (expectations !== null && (!existsSync(expectations) || !statSync(expectations).isFile()))
    throw new InputError(`--expectations ${expectations}: no such file`);
  const backendName = flags.backend ?? DEFAULT_BACKEND;
  const backend = findBackend(backendName);
  if (!backend) throw new UsageError(`unknown backend '${backendName}'; valid: ${backendNames().join(', ')}`);
  const options = backendOptions(flags['backend-option'] ?? []);
  try {
    backend.load().checkOptions(options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const tags = flags.tags ?? null;
  if (tags !== null) {
    try {
      parseTagExpression(tags);
    } catch (error) {
      throw new UsageError(`malformed tag expression '${tags}': ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const parallel = flags.parallel === undefined ? 0 : wholeNumber('--parallel', flags.parallel, 1, 'workers');
  const catalogue = functionCatalogue(flags.function ?? null);
  for (const named of paths) {
    const file = named.replace(/:\d+$/, '');
    if (!isFeatureOf(catalogue, file))
      throw new UsageError(`${file} is not a feature of ${catalogue.function} (${featurePaths(catalogue).join(', ')}): name its function with --function`);
  }
  // Runs against different hosts would share reports/<backend> and the last would replace the others.
  if (options.agent !== undefined && label === null && flags.reports === undefined && !flags['no-reports'])
    throw new UsageError(
      `a run against another host's agent (agent=${options.agent}) needs --label naming the implementation there, e.g. --label "Windows 7 SP1": it names the run's reports folder, beside other hosts' runs (or give --reports DIR)`,
    );
  const ownFolder = flags.reports ?? defaultReportsFolder(backendName, label, functionFolder(REPORTS_FOLDER, catalogue.function));
  if (flags.rerun) {
    if (paths.length > 0) throw new UsageError('--rerun and FEATURE:LINE each choose the scenarios: give one of them');
    paths.push(...rerunPaths(ownFolder, catalogue.function, backendName, label));
  }
  return {
    function: catalogue.function,
    backend: backendName,
    tags,
    backendOptions: options,
    parallel,
    reports: flags['no-reports'] ? null : ownFolder,
    quiet: flags.quiet ?? false,
    label,
    expectations,
    paths,
    ...(flags.list ? { list: true } : {}),
  };
}

export function parseArguments(argv: readonly string[]): RunOptions | 'help' {
  const { values, positionals } = parseCommandLine(argv, RUN_OPTIONS, true);
  if (values.help) return 'help';
  return runOptions(values, positionals);
}
