// The record of one run: the files of its reports folder, and verdicts.json, which this module alone
// writes and reads. The CLI writes it when a run ends; the matrix, the Allure report and the bench read
// it, from this host or copied from another. Every problem with a record read is one InputError line.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/input-error';
import { VERDICTS, type Verdict } from './meanings';
import type { Unobserved } from '../core/outcomes';
import type { Expectation } from './expectations-file';

/** Where runs' reports go, under the repository, unless told (--reports, npm run report's --out). */
export const REPORTS_FOLDER = 'reports';

/** The folder among the runs' (reports/) where the suite's own browser tests leave their screenshots: not a run. */
export const TEST_SCREENSHOTS_FOLDER = 'screenshots';

/** The files of a run's reports folder. */
export function runFiles(folder: string) {
  return {
    verdicts: path.join(folder, 'verdicts.json'),
    messages: path.join(folder, 'messages.ndjson'),
    junit: path.join(folder, 'junit.xml'),
    allureResults: path.join(folder, 'allure-results'),
    /** Each scenario's packets, where they were captured: a pcap file named after it (src/run-outputs/wire-log.ts pcapFileName). */
    captures: path.join(folder, 'pcap'),
    /** Each scenario's call log and wire log as text, named after it (src/run-outputs/scenario-files.ts). */
    logs: path.join(folder, 'logs'),
    /** A copy of the expectations file the verdicts were judged by, when there was one. */
    expectations: path.join(folder, 'expectations.yaml'),
    /** Built by `npm run report`. */
    allureReport: path.join(folder, 'allure-report'),
    /** The reruns merged into the run (RerunRecord), each one's own cucumber messages in a folder of its own: reruns/1/, reruns/2/... */
    reruns: path.join(folder, 'reruns'),
  };
}

