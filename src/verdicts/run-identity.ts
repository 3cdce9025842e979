// Who and what a run was: the suite's revision (version, git commit, local changes), the label of the
// implementation under test, when it ran. verdicts.json records it (run-record.ts), the matrix heads its
// column with it and the Allure report's environment lists it, so that runs handed over are told apart.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../core/paths';
import type { RerunRecord, RunRecord, SuiteRevision } from './run-record';

async function git(root: string, args: readonly string[]): Promise<string> {
  return (await promisify(execFile)('git', args, { cwd: root, encoding: 'utf8', timeout: 10_000 })).stdout;
}

/** The suite's revision now; commit and localChanges are null outside a git checkout. */
export async function suiteRevision(root: string = REPO_ROOT): Promise<SuiteRevision> {
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  try {
    const commit = (await git(root, ['rev-parse', 'HEAD'])).trim();
    // Untracked files count (a new feature changes the suite); ignored ones (reports/, .cache/) do not.
    const localChanges = (await git(root, ['status', '--porcelain'])).trim() !== '';
    return { version, commit, localChanges };
  } catch {
    return { version, commit: null, localChanges: null };
  }
}

/** The revision in one phrase: `0.1.0 at 7e3b436a12cd, with local changes`. */
export function describeRevision(suite: SuiteRevision | null): string {
  if (!suite) return 'not recorded';
  if (suite.commit === null) return `${suite.version}, not a git checkout`;
  const changes = suite.localChanges === null ? '' : suite.localChanges ? ', with local changes' : '';
  return `${suite.version} at ${suite.commit.slice(0, 12)}${changes}`;
}

/** A label given on the command line: one line of printable text, or a one-line complaint. */
export function checkLabel(label: string): string | null {
  if (label.trim() !== label || label === '') return '--label takes a name without leading or trailing spaces, e.g. --label "ReactOS 0.4.15"';
  if (/[\p{Cc}]/u.test(label)) return '--label takes one line of text, without control characters';
  if (label.length > 80) return '--label takes at most 80 characters';
  if (!/[A-Za-z0-9]/.test(label)) return `--label '${label}' needs a letter or a digit (it also names the reports folder)`;
  return null;
}

/** A rerun merged into a run, in one phrase: how many scenarios, when, and what differed from the run's facts. */
function describeRerun(rerun: RerunRecord, suite: SuiteRevision | null): string {
  const differences = [
    ...(describeRevision(rerun.suite) === describeRevision(suite) ? [] : [`suite revision ${describeRevision(rerun.suite)}`]),
    ...Object.entries(rerun.metadata).map(([fact, value]) => `${fact} ${value}`),
  ];
  const scenarios = `${rerun.scenarios.length} ${rerun.scenarios.length === 1 ? 'scenario' : 'scenarios'}`;
  return `${scenarios} run again ${rerun.startedAt}${differences.length > 0 ? `, with ${differences.join(', ')}` : ''} (${rerun.folder})`;
}

/** The run's identity as facts for a person: the Allure report's environment and the matrix's run table. */
export function identityFacts(
  record: Pick<RunRecord, 'function' | 'label' | 'startedAt' | 'finishedAt' | 'suite' | 'expectations' | 'selection' | 'reruns'>,
): Record<string, string> {
  const reruns = record.reruns ?? [];
  return {
    function: record.function,
    ...(record.label === null ? {} : { label: record.label }),
    ...(record.startedAt === null ? {} : { 'run started': record.startedAt }),
    ...(record.finishedAt === null ? {} : { 'run finished': record.finishedAt }),
    'suite revision': describeRevision(record.suite),
    expectations: record.expectations ?? 'none',
    selection: record.selection ?? 'the whole suite',
    ...(reruns.length === 0 ? {} : { reruns: reruns.map((rerun) => describeRerun(rerun, record.suite)).join('; ') }),
  };
}
