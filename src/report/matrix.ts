// The compliance matrix: every requirement of the catalogue down, one column per run (a backend on a
// host, read from its verdicts.json) across, Winsock implementations first; and the texts its cells cite
// (a recorded deviation's reason and evidence, a deviation's detail, an N/A's reason), each said once as a
// numbered note. Pure: runs and catalogue in, a model out; render.ts turns the model into HTML and
// Markdown, src/cli/report.ts does the reading and writing. A new per-requirement fact goes on MatrixRow,
// a new per-run one on MatrixColumn, a new per-run-and-requirement one on MatrixCell.
import path from 'node:path';
import { scenarioKey } from '../run-outputs/keys';
import { scenarioFiles } from '../run-outputs/scenario-files';
import type { Catalogue, Requirement } from '../catalogue/catalogue';
import type { EntryEvidence, WindowsEvidence } from '../catalogue/windows-evidence';
import { requirementVerdict } from '../verdicts/verdicts';
import { lackedObservers, qualifiedVerdict, unobservedClause, type Verdict } from '../verdicts/meanings';
import type { Unobserved } from '../core/outcomes';
import { runFiles, type ExpectationRecord, type RunRecord, type ScenarioRecord } from '../verdicts/run-record';
import { sectionUrl } from '../catalogue/published-page';
import { COLUMN_KINDS, columnKind, columnNote, type ColumnKind } from '../testbeds/registry';
import { namedFacts } from '../testbeds/agent-controller/facts';
import { summaryLine } from '../cli/verdict-lines';
import { describeRevision } from '../verdicts/run-identity';
import type { RunDiff } from './diff';

/** A run and where its evidence is, as hrefs relative to the matrix file. */
export interface RunSource {
  /** The folder, as shown to the reader. */
  folder: string;
  record: RunRecord;
  /** Facts about the run (versions, host), e.g. from the testbed's metadata. */
  facts: Record<string, string>;
  /** The run's Allure report (index.html). */
  allureReport: string | null;
  /** Allure's test-result id by scenario key (see scenarioKey). */
  allureIds: Record<string, string>;
  /**
   * The run's files by their path in its folder, '/'-separated (`verdicts.json`, `logs/<scenario>.call-log.txt`,
   * `pcap/<scenario>.pcap`), as hrefs: each scenario's evidence, and what an expectation's evidence names.
   */
  files: Record<string, string>;
}

/** A link to evidence: `Allure` (the scenario's test), `call log`, `wire log`, `pcap`, or a file or page an expectation names. */
export interface EvidenceLink {
  label: string;
  href: string;
}

export interface CellScenario {
  name: string;
  location: string;
  verdict: Verdict;
  /** Its verdict as every output reads it: `PASS`, or `PASS, without the wire`. */
  reading: string;
  detail: string;
  /** The checks that could not look (a qualified PASS's), as verdicts.json records them. */
  unobserved: Unobserved[];
  /** The recorded deviation it was judged against, or null. */
  expectation: ExpectationRecord | null;
  /** Its evidence in its run: its Allure test, call log, wire log and pcap, those the run has. */
  links: EvidenceLink[];
  /** The notes (MatrixNote.number) that say why it reads so: its detail, its recorded deviation, what it could not observe. */
  notes: number[];
}

/** A requirement on one run. NOT RUN: the requirement has scenarios, but none ran here (e.g. --tags). */
export interface MatrixCell {
  verdict: Verdict | 'NOT RUN';
  /** The same over what was observed, before expectations: what the verdict line counts. */
  observed: Verdict | 'NOT RUN';
  /**
   * The observers its checks lacked where the implementation was observed to keep the rule (the wire): the
   * cell reads `PASS, without the wire`, and the requirement is not established. Empty otherwise.
   */
  unobserved: string[];
  /** The verdict as the cell reads it: `PASS`, or `PASS, without the wire`. */
  reading: string;
  scenarios: CellScenario[];
  /** The scenario whose verdict is the cell's (the loudest), or null where none ran. */
  deciding: CellScenario | null;
  /** The recorded deviation behind an XFAIL or XPASS. */
  expectation: ExpectationRecord | null;
  /** The link a reader follows first: the deciding scenario's Allure test, else its call log. */
  primary: EvidenceLink | null;
  /** The notes its scenarios cite, each once, in order. */
  notes: number[];
}

