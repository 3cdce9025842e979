// Reading result folders for the report: verdicts.json, where the evidence files are, and the Allure
// ids of the scenarios. Every problem with the input is one InputError line.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/input-error';
import { readRunRecord, runFiles, TEST_SCREENSHOTS_FOLDER } from '../verdicts/run-record';
import type { RunSource } from './matrix';
import { allureScenarioKey, scenarioKey } from '../run-outputs/keys';

function display(file: string): string {
  return path.relative(process.cwd(), file) || '.';
}

/** An href from the matrix file's folder to `target`, with each path segment encoded. */
export function hrefFrom(fromDir: string, target: string): string {
  return path
    .relative(fromDir, target)
    .split(path.sep)
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

export interface FolderScan {
  /** The folders with a run's reports, sorted by name. */
  folders: string[];
  /** Every other folder, and why it is not a run's reports. */
  skipped: { folder: string; reason: string }[];
}

/** Why a folder below the reports root holds no run to report, or null when it holds one. */
function whyNotARun(folder: string): string | null {
  // run-record.ts names these: a run writes into <folder>.incoming and puts the last one aside as <folder>.previous.
  if (folder.endsWith('.incoming')) return 'the reports of a run under way, or of one cut short: incomplete';
  if (folder.endsWith('.previous')) return 'the reports a run was replacing when it stopped';
  if (!existsSync(runFiles(folder).verdicts)) return 'no verdicts.json: not the reports of a run that completed';
  try {
    readRunRecord(folder);
    return null;
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
}

/** The folders below `root`: those with a run's reports, and the others with the reason each is skipped. */
export function scanResultFolders(root: string): FolderScan {
  const scan: FolderScan = { folders: [], skipped: [] };
  if (!existsSync(root)) return scan;
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== TEST_SCREENSHOTS_FOLDER)
    .map((e) => path.join(root, e.name))
    .sort();
  for (const folder of dirs) {
    const reason = whyNotARun(folder);
    if (reason === null) scan.folders.push(folder);
    else scan.skipped.push({ folder, reason });
  }
  return scan;
}

/** Java properties as writeAllureEnvironment writes them (backslash escapes, key=value). */
export function parseProperties(text: string): Record<string, string> {
  const facts: Record<string, string> = {};
  const controls: Record<string, string> = { n: '\n', r: '\r', t: '\t' };
  const unescape = (s: string): string => s.replace(/\\(.)/g, (_m, c: string) => controls[c] ?? c);
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || /^\s*[#!]/.test(line)) continue;
    const sep = /(?<!\\)(?:\\\\)*[=:]/.exec(line);
    if (!sep) continue;
    const at = sep.index + sep[0].length - 1;
    facts[unescape(line.slice(0, at).trim())] = unescape(line.slice(at + 1).trimStart());
  }
  return facts;
}

interface AllureResultFile {
  uuid?: unknown;
  fullName?: unknown;
  stop?: unknown;
}

/**
 * Allure's report id of each scenario, from the result files: Allure 3 names a test result by the md5
 * of its uuid. A retried scenario has several results; the last one counts.
 */
export function allureIds(resultsDir: string): Record<string, string> {
  if (!existsSync(resultsDir)) return {};
  const latest = new Map<string, { id: string; stop: number }>();
  for (const file of readdirSync(resultsDir).filter((f) => f.endsWith('-result.json'))) {
    let result: AllureResultFile;
    try {
      result = JSON.parse(readFileSync(path.join(resultsDir, file), 'utf8')) as AllureResultFile;
    } catch {
      throw new InputError(`${display(path.join(resultsDir, file))}: not JSON`);
    }
    if (typeof result.uuid !== 'string' || typeof result.fullName !== 'string') continue;
    const key = allureScenarioKey(result.fullName);
    const stop = typeof result.stop === 'number' ? result.stop : 0;
    const previous = latest.get(key);
    if (!previous || previous.stop <= stop) latest.set(key, { id: createHash('md5').update(result.uuid).digest('hex'), stop });
  }
  return Object.fromEntries([...latest].map(([key, { id }]) => [key, id]));
}

/** The files of a run's folder that a reader opens, by their path in it, '/'-separated: its own files, and each scenario's logs and packets. */
function runFolderFiles(dir: string): string[] {
  const files = runFiles(dir);
  const inFolder = (folder: string): string[] =>
    existsSync(folder) ? readdirSync(folder, { withFileTypes: true }).flatMap((e) => (e.isFile() ? [path.join(folder, e.name)] : [])) : [];
  return [...inFolder(dir), ...inFolder(files.logs), ...inFolder(files.captures)].map((file) => path.relative(dir, file).split(path.sep).join('/'));
}

/**
 * Where the run in `dir` is, as hrefs relative to `outDir`: its Allure report (the run's own,
 * FOLDER/allure-report, or `allureReport`, a bundle's copy built from its results) and its files.
 */
export function runHrefs(dir: string, outDir: string, allureReport?: string): Pick<RunSource, 'allureReport' | 'files'> {
  const files = runFiles(dir);
  const allureIndex = path.join(allureReport ?? files.allureReport, 'index.html');
  return {
    allureReport: existsSync(allureIndex) ? hrefFrom(outDir, allureIndex) : null,
    files: Object.fromEntries(runFolderFiles(dir).map((file) => [file, hrefFrom(outDir, path.join(dir, file))])),
  };
}

/** Read one result folder into a RunSource whose hrefs are relative to `outDir` (its Allure report: as runHrefs says). */
export function readRunFolder(folder: string, outDir: string, allureReport?: string): RunSource {
  const dir = path.resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${folder}: no such folder`);
  const files = runFiles(dir);
  const record = readRunRecord(dir);
  const hrefs = runHrefs(dir, outDir, allureReport);
  const environment = path.join(files.allureResults, 'environment.properties');
  // The run's own record of its testbed first, then what the Allure environment adds (versions).
  const facts = { ...(existsSync(environment) ? parseProperties(readFileSync(environment, 'utf8')) : {}), ...record.metadata };
  const ids = hrefs.allureReport ? allureIds(files.allureResults) : {};
  // Keep only the scenarios this run has; an id Allure does not know would be a dead link.
  const known = new Set(record.results.map((r) => scenarioKey(r.location, r.name)));
  return {
    folder: display(dir),
    record,
    facts,
    ...hrefs,
    allureIds: Object.fromEntries(Object.entries(ids).filter(([key]) => known.has(key))),
  };
}
