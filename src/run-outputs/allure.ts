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
import { CALL_LOG_MEDIA, WIRE_LOG_MEDIA } from '../core/outcomes';

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
 * The JSON twins of the call and wire logs: for tools, which read them in messages.ndjson (the archival
 * record); Allure shows their text versions. Each would be one more file per scenario, the dearest part of
 * a result here (a run writes about 400 files with them, 290 without).
 */
const MACHINE_READABLE: ReadonlySet<string> = new Set([CALL_LOG_MEDIA, WIRE_LOG_MEDIA]);

/** The fields of an Allure container this writer reads; the rest it writes as they came. */
interface ResultsGroup {
  uuid: string;
  children?: string[];
  befores?: unknown[];
  afters?: unknown[];
}

/**
 * Allure's own writer fsyncs every file it writes, one after the other (about 200 a run: measured, a
 * simulator run with all reports took 2.0-2.5 s with it, 1.0-1.5 s with this one). The results are read
 * only after the run ends, so this one writes the same files, named the same way, on libuv's threads
 * while the scenarios go on (with the callback API: the promise one builds a FileHandle per file), and
 * the run waits for them all at its end (`flushed`). It has the methods of allure-js-commons' Writer,
 * whose type that package's exports keep from us.
 */
export class ResultsWriter {
  private readonly pending: Promise<void>[] = [];
  /**
   * JSON attachments not yet known to be read by a person: written once a result or container lists one
   * of a kind a person reads, dropped with its entry when it is a machine-readable twin (MACHINE_READABLE).
   */
  private readonly heldJson = new Map<string, Buffer>();
  /** Containers of the current turn of the event loop, by their children. */
  private readonly groups = new Map<string, ResultsGroup>();
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
    this.writeGroups();
    for (const [name, content] of this.heldJson) this.write(name, content);
    this.heldJson.clear();
    await Promise.all(this.pending);
  }

  /** Drop the machine-readable attachments listed anywhere under `node` (and their held files); write the held files of the others. */
  private settleAttachments(node: unknown): void {
    if (Array.isArray(node)) {
      for (const item of node) this.settleAttachments(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as { attachments?: AttachmentEntry[] } & Record<string, unknown>;
    if (Array.isArray(record.attachments)) {
      record.attachments = record.attachments.filter((entry) => {
        const held = this.heldJson.get(entry.source);
        this.heldJson.delete(entry.source);
        if (MACHINE_READABLE.has(entry.type)) return false;
        if (held) this.write(entry.source, held);
        return true;
      });
    }
    for (const [key, value] of Object.entries(record)) if (key !== 'attachments') this.settleAttachments(value);
  }

  writeResult(result: { uuid: string }): void {
    this.settleAttachments(result);
    this.write(`${result.uuid}-result.json`, JSON.stringify(result));
  }
  /**
   * allure-js-commons writes a container per fixture, a scenario's all at once when it ends: those with
   * the same children go into one file (Allure reads a container's befores and afters alike), one file
   * fewer per scenario. Creating a file is the dearest part of a result here.
   */
  writeGroup(group: ResultsGroup): void {
    this.settleAttachments(group);
    const key = JSON.stringify(group.children ?? []);
    const same = this.groups.get(key);
    if (same) {
      same.befores = [...(same.befores ?? []), ...(group.befores ?? [])];
      same.afters = [...(same.afters ?? []), ...(group.afters ?? [])];
      return;
    }
    if (this.groups.size === 0) queueMicrotask(() => this.writeGroups());
    this.groups.set(key, { ...group });
  }
  private writeGroups(): void {
    for (const group of this.groups.values()) this.write(`${group.uuid}-container.json`, JSON.stringify(group));
    this.groups.clear();
  }
  writeAttachment(distFileName: string, content: Buffer): void {
    if (distFileName.endsWith('.json')) this.heldJson.set(distFileName, content);
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
  writeGlobals(distFileName: string, info: unknown): void {
    this.write(distFileName, JSON.stringify(info));
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
