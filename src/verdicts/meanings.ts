// The verdicts a scenario can end with, what each means and which fail a run: written once, here. The
// verdicts' code (verdicts.ts), the run record (run-record.ts), every output (src/run-outputs/) and the
// matrix's legend (src/report/render.ts) read them here; docs/interpreting.md gives them as a table, which
// test/unit/verdicts.test.ts holds to this one.
import type { Unobserved } from '../core/outcomes';

export const VERDICTS = ['PASS', 'FAIL', 'XFAIL', 'XPASS', 'OPTIONAL', 'N/A', 'BROKEN', 'TIMEOUT'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What an implementation can be seen to do, before its expectations are applied. */
export type ObservedVerdict = Exclude<Verdict, 'XFAIL' | 'XPASS'>;

/** The verdicts that fail a run. */
export const FAILING: readonly Verdict[] = ['FAIL', 'XPASS', 'BROKEN', 'TIMEOUT'];

/** The verdicts that say the implementation broke a MUST: a deviation, whether or not its expectations file records it. */
export const BREAKING_MUST: readonly Verdict[] = ['FAIL', 'XFAIL'];

/** What each verdict says of the implementation and the rule. */
export const VERDICT_MEANINGS: Readonly<Record<Verdict, string>> = {
  PASS: 'the implementation keeps the rule',
  FAIL: 'it deviates from a MUST',
  XFAIL: "it deviates as recorded in the backend's expectations file",
  XPASS: 'recorded as deviating, but it passed: update the expectations',
  OPTIONAL: 'a MAY behaviour the implementation does not provide',
  'N/A': 'the precondition does not exist on this backend; the reason is attached',
  BROKEN: 'the harness or its set-up failed, or a positive control failed: nothing is known about the rule',
  TIMEOUT: 'a call did not return within its bound',
};

/**
 * The verdicts that say the rule held: where a check of the scenario could not look for want of its
 * observer (the wire), they are qualified by it, "PASS, without the wire", in every output. A deviation
 * (FAIL, XFAIL, OPTIONAL) stands on what was observed; N/A, BROKEN and TIMEOUT establish nothing to qualify.
 */
export const QUALIFIED_VERDICTS: readonly Verdict[] = ['PASS', 'XPASS'];

/** The observers a verdict lacked, as its qualifier names them; none where the verdict is not one that is qualified. */
export function lackedObservers(record: { verdict: Verdict; unobserved: readonly Unobserved[] }): string[] {
  if (!QUALIFIED_VERDICTS.includes(record.verdict)) return [];
  return [...new Set(record.unobserved.map((u) => u.observer))];
}

/** A verdict as every output reads it: `PASS`, or `PASS, without the wire`. */
export function qualifiedVerdict(record: { verdict: Verdict; unobserved: readonly Unobserved[] }): string {
  const lacked = lackedObservers(record);
  return lacked.length === 0 ? record.verdict : `${record.verdict}, without ${lacked.join(' and ')}`;
}

/** What the checks that could not look would have looked for, and why they could not: one clause. */
export function unobservedClause(unobserved: readonly Unobserved[]): string {
  return unobserved.map((u) => `not looked for without ${u.observer}: ${u.check} (${u.why})`).join('; ');
}
