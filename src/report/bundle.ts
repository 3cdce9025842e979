// A report to hand over: one .tar.gz with the compliance matrix, and for each run its Allure report,
// verdicts.json, the expectations it was judged by, JUnit, cucumber's messages (its reruns' too), its
// scenarios' call and wire logs (logs/) and its packet captures (pcap/) as the run named them. Everything links by
// relative paths inside the archive, so that unpacked anywhere, matrix.html opens from disk and reaches every run's
// reports. All of it is built in a temporary folder: the runs' folders and the reports folder's own matrix stay as
// they were.
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { readRunRecord, runFiles, type RunRecord } from '../verdicts/run-record';
import { readRunFolder, runHrefs } from './sources';
import type { RunSource } from './matrix';

/** What of a run's folder goes into the bundle (allure-results stay behind: the Allure report holds them). */
const RUN_FILES = ['verdicts', 'expectations', 'junit', 'messages'] as const;

export interface StagedRun {
  /** The run's folder inside the bundle, relative to its root. */
  name: string;
  /** The run as the matrix reads it, with hrefs relative to the bundle's root. */
  source: RunSource;
  pcaps: number;
}

/** Builds a run's Allure report (`record`'s, from `resultsDir`) into `outDir`. */
export type AllureBuilder = (resultsDir: string, outDir: string, record: RunRecord) => Promise<void>;

/**
 * Copy each run's reports into `root/<folder name>/` and read them back as the matrix's sources, their
 * links relative to `root`. Folders with the same name get a number. Each run's Allure report is built
 * into the bundle by `buildAllure`, from the run's results; without it (--no-allure), a report the run's
 * folder holds already is copied.
 */
export async function stageRuns(folders: readonly string[], root: string, buildAllure: AllureBuilder | null = null): Promise<StagedRun[]> {
  const staged: StagedRun[] = [];
  const names = new Set<string>();
  for (const folder of folders) {
    const dir = path.resolve(folder);
    let name = path.basename(dir);
    for (let n = 2; names.has(name); n += 1) name = `${path.basename(dir)}-${n}`;
    names.add(name);
    const into = path.join(root, name);
    mkdirSync(into, { recursive: true });
    const from = runFiles(dir);
    const to = runFiles(into);
    for (const file of RUN_FILES) if (existsSync(from[file])) copyFileSync(from[file], to[file]);
    // The cucumber messages of each rerun merged into the run, as the record names them (not the HTML step
    // log an older version of the suite wrote beside them, which reads like a report of verdicts and is not).
    if (existsSync(from.reruns)) cpSync(from.reruns, to.reruns, { recursive: true, filter: (source) => !source.endsWith('.html') });
    if (buildAllure !== null && existsSync(from.allureResults)) await buildAllure(from.allureResults, to.allureReport, readRunRecord(dir));
    else if (existsSync(path.join(from.allureReport, 'index.html'))) cpSync(from.allureReport, to.allureReport, { recursive: true });
    // The run's captures as it named them (pcap/<feature>-<line>-<scenario>.pcap), which expectations cite.
    const pcaps = existsSync(from.captures) ? readdirSync(from.captures).filter((f) => f.endsWith('.pcap')).length : 0;
    if (pcaps > 0) cpSync(from.captures, to.captures, { recursive: true });
    // Its scenarios' call and wire logs, which the matrix links beside each verdict.
    if (existsSync(from.logs)) cpSync(from.logs, to.logs, { recursive: true });
    // The Allure ids come from the run's own allure-results, which stay behind; the hrefs go to the copies.
    staged.push({ name, pcaps, source: { ...readRunFolder(dir, root, to.allureReport), folder: name, ...runHrefs(into, root) } });
  }
  return staged;
}

/** Pack `root` into `file` (gzip'd tar), its entries under `root`'s own name; the bytes written. */
export async function packBundle(root: string, file: string): Promise<number> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await createTar({ gzip: true, file, cwd: path.dirname(root), portable: true }, [path.basename(root)]);
  return statSync(file).size;
}

/** The folder a bundle is staged in, named as its archive (`x.tar.gz` -> `x/`), in a fresh temporary folder. */
export function bundleRoot(file: string): { root: string; dispose: () => void } {
  const work = mkdtempSync(path.join(tmpdir(), 'conformance-bundle-'));
  const name = path.basename(file).replace(/\.(tar\.gz|tgz)$/, '') || 'conformance-report';
  const root = path.join(work, name);
  mkdirSync(root);
  return { root, dispose: () => rmSync(work, { recursive: true, force: true }) };
}
