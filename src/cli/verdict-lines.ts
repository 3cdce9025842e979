// How a run reads on the terminal: a line per scenario as its verdict comes, and the summary line.
import type { ScenarioResult } from '../verdicts/verdicts';
import { VERDICTS } from '../verdicts/meanings';
import type { RunSummary } from '../run/run-suite';

export function progressLine(result: ScenarioResult): string {
  const detail = result.detail ? ` - ${result.detail}` : '';
  return `${result.verdict.padEnd(8)} ${(result.requirement ?? '-').padEnd(44)} ${result.name} (${result.location})${detail}`;
}

export function summaryLine(summary: Pick<RunSummary, 'results' | 'counts'>): string {
  const parts = VERDICTS.filter((v) => summary.counts[v] > 0).map((v) => `${summary.counts[v]} ${v}`);
  return `${summary.results.length} scenarios: ${parts.join(', ') || 'none ran'}`;
}
