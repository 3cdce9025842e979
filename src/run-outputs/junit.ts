// junit.xml, written by the suite from the run's verdicts (cucumber's JUnit formatter knows only step
// results: it counted every recorded deviation and absent MAY behaviour as a failure, and turned a run
// that exits 0 red in CI). Each verdict becomes what verdict-formats.ts says, in pytest's convention, so
// that the counts agree with verdicts.json and with the exit code: a run that exits 0 has no failure and
// no error here. It keeps to the JUnit schema Jenkins validates against (junit-10.xsd; test/junit-schema.ts
// states its rules).
import { writeFileSync } from 'node:fs';
import type * as messages from '@cucumber/messages';
import { escapeHtml } from './keys';
import { VERDICT_FORMATS, verdictMessage, type JunitOutcome } from './verdict-formats';
import { qualifiedVerdict } from '../verdicts/meanings';
import type { ScenarioRecord } from '../verdicts/run-record';
import type { Attachment } from '../verdicts/verdicts';

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

/** A piece of a scenario's evidence a person reads: its text, under the name it was attached with (`call-log.txt`). */
export interface TextEvidence {
  name: string;
  text: string;
}

/** The text a scenario attached (its deviations, call log, wire log, what the peers saw), in the order attached. */
export function textEvidence(attachments: readonly Attachment[]): TextEvidence[] {
  return attachments.filter((a) => a.mediaType === 'text/plain').map((a) => ({ name: a.fileName ?? 'attachment', text: a.body }));
}

/** A scenario as the JUnit file tells it: its record, its pickle's id for its time, and its evidence as text. */
export type JunitScenario = ScenarioRecord & { id: string; evidence: readonly TextEvidence[] };

export interface JunitRun {
  /** The test suite's name, e.g. "WSARecvDisconnect conformance: wine". */
  name: string;
  /**
   * The run's facts, as its Allure environment names them (its identity, the backend and its options, the
   * testbed's and the controller's facts, a contradiction among them): the testsuite's properties.
   */
  facts: Readonly<Record<string, string>>;
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

/**
 * What the suite knows of a scenario beyond its name, one `key: value` a line: its verdict as qualified,
 * requirement, strength, section, place, and each check that could not look for want of its observer. The
 * schema Jenkins validates against (junit-10.xsd) gives a testcase no properties and no file or line, so
 * these go where it lets a testcase say anything: its <system-out>.
 */
function scenarioFacts(scenario: JunitScenario): string {
  return [
    `verdict: ${qualifiedVerdict(scenario)}`,
    ...(scenario.requirement ? [`requirement: ${scenario.requirement}`] : []),
    ...(scenario.strength ? [`strength: ${scenario.strength}`] : []),
    ...(scenario.section ? [`section: ${scenario.section}`] : []),
    `location: ${scenario.location}`,
    // What a check could not look at, for want of its observer: the qualifier of a PASS ("PASS, without the wire").
    ...scenario.unobserved.map((u) => `unobserved: ${u.observer}: ${u.check} (${u.why})`),
  ].join('\n');
}

/**
 * The body of a testcase that did not pass, for a reader in CI who has no other file: the one message,
 * where the scenario is, what the expectations file records of a deviation, and the scenario's evidence as
 * text, each piece as it was attached (its deviations, the call log, the wire log, what the peers saw).
 */
function evidence(scenario: JunitScenario): string {
  const recorded = scenario.expectation;
  const texts = scenario.evidence.map((piece) => `--- ${piece.name}\n${piece.text.trimEnd()}`);
  return [
    verdictMessage(scenario),
    `at ${scenario.location}`,
    ...(recorded ? [`recorded deviation, observed: ${recorded.observed}`, `recorded deviation, evidence: ${recorded.evidence}`] : []),
    ...texts,
  ].join('\n');
}

function testcase(scenario: JunitScenario, times: ScenarioTimes): string {
  const outcome = VERDICT_FORMATS[scenario.verdict].junit;
  const ending =
    outcome === 'passed'
      ? ''
      : `      <${outcome} type="${xml(scenario.verdict)}" message="${xml(verdictMessage(scenario))}">${xml(evidence(scenario))}</${outcome}>\n`;
  return (
    `    <testcase classname="${xml(scenario.feature)}" name="${xml(scenario.name)}" time="${seconds(times.of(scenario.id))}">\n` +
    ending +
    `      <system-out>${xml(scenarioFacts(scenario))}</system-out>\n` +
    `    </testcase>\n`
  );
}

/**
 * The JUnit XML of a run: one testsuite, one testcase per scenario, in the order they finished. It keeps to
 * the schema Jenkins' xUnit plugin validates against (junit-10.xsd, which pytest validates its xunit2 files
 * against too): testsuites counts tests, failures and errors; the testsuite adds skipped and its timestamp.
 */
export function junitXml(run: JunitRun): string {
  const counts = junitCounts(run.results);
  const { runStarted, runFinished } = run.times;
  const time = seconds(runStarted !== null && runFinished !== null ? (runFinished - runStarted) / 1000 : null);
  const totals = `tests="${run.results.length}" failures="${counts.failure}" errors="${counts.error}"`;
  const suite = `${totals} skipped="${counts.skipped}" time="${time}"` + (runStarted === null ? '' : ` timestamp="${new Date(runStarted).toISOString()}"`);
  const properties = Object.entries(run.facts).map(([name, value]) => property(name, value));
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${xml(run.name)}" ${totals} time="${time}">\n` +
    `  <testsuite name="${xml(run.name)}" ${suite}>\n` +
    `    <properties>${properties.join('')}</properties>\n` +
    run.results.map((scenario) => testcase(scenario, run.times)).join('') +
    `  </testsuite>\n` +
    `</testsuites>\n`
  );
}

export function writeJunit(file: string, run: JunitRun): void {
  writeFileSync(file, junitXml(run));
}
