// Loads a requirement catalogue (spec/*.yaml, one per function and page) and checks its shape. A
// malformed file is one error line with file:line, never a stack trace.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq } from 'yaml';
import { InputError } from '../core/input-error';
import { listEntries, readYamlFile, type YamlFile } from '../core/yaml-file';
import { REPO_ROOT } from '../core/paths';
import { HASH_LENGTH } from './statement-hash';

export const STRENGTHS = ['MUST', 'MAY', 'INFORMATIVE', 'CLIENT'] as const;
export type Strength = (typeof STRENGTHS)[number];

export const TESTING_KINDS = [
  'any-backend',
  'fault-injection',
  'disconnect-data-provider',
  'uninitialised-process',
  'winsock-1.1-blocking-hook',
  'covered',
  'not-testable',
] as const;
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
  /** The statements of the page the entry encodes (src/catalogue/statements.ts). */
  anchors: Anchor[];
  /** file:line of the entry, for error messages. */
  where: string;
}

/** A statement of the page, named by its locator and the hash of its normalised text. */
export interface Anchor {
  at: string;
  hash: string;
  /** file:line of the anchor. */
  where: string;
}

/** Statements of the page that state nothing to encode (a heading, a see-also link), with the reason, once. */
export interface NonNormative {
  reason: string;
  anchors: Anchor[];
  where: string;
}

export interface Catalogue {
  file: string;
  function: string;
  /** The reference page, relative to the repository root (read where it lies, never copied). */
  page: string;
  /** Where the page is published; the reports link its sections there. */
  url: string;
  /** The folder of the function's features, relative to the repository root. */
  features: string;
  requirements: Requirement[];
  nonNormative: NonNormative[];
}

export const SPEC_DIR = path.join(REPO_ROOT, 'spec');

/**
 * The function a command takes when not told (--function) and spec/ has several catalogues: the suite's
 * first subject, so that its commands and reports folders stay as they were when a page is added. With one
 * catalogue, that one is the default.
 */
export const DEFAULT_FUNCTION = 'WSARecvDisconnect';

/**
 * Every catalogue of the suite: one per function, each naming its page. A function's name has no dot, so
 * spec/<function>.<what>.yaml is a companion of its catalogue (its Windows evidence), not a catalogue.
 */
