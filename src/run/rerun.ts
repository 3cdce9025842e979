// A rerun (--rerun, --rerun-from DIR): the scenarios of an earlier run whose verdict running them again can
// change (FAIL, XPASS, BROKEN, TIMEOUT: the verdicts that fail a run), run again and merged into that run.
// The merge is the whole run: its record with the rerun's scenarios' verdicts in place of theirs and the
// rerun recorded (RerunRecord), its Allure results and packet captures with the rerun's evidence in place
// of theirs, junit.xml written anew from the merged verdicts (each scenario's evidence from the logs/ the
// merge keeps), and the rerun's own cucumber messages beside the run's (reruns/<n>/). It is written
// as any run's reports are (run-record.ts): into the incoming folder, which takes the place of the reports
// folder only when the rerun completes.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type * as messages from '@cucumber/messages';
import { InputError } from '../core/input-error';
import { REPO_ROOT } from '../core/paths';
import { FAILING } from '../verdicts/meanings';
import { ScenarioLocations } from '../verdicts/verdicts';
import { countVerdicts, readRunRecord, runFiles, type RerunRecord, type RunRecord } from '../verdicts/run-record';
import { expectationsFile } from '../verdicts/expectations-file';
import { allureScenarioKey, scenarioKey } from '../run-outputs/keys';
import { ScenarioTimes, type JunitScenario } from '../run-outputs/junit';
import { loggedEvidence, scenarioFiles } from '../run-outputs/scenario-files';
import { writeRunReports } from './record';

/** --rerun when the last run left nothing that can change: said in one line, and not a failure. */
export class NothingToRerun extends Error {
  override readonly name = 'NothingToRerun';
}

/** The run a rerun runs again: its reports folder, and its record as read when the rerun was planned. */
export interface RerunOf {
  folder: string;
  record: RunRecord;
}

/** What the rerun is: it must be of the run's function, backend and label, with its backend options and expectations. */
export interface RerunIdentity {
  function: string;
  backend: string;
  label: string | null;
  backendOptions: Readonly<Record<string, string>>;
  /** The expectations file named (--expectations), or null for the backend's own. */
  expectations: string | null;
}

function describeOptions(options: Readonly<Record<string, string>>): string {
  const given = Object.entries(options).map(([key, value]) => `--backend-option ${key}=${value}`);
  return given.length === 0 ? 'no backend option' : given.join(' ');
}

function sameOptions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => a[key] === b[key]);
}

