// How each verdict reads in each output, written once: the JUnit file (junit.ts), the Allure results
// (allure.ts) and the Allure report's categories (allure-html.ts) all take it from here, and
// docs/interpreting.md gives it as a table. Two rules, one per kind of reader. JUnit is for CI: it says a
// scenario failed exactly when its verdict fails the run (FAILING), so that it agrees with the exit code,
// in pytest's convention. Allure is for a person, who reads its overview first and must find the page's
// answer there: it says a scenario failed exactly when the implementation was seen to break a MUST
// (BREAKING_MUST: FAIL, and XFAIL, a deviation whether recorded or not), and broken where the run could
// not judge or its judging is out of date (BROKEN, TIMEOUT, XPASS); a run that breaks a MUST never reads
// as all passed there.
import { AgentFailure, ObserverBlind } from '../core/outcomes';
import { BREAKING_MUST, FAILING, lackedObservers, qualifiedVerdict, unobservedClause, type Verdict } from '../verdicts/meanings';
import type { ScenarioRecord } from '../verdicts/run-record';

/** What a JUnit <testcase> holds: nothing (passed), <skipped>, <failure> or <error>. */
export type JunitOutcome = 'passed' | 'skipped' | 'failure' | 'error';

/** Allure's statuses, as its result files spell them. */
export type AllureStatus = 'passed' | 'failed' | 'broken' | 'skipped';

export interface VerdictFormat {
  /**
   * pytest's convention: an expected failure (XFAIL) is skipped with its reason, an unexpected pass (XPASS)
   * is a failure; an assertion about the implementation that fails is a <failure>, the harness failing is
   * an <error>.
   */
  junit: JunitOutcome;
  /**
   * The page's answer: failed where the implementation broke a MUST, recorded or not; broken where nothing
   * is known of the rule (the harness, a call that never returned) or the expectations are out of date;
   * skipped where the page allows what was seen (OPTIONAL) or the rule could not be tried (N/A), which
   * Allure leaves out of its success rate.
   */
  allure: AllureStatus;
  /** The Allure category the verdict is grouped under; PASS has none. */
  category: string | null;
  /**
   * Whether the report keeps the stack of the error that ended the scenario. A deviation is an assertion
   * about the implementation, and the suite's own frames say nothing about it; where the harness or a
   * call failed, they show where.
   */
  keepsTrace: boolean;
}

/**
 * XFAIL is skipped in JUnit, as pytest reports an expected failure, and failed in Allure: the run does not
 * fail on a deviation it was told of, but the implementation still breaks the page there, and Allure's
 * overview (its failed count, its success rate) says so. XPASS fails the run in JUnit; in Allure it is
 * broken, not failed: the rule held, and what is wrong is the expectations file.
 *
 * OPTIONAL is skipped, with its message, in JUnit and in Allure alike: pytest's idiom for an optional
 * feature the system under test lacks (pytest.skip with the reason). The page allows the absence, so it is
 * no failure; it is not a PASS either, since the behaviour was not seen; and the absence is said where a
 * reader looks: CI lists skip reasons, and Allure shows a skipped scenario's message, which it hides on a
 * passed one. Allure's passed count is then the suite's PASS count, exactly, and its failed count the
 * scenarios that broke a MUST.
 */
export const VERDICT_FORMATS: Readonly<Record<Verdict, VerdictFormat>> = {
  PASS: { junit: 'passed', allure: 'passed', category: null, keepsTrace: false },
  FAIL: { junit: 'failure', allure: 'failed', category: 'Deviation from the page (FAIL)', keepsTrace: false },
  XFAIL: { junit: 'skipped', allure: 'failed', category: 'Known deviation, recorded in expectations (XFAIL)', keepsTrace: false },
  XPASS: { junit: 'failure', allure: 'broken', category: 'Recorded deviation gone (XPASS: remove its expectation)', keepsTrace: false },
  OPTIONAL: { junit: 'skipped', allure: 'skipped', category: 'MAY behaviour absent (OPTIONAL)', keepsTrace: false },
  'N/A': { junit: 'skipped', allure: 'skipped', category: 'Not applicable here (N/A)', keepsTrace: false },
  BROKEN: { junit: 'error', allure: 'broken', category: 'Harness error (BROKEN)', keepsTrace: true },
  TIMEOUT: { junit: 'error', allure: 'broken', category: 'Call timeout (TIMEOUT)', keepsTrace: true },
};

