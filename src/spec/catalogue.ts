// Loads the requirement catalogue (spec/*.yaml) and checks its shape. A malformed file is one error
// line with file:line, never a stack trace.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap } from 'yaml';
import { InputError } from '../core/input-error';
import { listEntries, readYamlFile } from '../core/yaml-file';
import { REPO_ROOT } from '../core/paths';

export const STRENGTHS = ['MUST', 'MAY', 'INFORMATIVE', 'CLIENT'] as const;
export type Strength = (typeof STRENGTHS)[number];

export const TESTING_KINDS = ['any-backend', 'fault-injection', 'disconnect-data-provider', 'uninitialised-process', 'covered', 'not-testable'] as const;
export type TestingKind = (typeof TESTING_KINDS)[number];

export interface Requirement {
  id: string;
  section: string;
  strength: Strength;
  rule: string;
  testing: TestingKind;
  coveredBy: string[];
  why: string | null;
  notes: string | null;
  /** file:line of the entry, for error messages. */
  where: string;
}

export interface Catalogue {
  file: string;
  function: string;
  page: string;
  requirements: Requirement[];
}

export const CATALOGUE_FILE = path.join(REPO_ROOT, 'spec', 'WSARecvDisconnect.yaml');

/** Does this entry need a scenario of its own? */
export function isTestable(r: Requirement): boolean {
  return r.testing !== 'covered' && r.testing !== 'not-testable';
}

const KNOWN_FIELDS = new Set(['id', 'section', 'strength', 'rule', 'testing', 'coveredBy', 'why', 'notes']);

export function loadCatalogue(file: string = CATALOGUE_FILE): Catalogue {
  const yaml = readYamlFile(file, 'catalogue');
  const { display, root, at } = yaml;
  if (!isMap(root)) throw new InputError(`${display}:1: the catalogue must be a mapping with function, page and requirements`);
  const fn = root.get('function');
  const page = root.get('page');
  if (typeof fn !== 'string' || typeof page !== 'string') throw new InputError(`${at(root)}: function and page must be strings`);

  const requirements: Requirement[] = [];
  const entries = listEntries(yaml, root.get('requirements', true), KNOWN_FIELDS, (fields) => `requirement ${String(fields.id ?? '?')}`);
  for (const { where, fields: entry, text } of entries) {
    const id = text('id');
    const strength = text('strength');
    if (!(STRENGTHS as readonly string[]).includes(strength))
      throw new InputError(`${where}: ${id}: strength '${strength}' is not one of ${STRENGTHS.join(', ')}`);
    const testing = text('testing');
    if (!(TESTING_KINDS as readonly string[]).includes(testing))
      throw new InputError(`${where}: ${id}: testing '${testing}' is not one of ${TESTING_KINDS.join(', ')}`);
    const coveredBy = entry.coveredBy ?? [];
    if (!Array.isArray(coveredBy) || coveredBy.some((c) => typeof c !== 'string')) throw new InputError(`${where}: ${id}: coveredBy must be a list of IDs`);
    const why = typeof entry.why === 'string' ? entry.why : null;
    if (testing === 'not-testable' && !why) throw new InputError(`${where}: ${id}: a not-testable entry must say why`);
    if (testing === 'covered' && coveredBy.length === 0) throw new InputError(`${where}: ${id}: a covered entry must name the entries that cover it`);
    requirements.push({
      id,
      section: text('section'),
      strength: strength as Strength,
      rule: text('rule'),
      testing: testing as TestingKind,
      coveredBy: coveredBy as string[],
      why,
      notes: typeof entry.notes === 'string' ? entry.notes : null,
      where,
    });
  }
  return { file: display, function: fn, page, requirements };
}

/** The page's section names, as the catalogue quotes them: front matter is 'metadata', then the ## and ### headings. */
export function pageSections(pageFile: string): Set<string> {
  const sections = new Set<string>(['metadata']);
  for (const line of readFileSync(pageFile, 'utf8').split('\n')) {
    const heading = /^#{2,3}\s+(-\S+(?:\s+\S+)?)/.exec(line);
    if (heading?.[1]) sections.add(heading[1].replace(/\s+\[(in|out)\]$/, ''));
  }
  return sections;
}