function textOf(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/**
 * The run in `folder` and the locations of its scenarios to run again, once it is checked to be a run of
 * what `rerun` is, judged by the same expectations: bad input otherwise, one line. NothingToRerun when
 * none of its verdicts can change.
 */
export function planRerun(folder: string, rerun: RerunIdentity): { of: RerunOf; locations: string[] } {
  let record: RunRecord;
  try {
    record = readRunRecord(path.resolve(folder));
  } catch (error) {
    throw new InputError(`--rerun: ${(error as Error).message}`);
  }
  if (record.function !== rerun.function || record.backend !== rerun.backend || record.label !== rerun.label) {
    // The function is named when it is what differs.
    const describeRun = (f: string, b: string, l: string | null): string =>
      `${record.function === rerun.function ? '' : `${f} on `}${l === null ? b : `${b} labelled '${l}'`}`;
    const was = describeRun(record.function, record.backend, record.label);
    const is = describeRun(rerun.function, rerun.backend, rerun.label);
    throw new InputError(`--rerun: ${folder} holds a run of ${was}, not of ${is}`);
  }
  if (!sameOptions(record.backendOptions, rerun.backendOptions)) {
    throw new InputError(
      `--rerun: ${folder} holds a run with ${describeOptions(record.backendOptions)}, not ${describeOptions(rerun.backendOptions)}: rerun it as it ran`,
    );
  }
  // The merged record is judged by one expectations file: the run's, which its folder keeps a copy of.
  const judgedBy = runFiles(path.resolve(folder)).expectations;
  const judging = rerun.expectations ?? expectationsFile(REPO_ROOT, rerun.backend, rerun.function);
  if (textOf(judgedBy) !== textOf(judging)) {
    throw new InputError(
      `--rerun: ${path.relative(process.cwd(), judging)} is not the expectations the run in ${folder} was judged by (${record.expectations ?? 'none'}): ` +
        `run the whole suite${existsSync(judgedBy) ? `, or rerun with --expectations ${path.join(folder, 'expectations.yaml')}` : ''}`,
    );
  }
  const again = record.results.filter((r) => FAILING.includes(r.verdict));
  if (again.length === 0) {
    throw new NothingToRerun(
      `nothing to rerun: none of the ${record.results.length} scenarios of the last run in ${folder} is ${FAILING.slice(0, -1).join(', ')} or ${FAILING.at(-1) ?? ''}`,
    );
  }
  return { of: { folder: path.resolve(folder), record }, locations: [...new Set(again.map((r) => r.location))] };
}

/** Where a rerun of `of` keeps its own cucumber messages, relative to the reports folder: reruns/<n>. */
export function rerunSubfolder(of: RunRecord): string {
  // The files of a folder named '' are those paths relative to any reports folder.
  return path.join(runFiles('').reruns, String((of.reruns?.length ?? 0) + 1));
}

/** The record of a run that ran, as run-suite.ts makes it: it has its times. */
export type FinishedRecord = RunRecord & { startedAt: string; finishedAt: string };

/** The whole run: `base` with `rerun`'s scenarios' records in place of theirs (by location), and the rerun recorded. */
export function mergeRecords(base: RunRecord, rerun: FinishedRecord): RunRecord {
  const again = new Map(rerun.results.map((r) => [r.location, r]));
  const results = base.results.map((r) => again.get(r.location) ?? r);
  const known = new Set(base.results.map((r) => r.location));
  results.push(...rerun.results.filter((r) => !known.has(r.location)));
  const entry: RerunRecord = {
    startedAt: rerun.startedAt,
    finishedAt: rerun.finishedAt,
    suite: rerun.suite,
    scenarios: rerun.results.map((r) => r.location),
    folder: rerunSubfolder(base).split(path.sep).join('/'),
    metadata: Object.fromEntries(Object.entries(rerun.metadata).filter(([key, value]) => base.metadata[key] !== value)),
  };
  return { ...base, counts: countVerdicts(results), results, reruns: [...(base.reruns ?? []), entry] };
}

interface AllureFile {
  uuid?: unknown;
  fullName?: unknown;
  children?: unknown;
}

/** Every attachment file an Allure result or container names (`source`), at any depth. */
function sourcesOf(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) sourcesOf(item, into);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'source' && typeof value === 'string') into.add(value);
      else sourcesOf(value, into);
    }
  }
  return into;
}

/** Remove from `resultsDir` the results of the scenarios `keys` names (scenarioKey), their containers and their attachments. */
function dropAllureResults(resultsDir: string, keys: ReadonlySet<string>): void {
  if (!existsSync(resultsDir)) return;
  const read = (file: string): AllureFile => JSON.parse(readFileSync(path.join(resultsDir, file), 'utf8')) as AllureFile;
  const files = readdirSync(resultsDir);
  const dropped = new Set<string>();
  const gone = new Set<string>();
  for (const file of files.filter((f) => f.endsWith('-result.json'))) {
    const result = read(file);
    if (typeof result.fullName !== 'string' || !keys.has(allureScenarioKey(result.fullName))) continue;
    if (typeof result.uuid === 'string') dropped.add(result.uuid);
    sourcesOf(result, gone).add(file);
  }
  for (const file of files.filter((f) => f.endsWith('-container.json'))) {
    const container = read(file);
    const children = Array.isArray(container.children) ? container.children : [];
    if (children.length > 0 && children.every((child) => dropped.has(String(child)))) sourcesOf(container, gone).add(file);
  }
  for (const file of gone) rmSync(path.join(resultsDir, path.basename(file)), { force: true });
}

