// The compliance matrix: every requirement of the catalogue down, one column per run (a backend on a
// host, read from its verdicts.json) across. Pure: runs and catalogue in, a model out; render.ts turns
// the model into HTML and Markdown, src/cli/report.ts does the reading and writing.
import { scenarioKey } from '../run-outputs/keys';
import type { Catalogue, Requirement } from '../catalogue/catalogue';
import { requirementVerdict } from '../verdicts/verdicts';
import { lackedObservers, qualifiedVerdict, type Verdict } from '../verdicts/meanings';
import type { ExpectationRecord, RunRecord, ScenarioRecord } from '../verdicts/run-record';
import { sectionUrl } from '../catalogue/published-page';
import { columnNote } from '../testbeds/registry';
import { describeRevision } from '../verdicts/run-identity';
import type { RunDiff } from './diff';

/** A run and where its evidence is, as hrefs relative to the matrix file. */
export interface RunSource {
  /** The folder, as shown to the reader. */
  folder: string;
  record: RunRecord;
  /** Facts about the run (versions, host), e.g. from the testbed's metadata. */
  facts: Record<string, string>;
  /** cucumber.html of the run; a scenario query is appended to it. */
  cucumberHtml: string | null;
  /** The run's Allure report (index.html). */
  allureReport: string | null;
  /** Allure's test-result id by scenario key (see scenarioKey). */
  allureIds: Record<string, string>;
}

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
  links: EvidenceLink[];
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
  /** The recorded deviation behind an XFAIL or XPASS. */
  expectation: ExpectationRecord | null;
  /** The link a reader follows first: the deciding scenario, or the expectation's evidence. */
  primary: EvidenceLink | null;
}

export type RowKind = 'tested' | 'covered' | 'not-testable';

export interface MatrixRow {
  requirement: Requirement;
  sectionUrl: string;
  kind: RowKind;
  /** Why there is no verdict: the covering entries, or why it cannot be tested. */
  note: string | null;
  coveredBy: string[];
  cells: MatrixCell[];
}

export type MustAnswer = 'yes' | 'no' | 'not established';

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
  line: string;
}

export interface MatrixColumn {
  /** The run's label, else its backend and options; the folder is added where two columns would read the same. */
  title: string;
  backend: string;
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
  cucumberHtml: string | null;
  allureReport: string | null;
  counts: Record<Verdict, number>;
  summary: ColumnSummary;
  /** What the column is, where it is not a Winsock implementation (the backend registry's columnNote). */
  note: string | null;
}

export interface Matrix {
  function: string;
  page: string;
  columns: MatrixColumn[];
  rows: MatrixRow[];
  /** Scenarios whose requirement the catalogue does not know (an old run, or a lint:trace failure). */
  unmatched: { column: string; scenario: string; location: string; requirement: string | null; verdict: Verdict }[];
  /** A comparison of the first run (old) with the last (new): `npm run report -- --diff OLD NEW`. */
  diff: RunDiff | null;
}

// --- the model ------------------------------------------------------------------------------------

/** How a scenario is found across verdicts.json and Allure: its feature file and name. */
function withQuery(href: string, query: string): string {
  return `${href}?query=${encodeURIComponent(query)}`;
}