export type RowKind = 'tested' | 'covered' | 'not-testable';

export interface MatrixRow {
  requirement: Requirement;
  sectionUrl: string;
  kind: RowKind;
  /** Why there is no verdict: the covering entries, or why it cannot be tested. */
  note: string | null;
  coveredBy: string[];
  /** One per column, in the columns' order. */
  cells: MatrixCell[];
  /** What real Windows is known to do for this requirement (cited evidence, never a verdict); null when no evidence file lists it. */
  windows: EntryEvidence | null;
}

export type MustAnswer = 'yes' | 'no' | 'not established';

/** What a part of a column's verdict line counts. */
export type SummaryPartKind = 'answer' | 'deviations' | 'optional-absent' | 'not-established' | 'unknown' | 'not-applicable' | 'stale-expectations';

/** A part of the verdict line, `3 requirements with a deviation`, with the requirements it counts. */
export interface SummaryPart {
  kind: SummaryPartKind;
  text: string;
  requirements: string[];
}

export interface ColumnSummary {
  /** yes: no MUST observed broken and none unknown; `observedEveryMust` says whether that covers every MUST. */
  keepsEveryMust: MustAnswer;
  /**
   * Whether every MUST was established here: none N/A, none kept only as far as a run without one of its
   * observers could look ("PASS, without the wire"), none unknown. A yes over fewer reads "keeps every MUST
   * it could observe: yes".
   */
  observedEveryMust: boolean;
  /** The MUSTs not established, by why: `N/A`, `without the wire`, `BROKEN, TIMEOUT or not run`; each requirement once. */
  mustsNotEstablished: { why: string; requirements: string[] }[];
  /** Requirements observed to FAIL, whether or not the deviation is recorded (XFAIL). Only MUSTs can FAIL. */
  deviations: string[];
  /** MAY requirements observed OPTIONAL. */
  optionalAbsent: string[];
  /** Observed BROKEN or TIMEOUT, or NOT RUN: nothing is known of them here. Any MUST among them leaves the answer open. */
  unknown: string[];
  notApplicable: string[];
  /** XPASS: recorded as deviating but passed; the expectations file is out of date. */
  staleExpectations: string[];
  /** The verdict line, part by part: the answer first. */
  parts: SummaryPart[];
  /** The parts' texts joined: the line the console prints for the run. */
  line: string;
}

export interface MatrixColumn {
  /** The run's label, else its backend and options; the folder is added where two columns would read the same. */
  title: string;
  backend: string;
  /** What the run is: a Winsock implementation, the reference simulator, or a comparison; it orders the columns. */
  kind: ColumnKind;
  /** The backend and its options, e.g. `simulator (mutant=fin-sent)`: said under a labelled column's title. */
  backendTitle: string;
  label: string | null;
  options: Record<string, string>;
  /** When the run started (ISO 8601), or null for a record that does not say. */
  startedAt: string | null;
  /** The suite's revision, e.g. `0.1.0 at 7e3b4366697d, with local changes`. */
  revision: string;
  /** The expectations file the run was judged by, or null. */
  expectations: string | null;
  /** What chose the run's scenarios, or null for the whole suite. */
  selection: string | null;
  folder: string;
  facts: Record<string, string>;
  /**
   * The facts every report names beside the run, not only among its facts (`key: value`): where the agent
   * contradicts what the controller observed, and a Wine run's TCP/IP, which is its host's.
   */
  named: string[];
  allureReport: string | null;
  counts: Record<Verdict, number>;
  /** The scenarios' counts as the run's last console line says them: `83 scenarios: 70 PASS, 5 XFAIL, ...`. */
  scenarios: string;
  summary: ColumnSummary;
  /** What the column is, where it is not a Winsock implementation (the backend registry's columnNote). */
  note: string | null;
}

