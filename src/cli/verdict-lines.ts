// How a run reads on the terminal: a line per scenario as its verdict comes, and the summary line.
import type { ScenarioResult } from '../verdicts/verdicts';
import type { ScenarioRecord } from '../verdicts/run-record';
import { lackedObservers, qualifiedVerdict, unobservedClause, VERDICTS, type Verdict } from '../verdicts/meanings';

/** `PASS     remarks.x  name (features/x.feature:7)`; a qualified verdict reads `PASS, without the wire` and says what was not looked for. */
export function progressLine(result: ScenarioResult): string {
  const unobserved = lackedObservers(result).length > 0 ? unobservedClause(result.unobserved) : '';
  const detail = [result.detail, unobserved].filter(Boolean).join('; ');
  return `${qualifiedVerdict(result).padEnd(8)} ${(result.requirement ?? '-').padEnd(44)} ${result.name} (${result.location})${detail ? ` - ${detail}` : ''}`;
}

/**
 * `59 scenarios: 47 PASS (1 without the wire), 4 XFAIL, ...`: a verdict's count says how many of it were
 * qualified. Of a run as it ends, or as its record (verdicts.json) tells it: the matrix says it the same.
 */
export function summaryLine(summary: { results: readonly Pick<ScenarioRecord, 'verdict' | 'unobserved'>[]; counts: Record<Verdict, number> }): string {
  const qualified = (v: string): string => {
    const readings = summary.results.filter((r) => r.verdict === v && lackedObservers(r).length > 0).map((r) => qualifiedVerdict(r).slice(v.length + 2));
    const each = [...new Set(readings)].map((q) => `${readings.filter((r) => r === q).length} ${q}`);
    return each.length > 0 ? ` (${each.join(', ')})` : '';
  };
  const parts = VERDICTS.filter((v) => summary.counts[v] > 0).map((v) => `${summary.counts[v]} ${v}${qualified(v)}`);
  return `${summary.results.length} scenarios: ${parts.join(', ') || 'none ran'}`;
}