function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function scenarioLinks(source: RunSource, scenario: ScenarioRecord): EvidenceLink[] {
  const links: EvidenceLink[] = [];
  const allureId = source.allureIds[scenarioKey(scenario.location, scenario.name)];
  if (source.allureReport && allureId) links.push({ label: 'Allure', href: `${source.allureReport}#${allureId}` });
  // cucumber.html filters by a tag expression given as ?query=; a scenario name would be a word search.
  if (source.cucumberHtml) {
    links.push({ label: 'cucumber', href: scenario.requirement ? withQuery(source.cucumberHtml, `@req:${scenario.requirement}`) : source.cucumberHtml });
  }
  return links;
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

function cellFor(requirement: Requirement, source: RunSource): MatrixCell {
  const scenarios = source.record.results.filter((r) => r.requirement === requirement.id);
  if (scenarios.length === 0)
    return { verdict: 'NOT RUN', observed: 'NOT RUN', unobserved: [], reading: 'NOT RUN', scenarios: [], expectation: null, primary: null };
  const verdict = requirementVerdict(scenarios.map((s) => s.verdict));
  const observed = requirementVerdict(scenarios.map((s) => s.observed));
  // Where the rule was observed kept, a scenario whose check could not look leaves it short of established.
  const unobserved = observed === 'PASS' ? [...new Set(scenarios.flatMap((s) => lackedObservers({ verdict: s.observed, unobserved: s.unobserved })))] : [];
  const reading = unobserved.length > 0 ? `${verdict}, without ${unobserved.join(' and ')}` : verdict;
  const deciding = scenarios.find((s) => s.verdict === verdict) ?? scenarios[0];
  const cellScenarios = scenarios.map((s) => ({
    name: s.name,
    location: s.location,
    verdict: s.verdict,
    reading: qualifiedVerdict(s),
    detail: s.detail,
    links: scenarioLinks(source, s),
  }));
  const expectation = deciding?.expectation ?? null;
  const evidence = expectation && isUrl(expectation.evidence) ? { label: 'evidence', href: expectation.evidence } : null;
  const scenarioLink = deciding ? (scenarioLinks(source, deciding)[0] ?? null) : null;
  const primary = (verdict === 'XFAIL' || verdict === 'XPASS') && evidence ? evidence : scenarioLink;
  return { verdict, observed, unobserved, reading, scenarios: cellScenarios, expectation, primary };
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
  // Every count is of requirements, and says so: the console's summary counts scenarios, and a requirement
  // has one or several.
  const requirements = (n: number): string => plural(n, 'requirement', 'requirements');
  const parts = [
    `keeps every MUST${keepsEveryMust === 'yes' && !observedEveryMust ? ' it could observe' : ''}: ${keepsEveryMust}`,
    `${requirements(deviations.length)} with a deviation`,
    `${requirements(optionalAbsent.length)} with an optional behaviour absent`,
  ];
  if (unestablished > 0)
    parts.push(
      `${plural(unestablished, 'MUST requirement', 'MUST requirements')} not established: ${said.map((e) => `${e.requirements.length} ${e.why}`).join(', ')}`,
    );
  if (unknown.length > 0) parts.push(`${requirements(unknown.length)} unknown (BROKEN, TIMEOUT or not run)`);
  if (notApplicable.length > 0) parts.push(`${requirements(notApplicable.length)} not applicable here`);
  if (staleExpectations.length > 0) parts.push(`${requirements(staleExpectations.length)} with an expectation out of date (XPASS)`);
  return {
    keepsEveryMust,
    observedEveryMust,
    mustsNotEstablished: established,
    deviations,
    optionalAbsent,
    unknown,
    notApplicable,
    staleExpectations,
    line: parts.join('; '),
  };
}

export function buildMatrix(catalogue: Catalogue, sources: readonly RunSource[], diff: RunDiff | null = null): Matrix {
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
    };
  });
  const known = new Set(catalogue.requirements.filter((r) => r.testing !== 'covered' && r.testing !== 'not-testable').map((r) => r.id));
  const columns = sources.map((source, i): MatrixColumn => {
    const counts = source.record.counts;
    return {
      title: columnTitle(source, sources),
      backend: source.record.backend,
      backendTitle: backendTitle(source.record),
      label: source.record.label,
      options: source.record.backendOptions,
      startedAt: source.record.startedAt,
      revision: describeRevision(source.record.suite),
      expectations: source.record.expectations,
      selection: source.record.selection,
      folder: source.folder,
      facts: source.facts,
      cucumberHtml: source.cucumberHtml,
      allureReport: source.allureReport,
      counts,
      summary: summarise(rows, i),
      note: columnNote(source.record.backend),
    };
  });
  const unmatched = sources.flatMap((source, i) =>
    source.record.results
      .filter((r) => r.requirement === null || !known.has(r.requirement))
      .map((r) => ({ column: columns[i]?.title ?? source.folder, scenario: r.name, location: r.location, requirement: r.requirement, verdict: r.verdict })),
  );
  return { function: catalogue.function, page: catalogue.page, columns, rows, unmatched, diff };
}
