// What real Windows is known to do, per entry of a catalogue: the public evidence, cited, kept beside the
// catalogue as spec/<function>.windows-evidence.yaml. Evidence, never a verdict: the suite judges what a run
// observes against the page; this tells a reader what public tests and documents say of real Windows, where
// they say it, and whether that agrees with the rule. Nothing of a source is copied: an item paraphrases
// what it shows and locates the lines by number and by the hash of their text.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq } from 'yaml';
import { InputError } from '../core/input-error';
import { listEntries, readYamlFile, type YamlFile } from '../core/yaml-file';
import { HASH_LENGTH, normalise, statementHash } from './statement-hash';
import type { Catalogue } from './catalogue';

/**
 * Where an item comes from: a test that runs on real Windows (Wine's conformance tests, which Wine's test
 * bot runs on Windows; ReactOS's apitests, written to pass on Windows), Microsoft's documentation, or
 * ReactOS's own code, which is evidence of ReactOS only.
 */
export const EVIDENCE_KINDS = ['test-on-windows', 'microsoft-documentation', 'reactos-code'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** How an item bears on the entry's rule. */
export const BEARINGS = ['agrees', 'contradicts', 'says-more'] as const;
export type Bearing = (typeof BEARINGS)[number];

/** How each bearing reads in a report. */
export const BEARING_WORDS: Record<Bearing, string> = {
  agrees: 'agrees with the rule',
  contradicts: 'contradicts the rule',
  'says-more': 'says more than the page',
};

/** How each kind reads in a report. */
export const KIND_WORDS: Record<EvidenceKind, string> = {
  'test-on-windows': 'a test that runs on Windows',
  'microsoft-documentation': 'Microsoft documentation',
  'reactos-code': 'ReactOS code (evidence of ReactOS, not of Windows)',
};

/** The kinds that speak of real Windows; an entry needs one of these or says none was found. */
export function isOfWindows(kind: EvidenceKind): boolean {
  return kind !== 'reactos-code';
}

/** A body of source code items cite, e.g. Wine 8.0 as Debian packages it. */
export interface EvidenceSource {
  id: string;
  /** How a citation names it: `wine 8.0 (Debian 8.0~repack-4)`. */
  cite: string;
  /** What it is, and why it speaks of Windows (or of what else). */
  what: string;
  /** How a reader gets the very text cited. */
  get: string;
  /** A browsable address of a cited range: `{file}`, `{from}` and `{to}` are filled in; null when there is none. */
  url: string | null;
  where: string;
}

/** Lines of a file, as ranges; a single line is a range of one. */
export interface LineRange {
  from: number;
  to: number;
}

/** Cited lines of a source file: where they are and the hash of their text, which a checkout of the source can verify. */
export interface SourceCitation {
  source: EvidenceSource;
  file: string;
  lines: LineRange[];
  /** The first HASH_LENGTH hex digits of the SHA-256 of the cited lines' text, white space collapsed. */
  hash: string;
  /** The function or test the lines are in. */
  in: string;
}

/** A page of Microsoft's documentation and the part of it cited. */
export interface DocumentCitation {
  url: string;
  title: string;
  section: string;
  /** Which edition of the page, where it says (a date, a product). */
  edition: string | null;
}

export interface EvidenceItem {
  kind: EvidenceKind;
  citation: SourceCitation | DocumentCitation;
  /** The call the source exercises or describes: WSARecvDisconnect itself, or shutdown(SD_RECEIVE), which the page calls equivalent. */
  call: string;
  /** What it shows, in the suite's own words. */
  shows: string;
  /** Which Windows versions, where the source says. */
  windows: string | null;
  bearing: Bearing;
  where: string;
}

/** One catalogue entry's evidence: items, and what no public source was found to show. */
export interface EntryEvidence {
  id: string;
  items: EvidenceItem[];
  /** What was looked for and not found (beyond the places every entry was looked for in), or null. */
  notFound: string | null;
  where: string;
}

export interface WindowsEvidence {
  file: string;
  function: string;
  /** Where the evidence was looked for, for every entry. */
  searched: string[];
  sources: EvidenceSource[];
  entries: EntryEvidence[];
}

/** The evidence file of a catalogue: beside it, spec/<function>.windows-evidence.yaml. */
export function windowsEvidenceFile(catalogue: Catalogue): string {
  return path.join(path.dirname(path.resolve(catalogue.file)), `${catalogue.function}.windows-evidence.yaml`);
}

export function isSourceCitation(citation: SourceCitation | DocumentCitation): citation is SourceCitation {
  return 'source' in citation;
}

/** A citation as a reader follows it: `wine 8.0 (Debian 8.0~repack-4) dlls/ws2_32/tests/sock.c:9019-9032 test_shutdown`, or the page's title, section and address. */
export function citationText(citation: SourceCitation | DocumentCitation): string {
  if (!isSourceCitation(citation)) return `${citation.title}${citation.edition ? ` (${citation.edition})` : ''}, ${citation.section}: ${citation.url}`;
  return `${citation.source.cite} ${citation.file}:${formatLines(citation.lines)} ${citation.in}`;
}

/** The address a reader can open, or null: a document's, or the source's browsable address of the first range. */
export function citationUrl(citation: SourceCitation | DocumentCitation): string | null {
  if (!isSourceCitation(citation)) return citation.url;
  const first = citation.lines[0];
  if (!citation.source.url || !first) return null;
  return citation.source.url.replace('{file}', citation.file).replace('{from}', String(first.from)).replace('{to}', String(first.to));
}

export function formatLines(lines: readonly LineRange[]): string {
  return lines.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',');
}