/** A label as a folder name: `ReactOS 0.4.15` -> `reactos-0.4.15`; empty when nothing of it can be. */
export function labelSlug(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

/**
 * Where a run's reports go unless told: <root>/<backend>, or <root>/<backend>-<label> for a labelled run
 * (reports/wine-8.0 for a wine run labelled "Wine 8.0", whose label names the backend already). The root
 * is reports/ for the default function and reports/<function>/ for another (catalogue.ts functionFolder).
 */
export function defaultReportsFolder(backend: string, label: string | null, root = REPORTS_FOLDER): string {
  if (label === null) return path.join(root, backend);
  const slug = labelSlug(label);
  return path.join(root, slug.startsWith(`${backend}-`) ? slug : `${backend}-${slug}`);
}

/**
 * Where a run writes its reports until it completes: a folder beside `folder`, which keeps the last
 * complete run's reports meanwhile. A run cut short, or rejected before it starts, never touches them.
 */
export function incomingFolder(folder: string): string {
  return `${folder}.incoming`;
}

/** Start a run's reports for `folder`: an empty incoming folder, where the run writes them. */
export function beginReports(folder: string): string {
  const incoming = incomingFolder(folder);
  rmSync(incoming, { recursive: true, force: true });
  mkdirSync(incoming, { recursive: true });
  return incoming;
}

/** The run completed: its reports take the place of the last run's. */
export function commitReports(folder: string): void {
  const previous = `${folder}.previous`;
  rmSync(previous, { recursive: true, force: true });
  if (existsSync(folder)) renameSync(folder, previous);
  renameSync(incomingFolder(folder), folder);
  rmSync(previous, { recursive: true, force: true });
}

/** The run did not complete: what it wrote goes, and the last run's reports stay as they were. */
export function abandonReports(folder: string): void {
  rmSync(incomingFolder(folder), { recursive: true, force: true });
}

/** The recorded deviation a scenario's verdict was judged against (expectations/<backend>.yaml). */
export type ExpectationRecord = Pick<Expectation, 'detail' | 'observed' | 'reason' | 'evidence'> & {
  /** An ExpectedVerdict, as the record was written; a string, as a record read back is not checked further. */
  verdict: string;
};

/** One scenario as verdicts.json records it. */
export interface ScenarioRecord {
  name: string;
  feature: string;
  /** features/x.feature:LINE of the scenario (or of its Examples row). */
  location: string;
  requirement: string | null;
  /** The requirement's strength and page section, from the catalogue. */
  strength: string | null;
  section: string | null;
  /** What the implementation did, before expectations. */
  observed: Verdict;
  verdict: Verdict;
  /** The deviation, the N/A reason, or the harness error. */
  detail: string;
  /**
   * The detail as observed, before expectations: `detail` adds, to a deviation other than the one recorded,
   * which one was recorded. Two runs that observed the same have the same (`npm run report -- --diff` tells
   * a change of the implementation from a change of the expectations by it).
   */
  observedDetail: string;
  /**
   * The checks that could not look, for want of an observer this run lacks (the wire): a PASS (or XPASS)
   * is then qualified by it, "PASS, without the wire". Empty where every check looked.
   */
  unobserved: Unobserved[];
  expectation: ExpectationRecord | null;
  /** Time the scenario spent waiting out observation windows and call bounds. */
  waitedMs: number;
}

/** The suite that judged a run: its version, its git commit, and whether the checkout had local changes. */
export interface SuiteRevision {
  version: string;
  /** null where the suite is not a git checkout (or git is missing). */
  commit: string | null;
  /** Tracked or untracked changes not committed (ignored files, such as reports/, aside); null where unknown. */
  localChanges: boolean | null;
}

/**
 * A rerun merged into a run's record (--rerun): the scenarios it ran again, whose verdicts and evidence
 * replaced theirs in the record and in every output of the folder, and when. The rest of the record is
 * the run's as it first ran (its startedAt, suite, metadata); a rerun's own differences are here.
 */
export interface RerunRecord {
  /** When the rerun started and ended, ISO 8601 in UTC. */
  startedAt: string;
  finishedAt: string;
  /** The suite that judged the rerun. */
  suite: SuiteRevision | null;
  /** The scenarios run again, by location (features/x.feature:LINE). */
  scenarios: string[];
  /** Its own cucumber messages (messages.ndjson), relative to the reports folder, e.g. `reruns/1`. */
  folder: string;
  /** The testbed's facts of the rerun that differ from the run's metadata (an agent's boot time, or another Wine). */
  metadata: Record<string, string>;
}

/** Records written before runs named their function were all of it: the suite then had one page. */
const FUNCTION_OF_OLDER_RECORDS = 'WSARecvDisconnect';

/** verdicts.json. */
export interface RunRecord {
  /** The function whose catalogue and features the run ran (spec/<function>.yaml). */
  function: string;
  backend: string;
  /** The implementation under test as the run was labelled (--label), e.g. `ReactOS 0.4.15`; null: unlabelled. */
  label: string | null;
  backendOptions: Record<string, string>;
  /** When the run started and ended, ISO 8601 in UTC; null in records written before runs kept them. */
  startedAt: string | null;
  finishedAt: string | null;
  /** null in records written before runs kept it. */
  suite: SuiteRevision | null;
  /** The expectations file the verdicts were judged by, as it was named; null: none. Its copy is the folder's expectations.yaml. */
  expectations: string | null;
  /** What chose the scenarios (`--tags '@req:x'`, feature:line, --rerun's), or null for the whole suite. */
  selection: string | null;
  /** The testbed's facts (versions, host), where the run recorded them. */
  metadata: Record<string, string>;
  counts: Record<Verdict, number>;
  results: ScenarioRecord[];
  /** The reruns merged into this record, oldest first; absent (or empty) for a run never rerun. */
  reruns?: RerunRecord[];
}

export function countVerdicts(results: readonly { verdict: Verdict }[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of results) counts[r.verdict] += 1;
  return counts;
}

export function writeRunRecord(folder: string, record: RunRecord): void {
  writeFileSync(runFiles(folder).verdicts, JSON.stringify(record, null, 1));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parse and check a verdicts.json; a mistake is one InputError line naming the file and the field. */
export function parseRunRecord(text: string, display: string): RunRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${display}: not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(data)) throw new InputError(`${display}: expected an object with backend and results`);
  if (typeof data.backend !== 'string' || data.backend === '') throw new InputError(`${display}: backend must be a non-empty string`);
  const fn = data.function ?? FUNCTION_OF_OLDER_RECORDS;
  if (typeof fn !== 'string' || fn === '') throw new InputError(`${display}: function must be a non-empty string`);
  const options = data.backendOptions ?? {};
  if (!isRecord(options) || Object.values(options).some((v) => typeof v !== 'string')) {
    throw new InputError(`${display}: backendOptions must map names to strings`);
  }
  const metadata = data.metadata ?? {};
  if (!isRecord(metadata)) throw new InputError(`${display}: metadata must be an object`);
  if (!Array.isArray(data.results)) throw new InputError(`${display}: results must be a list`);
  const verdict = (value: unknown, where: string): Verdict => {
    if (typeof value !== 'string' || !(VERDICTS as readonly string[]).includes(value)) {
      throw new InputError(`${display}: ${where} '${String(value)}' is not one of ${VERDICTS.join(', ')}`);
    }
    return value as Verdict;
  };
  const optionalText = (field: string): string | null => {
    const value = data[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value === '') throw new InputError(`${display}: ${field} must be a non-empty string or null`);
    return value;
  };
  const time = (field: string): string | null => {
    const value = optionalText(field);
    if (value !== null && Number.isNaN(Date.parse(value))) throw new InputError(`${display}: ${field} '${value}' is not a date and time`);
    return value;
  };
  const suite = data.suite ?? null;
  if (
    suite !== null &&
    !(
      isRecord(suite) &&
      typeof suite.version === 'string' &&
      (suite.commit === null || typeof suite.commit === 'string') &&
      (suite.localChanges === null || typeof suite.localChanges === 'boolean')
    )
  ) {
    throw new InputError(`${display}: suite must be null or an object with version, commit and localChanges`);
  }
  const results = data.results.map((item: unknown, i): ScenarioRecord => {
    const where = `results[${i}]`;
    if (!isRecord(item)) throw new InputError(`${display}: ${where} must be an object`);
    const text = (field: string, optional = false): string => {
      const value = item[field];
      if (typeof value === 'string') return value;
      if (optional && (value === undefined || value === null)) return '';
      throw new InputError(`${display}: ${where}.${field} must be a string`);
    };
    const nullableText = (field: string): string | null => (item[field] === null || item[field] === undefined ? null : text(field));
    const expectation = item.expectation ?? null;
    if (expectation !== null && !isRecord(expectation)) throw new InputError(`${display}: ${where}.expectation must be an object or null`);
    const waited = item.waitedMs ?? 0;
    // Records written before runs kept it said nothing of what went unobserved: read as nothing.
    const unobserved = item.unobserved ?? [];
    const isUnobserved = (u: unknown): u is Unobserved =>
      isRecord(u) && typeof u.observer === 'string' && typeof u.check === 'string' && typeof u.why === 'string';
    if (!Array.isArray(unobserved) || !unobserved.every(isUnobserved)) {
      throw new InputError(`${display}: ${where}.unobserved must be a list of { observer, check, why }`);
    }
    if (typeof waited !== 'number') throw new InputError(`${display}: ${where}.waitedMs must be a number`);
    return {
      name: text('name'),
      feature: text('feature', true),
      location: text('location'),
      requirement: nullableText('requirement'),
      strength: nullableText('strength'),
      section: nullableText('section'),
      verdict: verdict(item.verdict, `${where}.verdict`),
      observed: verdict(item.observed ?? item.verdict, `${where}.observed`),
      detail: text('detail', true),
      // Records written before runs kept it: the detail, which is the observed one but where a deviation was not the one recorded.
      observedDetail: item.observedDetail === undefined ? text('detail', true) : text('observedDetail', true),
      unobserved: unobserved.map(({ observer, check, why }) => ({ observer, check, why })),
      expectation: expectation
        ? {
            verdict: String(expectation.verdict ?? ''),
            detail: String(expectation.detail ?? ''),
            observed: String(expectation.observed ?? ''),
            reason: String(expectation.reason ?? ''),
            evidence: String(expectation.evidence ?? ''),
          }
        : null,
      waitedMs: waited,
    };
  });
  const facts = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const reruns = data.reruns ?? [];
  const isRerun = (r: unknown): r is RerunRecord =>
    isRecord(r) &&
    typeof r.startedAt === 'string' &&
    !Number.isNaN(Date.parse(r.startedAt)) &&
    typeof r.finishedAt === 'string' &&
    !Number.isNaN(Date.parse(r.finishedAt)) &&
    (r.suite === null || isRecord(r.suite)) &&
    Array.isArray(r.scenarios) &&
    r.scenarios.every((l) => typeof l === 'string') &&
    typeof r.folder === 'string' &&
    isRecord(r.metadata) &&
    Object.values(r.metadata).every((v) => typeof v === 'string');
  if (!Array.isArray(reruns) || !reruns.every(isRerun)) {
    throw new InputError(`${display}: reruns must be a list of { startedAt, finishedAt, suite, scenarios, folder, metadata }`);
  }
  return {
    function: fn,
    backend: data.backend,
    label: optionalText('label'),
    backendOptions: options as Record<string, string>,
    startedAt: time('startedAt'),
    finishedAt: time('finishedAt'),
    suite:
      suite === null ? null : { version: suite.version as string, commit: suite.commit as string | null, localChanges: suite.localChanges as boolean | null },
    expectations: optionalText('expectations'),
    selection: optionalText('selection'),
    metadata: facts,
    counts: countVerdicts(results),
    results,
    reruns: reruns.map(({ startedAt, finishedAt, suite: by, scenarios, folder, metadata: differ }) => ({
      startedAt,
      finishedAt,
      suite: by,
      scenarios,
      folder,
      metadata: differ,
    })),
  };
}

function display(file: string): string {
  return path.relative(process.cwd(), file) || '.';
}

/** The verdicts.json of a reports folder. */
export function readRunRecord(folder: string): RunRecord {
  const file = runFiles(folder).verdicts;
  if (!existsSync(file)) throw new InputError(`${display(file)}: missing (run the suite with --reports ${folder} first)`);
  return parseRunRecord(readFileSync(file, 'utf8'), display(file));
}