/** Whether a verdict fails the run: the exit code's rule, which JUnit follows. */
export function failsRun(verdict: Verdict): boolean {
  return FAILING.includes(verdict);
}

/** Whether a verdict says the implementation broke a MUST, recorded or not: the rule Allure's failed follows. */
export function breaksMust(verdict: Verdict): boolean {
  return BREAKING_MUST.includes(verdict);
}

/** What a scenario's record must carry to be told: its verdict, detail, what it could not observe and the expectation it was judged by. */
export type Told = Pick<ScenarioRecord, 'verdict' | 'detail' | 'unobserved' | 'expectation'>;

/**
 * The one message of a scenario, led by its verdict as qualified (Allure's categories match on that
 * prefix): the same words in JUnit and in Allure. A PASS has none, unless a check of it could not look for
 * want of its observer: "PASS, without the wire: ...", which says what was not looked for and why.
 */
export function verdictMessage(record: Told): string {
  const recorded = record.expectation;
  const lacked = lackedObservers(record).length > 0;
  const unobserved = lacked ? unobservedClause(record.unobserved) : '';
  switch (record.verdict) {
    case 'PASS':
      return lacked ? `${qualifiedVerdict(record)}: what was observed keeps the rule; ${unobserved}` : '';
    case 'XPASS':
      return `${qualifiedVerdict(record)}: recorded as ${recorded?.verdict || 'a deviation'} (${recorded?.reason || 'no reason given'}), but the rule held${lacked ? ` as far as observed (${unobserved})` : ''}: remove its expectation`;
    case 'XFAIL':
      return `XFAIL: ${record.detail} (recorded deviation: ${recorded?.reason || 'no reason given'})`;
    case 'OPTIONAL':
      return `OPTIONAL: a MAY behaviour is absent, which the page allows: ${record.detail}`;
    default:
      return `${record.verdict}: ${record.detail}`;
  }
}

/** Subsets of BROKEN with a category of their own, matched on the error type the detail begins with. */
const BROKEN_KINDS = [
  { name: 'Positive control failed (BROKEN)', type: ObserverBlind.name },
  { name: 'Agent failure (BROKEN)', type: AgentFailure.name },
];

/** One of Allure's categories, in the form Allure 2 reads from categories.json and Allure 3 from its configuration. */
export interface AllureCategory {
  name: string;
  matchedStatuses: AllureStatus[];
  messageRegex: string;
}

/**
 * Allure's categories, one per verdict but PASS (the first that matches a result is its category). Each
 * matches the whole message, as Allure 2 requires (Allure 3 looks for the pattern anywhere in it).
 */
export function allureCategories(): AllureCategory[] {
  const led = (start: string): string => `^${start}[\\s\\S]*`;
  const kinds = BROKEN_KINDS.map((kind) => ({ name: kind.name, matchedStatuses: [VERDICT_FORMATS.BROKEN.allure], messageRegex: led(`BROKEN: ${kind.type}:`) }));
  const verdicts = (Object.entries(VERDICT_FORMATS) as [Verdict, VerdictFormat][]).flatMap(([verdict, format]) =>
    // A qualified verdict ("XPASS, without the wire: ...") is in its verdict's category.
    format.category === null ? [] : [{ name: format.category, matchedStatuses: [format.allure], messageRegex: led(`${verdict}(?:, without [^:]+)?: `) }],
  );
  return [...kinds, ...verdicts];
}