/** `9019-9032`, `11113` or `48-77,107-114`: ascending ranges of one file; null when malformed. */
export function parseLines(text: string): LineRange[] | null {
  const ranges: LineRange[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!match) return null;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    const previous = ranges[ranges.length - 1];
    if (from < 1 || to < from || (previous && from <= previous.to)) return null;
    ranges.push({ from, to });
  }
  return ranges.length > 0 ? ranges : null;
}

/** The hash a citation quotes for the cited lines of a file's text. */
export function linesHash(text: string, lines: readonly LineRange[]): string {
  const all = text.split(/\r?\n/);
  return statementHash(normalise(lines.flatMap((r) => all.slice(r.from - 1, r.to)).join('\n')));
}

/** How many lines a file's text has (a last line without its newline counts). */
function lineCount(text: string): number {
  const lines = text.split(/\r?\n/);
  return lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
}

// --- reading the file ---------------------------------------------------------------------------

const SOURCE_FIELDS = new Set(['id', 'cite', 'what', 'get', 'url']);
const ENTRY_FIELDS = new Set(['id', 'evidence', 'notFound']);
const ITEM_FIELDS = new Set(['kind', 'source', 'file', 'lines', 'hash', 'in', 'url', 'title', 'section', 'edition', 'call', 'shows', 'windows', 'bearing']);
const SOURCE_ITEM_ONLY = ['source', 'file', 'lines', 'hash', 'in'];
const DOCUMENT_ITEM_ONLY = ['url', 'title', 'section', 'edition'];
const HASH = new RegExp(`^[0-9a-f]{${HASH_LENGTH}}$`);