/** What a note says. */
export type NoteKind = 'recorded' | 'detail' | 'unobserved';

/** A piece of evidence as a reader follows it: what it is, and its links (none where this run lacks it). */
export interface ResolvedEvidence {
  what: string;
  links: EvidenceLink[];
}

/** Where a note is cited: one run, the scenarios of it the note speaks of, and the evidence there. */
export interface NoteCitation {
  /** The column, in the matrix's order. */
  column: number;
  scenarios: CellScenario[];
  /** For a recorded deviation: the evidence its expectation names, found in this run's own reports. */
  evidence: ResolvedEvidence[];
}

/**
 * A text said once for the whole matrix, which the cells cite by number: a recorded deviation (what was
 * observed, the reason, the evidence), a deviation's or N/A's detail, or what a check could not observe.
 */
export interface MatrixNote {
  /** 1, 2, ...: in the order the rows, then the columns, first cite it. */
  number: number;
  requirement: string;
  kind: NoteKind;
  /** The detail, or what could not be observed; for a recorded deviation, its reason. */
  text: string;
  /** For a recorded deviation: the expectations that give this reason (one, or several entries that share it), each with what it observed. */
  expectations: ExpectationRecord[];
  /** A recorded deviation's evidence that no run's folder holds: source locations, and links elsewhere. */
  sources: ResolvedEvidence[];
  citations: NoteCitation[];
}

export interface Matrix {
  function: string;
  page: string;
  /** Winsock implementations first, then the reference simulator, then the comparison; a comparison of two runs keeps its order (old, new). */
  columns: MatrixColumn[];
  rows: MatrixRow[];
  /** Every text a cell cites, once. */
  notes: MatrixNote[];
  /** Scenarios whose requirement the catalogue does not know (an old run, or a lint:trace failure). */
  unmatched: { column: string; scenario: string; location: string; requirement: string | null; verdict: Verdict }[];
  /** A comparison of the first run (old) with the last (new): `npm run report -- --diff OLD NEW`. */
  diff: RunDiff | null;
}

// --- the model ------------------------------------------------------------------------------------

function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/** A path of the run's folder as RunSource.files names it: '/'-separated. */
function inFolder(file: string): string {
  return file.split(path.sep).join('/');
}

/** A scenario's evidence in its run: its Allure test, then its call log, wire log and pcap, those the run has. */
function scenarioLinks(source: RunSource, scenario: ScenarioRecord): EvidenceLink[] {
  const links: EvidenceLink[] = [];
  const allureId = source.allureIds[scenarioKey(scenario.location, scenario.name)];
  if (source.allureReport && allureId) links.push({ label: 'Allure', href: `${source.allureReport}#${allureId}` });
  const files = scenarioFiles('', scenario.location, scenario.name);
  for (const [label, file] of [
    ['call log', files.callLog],
    ['wire log', files.wireLog],
    ['pcap', files.pcap],
  ] as const) {
    const href = source.files[inFolder(file)];
    if (href) links.push({ label, href });
  }
  return links;
}

/** The run files a run's folder holds at its top, by name (`verdicts.json`, `pcap`): where an expectation's path enters the run. */
const RUN_ENTRIES = new Set(Object.values(runFiles('')).map((file) => inFolder(file).split('/')[0] ?? ''));

/**
 * The part of a path an expectation names (`reports/wine/pcap/x.pcap`, written for the run of its
 * backend's default folder) that is inside any run's folder (`pcap/x.pcap`), or null: an expectation is
 * judged against whichever run it is shown with, so its files are that run's.
 */
function pathInRun(file: string): string | null {
  const segments = file.split('/');
  const at = segments.findIndex((segment, i) => i > 0 && RUN_ENTRIES.has(segment));
  return at < 0 ? null : segments.slice(at).join('/');
}

