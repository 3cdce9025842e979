// `winsock-conformance --list`: the requirements of the catalogue, each with its scenarios (an outline's
// Examples rows one by one) and the feature:line that selects each; with --tags or FEATURE:LINE, only what
// that selection would run. Reads the catalogue and the features; runs nothing.
import type { Catalogue } from '../catalogue/catalogue';
import type { TracedScenario } from '../catalogue/trace';

/** A scenario as cucumber plans it: an outline gives one per Examples row, at the row's line. */
export interface PlannedScenario {
  name: string;
  uri: string;
  location: { line: number };
}

/** The scenario or outline a planned scenario comes from: the last one that starts at or before its line in its file. */
function headOf(planned: PlannedScenario, heads: readonly TracedScenario[]): TracedScenario | null {
  let found: TracedScenario | null = null;
  let foundLine = 0;
  for (const head of heads) {
    const [file, line] = [head.location.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(head.location)?.[1] ?? 0)];
    if (file === planned.uri && line <= planned.location.line && line >= foundLine) [found, foundLine] = [head, line];
  }
  return found;
}

export function listText(catalogue: Catalogue, heads: readonly TracedScenario[], plan: readonly PlannedScenario[], selected: boolean): string {
  const scenarios = plan.map((p) => ({ location: `${p.uri}:${p.location.line}`, name: p.name, requirement: headOf(p, heads)?.requirement ?? null }));
  const lines = [
    `${catalogue.function}: ${catalogue.requirements.length} requirements, ${scenarios.length} scenarios${selected ? ' selected' : ''}.`,
    'Select a requirement with --tags @req:ID, a scenario with its FEATURE:LINE.',
    '',
  ];
  for (const requirement of catalogue.requirements) {
    const own = scenarios.filter((s) => s.requirement === requirement.id);
    if (selected && own.length === 0) continue;
    const why =
      requirement.testing === 'covered'
        ? ` (covered by ${requirement.coveredBy.join(', ')})`
        : requirement.testing === 'not-testable'
          ? ' (not testable)'
          : own.length === 0
            ? ' (no scenario)'
            : '';
    const rule = requirement.rule.length > 100 ? `${requirement.rule.slice(0, 99)}…` : requirement.rule;
    lines.push(`${requirement.id}  ${requirement.strength}  ${rule}${why}`);
    for (const scenario of own) lines.push(`  ${scenario.location}  ${scenario.name}`);
  }
  const known = new Set(catalogue.requirements.map((r) => r.id));
  const orphans = scenarios.filter((s) => s.requirement === null || !known.has(s.requirement));
  if (orphans.length > 0) {
    lines.push('', 'scenarios without a catalogue entry (npm run lint:trace names them):');
    for (const scenario of orphans) lines.push(`  ${scenario.location}  ${scenario.name}  [${scenario.requirement ?? 'no @req tag'}]`);
  }
  return `${lines.join('\n')}\n`;
}