function optionalText(value: unknown, where: string, what: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${where}: ${what} must be text`);
  return value.trim();
}

function readItem(
  entry: { where: string; fields: Record<string, unknown>; text(field: string): string },
  owner: string,
  sources: ReadonlyMap<string, EvidenceSource>,
): EvidenceItem {
  const { where, fields, text } = entry;
  const kind = text('kind');
  if (!(EVIDENCE_KINDS as readonly string[]).includes(kind))
    throw new InputError(`${where}: ${owner}: kind '${kind}' is not one of ${EVIDENCE_KINDS.join(', ')}`);
  const bearing = text('bearing');
  if (!(BEARINGS as readonly string[]).includes(bearing)) throw new InputError(`${where}: ${owner}: bearing '${bearing}' is not one of ${BEARINGS.join(', ')}`);
  let citation: SourceCitation | DocumentCitation;
  if (kind === 'microsoft-documentation') {
    const stray = SOURCE_ITEM_ONLY.filter((f) => f in fields);
    if (stray.length > 0) throw new InputError(`${where}: ${owner}: a document is cited by url, title and section, not by ${stray.join(', ')}`);
    const url = text('url');
    if (!/^https:\/\/\S+$/.test(url)) throw new InputError(`${where}: ${owner}: url must be an https address, not ${url}`);
    citation = { url, title: text('title'), section: text('section'), edition: optionalText(fields.edition, where, 'edition') };
  } else {
    const stray = DOCUMENT_ITEM_ONLY.filter((f) => f in fields);
    if (stray.length > 0) throw new InputError(`${where}: ${owner}: source code is cited by source, file, lines, hash and in, not by ${stray.join(', ')}`);
    const sourceId = text('source');
    const source = sources.get(sourceId);
    if (!source) throw new InputError(`${where}: ${owner}: source '${sourceId}' is not among the file's sources (${[...sources.keys()].join(', ')})`);
    const lines = parseLines(String(fields.lines ?? ''));
    if (!lines)
      throw new InputError(`${where}: ${owner}: lines must be ascending line numbers or ranges (9019-9032, 48-77,107-114), not ${String(fields.lines)}`);
    // Quoted: YAML reads an unquoted hash such as 9059023773e4 as a number.
    const hash = fields.hash;
    if (typeof hash !== 'string' || !HASH.test(hash))
      throw new InputError(`${where}: ${owner}: hash must be ${HASH_LENGTH} hex digits in quotes, not ${String(hash)}`);
    citation = { source, file: text('file'), lines, hash, in: text('in') };
  }
  return {
    kind: kind as EvidenceKind,
    citation,
    call: text('call'),
    shows: text('shows'),
    windows: optionalText(fields.windows, where, 'windows'),
    bearing: bearing as Bearing,
    where,
  };
}

function readSources(yaml: YamlFile, list: unknown): EvidenceSource[] {
  if (list === undefined || list === null) return [];
  return listEntries(yaml, list, SOURCE_FIELDS, (f) => `source ${String(f.id ?? '?')}`).map(({ where, fields, text }) => {
    const url = optionalText(fields.url, where, 'url');
    if (url !== null && !url.includes('{file}')) throw new InputError(`${where}: source ${text('id')}: url must place the cited file with {file}`);
    return { id: text('id'), cite: text('cite'), what: text('what'), get: text('get'), url, where };
  });
}

/** Read and shape-check an evidence file; a malformed one is one InputError line with file:line. */
export function loadWindowsEvidence(file: string): WindowsEvidence {
  const yaml = readYamlFile(file, 'Windows evidence');
  const { display, root, at } = yaml;
  if (!isMap(root)) throw new InputError(`${display}:1: the Windows evidence must be a mapping with function, searched, sources and entries`);
  const fn = root.get('function');
  if (typeof fn !== 'string') throw new InputError(`${at(root)}: function must be a string`);
  const searchedNode = root.get('searched', true);
  const searched: unknown[] = isSeq(searchedNode) ? (searchedNode.toJSON() as unknown[]) : [];
  if (searched.length === 0 || searched.some((s) => typeof s !== 'string' || s.trim() === ''))
    throw new InputError(`${at(searchedNode ?? root)}: searched must list where the evidence was looked for`);
  const sourceList = readSources(yaml, root.get('sources', true));
  const sources = new Map<string, EvidenceSource>();
  for (const source of sourceList) {
    if (sources.has(source.id)) throw new InputError(`${source.where}: source ${source.id} is listed twice`);
    sources.set(source.id, source);
  }
  const entries = listEntries(yaml, root.get('entries', true), ENTRY_FIELDS, (f) => `entry ${String(f.id ?? '?')}`).map(({ where, fields, text, node }) => {
    const id = text('id');
    const list = node('evidence');
    const items =
      list === undefined || list === null ? [] : listEntries(yaml, list, ITEM_FIELDS, () => `an item of ${id}`).map((item) => readItem(item, id, sources));
    return { id, items, notFound: optionalText(fields.notFound, where, `${id}: notFound`), where };
  });
  return { file: display, function: fn, searched: searched as string[], sources: sourceList, entries };
}

// --- checking it against the catalogue and the sources ------------------------------------------

