// Two runs compared, as wpt.fyi compares browser versions: which requirements, and which of their
// scenarios, have another verdict in the new run than in the old (two Wine versions, or a run against a
// committed baseline). Pure: two run records and the catalogue in, the changes out. A scenario is the same
// scenario in both runs by its feature file and name (scenarioKey), so that lines moving between
// revisions do not read as changes.
import type { Catalogue } from '../catalogue/catalogue';
import { isTestable } from '../catalogue/catalogue';
import type { RunRecord, ScenarioRecord } from '../verdicts/run-record';
import { requirementVerdict } from '../verdicts/verdicts';
import { FAILING, type Verdict } from '../verdicts/meanings';
import { scenarioKey } from '../run-outputs/keys';

/** A verdict in one run; NOT RUN where the run has no scenario for it. */
export type RunVerdict = Verdict | 'NOT RUN';

/**
 * How a change reads: a regression now fails the run (FAIL, XPASS, BROKEN, TIMEOUT) where it did not; a fix
 * no longer does; anything else (PASS to N/A, XFAIL to FAIL's other shape, a scenario added) is a change.
 */
export type ChangeKind = 'regression' | 'fixed' | 'changed';

export interface ScenarioChange {
  name: string;
  /** feature:line in the new run (the old one's where the new run lacks it). */
  location: string;
  from: RunVerdict;
  to: RunVerdict;
  kind: ChangeKind;
  /** The new run's detail (the deviation, the reason), or the old one's where the new run lacks it. */
  detail: string;
}

export interface RequirementChange {
  id: string;
  strength: string;
  from: RunVerdict;
  to: RunVerdict;
  kind: ChangeKind;
  /** Its scenarios whose verdict changed; there can be some where the requirement's own verdict did not. */
  scenarios: ScenarioChange[];
}

export interface RunDiff {
  requirements: RequirementChange[];
  /** Scenarios whose requirement the catalogue does not know, that changed. */
  unmatched: ScenarioChange[];
  /** Requirements compared: the catalogue's testable ones. */
  compared: number;
}

function fails(verdict: RunVerdict): boolean {
  return verdict !== 'NOT RUN' && FAILING.includes(verdict);
}

export function changeKind(from: RunVerdict, to: RunVerdict): ChangeKind {
  if (fails(to) && !fails(from)) return 'regression';
  if (fails(from) && !fails(to) && to !== 'NOT RUN') return 'fixed';
  return 'changed';
}

function verdictOf(scenarios: readonly ScenarioRecord[]): RunVerdict {
  return scenarios.length === 0 ? 'NOT RUN' : requirementVerdict(scenarios.map((s) => s.verdict));
}

function scenarioChanges(before: readonly ScenarioRecord[], after: readonly ScenarioRecord[]): ScenarioChange[] {
  const old = new Map(before.map((s) => [scenarioKey(s.location, s.name), s]));
  const now = new Map(after.map((s) => [scenarioKey(s.location, s.name), s]));
  const changes: ScenarioChange[] = [];
  for (const key of new Set([...now.keys(), ...old.keys()])) {
    const a = old.get(key);
    const b = now.get(key);
    const from: RunVerdict = a?.verdict ?? 'NOT RUN';
    const to: RunVerdict = b?.verdict ?? 'NOT RUN';
    if (from === to) continue;
    const shown = (b ?? a) as ScenarioRecord;
    changes.push({ name: shown.name, location: shown.location, from, to, kind: changeKind(from, to), detail: shown.detail });
  }
  return changes;
}

export function diffRuns(catalogue: Catalogue, before: RunRecord, after: RunRecord): RunDiff {
  const testable = catalogue.requirements.filter(isTestable);
  const requirements: RequirementChange[] = [];
  for (const requirement of testable) {
    const a = before.results.filter((s) => s.requirement === requirement.id);
    const b = after.results.filter((s) => s.requirement === requirement.id);
    const from = verdictOf(a);
    const to = verdictOf(b);
    const scenarios = scenarioChanges(a, b);
    if (from === to && scenarios.length === 0) continue;
    requirements.push({ id: requirement.id, strength: requirement.strength, from, to, kind: changeKind(from, to), scenarios });
  }
  const known = new Set(testable.map((r) => r.id));
  const outside = (record: RunRecord): ScenarioRecord[] => record.results.filter((s) => s.requirement === null || !known.has(s.requirement));
  return { requirements, unmatched: scenarioChanges(outside(before), outside(after)), compared: testable.length };
}

/** The diff as the report command prints it: a line per changed requirement, its changed scenarios under it. */
export function diffLines(diff: RunDiff, oldTitle: string, newTitle: string): string[] {
  const changedVerdicts = diff.requirements.filter((r) => r.from !== r.to);
  const lines = [
    `${oldTitle} -> ${newTitle}: ${changedVerdicts.length} of ${diff.compared} requirements changed verdict` +
      (diff.requirements.length > changedVerdicts.length ? `, ${diff.requirements.length - changedVerdicts.length} more changed in some scenario` : '') +
      (diff.unmatched.length > 0 ? `, ${diff.unmatched.length} scenarios without a catalogue entry changed` : ''),
  ];
  for (const r of diff.requirements) {
    lines.push(
      r.from === r.to ? `  ${r.id} (${r.strength}): ${r.to}, unchanged; its scenarios changed` : `  ${r.kind}: ${r.id} (${r.strength}): ${r.from} -> ${r.to}`,
    );
    for (const s of r.scenarios) lines.push(`      ${s.from} -> ${s.to}  ${s.name} (${s.location})${s.detail ? ` - ${s.detail}` : ''}`);
  }
  for (const s of diff.unmatched) lines.push(`  ${s.kind}: no catalogue entry: ${s.from} -> ${s.to}  ${s.name} (${s.location})`);
  return lines;
}