/** One evidence item of an expectation: `<file>[, note]`, a URL, or a source location. */
function evidenceItems(evidence: string): string[] {
  return evidence
    .split(/;\s+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The run's file an evidence item names first (`reports/wine/pcap/x.pcap; ...`), as a path in any run's folder, or null: a URL or a source location. */
function fileOfItem(item: string): string | null {
  return isUrl(item) ? null : pathInRun(item.split(/[\s,]/, 1)[0] ?? '');
}

/** The items of a recorded deviation's evidence that are no run's file: source locations, and URLs as links. */
function evidenceSources(expectation: ExpectationRecord): ResolvedEvidence[] {
  return evidenceItems(expectation.evidence)
    .filter((item) => fileOfItem(item) === null)
    .map((item) => ({ what: item, links: isUrl(item) ? [{ label: item, href: item }] : [] }));
}

/**
 * The evidence of recorded deviations (one, or several sharing a reason) in the run of `source`: the
 * evidence of the scenarios each judged there and of those it names in quotes (Allure, call log, wire log,
 * pcap), then any other file it names, the run's own copy; each once. A file an expectation names as
 * another folder's (`reports/wine/...`) is this run's, so a column of the native agent links its own
 * captures, and a bundle its copies.
 */
function evidenceInRun(judged: readonly { expectation: ExpectationRecord; scenarios: readonly CellScenario[] }[], source: RunSource): ResolvedEvidence[] {
  const items = [...new Set(judged.flatMap(({ expectation }) => evidenceItems(expectation.evidence)))];
  const scenarios = new Map(
    judged.flatMap((j) => j.scenarios).map((s) => [scenarioKey(s.location, s.name), { what: `${s.location} ${s.name}`, links: s.links }]),
  );
  const missing: ResolvedEvidence[] = [];
  for (const [, name] of items.flatMap((item) => [...item.matchAll(/"([^"]+)"/g)])) {
    const scenario = source.record.results.find((r) => r.name === name);
    if (!scenario) {
      if (!missing.some((m) => m.what === `"${name}": not run here`)) missing.push({ what: `"${name}": not run here`, links: [] });
    } else if (!scenarios.has(scenarioKey(scenario.location, scenario.name))) {
      scenarios.set(scenarioKey(scenario.location, scenario.name), { what: `${scenario.location} ${scenario.name}`, links: scenarioLinks(source, scenario) });
    }
  }
  const resolved = [...scenarios.values(), ...missing];
  const linked = new Set(resolved.flatMap((r) => r.links.map((l) => l.href)));
  for (const item of items) {
    const file = fileOfItem(item);
    // A file named with scenarios is where they were read (a step log of an older run): their evidence is linked above.
    if (file === null || /"[^"]+"/.test(item)) continue;
    const href = source.files[file];
    if (!href) resolved.push({ what: `${file}: not in this run's reports`, links: [] });
    else if (!linked.has(href)) {
      linked.add(href);
      resolved.push({ what: file, links: [{ label: file.split('/').pop() ?? file, href }] });
    }
  }
  return resolved;
}

function backendTitle(record: RunRecord): string {
  const options = Object.entries(record.backendOptions).map(([k, v]) => `${k}=${v}`);
  return options.length > 0 ? `${record.backend} (${options.join(', ')})` : record.backend;
}

/** A run's column title: its label (the implementation under test), else its backend and options; the folder where two would read the same. */
function columnTitle(source: RunSource, all: readonly RunSource[]): string {
  const base = (s: RunSource): string => s.record.label ?? backendTitle(s.record);
  const twins = all.filter((s) => base(s) === base(source));
  return twins.length > 1 ? `${base(source)} @ ${source.folder}` : base(source);
}

/**
 * The runs in the order of the columns: Winsock implementations first, the reference simulator, then the
 * comparison; within each, by title, numbers read as numbers (Wine 8.0 before Wine 10.0), so that the runs
 * of one implementation (its versions, its agents) stand side by side.
 */
function columnOrder(sources: readonly RunSource[]): RunSource[] {
  const rank = (s: RunSource): number => COLUMN_KINDS.indexOf(columnKind(s.record.backend));
  const title = new Map(sources.map((s) => [s, columnTitle(s, sources)]));
  return [...sources].sort((a, b) => rank(a) - rank(b) || (title.get(a) ?? '').localeCompare(title.get(b) ?? '', 'en', { numeric: true }));
}

function cellFor(requirement: Requirement, source: RunSource): MatrixCell {
  const scenarios = source.record.results.filter((r) => r.requirement === requirement.id);
  if (scenarios.length === 0)
    return {
      verdict: 'NOT RUN',
      observed: 'NOT RUN',
      unobserved: [],
      reading: 'NOT RUN',
      scenarios: [],
      deciding: null,
      expectation: null,
      primary: null,
      notes: [],
    };
  const verdict = requirementVerdict(scenarios.map((s) => s.verdict));
  const observed = requirementVerdict(scenarios.map((s) => s.observed));
  // Where the rule was observed kept, a scenario whose check could not look leaves it short of established.
  const unobserved = observed === 'PASS' ? [...new Set(scenarios.flatMap((s) => lackedObservers({ verdict: s.observed, unobserved: s.unobserved })))] : [];
  const reading = unobserved.length > 0 ? `${verdict}, without ${unobserved.join(' and ')}` : verdict;
  const cellScenarios: CellScenario[] = scenarios.map((s) => ({
    name: s.name,
    location: s.location,
    verdict: s.verdict,
    reading: qualifiedVerdict(s),
    detail: s.detail,
    unobserved: s.unobserved,
    expectation: s.expectation,
    links: scenarioLinks(source, s),
    notes: [],
  }));
  const at = Math.max(
    0,
    scenarios.findIndex((s) => s.verdict === verdict),
  );
  const deciding = cellScenarios[at] ?? null;
  return {
    verdict,
    observed,
    unobserved,
    reading,
    scenarios: cellScenarios,
    deciding,
    expectation: deciding?.expectation ?? null,
    primary: deciding?.links[0] ?? null,
    notes: [],
  };
}

/** What a scenario's verdict rests on, said in a note: its recorded deviation, its detail, or what it could not observe. */
function noteOf(record: CellScenario): { kind: NoteKind; text: string; expectation: ExpectationRecord | null } | null {
  if (record.expectation && (record.verdict === 'XFAIL' || record.verdict === 'XPASS'))
    return { kind: 'recorded', text: record.expectation.reason, expectation: record.expectation };
  if (record.verdict !== 'PASS' && record.detail) return { kind: 'detail', text: record.detail, expectation: null };
  if (lackedObservers(record).length > 0) return { kind: 'unobserved', text: unobservedClause(record.unobserved), expectation: null };
  return null;
}

/**
 * Number the texts the cells cite, each once per requirement, in the order the rows and then the columns
 * first cite it; fill in each cell's and scenario's note numbers, and where each note is cited. A reason
 * several expectations of one requirement give (one per scenario, as the POSIX column's) is one note.
 */
function collectNotes(rows: readonly MatrixRow[], sources: readonly RunSource[]): MatrixNote[] {
  const notes = new Map<string, MatrixNote>();
  /** The scenarios each expectation judged, by note and column: where its evidence is looked for. */
  const judged = new Map<MatrixNote, Map<number, Map<string, { expectation: ExpectationRecord; scenarios: CellScenario[] }>>>();
  for (const row of rows) {
    row.cells.forEach((cell, column) => {
      for (const scenario of cell.scenarios) {
        const said = noteOf(scenario);
        if (!said) continue;
        const key = [row.requirement.id, said.kind, said.expectation ? '' : scenario.verdict, said.text].join('\n');
        let note = notes.get(key);
        if (!note) {
          note = { number: notes.size + 1, requirement: row.requirement.id, kind: said.kind, text: said.text, expectations: [], sources: [], citations: [] };
          notes.set(key, note);
        }
        let citation = note.citations.find((c) => c.column === column);
        if (!citation) {
          citation = { column, scenarios: [], evidence: [] };
          note.citations.push(citation);
        }
        citation.scenarios.push(scenario);
        scenario.notes.push(note.number);
        if (!cell.notes.includes(note.number)) cell.notes.push(note.number);
        const { expectation } = said;
        if (!expectation) continue;
        const entry = JSON.stringify(expectation);
        if (!note.expectations.some((e) => JSON.stringify(e) === entry)) {
          note.expectations.push(expectation);
          for (const item of evidenceSources(expectation)) if (!note.sources.some((s) => s.what === item.what)) note.sources.push(item);
        }
        const byColumn = judged.get(note) ?? new Map<number, Map<string, { expectation: ExpectationRecord; scenarios: CellScenario[] }>>();
        judged.set(note, byColumn);
        const byEntry = byColumn.get(column) ?? new Map<string, { expectation: ExpectationRecord; scenarios: CellScenario[] }>();
        byColumn.set(column, byEntry);
        byEntry.set(entry, { expectation, scenarios: [...(byEntry.get(entry)?.scenarios ?? []), scenario] });
      }
    });
  }
  for (const [note, byColumn] of judged) {
    for (const citation of note.citations) {
      const source = sources[citation.column];
      if (!source) continue;
      citation.evidence = evidenceInRun([...(byColumn.get(citation.column)?.values() ?? [])], source);
    }
  }
  return [...notes.values()];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why a MUST observed BROKEN, TIMEOUT or not run is not established. */
const UNKNOWN = 'BROKEN, TIMEOUT or not run';

export function summarise(rows: readonly MatrixRow[], column: number): ColumnSummary {
  const deviations: string[] = [];
  const optionalAbsent: string[] = [];
  const unknown: string[] = [];
  const notApplicable: string[] = [];
  const staleExpectations: string[] = [];
  const mustsNotEstablished = new Map<string, string[]>();
  const notEstablished = (why: string, id: string): void => {
    mustsNotEstablished.set(why, [...(mustsNotEstablished.get(why) ?? []), id]);
  };
  for (const row of rows) {
    const cell = row.cells[column];
    if (row.kind !== 'tested' || !cell) continue;
    const { id, strength } = row.requirement;
    const must = strength === 'MUST';
    if (cell.verdict === 'XPASS') staleExpectations.push(id);
    // What the implementation did decides the answer; an expectation only keeps a known deviation from
    // failing the run (XFAIL is still a deviation, an expected BROKEN still unknown).
    switch (cell.observed) {
      case 'FAIL':
      case 'XFAIL':
        deviations.push(id);
        break;
      case 'OPTIONAL':
        optionalAbsent.push(id);
        break;
      case 'BROKEN':
      case 'TIMEOUT':
      case 'NOT RUN':
        unknown.push(id);
        if (must) notEstablished(UNKNOWN, id);
        break;
      case 'N/A':
        notApplicable.push(id);
        if (must) notEstablished('N/A', id);
        break;
      case 'XPASS':
      case 'PASS':
        if (must && cell.unobserved.length > 0) notEstablished(`without ${cell.unobserved.join(' and ')}`, id);
        break;
    }
  }
  const mustUnknown = mustsNotEstablished.get(UNKNOWN)?.length ?? 0;
  const keepsEveryMust: MustAnswer = deviations.length > 0 ? 'no' : mustUnknown > 0 ? 'not established' : 'yes';
  // N/A first, the unknown last, each observer lacked between.
  const order = (why: string): number => (why === 'N/A' ? 0 : why === UNKNOWN ? 2 : 1);
  const established = [...mustsNotEstablished.entries()].map(([why, requirements]) => ({ why, requirements })).sort((a, b) => order(a.why) - order(b.why));
  const observedEveryMust = established.length === 0;
  // The unknown MUSTs are counted among the requirements unknown, below: said once.
  const said = established.filter((e) => e.why !== UNKNOWN);
  const unestablished = said.reduce((n, e) => n + e.requirements.length, 0);
  const answer = `keeps every MUST${keepsEveryMust === 'yes' && !observedEveryMust ? ' it could observe' : ''}: ${keepsEveryMust}`;
  // Every count is of requirements, and says so: the console's summary counts scenarios, and a requirement
  // has one or several.
  const requirementCount = (n: number): string => plural(n, 'requirement', 'requirements');
  const parts: SummaryPart[] = [
    { kind: 'answer', text: answer, requirements: [] },
    { kind: 'deviations', text: `${requirementCount(deviations.length)} with a deviation`, requirements: deviations },
    { kind: 'optional-absent', text: `${requirementCount(optionalAbsent.length)} with an optional behaviour absent`, requirements: optionalAbsent },
  ];
  if (unestablished > 0)
    parts.push({
      kind: 'not-established',
      text: `${plural(unestablished, 'MUST requirement', 'MUST requirements')} not established: ${said.map((e) => `${e.requirements.length} ${e.why}`).join(', ')}`,
      requirements: said.flatMap((e) => e.requirements),
    });
  if (unknown.length > 0)
    parts.push({ kind: 'unknown', text: `${requirementCount(unknown.length)} unknown (BROKEN, TIMEOUT or not run)`, requirements: unknown });
  if (notApplicable.length > 0)
    parts.push({ kind: 'not-applicable', text: `${requirementCount(notApplicable.length)} not applicable here`, requirements: notApplicable });
  if (staleExpectations.length > 0)
    parts.push({
      kind: 'stale-expectations',
      text: `${requirementCount(staleExpectations.length)} with an expectation out of date (XPASS)`,
      requirements: staleExpectations,
    });
  return {
    keepsEveryMust,
    observedEveryMust,
    mustsNotEstablished: established,
    deviations,
    optionalAbsent,
    unknown,
    notApplicable,
    staleExpectations,
    parts,
    line: parts.map((p) => p.text).join('; '),
  };
}

/**
 * The matrix of `given` runs against `catalogue`: its columns in the order of columnOrder, or, for a
 * comparison (`diff`), as given (old, new). `windows`: the catalogue's evidence of what Windows is known to
 * do (src/catalogue/windows-evidence.ts), shown beside each row.
 */
export function buildMatrix(catalogue: Catalogue, given: readonly RunSource[], diff: RunDiff | null = null, windows: WindowsEvidence | null = null): Matrix {
  const sources = diff ? [...given] : columnOrder(given);
  const rows: MatrixRow[] = catalogue.requirements.map((requirement) => {
    const kind: RowKind = requirement.testing === 'covered' ? 'covered' : requirement.testing === 'not-testable' ? 'not-testable' : 'tested';
    const note =
      kind === 'covered' ? `covered by ${requirement.coveredBy.join(', ')}` : kind === 'not-testable' ? `not testable: ${requirement.why ?? ''}` : null;
    return {
      requirement,
      sectionUrl: sectionUrl(requirement.section, catalogue.url),
      kind,
      note,
      coveredBy: kind === 'covered' ? requirement.coveredBy : [],
      cells: kind === 'tested' ? sources.map((source) => cellFor(requirement, source)) : [],
      windows: windows?.entries.find((entry) => entry.id === requirement.id) ?? null,
    };
  });
  const notes = collectNotes(rows, sources);
  const known = new Set(catalogue.requirements.filter((r) => r.testing !== 'covered' && r.testing !== 'not-testable').map((r) => r.id));
  const columns = sources.map((source, i): MatrixColumn => {
    const counts = source.record.counts;
    return {
      title: columnTitle(source, sources),
      backend: source.record.backend,
      kind: columnKind(source.record.backend),
      backendTitle: backendTitle(source.record),
      label: source.record.label,
      options: source.record.backendOptions,
      startedAt: source.record.startedAt,
      revision: describeRevision(source.record.suite),
      expectations: source.record.expectations,
      selection: source.record.selection,
      folder: source.folder,
      facts: source.facts,
      named: namedFacts(source.facts),
      allureReport: source.allureReport,
      counts,
      scenarios: summaryLine(source.record),
      summary: summarise(rows, i),
      note: columnNote(source.record.backend),
    };
  });
  const unmatched = sources.flatMap((source, i) =>
    source.record.results
      .filter((r) => r.requirement === null || !known.has(r.requirement))
      .map((r) => ({ column: columns[i]?.title ?? source.folder, scenario: r.name, location: r.location, requirement: r.requirement, verdict: r.verdict })),
  );
  return { function: catalogue.function, page: catalogue.page, columns, rows, notes, unmatched, diff };
}
