// Two runs compared, as wpt.fyi compares browser versions: which requirements, and which of their
// scenarios, have another verdict in the new run than in the old (two Wine versions, or a run against a
// committed baseline). Pure: two run records and the catalogue in, the changes out. A scenario is the same
// scenario in both runs by its feature file and name (scenarioKey), so that lines moving between
// revisions do not read as changes; and a verdict that changed while the implementation did the same (the
// same observation, judged by other expectations) is said to be rejudged, not a regression or a fix.
import type { Catalogue } from '../catalogue/catalogue';
import { isTestable } from '../catalogue/catalogue';
import type { RunRecord, ScenarioRecord } from '../verdicts/run-record';
import { requirementVerdict, withoutPorts } from '../verdicts/verdicts';
import { FAILING, type Verdict } from '../verdicts/meanings';
import { scenarioKey } from '../run-outputs/keys';

/** A verdict in one run; NOT RUN where the run has no scenario for it. */
export type RunVerdict = Verdict | 'NOT RUN';

/**
 * How a change reads: a regression now fails the run (FAIL, XPASS, BROKEN, TIMEOUT) where it did not; a fix
 * no longer does; anything else (PASS to N/A, XFAIL to FAIL's other shape, a scenario added) is a change.
 * Each of those is a change of what the implementation did. A scenario whose implementation did the same in
 * both runs (the same observed verdict and detail) but whose verdict changed was judged otherwise, by other
 * expectations most often: it is rejudged, neither a regression nor a fix of the implementation.
 */
export type ChangeKind = 'regression' | 'fixed' | 'changed' | 'rejudged';

export interface ScenarioChange {
  name: string;
  /** feature:line in the new run (the old one's where the new run lacks it). */
  location: string;
  from: RunVerdict;
  to: RunVerdict;
  kind: ChangeKind;
  /** The new run's detail (the deviation, the reason), or the old one's where the new run lacks it. */
  detail: string;
  /** For a rejudged scenario, how the judging differed (its expectation in each run); null otherwise. */
  judging: string | null;
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
  /** The expectations file each run was judged by, as its record names it (null: none). */
  expectations: { before: string | null; after: string | null };
}

function fails(verdict: RunVerdict): boolean {
  return verdict !== 'NOT RUN' && FAILING.includes(verdict);
}

/** The kind of a change of verdict that the implementation made (see ChangeKind). */
export function changeKind(from: RunVerdict, to: RunVerdict): ChangeKind {
  if (fails(to) && !fails(from)) return 'regression';
  if (fails(from) && !fails(to) && to !== 'NOT RUN') return 'fixed';
  return 'changed';
}

function verdictOf(scenarios: readonly ScenarioRecord[]): RunVerdict {
  return scenarios.length === 0 ? 'NOT RUN' : requirementVerdict(scenarios.map((s) => s.verdict));
}

/** Whether the implementation did the same in two runs of a scenario: the same verdict and detail before expectations (ports masked, as expectations compare them). */
function sameObservation(a: ScenarioRecord, b: ScenarioRecord): boolean {
  return a.observed === b.observed && withoutPorts(a.observedDetail) === withoutPorts(b.observedDetail);
}

/** How a scenario the implementation did the same in was judged otherwise: by the expectation each run held for it. */
function judgingChange(a: ScenarioRecord, b: ScenarioRecord): string {
  const [old, now] = [a.expectation, b.expectation];
  if (old && !now) return "a known deviation in the old run's expectations only";
  if (!old && now) return "a known deviation in the new run's expectations only";
  if (old && now && (old.verdict !== now.verdict || withoutPorts(old.detail) !== withoutPorts(now.detail)))
    return `recorded otherwise in each run's expectations (old: ${old.verdict} "${old.detail}"; new: ${now.verdict} "${now.detail}")`;
  return 'the same observation and expectation, judged otherwise by the two suites';
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
    const rejudged = a !== undefined && b !== undefined && sameObservation(a, b);
    changes.push({
      name: shown.name,
      location: shown.location,
      from,
      to,
      kind: rejudged ? 'rejudged' : changeKind(from, to),
      detail: shown.detail,
      judging: rejudged ? judgingChange(a, b) : null,
    });
  }
  return changes;
}

/** A requirement's change: rejudged where every scenario that changed was, else as its verdict moved. */
function requirementKind(from: RunVerdict, to: RunVerdict, scenarios: readonly ScenarioChange[]): ChangeKind {
  return scenarios.length > 0 && scenarios.every((s) => s.kind === 'rejudged') ? 'rejudged' : changeKind(from, to);
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
    requirements.push({ id: requirement.id, strength: requirement.strength, from, to, kind: requirementKind(from, to, scenarios), scenarios });
  }
  const known = new Set(testable.map((r) => r.id));
  const outside = (record: RunRecord): ScenarioRecord[] => record.results.filter((s) => s.requirement === null || !known.has(s.requirement));
  return {
    requirements,
    unmatched: scenarioChanges(outside(before), outside(after)),
    compared: testable.length,
    expectations: { before: before.expectations, after: after.expectations },
  };
}

function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The diff as the report command prints it: a headline that counts requirements (the catalogue's testable
 * ones) and says how many changed only as judged, the expectations each run was judged by where they
 * differ, then a line per changed requirement, its changed scenarios under it.
 */
export function diffLines(diff: RunDiff, oldTitle: string, newTitle: string): string[] {
  const changedVerdicts = diff.requirements.filter((r) => r.from !== r.to);
  const rejudged = changedVerdicts.filter((r) => r.kind === 'rejudged').length;
  const moreInScenarios = diff.requirements.length - changedVerdicts.length;
  const lines = [
    `${oldTitle} -> ${newTitle}: ${changedVerdicts.length} of the catalogue's ${diff.compared} testable requirements changed verdict` +
      (rejudged > 0 ? ` (${rejudged} of them only rejudged: the implementation did the same, the judging differs)` : '') +
      (moreInScenarios > 0 ? `, ${counted(moreInScenarios, 'more requirement', 'more requirements')} changed in some scenario` : '') +
      (diff.unmatched.length > 0 ? `, ${counted(diff.unmatched.length, 'scenario', 'scenarios')} without a catalogue entry changed` : ''),
  ];
  const { before, after } = diff.expectations;
  if (before !== after) lines.push(`  judged by: ${before ?? 'no expectations file'} -> ${after ?? 'no expectations file'}`);
  for (const r of diff.requirements) {
    lines.push(
      r.from === r.to ? `  ${r.id} (${r.strength}): ${r.to}, unchanged; its scenarios changed` : `  ${r.kind}: ${r.id} (${r.strength}): ${r.from} -> ${r.to}`,
    );
    for (const s of r.scenarios)
      lines.push(`      ${s.from} -> ${s.to}  ${s.name} (${s.location})${s.detail ? ` - ${s.detail}` : ''}${s.judging ? ` [rejudged: ${s.judging}]` : ''}`);
  }
  for (const s of diff.unmatched) lines.push(`  ${s.kind}: no catalogue entry: ${s.from} -> ${s.to}  ${s.name} (${s.location})`);
  return lines;
}