/** Move every file of `from` into `to` but those `kept` names (they stay in `from`). */
function moveFiles(from: string, to: string, kept: readonly string[] = []): void {
  if (!existsSync(from)) return;
  cpSync(from, to, { recursive: true, filter: (source) => source === from || !kept.includes(path.basename(source)) });
  for (const entry of readdirSync(from)) if (!kept.includes(entry)) rmSync(path.join(from, entry), { recursive: true, force: true });
}

/** The envelopes of a messages.ndjson, one a line. */
function* envelopes(file: string): Generator<messages.Envelope> {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim() !== '') yield JSON.parse(line) as messages.Envelope;
}

/**
 * Each scenario's time (junit.xml gives every testcase one) and its pickle's id, by location, from the
 * run's messages and then each rerun's in turn: the last to run a scenario gives its time. The run's own
 * start and end are the first run's, as the record's are.
 */
function scenarioTimes(folder: string, record: RunRecord): { times: ScenarioTimes; pickleOf: Map<string, string> } {
  const times = new ScenarioTimes();
  const pickleOf = new Map<string, string>();
  const files = [runFiles(folder).messages, ...(record.reruns ?? []).map((r) => path.join(folder, r.folder, 'messages.ndjson'))];
  const pickles: [string, string][] = [];
  files.forEach((file, i) => {
    const locations = new ScenarioLocations();
    for (const envelope of envelopes(file)) {
      if (i > 0 && (envelope.testRunStarted || envelope.testRunFinished)) continue;
      locations.add(envelope);
      if (envelope.pickle) pickles.push([locations.of(envelope.pickle), envelope.pickle.id]);
      times.add(envelope);
    }
  });
  // A run's messages hold a pickle of every scenario of the features it read, run or not: those it ran have a time.
  for (const [location, id] of pickles) if (times.of(id) !== null) pickleOf.set(location, id);
  return { times, pickleOf };
}

/** What a rerun leaves in its own folder (reruns/<n>/): its cucumber messages; the rest goes into the run's files. */
const RERUN_KEEPS = ['messages.ndjson'];

/**
 * The whole run's reports in `into` (an incoming folder, in whose `rerunSubfolder` the rerun wrote its
 * own reports): the run's reports copied from `of` (less its built Allure report, which npm run report
 * builds anew), the rerun's scenarios' Allure results, captures and logs in place of theirs, and the merged
 * record written with every output that tells its verdicts. Returns the merged record.
 */
export async function mergeReports(into: string, of: RerunOf, rerun: FinishedRecord): Promise<RunRecord> {
  const rerunDir = path.join(into, rerunSubfolder(of.record));
  const builtReport = runFiles(of.folder).allureReport;
  cpSync(of.folder, into, { recursive: true, filter: (source) => source !== builtReport });
  const [mine, theirs] = [runFiles(into), runFiles(rerunDir)];
  dropAllureResults(mine.allureResults, new Set(rerun.results.map((r) => scenarioKey(r.location, r.name))));
  moveFiles(theirs.allureResults, mine.allureResults, ['environment.properties', 'categories.json']);
  // The rerun scenarios' evidence files of the first run (pcap/, logs/), which the rerun's replace.
  for (const r of rerun.results) for (const file of Object.values(scenarioFiles(into, r.location, r.name))) rmSync(file, { force: true });
  moveFiles(theirs.captures, mine.captures);
  moveFiles(theirs.logs, mine.logs);
  for (const entry of readdirSync(rerunDir)) if (!RERUN_KEEPS.includes(entry)) rmSync(path.join(rerunDir, entry), { recursive: true, force: true });
  const merged = mergeRecords(of.record, rerun);
  const { times, pickleOf } = scenarioTimes(into, merged);
  // Each scenario's evidence is what logs/ now keeps of it: the run's, or the rerun's in place of it.
  const scenarios: JunitScenario[] = merged.results.map((r) => ({
    ...r,
    id: pickleOf.get(r.location) ?? '',
    evidence: loggedEvidence(into, r.location, r.name),
  }));
  await writeRunReports(into, merged, scenarios, times);
  return merged;
}