export interface EvidenceCheck {
  problems: string[];
  /** Entries with an item of Windows, entries that say none was found (and have none), of the catalogue's. */
  withWindowsEvidence: number;
  noneFound: number;
  total: number;
  /** Source citations, those checked against a local copy of their source, and the sources not given. */
  sourceCitations: number;
  checked: number;
  unchecked: string[];
}

/**
 * Hold the evidence to the catalogue: one entry per requirement, each with an item of Windows or a
 * `notFound`; and, for each source given a local copy (`sourceDirs`, by source id), each cited file's lines
 * there and their hash. A wrong hash names the one the lines have, to be checked and pasted.
 */
export function checkWindowsEvidence(catalogue: Catalogue, evidence: WindowsEvidence, sourceDirs: ReadonlyMap<string, string> = new Map()): EvidenceCheck {
  const problems: string[] = [];
  if (evidence.function !== catalogue.function)
    problems.push(`${evidence.file}: function is ${evidence.function}, not ${catalogue.function} (the catalogue it stands beside)`);
  const byId = new Map<string, EntryEvidence>();
  for (const entry of evidence.entries) {
    if (byId.has(entry.id)) problems.push(`${entry.where}: ${entry.id} has two entries`);
    byId.set(entry.id, entry);
  }
  const ids = new Set(catalogue.requirements.map((r) => r.id));
  for (const entry of evidence.entries) if (!ids.has(entry.id)) problems.push(`${entry.where}: ${entry.id} is no entry of ${catalogue.file}`);
  let withWindowsEvidence = 0;
  let noneFound = 0;
  for (const r of catalogue.requirements) {
    const entry = byId.get(r.id);
    if (!entry) {
      problems.push(`${evidence.file}: ${r.id} (${r.where}) has no entry: cite what Windows is known to do, or say under notFound that nothing was found`);
      continue;
    }
    if (entry.items.some((item) => isOfWindows(item.kind))) withWindowsEvidence += 1;
    else if (entry.notFound !== null) noneFound += 1;
    else problems.push(`${entry.where}: ${r.id} has neither evidence of Windows nor notFound`);
  }
  const unused = evidence.sources.filter((s) => !evidence.entries.some((e) => e.items.some((i) => isSourceCitation(i.citation) && i.citation.source === s)));
  for (const source of unused) problems.push(`${source.where}: source ${source.id} is cited by no item`);

  let sourceCitations = 0;
  let checked = 0;
  const texts = new Map<string, string | null>();
  for (const entry of evidence.entries) {
    for (const item of entry.items) {
      const citation = item.citation;
      if (!isSourceCitation(citation)) continue;
      sourceCitations += 1;
      const dir = sourceDirs.get(citation.source.id);
      if (dir === undefined) continue;
      checked += 1;
      const file = path.join(dir, citation.file);
      if (!texts.has(file)) texts.set(file, existsSync(file) ? readFileSync(file, 'utf8') : null);
      const text = texts.get(file) ?? null;
      const cited = `${citation.file}:${formatLines(citation.lines)}`;
      if (text === null) {
        problems.push(`${item.where}: ${entry.id}: ${citation.file} is not in ${citation.source.id} (${dir})`);
        continue;
      }
      const last = citation.lines[citation.lines.length - 1]?.to ?? 0;
      const count = lineCount(text);
      if (last > count) {
        problems.push(`${item.where}: ${entry.id}: ${cited} is past the end of the file (${count} lines)`);
        continue;
      }
      const actual = linesHash(text, citation.lines);
      if (actual !== citation.hash)
        problems.push(
          `${item.where}: ${entry.id}: ${cited} in ${citation.source.id} hash to '${actual}', not '${citation.hash}': check the lines say what the item says, then quote that hash`,
        );
    }
  }
  const unchecked = evidence.sources.filter((s) => !sourceDirs.has(s.id)).map((s) => s.id);
  return { problems, withWindowsEvidence, noneFound, total: catalogue.requirements.length, sourceCitations, checked, unchecked };
}

/** The evidence of a catalogue, or null when it has no evidence file (a report of runs copied elsewhere still builds). */
export function windowsEvidenceOf(catalogue: Catalogue): WindowsEvidence | null {
  const file = windowsEvidenceFile(catalogue);
  return existsSync(file) ? loadWindowsEvidence(file) : null;
}
