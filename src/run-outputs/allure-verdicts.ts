// The run's verdicts on its own Allure results. allure-cucumberjs's formatter knows cucumber's step
// results, not the suite's verdicts (which need the catalogue and the expectations): it calls every
// Deviation "broken" and an N/A scenario "passed". When the run has its verdicts, this rewrites each
// result by verdict-formats.ts (status, a `verdict` label, one message) and writes categories.json, so
// that the allure-results a run leaves, and every report built from them, tell the suite's verdict.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScenarioRecord } from '../verdicts/run-record';
import { allureScenarioKey, scenarioKey } from './keys';
import { allureCategories, VERDICT_FORMATS, verdictMessage, type AllureStatus } from './verdict-formats';

/** The label that carries the run's verdict. */
const VERDICT_LABEL = 'verdict';
/** The labels that name the observers a scenario's checks lacked (the qualifier of "PASS, without the wire"). */
export const UNOBSERVED_LABEL = 'unobserved';

/** The fields of an Allure result, step or fixture this module reads or sets; the rest are kept as they came. */
interface Executable {
  name?: string;
  status?: string;
  statusDetails?: { message?: string; trace?: string; known?: boolean };
  steps?: Executable[];
  attachments?: { name?: string }[];
}
interface AllureResult extends Executable {
  uuid?: string;
  fullName?: string;
  labels?: { name: string; value: string }[];
}
interface AllureContainer {
  children?: string[];
  befores?: Executable[];
  afters?: Executable[];
}

/** The stack frames of a trace, without the message it begins with (the result's message says it once). */
function framesOf(trace: string | undefined): string | undefined {
  const frames = (trace ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join('\n') : undefined;
}

/** The attachment a check adds where it finds a deviation (support/world.ts), which the run goes on after. */
const DEVIATION_ATTACHMENT = 'deviation.txt';

/** Whether a step's check found a deviation: allure-cucumberjs puts a step's attachment in a step of its own under it. */
function foundDeviation(step: Executable): boolean {
  return (step.steps ?? []).some((child) => (child.attachments ?? []).some((a) => a.name === DEVIATION_ATTACHMENT));
}

/**
 * The step or fixture that ended the scenario, and each step whose check found a deviation (which cucumber
 * passed: the check records it and the scenario goes on, so that every check runs, and Allure would show a
 * green tick over it), carry the verdict's status and no message of their own: the result's message is the
 * one. Its trace, where the verdict keeps one, is on the result. Whether any changed.
 */
function settleSteps(steps: readonly Executable[] | undefined, status: AllureStatus): boolean {
  let changed = false;
  for (const step of steps ?? []) {
    if (step.status === 'failed' || step.status === 'broken' || foundDeviation(step)) {
      step.status = status;
      step.statusDetails = {};
      changed = true;
    }
    changed = settleSteps(step.steps, status) || changed;
  }
  return changed;
}

/** One result, as the verdict tells it. */
function tellVerdict(result: AllureResult, record: ScenarioRecord): void {
  const format = VERDICT_FORMATS[record.verdict];
  const observers = [...new Set(record.unobserved.map((u) => u.observer))];
  result.labels = [
    ...(result.labels ?? []).filter((label) => label.name !== VERDICT_LABEL && label.name !== UNOBSERVED_LABEL),
    { name: VERDICT_LABEL, value: record.verdict },
    ...observers.map((observer) => ({ name: UNOBSERVED_LABEL, value: observer })),
  ];
  result.status = format.allure;
  const message = verdictMessage(record);
  const trace = format.keepsTrace ? framesOf(result.statusDetails?.trace) : undefined;
  result.statusDetails = message === '' ? {} : { message, ...(trace === undefined ? {} : { trace }) };
  settleSteps(result.steps, format.allure);
}

/** Rewrite the results (and their fixtures) in `resultsDir` by the run's verdicts, and write categories.json. */
export async function writeAllureVerdicts(resultsDir: string, records: readonly ScenarioRecord[]): Promise<void> {
  const byScenario = new Map(records.map((record) => [scenarioKey(record.location, record.name), record]));
  const files = await readdir(resultsDir);
  const read = async <T>(file: string): Promise<T> => JSON.parse(await readFile(path.join(resultsDir, file), 'utf8')) as T;
  const write = (file: string, data: unknown): Promise<void> => writeFile(path.join(resultsDir, file), JSON.stringify(data));
  const statusOf = new Map<string, AllureStatus>();
  await Promise.all(
    files
      .filter((file) => file.endsWith('-result.json'))
      .map(async (file) => {
        const result = await read<AllureResult>(file);
        const record = result.fullName === undefined ? undefined : byScenario.get(allureScenarioKey(result.fullName));
        if (!record) throw new Error(`${path.join(resultsDir, file)}: no verdict for the Allure result of ${result.fullName ?? 'an unnamed scenario'}`);
        tellVerdict(result, record);
        if (result.uuid) statusOf.set(result.uuid, VERDICT_FORMATS[record.verdict].allure);
        await write(file, result);
      }),
  );
  await Promise.all(
    files
      .filter((file) => file.endsWith('-container.json'))
      .map(async (file) => {
        const container = await read<AllureContainer>(file);
        const status = (container.children ?? []).map((uuid) => statusOf.get(uuid)).find((s) => s !== undefined);
        if (status === undefined) return;
        const changed = [settleSteps(container.befores, status), settleSteps(container.afters, status)].some(Boolean);
        if (changed) await write(file, container);
      }),
  );
  await write('categories.json', allureCategories());
}
