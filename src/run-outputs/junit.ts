// junit.xml, written by the suite from the run's verdicts (cucumber's JUnit formatter knows only step
// results: it counted every recorded deviation and absent MAY behaviour as a failure, and turned a run
// that exits 0 red in CI). Each verdict becomes what verdict-formats.ts says, in pytest's convention, so
// that the counts agree with verdicts.json and with the exit code: a run that exits 0 has no failure and
// no error here.
import { writeFileSync } from 'node:fs';
import type * as messages from '@cucumber/messages';
import { escapeHtml } from './keys';
import { VERDICT_FORMATS, verdictMessage, type JunitOutcome } from './verdict-formats';
import type { ScenarioRecord } from '../verdicts/run-record';

/** When each scenario ran, read off cucumber's messages: JUnit gives every testcase its time. */
export class ScenarioTimes {
  private readonly pickleOfTestCase = new Map<string, string>();
  private readonly startOf = new Map<string, { pickleId: string; at: number }>();
  private readonly seconds = new Map<string, number>();
  /** When the run started and finished, in ms since the epoch. */
  runStarted: number | null = null;
  runFinished: number | null = null;

  add(envelope: messages.Envelope): void {
    if (envelope.testRunStarted) this.runStarted = millis(envelope.testRunStarted.timestamp);
    else if (envelope.testRunFinished) this.runFinished = millis(envelope.testRunFinished.timestamp);
    else if (envelope.testCase) this.pickleOfTestCase.set(envelope.testCase.id, envelope.testCase.pickleId);
    else if (envelope.testCaseStarted) {
      const pickleId = this.pickleOfTestCase.get(envelope.testCaseStarted.testCaseId);
      if (pickleId !== undefined) this.startOf.set(envelope.testCaseStarted.id, { pickleId, at: millis(envelope.testCaseStarted.timestamp) });
    } else if (envelope.testCaseFinished) {
      const started = this.startOf.get(envelope.testCaseFinished.testCaseStartedId);
      // A retried scenario takes the time of its last attempt, whose verdict it has.
      if (started) this.seconds.set(started.pickleId, (millis(envelope.testCaseFinished.timestamp) - started.at) / 1000);
    }
  }

  /** The seconds a scenario (by its pickle's id) took; null if it never finished. */
  of(pickleId: string): number | null {
    return this.seconds.get(pickleId) ?? null;
  }
}

function millis(timestamp: messages.Timestamp): number {
  return timestamp.seconds * 1000 + timestamp.nanos / 1e6;
}

/** A scenario as the JUnit file tells it: its record, and its pickle's id for its time. */
export type JunitScenario = ScenarioRecord & { id: string };

export interface JunitRun {
  /** The test suite's name, e.g. "WSARecvDisconnect conformance: wine". */
  name: string;
  backend: string;
  backendOptions: Readonly<Record<string, string>>;
  results: readonly JunitScenario[];
  times: ScenarioTimes;
}

/** XML text: escaped, and without the control characters XML 1.0 cannot hold at all. */
function xml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd'));
}

function property(name: string, value: string): string {
  return `<property name="${xml(name)}" value="${xml(value)}"/>`;
}

function seconds(value: number | null): string {
  return value === null ? '0' : value.toFixed(3);
}

/** The counts of a JUnit file: how many testcases end with each outcome. */
export function junitCounts(results: readonly Pick<ScenarioRecord, 'verdict'>[]): Record<JunitOutcome, number> {
  const counts: Record<JunitOutcome, number> = { passed: 0, skipped: 0, failure: 0, error: 0 };
  for (const result of results) counts[VERDICT_FORMATS[result.verdict].junit] += 1;
  return counts;
}

function testcase(scenario: JunitScenario, times: ScenarioTimes): string {
  const [file, line] = [scenario.location.replace(/:\d+$/, ''), /:(\d+)$/.exec(scenario.location)?.[1] ?? '0'];
  const properties = [
    property('verdict', scenario.verdict),
    ...(scenario.requirement ? [property('requirement', scenario.requirement)] : []),
    ...(scenario.strength ? [property('strength', scenario.strength)] : []),
    ...(scenario.section ? [property('section', scenario.section)] : []),
    // What a check could not look at, for want of its observer: the qualifier of a PASS ("PASS, without the wire").
    ...scenario.unobserved.map((u) => property('unobserved', `${u.observer}: ${u.check} (${u.why})`)),
  ];
  const message = verdictMessage(scenario);
  const recorded = scenario.expectation;
  // The message is said once, in its attribute; the body says where, and what the expectations file
  // records of a deviation.
  const body = [scenario.location, ...(recorded ? [`observed: ${recorded.observed}`, `evidence: ${recorded.evidence}`] : [])].join('\n');
  const outcome = VERDICT_FORMATS[scenario.verdict].junit;
  const ending = outcome === 'passed' ? '' : `<${outcome} type="${xml(scenario.verdict)}" message="${xml(message)}">${xml(body)}</${outcome}>`;
  return (
    `    <testcase classname="${xml(scenario.feature)}" name="${xml(scenario.name)}" file="${xml(file)}" line="${line}" time="${seconds(times.of(scenario.id))}">\n` +
    `      <properties>${properties.join('')}</properties>\n` +
    (ending ? `      ${ending}\n` : '') +
    `    </testcase>\n`
  );
}

/** The JUnit XML of a run: one testsuite, one testcase per scenario, in the order they finished. */
export function junitXml(run: JunitRun): string {
  const counts = junitCounts(run.results);
  const { runStarted, runFinished } = run.times;
  const time = seconds(runStarted !== null && runFinished !== null ? (runFinished - runStarted) / 1000 : null);
  const attributes =
    `tests="${run.results.length}" failures="${counts.failure}" errors="${counts.error}" skipped="${counts.skipped}" time="${time}"` +
    (runStarted === null ? '' : ` timestamp="${new Date(runStarted).toISOString()}"`);
  const properties = [property('backend', run.backend), ...Object.entries(run.backendOptions).map(([key, value]) => property(`option ${key}`, value))];
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${xml(run.name)}" ${attributes}>\n` +
    `  <testsuite name="${xml(run.name)}" ${attributes}>\n` +
    `    <properties>${properties.join('')}</properties>\n` +
    run.results.map((scenario) => testcase(scenario, run.times)).join('') +
    `  </testsuite>\n` +
    `</testsuites>\n`
  );
}

export function writeJunit(file: string, run: JunitRun): void {
  writeFileSync(file, junitXml(run));
}
