// Allure results for every run: the options of the allure-cucumberjs formatter (labels and links read
// off the scenarios' tags; allure-formatter.ts hands them to it), the writer it is given, and the
// environment file, which the run's last hook writes because only the testbed knows its versions.
import { copyFile, mkdirSync, readFileSync, writeFile, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { version as cucumberVersion } from '@cucumber/cucumber';
import { sectionUrl } from '../catalogue/published-page';
import { REPO_ROOT } from '../core/paths';
import { CALL_LOG_MEDIA, NOT_APPLICABLE_MEDIA, RUN_METADATA_MEDIA, WIRE_LOG_MEDIA } from '../core/outcomes';

/** A label from a tag: `@req:ID` gives the label `requirement` = ID. */
interface LabelRule {
  name: string;
  pattern: RegExp[];
}

interface LinkRule {
  pattern: RegExp[];
  urlTemplate: (tag: string) => string;
}

/** An attachment as a result or container lists it. */
interface AttachmentEntry {
  name: string;
  source: string;
  type: string;
}

/**
 * A step of a result or fixture, as far as this writer reads one. What a step or hook attaches,
 * allure-cucumberjs records as a step of the attachment's own name with that one attachment and no status.
 */
interface StepEntry {
  name?: string;
  status?: string;
  steps?: StepEntry[];
  attachments?: AttachmentEntry[];
}

/**
 * The JSON twins of the call and wire logs, the N/A note, and the run's facts: for tools, which read them in
 * messages.ndjson (the archival record, where the verdicts come from). Allure shows the logs' text versions,
 * an N/A's reason as the scenario's message (allure-verdicts.ts), and the run's facts as its environment
 * (writeAllureEnvironment), so none is said twice there, nor the run's facts as one scenario's evidence
 * (they ride on a scenario only because cucumber's messages carry a worker's attachments on scenarios
 * alone). Each would also be one more file per scenario, the dearest part of a result here (a run writes
 * about 400 files with them, 290 without).
 */
const MACHINE_READABLE: ReadonlySet<string> = new Set([CALL_LOG_MEDIA, WIRE_LOG_MEDIA, NOT_APPLICABLE_MEDIA, RUN_METADATA_MEDIA]);

/**
 * The names of the scenario's own hooks (support/hooks.ts), as cucumber and Allure show them: the set-up
 * and the teardown of each scenario. An error one of them ends a scenario with is that scenario's verdict.
 */
export const SCENARIO_HOOKS = { setUp: 'scenario set-up', tearDown: 'scenario teardown' } as const;

/** An error allure-cucumberjs reports of the whole run, besides the scenario it ended (`<hook name> failed: ...`). */
interface GlobalError {
  message?: string;
}

/** The fields of an Allure container this writer reads; the rest it writes as they came. */
interface ResultsGroup {
  uuid: string;
  children?: string[];
  befores?: StepEntry[];
  afters?: StepEntry[];
}

/** The fields of an Allure result this writer reads; the rest it writes as they came. */
interface ResultEntry {
  uuid: string;
  attachments?: AttachmentEntry[];
  steps?: StepEntry[];
}

/** Whether `step` is the step allure-cucumberjs wraps one attachment in. */
function wrapsAnAttachment(step: StepEntry): boolean {
  return step.status === undefined && (step.steps ?? []).length === 0 && (step.attachments ?? []).length > 0;
}

/**
 * Allure's own writer fsyncs every file it writes, one after the other (about 200 a run: measured, a
 * simulator run with all reports took 2.0-2.5 s with it, 1.0-1.5 s with this one). The results are read
 * only after the run ends, so this one writes the same files, named the same way, on libuv's threads
 * while the scenarios go on (with the callback API: the promise one builds a FileHandle per file), and
 * the run waits for them all at its end (`flushed`). It has the methods of allure-js-commons' Writer,
 * whose type that package's exports keep from us.
 *
 * It also puts each scenario's evidence where a reader looks first: what the teardown attached (the call
 * log, the wire log, the pcap) becomes the scenario's own attachments, shown in its body, rather than
 * the content of a collapsed hook; and the errors of the scenario's own hooks, which its verdict already
 * tells, are not told again as errors of the whole run.
 */
export class ResultsWriter {
  private readonly pending: Promise<void>[] = [];
  /**
   * Attachments whose name does not tell whether a person reads them (JSON, or a media type with no file
   * extension): written once a result or container lists one of a kind a person reads, dropped with its
   * entry when it is a machine-readable twin (MACHINE_READABLE).
   */
  private readonly held = new Map<string, Buffer>();
  /** Containers of the current turn of the event loop, by their children. */
  private readonly groups = new Map<string, ResultsGroup>();
  /**
   * Results of the current turn, by uuid: allure-cucumberjs writes a scenario's result, then at once its
   * hooks' containers, whose teardown evidence joins the result before it is written.
   */
  private readonly results = new Map<string, ResultEntry>();
  private readonly ready: Promise<string | undefined>;

  constructor(private readonly resultsDir: string) {
    this.ready = mkdir(resultsDir, { recursive: true });
  }

  private write(name: string, content: string | Buffer): void {
    this.track(this.ready.then(() => promisify(writeFile)(path.join(this.resultsDir, name), content)));
  }

  private track(write: Promise<void>): void {
    // Handled here so that a failed write waits for `flushed` instead of killing the process.
    write.catch(() => undefined);
    this.pending.push(write);
  }

  /** Every file written so far is on disk; rejects with the first write that failed. */
  async flushed(): Promise<void> {
    this.writeTurn();
    for (const [name, content] of this.held) this.write(name, content);
    this.held.clear();
    await Promise.all(this.pending);
  }

  /** Whether an attachment is kept: a machine-readable twin is dropped (and its held file); the held file of another is written. */
  private keeps(entry: AttachmentEntry): boolean {
    const held = this.held.get(entry.source);
    this.held.delete(entry.source);
    if (MACHINE_READABLE.has(entry.type)) return false;
    if (held) this.write(entry.source, held);
    return true;
  }

  /**
   * Drop the machine-readable attachments listed anywhere under `node` (and their held files), with the
   * step that wrapped one, which would be left an empty step of no status; write the held files of the others.
   */
  private settleAttachments(node: unknown): void {
    if (Array.isArray(node)) {
      for (const item of node) this.settleAttachments(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as { attachments?: AttachmentEntry[]; steps?: StepEntry[] } & Record<string, unknown>;
    if (Array.isArray(record.attachments)) record.attachments = record.attachments.filter((entry) => this.keeps(entry));
    if (Array.isArray(record.steps)) {
      const wrappers = new Set(record.steps.filter(wrapsAnAttachment));
      this.settleAttachments(record.steps);
      record.steps = record.steps.filter((step) => !wrappers.has(step) || (step.attachments ?? []).length > 0);
    }
    for (const [key, value] of Object.entries(record)) if (key !== 'attachments' && key !== 'steps') this.settleAttachments(value);
  }

  writeResult(result: ResultEntry): void {
    this.settleAttachments(result);
    this.endOfTurn();
    this.results.set(result.uuid, result);
  }

  /**
   * allure-js-commons writes a container per fixture, a scenario's all at once when it ends: those with
   * the same children go into one file (Allure reads a container's befores and afters alike), one file
   * fewer per scenario. Creating a file is the dearest part of a result here. What the teardown attached
   * becomes its scenario's own.
   */
  writeGroup(group: ResultsGroup): void {
    this.settleAttachments(group);
    for (const uuid of group.children ?? []) {
      const result = this.results.get(uuid);
      if (result) for (const teardown of group.afters ?? []) this.takeEvidence(teardown, result);
    }
    const key = JSON.stringify(group.children ?? []);
    const same = this.groups.get(key);
    if (same) {
      same.befores = [...(same.befores ?? []), ...(group.befores ?? [])];
      same.afters = [...(same.afters ?? []), ...(group.afters ?? [])];
      return;
    }
    this.endOfTurn();
    this.groups.set(key, { ...group });
  }

  /** Move what `teardown` attached into `result`'s attachments, after its own. */
  private takeEvidence(teardown: StepEntry, result: ResultEntry): void {
    const attached = (teardown.steps ?? []).filter(wrapsAnAttachment);
    if (attached.length === 0) return;
    teardown.steps = (teardown.steps ?? []).filter((step) => !attached.includes(step));
    result.attachments = [...(result.attachments ?? []), ...attached.flatMap((step) => step.attachments ?? [])];
  }

  /** The results and containers of this turn are written at its end, once nothing more joins them: called before the turn's first is held. */
  private endOfTurn(): void {
    if (this.groups.size === 0 && this.results.size === 0) queueMicrotask(() => this.writeTurn());
  }
  private writeTurn(): void {
    for (const group of this.groups.values()) this.write(`${group.uuid}-container.json`, JSON.stringify(group));
    for (const result of this.results.values()) this.write(`${result.uuid}-result.json`, JSON.stringify(result));
    this.groups.clear();
    this.results.clear();
  }
  writeAttachment(distFileName: string, content: Buffer): void {
    if (['.json', ''].includes(path.extname(distFileName))) this.held.set(distFileName, content);
    else this.write(distFileName, content);
  }
  writeAttachmentFromPath(distFileName: string, from: string): void {
    this.track(this.ready.then(() => promisify(copyFile)(from, path.join(this.resultsDir, distFileName))));
  }
  writeEnvironmentInfo(info: Record<string, string | undefined>): void {
    const defined = Object.fromEntries(Object.entries(info).filter((entry): entry is [string, string] => entry[1] !== undefined));
    this.write('environment.properties', toProperties(defined));
  }
  writeCategoriesDefinitions(categories: unknown[]): void {
    this.write('categories.json', JSON.stringify(categories));
  }
  /** Errors of the whole run (a BeforeAll or AfterAll hook's), written; a scenario hook's is its scenario's verdict, told there. */
  writeGlobals(distFileName: string, info: { attachments?: unknown[]; errors?: GlobalError[] }): void {
    const hooks = Object.values(SCENARIO_HOOKS).map((name) => `${name} failed`);
    const errors = (info.errors ?? []).filter((error) => !hooks.some((hook) => error.message?.startsWith(hook)));
    if (errors.length === 0 && (info.attachments ?? []).length === 0) return;
    this.write(distFileName, JSON.stringify({ ...info, errors }));
  }
}

/** The slice of allure-cucumberjs's formatter options the suite sets (its own type is not exported). */
export interface AllureFormatOptions {
  resultsDir: string;
  /** allure-cucumberjs spreads its options over its defaults, so this replaces its writer. */
  writer: ResultsWriter;
  labels: LabelRule[];
  links: Record<string, LinkRule>;
  globalLabels: Record<string, string>;
}

/** Label names in the results; the report groups and filters by them. */
export const LABELS = { requirement: 'requirement', strength: 'strength', section: 'section', backend: 'backend' } as const;

/**
 * The formatter's options. Labels come from `@name:value` tags (the formatter keeps what follows the
 * colon). Allure's link tags are `@name=value`; the features have none, so the section link matches the
 * `@section:` label tag itself and the template, which gets the whole tag, takes the section from it.
 * The feature label the formatter adds by itself.
 */
export function allureFormatOptions(resultsDir: string, backend: string, pageUrl: string): AllureFormatOptions {
  return {
    resultsDir,
    writer: new ResultsWriter(resultsDir),
    labels: [
      { name: LABELS.requirement, pattern: [/^@req:/] },
      { name: LABELS.strength, pattern: [/^@strength:/] },
      { name: LABELS.section, pattern: [/^@section:/] },
    ],
    links: {
      'page section': { pattern: [/^@section:/], urlTemplate: (tag) => sectionUrl(tag.replace(/^@section:/, ''), pageUrl) },
    },
    globalLabels: { [LABELS.backend]: backend },
  };
}

/** Facts for environment.properties: the backend, its options, the testbed's metadata, versions. */
export function environmentFacts(
  backend: string,
  backendOptions: Readonly<Record<string, string>>,
  metadata: Readonly<Record<string, string>> | null,
): Record<string, string> {
  const suite = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    backend,
    ...Object.fromEntries(Object.entries(backendOptions).map(([k, v]) => [`option ${k}`, v])),
    ...(metadata ?? { metadata: 'unavailable: the testbed was not created' }),
    'winsock-conformance': suite,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cucumber: cucumberVersion,
  };
}

/** Java properties text, as Allure reads environment.properties. */
export function toProperties(facts: Readonly<Record<string, string>>): string {
  const escape = (text: string, isKey: boolean): string =>
    text
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replace(isKey ? /([ :=#!])/g : /^([ #!])/, '\\$1');
  return Object.entries(facts)
    .map(([k, v]) => `${escape(k, true)}=${escape(v, false)}\n`)
    .join('');
}

/** Called from the AfterAll hook, which alone can ask the testbed for its metadata. */
export function writeAllureEnvironment(
  resultsDir: string,
  backend: string,
  backendOptions: Readonly<Record<string, string>>,
  metadata: Readonly<Record<string, string>> | null,
): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'environment.properties'), toProperties(environmentFacts(backend, backendOptions, metadata)));
}
