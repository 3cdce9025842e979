// Per-backend expectations (expectations/<backend>.yaml): deviations of a real implementation recorded
// with what was observed and why, so that a known deviation reads XFAIL and its fix reads XPASS.
// They never edit the features: a rule is never weakened to let a backend pass.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMap } from 'yaml';
import { functionFolder, type Catalogue } from '../catalogue/catalogue';
import { InputError } from '../core/input-error';
import { listEntries, readYamlFile } from '../core/yaml-file';

export const EXPECTED_VERDICTS = ['FAIL', 'TIMEOUT', 'BROKEN'] as const;
export type ExpectedVerdict = (typeof EXPECTED_VERDICTS)[number];

export interface Expectation {
  requirement: string;
  /** The scenarios it covers, by name: always named, so that it never covers a scenario added later. */
  scenarios: string[];
  verdict: ExpectedVerdict;
  /** The deviation exactly as the suite reports it (the scenario's detail): another one is not this one. */
  detail: string;
  /** What was observed, for a person: the calls, the values, the wire. */
  observed: string;
  reason: string;
  evidence: string;
  where: string;
}

export interface Expectations {
  file: string | null;
  backend: string;
  entries: Expectation[];
}

/** The keys an entry of the file may have: those of Expectation but `where`, which says where the entry was read. */
const FIELDS = new Set(
  Object.keys({
    requirement: true,
    scenarios: true,
    verdict: true,
    detail: true,
    observed: true,
    reason: true,
    evidence: true,
  } satisfies Record<Exclude<keyof Expectation, 'where'>, true>),
);

/** A function's expectations of a backend: expectations/<backend>.yaml, or expectations/<function>/<backend>.yaml for another function than the default. */
export function expectationsFile(root: string, backend: string, fn: string): string {
  return path.join(functionFolder(path.join(root, 'expectations'), fn), `${backend}.yaml`);
}

/** Load and validate; a missing file means no expectations. Scenario names are checked when given. */
export function loadExpectations(file: string, backend: string, catalogue: Catalogue, scenarioNames?: ReadonlySet<string>): Expectations {
  if (!existsSync(file)) return { file: null, backend, entries: [] };
  const yaml = readYamlFile(file, 'expectations');
  const { display, root, at } = yaml;
  if (!isMap(root)) throw new InputError(`${display}:1: expected a mapping with backend and expectations`);
  const declared = root.get('backend');
  if (declared !== backend) throw new InputError(`${at(root)}: the file is for backend '${String(declared)}', not '${backend}'`);
  const list = root.get('expectations', true);
  if (list === undefined || list === null) return { file: display, backend, entries: [] };
  const known = new Set(catalogue.requirements.map((r) => r.id));
  const entries: Expectation[] = [];
  const covered = new Map<string, string>();
  for (const { where, fields: entry, text } of listEntries(yaml, list, FIELDS, () => 'an expectation')) {
    const requirement = text('requirement');
    if (!known.has(requirement)) throw new InputError(`${where}: unknown requirement ID '${requirement}'`);
    const verdict = text('verdict');
    if (!(EXPECTED_VERDICTS as readonly string[]).includes(verdict)) {
      throw new InputError(`${where}: verdict '${verdict}' is not one of ${EXPECTED_VERDICTS.join(', ')}`);
    }
    const scenarios = entry.scenarios;
    if (!Array.isArray(scenarios) || scenarios.length === 0 || !scenarios.every((name): name is string => typeof name === 'string' && name.trim() !== ''))
      throw new InputError(`${where}: an expectation names its scenarios, a list of one or more scenario names`);
    for (const name of scenarios) {
      if (scenarioNames && !scenarioNames.has(name)) throw new InputError(`${where}: no scenario is named '${name}'`);
      if (covered.has(name)) throw new InputError(`${where}: scenario '${name}' is named by another expectation too (${covered.get(name)})`);
      covered.set(name, where);
    }
    entries.push({
      requirement,
      scenarios,
      verdict: verdict as ExpectedVerdict,
      detail: text('detail'),
      observed: text('observed'),
      reason: text('reason'),
      evidence: text('evidence'),
      where,
    });
  }
  return { file: display, backend, entries };
}

/** The expectation that names a scenario, for its requirement. */
export function expectationFor(expectations: Expectations, scenario: { requirement: string | null; name: string }): Expectation | null {
  return expectations.entries.find((e) => e.requirement === scenario.requirement && e.scenarios.includes(scenario.name)) ?? null;
}
