// The run's command line (`winsock-conformance [options] [FEATURE[:LINE]...]`): its options, read by
// arguments.ts, become the RunOptions of src/run/ after every value is checked: the backend and its
// options, the tag expression, the features named, the label, and the last run --rerun runs again.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import parseTagExpression from '@cucumber/tag-expressions';
import { DEFAULT_BACKEND } from '../core/backend-names';
import { findBackend, backendNames } from '../testbeds/registry';
import { InputError } from '../core/input-error';
import { REPO_ROOT } from '../core/paths';
import { defaultReportsFolder, REPORTS_FOLDER } from '../verdicts/run-record';
import { checkLabel } from '../verdicts/run-identity';
import { featurePaths, functionCatalogue, functionFolder, isFeatureOf } from '../catalogue/catalogue';
import type { RunOptions } from '../run/options';
import { planRerun, type RerunOf } from '../run/rerun';
import { agentAddress, isLoopbackHost } from '../testbeds/agent-controller/options';
import { parseCommandLine, wholeNumber } from './arguments';
import { UsageError } from './command';

export const USAGE =
  'usage: winsock-conformance [--function NAME] [--backend NAME] [--label TEXT] [--expectations FILE] [--tags EXPR] [--backend-option KEY=VALUE]... [--parallel N] ' +
  '[--reports DIR | --no-reports] [--rerun | --rerun-from DIR] [--quiet] [--list] [--help] [FEATURE[:LINE]...]';

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
  'rerun-from': { type: 'string' },
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
  'rerun-from'?: string;
  quiet?: boolean;
  list?: boolean;
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
  // Runs against different hosts would share reports/<backend> and the last would replace the others; a
  // folder named (--reports, or --rerun-from, whose run is written back where it was read) is the run's own.
  const folderNamed = flags.reports !== undefined || flags['rerun-from'] !== undefined || flags['no-reports'] === true;
  // One line, without the usage: the line says what to add, as a run against a host the wrong way round does.
  if (options.agent !== undefined && label === null && !folderNamed) {
    // On loopback it is still an agent the suite does not start, of an implementation only the label can name.
    const host = agentAddress(options.agent)?.host;
    const against =
      host !== undefined && isLoopbackHost(host)
        ? `an agent the suite does not start (agent=${options.agent}) needs --label naming the implementation it serves`
        : `another host's agent (agent=${options.agent}) needs --label naming the implementation there`;
    throw new InputError(
      `a run against ${against}, e.g. --label "Windows 7 SP1": it names the run's reports folder, beside other implementations' runs (or give --reports DIR)`,
    );
  }
  const ownFolder = defaultReportsFolder(backendName, label, functionFolder(REPORTS_FOLDER, catalogue.function));
  // A rerun reads the last run from --rerun-from DIR, or from the run's own folder, and writes the whole
  // run, merged, to --reports DIR, or where it read it.
  const rerunFrom = flags['rerun-from'] ?? (flags.rerun ? ownFolder : null);
  let rerun: RerunOf | null = null;
  if (rerunFrom !== null) {
    if (paths.length > 0) throw new UsageError('--rerun and FEATURE:LINE each choose the scenarios: give one of them');
    const planned = planRerun(rerunFrom, { function: catalogue.function, backend: backendName, label, backendOptions: options, expectations });
    rerun = planned.of;
    paths.push(
      ...planned.locations.map((location) => {
        try {
          return featurePath(path.join(REPO_ROOT, location));
        } catch (error) {
          throw new InputError(`--rerun: ${(error as Error).message} (the features changed since that run: run them all)`);
        }
      }),
    );
  }
  return {
    function: catalogue.function,
    backend: backendName,
    tags,
    backendOptions: options,
    parallel,
    reports: flags['no-reports'] ? null : (flags.reports ?? rerunFrom ?? ownFolder),
    quiet: flags.quiet ?? false,
    label,
    expectations,
    paths,
    ...(flags.list ? { list: true } : {}),
    ...(rerun ? { rerun } : {}),
  };
}

export function parseArguments(argv: readonly string[]): RunOptions | 'help' {
  const { values, positionals } = parseCommandLine(argv, RUN_OPTIONS, true);
  if (values.help) return 'help';
  return runOptions(values, positionals);
}