export function catalogueFiles(dir: string = SPEC_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[^.]+\.yaml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The functions the suite has a catalogue of: spec/NAME.yaml is NAME's. */
export function functionNames(dir: string = SPEC_DIR): string[] {
  return catalogueFiles(dir).map((file) => path.basename(file, '.yaml'));
}

/** The function a command runs when none is named: the only one, or DEFAULT_FUNCTION among several. */
export function defaultFunction(dir: string = SPEC_DIR): string {
  const names = functionNames(dir);
  if (names.length === 1) return names[0] as string;
  if (names.includes(DEFAULT_FUNCTION)) return DEFAULT_FUNCTION;
  throw new InputError(
    names.length === 0
      ? `no catalogue in ${dir}`
      : `several catalogues in ${dir} (${names.join(', ')}) and none is ${DEFAULT_FUNCTION}: name one with --function`,
  );
}

/**
 * The catalogue of a function (spec/NAME.yaml), or of the default function when `name` is null. An
 * unknown name, or a catalogue whose `function` is not its file's name, is one InputError line.
 */
export function functionCatalogue(name: string | null = null, dir: string = SPEC_DIR): Catalogue {
  const chosen = name ?? defaultFunction(dir);
  const names = functionNames(dir);
  if (!names.includes(chosen)) throw new InputError(`unknown function '${chosen}': no catalogue spec/${chosen}.yaml; valid: ${names.join(', ')}`);
  const catalogue = loadCatalogue(path.join(dir, `${chosen}.yaml`));
  if (catalogue.function !== chosen)
    throw new InputError(`${catalogue.file}: function is ${catalogue.function}; a catalogue is named after its function (spec/${catalogue.function}.yaml)`);
  return catalogue;
}

/**
 * A function's own folder under `root` (reports/, expectations/): root itself for the default function,
 * root/NAME for another, so that adding a page moves nothing of the first's.
 */
export function functionFolder(root: string, name: string, dir: string = SPEC_DIR): string {
  return name === defaultFunction(dir) ? root : path.join(root, name);
}

/** cucumber's paths for a function's features: the .feature files directly in its folder (a subfolder is another function's). */
export function featurePaths(catalogue: Catalogue): string[] {
  return [`${catalogue.features.replace(/\\/g, '/').replace(/\/+$/, '')}/*.feature`];
}

/** Is a feature file (relative to the repository) one of the catalogue's, by featurePaths' rule? */
export function isFeatureOf(catalogue: Catalogue, relativeFile: string): boolean {
  return path.normalize(path.dirname(relativeFile)) === path.normalize(catalogue.features);
}

/** The page file of a catalogue, where it lies. */
export function pageFile(catalogue: Catalogue): string {
  return path.resolve(REPO_ROOT, catalogue.page);
}

/** Does this entry need a scenario of its own? */
export function isTestable(r: Requirement): boolean {
  return r.testing !== 'covered' && r.testing !== 'not-testable';
}

const KNOWN_FIELDS = new Set(['id', 'section', 'strength', 'rule', 'testing', 'coveredBy', 'why', 'notes', 'anchors']);
const ANCHOR_FIELDS = new Set(['at', 'hash']);
const NON_NORMATIVE_FIELDS = new Set(['reason', 'anchors']);
const HASH = new RegExp(`^[0-9a-f]{${HASH_LENGTH}}$`);

function readAnchors(yaml: YamlFile, list: unknown, owner: string, where: string): Anchor[] {
  if (list === undefined || list === null) return [];
  if (!isSeq(list)) throw new InputError(`${where}: ${owner}: anchors must be a list of { at, hash }`);
  return listEntries(yaml, list, ANCHOR_FIELDS, () => `an anchor of ${owner}`).map(({ where: at, text, fields }) => {
    // Quoted: YAML reads an unquoted hash such as 9059023773e4 as a number.
    const hash = fields.hash;
    if (typeof hash !== 'string' || !HASH.test(hash))
      throw new InputError(`${at}: an anchor of ${owner}: hash must be ${HASH_LENGTH} hex digits in quotes, not ${String(hash)}`);
    return { at: text('at'), hash, where: at };
  });
}

/**
 * Catalogues read in this process, by file and the version of it read: a run reads its catalogue in more
 * than one place (the command, the Allure formatter's links), and parsing it is the dear part (20-40 ms).
 */
const loaded = new Map<string, { version: string; catalogue: Catalogue }>();

export function loadCatalogue(file: string): Catalogue {
  const stat = existsSync(file) ? statSync(file) : null;
  const version = stat ? `${stat.mtimeMs}:${stat.size}` : '';
  const known = loaded.get(file);
  if (known && stat && known.version === version) return known.catalogue;
  const catalogue = parseCatalogue(file);
  if (stat) loaded.set(file, { version, catalogue });
  return catalogue;
}

function parseCatalogue(file: string): Catalogue {
  const yaml = readYamlFile(file, 'catalogue');
  const { display, root, at } = yaml;
  if (!isMap(root)) throw new InputError(`${display}:1: the catalogue must be a mapping with function, page, url and requirements`);
  const fn = root.get('function');
  const page = root.get('page');
  const url = root.get('url');
  const features = root.get('features') ?? 'features';
  if (typeof fn !== 'string' || typeof page !== 'string' || typeof url !== 'string' || typeof features !== 'string')
    throw new InputError(`${at(root)}: function, page, url and features must be strings`);

  const requirements: Requirement[] = [];
  const entries = listEntries(yaml, root.get('requirements', true), KNOWN_FIELDS, (fields) => `requirement ${String(fields.id ?? '?')}`);
  for (const { where, fields: entry, text, node } of entries) {
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
      anchors: readAnchors(yaml, node('anchors'), id, where),
      where,
    });
  }
  const nonNormative = root.has('nonNormative')
    ? listEntries(yaml, root.get('nonNormative', true), NON_NORMATIVE_FIELDS, () => 'a non-normative group').map(({ where, text, node }) => ({
        reason: text('reason'),
        anchors: readAnchors(yaml, node('anchors'), 'a non-normative group', where),
        where,
      }))
    : [];
  return { file: display, function: fn, page, url, features, requirements, nonNormative };
}
