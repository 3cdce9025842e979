// Traceability between the requirement catalogue and the features: which scenario tests which rule,
// and what is wrong with the pairing. Used by `npm run lint:trace` and by the unit tests.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AstBuilder, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator, type Tag } from '@cucumber/messages';
import { isTestable, type Catalogue } from './catalogue';
import { pageSections } from './statements';
import { REPO_ROOT } from '../core/paths';

export interface TracedScenario {
  name: string;
  location: string;
  requirement: string | null;
  /** The @strength and @section tags (a feature's apply to its scenarios): copies of catalogue facts, checked against it. */
  strength: string | null;
  section: string | null;
}

export function readScenarios(featuresDir: string): TracedScenario[] {
  const scenarios: TracedScenario[] = [];
  const files = readdirSync(featuresDir)
    .filter((f) => f.endsWith('.feature'))
    .sort();
  for (const file of files) {
    // As cucumber names it: relative to the repository, e.g. features/errors.feature or features/shutdown/x.feature.
    const uri = path.relative(REPO_ROOT, path.join(featuresDir, file)).split(path.sep).join('/');
    const parser = new Parser(new AstBuilder(IdGenerator.uuid()), new GherkinClassicTokenMatcher());
    const doc = parser.parse(readFileSync(path.join(featuresDir, file), 'utf8'));
    const featureTags = doc.feature?.tags ?? [];
    for (const child of doc.feature?.children ?? []) {
      const scenario = child.scenario;
      if (!scenario) continue;
      const tags: readonly Tag[] = [...featureTags, ...scenario.tags];
      const value = (key: string): string | null => tags.find((t) => t.name.startsWith(`@${key}:`))?.name.slice(key.length + 2) ?? null;
      const reqTags = tags.filter((t) => t.name.startsWith('@req:'));
      if (reqTags.length > 1) {
        scenarios.push({
          name: scenario.name,
          location: `${uri}:${scenario.location.line}`,
          requirement: '(several @req tags)',
          strength: value('strength'),
          section: value('section'),
        });
        continue;
      }
      scenarios.push({
        name: scenario.name,
        location: `${uri}:${scenario.location.line}`,
        requirement: value('req'),
        strength: value('strength'),
        section: value('section'),
      });
    }
  }
  return scenarios;
}

export interface TraceReport {
  problems: string[];
  /** Requirements accounted for: testable with a scenario, or covered/not-testable with their reference or reason. */
  traced: number;
  total: number;
  testable: number;
  testableWithScenario: number;
}

export function trace(catalogue: Catalogue, scenarios: readonly TracedScenario[], pageFile: string): TraceReport {
  const problems: string[] = [];
  const byId = new Map<string, (typeof catalogue.requirements)[number]>();
  for (const r of catalogue.requirements) {
    if (byId.has(r.id)) problems.push(`${r.where}: duplicate requirement ID ${r.id}`);
    byId.set(r.id, r);
  }
  const sections = pageSections(pageFile);
  for (const r of catalogue.requirements) {
    if (!sections.has(r.section)) problems.push(`${r.where}: ${r.id}: section '${r.section}' is not on the page (${[...sections].join(', ')})`);
    for (const ref of r.coveredBy) {
      const target = byId.get(ref);
      if (!target) problems.push(`${r.where}: ${r.id}: coveredBy names unknown ID ${ref}`);
      else if (!isTestable(target)) problems.push(`${r.where}: ${r.id}: coveredBy names ${ref}, which has no scenarios of its own`);
    }
  }
  const tested = new Set<string>();
  for (const s of scenarios) {
    if (s.requirement === null) {
      problems.push(`${s.location}: scenario '${s.name}' has no @req tag`);
      continue;
    }
    const r = byId.get(s.requirement);
    if (!r) {
      problems.push(`${s.location}: @req:${s.requirement} names no requirement of the catalogue`);
      continue;
    }
    if (!isTestable(r)) problems.push(`${s.location}: @req:${r.id} is '${r.testing}' in the catalogue, yet has a scenario`);
    if (s.strength !== r.strength) problems.push(`${s.location}: @strength:${s.strength ?? '(none)'} disagrees with the catalogue's ${r.strength} for ${r.id}`);
    if (s.section !== r.section) problems.push(`${s.location}: @section:${s.section ?? '(none)'} disagrees with the catalogue's ${r.section} for ${r.id}`);
    tested.add(r.id);
  }
  const testable = catalogue.requirements.filter(isTestable);
  for (const r of testable) if (!tested.has(r.id)) problems.push(`${r.where}: ${r.id} is testable (${r.testing}) but no scenario is tagged @req:${r.id}`);
  const testableWithScenario = testable.filter((r) => tested.has(r.id)).length;
  const untestable = catalogue.requirements.length - testable.length;
  return {
    problems,
    traced: testableWithScenario + untestable,
    total: catalogue.requirements.length,
    testable: testable.length,
    testableWithScenario,
  };
}
