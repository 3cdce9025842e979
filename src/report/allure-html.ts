// The Allure 3 HTML report of one run, built by the allure package's own command (pure JS, in a child
// process: allure is ESM and exits the process on some errors). A single index.html that opens from
// disk, with Allure's analytics tag taken out so the report never reaches for the network.
import { writeAllureVerdicts } from '../run-outputs/allure-verdicts';
import type { ScenarioRecord } from '../verdicts/run-record';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../core/input-error';
import { allureCategories } from '../run-outputs/verdict-formats';

/** allure's command-line entry point (its package exports no path to it). */
export function allureCli(): string {
  const entry = require.resolve('allure'); // <package>/dist/index.js
  return path.join(path.dirname(path.dirname(entry)), 'cli.js');
}

/** Labels the formatter adds that say nothing about conformance. */
const HIDDEN_LABELS = ['language', 'framework', 'package', 'thread', '_fallbackTestCaseId'];

const ANALYTICS =
  /\s*<script async src="https:\/\/www\.googletagmanager\.com\/[^"]*"><\/script>\s*<script>(?:(?!<\/script>)[\s\S])*?gtag\((?:(?!<\/script>)[\s\S])*<\/script>/;

/** Remove Allure's Google Analytics tag; fail if a reference to it would be left behind. */
export function stripAnalytics(html: string): string {
  const stripped = html.replace(ANALYTICS, '');
  if (stripped.includes('googletagmanager.com'))
    throw new Error('the Allure report still loads Google Tag Manager: its page template changed; update ANALYTICS in src/report/allure-html.ts');
  return stripped;
}

/** The suite's evidence media types (src/core/outcomes.ts): application/vnd.winsock-conformance.<what>+json. */
const EVIDENCE_MEDIA = /^application\/vnd\.winsock-conformance\.([a-z-]+)\+json$/;

function presentAttachments(node: unknown, fixture: 'before' | 'after' | null): void {
  if (Array.isArray(node)) {
    for (const item of node) presentAttachments(item, fixture);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  const evidence = typeof record.source === 'string' && typeof record.type === 'string' ? EVIDENCE_MEDIA.exec(record.type) : null;
  if (evidence?.[1]) {
    // call-log -> "call log", not-applicable -> "not applicable"
    if (record.name === undefined || record.name === 'Attachment') record.name = evidence[1].replace(/-/g, ' ');
    record.type = 'application/json';
  }
  if (fixture && record.stage !== undefined && record.name === undefined) record.name = fixture === 'before' ? 'Before hook' : 'After hook';
  for (const [key, value] of Object.entries(record)) {
    if (key === 'befores') presentAttachments(value, 'before');
    else if (key === 'afters') presentAttachments(value, 'after');
    else if (typeof value === 'object') presentAttachments(value, null);
  }
  // The formatter wraps each attachment in a step named like it; keep the two names equal.
  if (record.name === 'Attachment' && Array.isArray(record.attachments) && record.attachments.length === 1) {
    const only = record.attachments[0] as Record<string, unknown>;
    if (typeof only.name === 'string') record.name = only.name;
  }
}

/**
 * Copy the results for Allure to read, presenting the evidence: the suite's JSON attachments get their
 * names (call log, wire log, ...) and the plain JSON type, which Allure shows inline instead of only
 * offering a download. The run's own allure-results stay as the run wrote them, its verdicts on them
 * (allure-verdicts.ts).
 */
export function stageResults(resultsDir: string, staging: string): void {
  mkdirSync(staging, { recursive: true });
  for (const entry of readdirSync(resultsDir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = entry.name;
    const from = path.join(resultsDir, file);
    const to = path.join(staging, file);
    if (file.endsWith('-result.json') || file.endsWith('-container.json')) {
      const data = JSON.parse(readFileSync(from, 'utf8')) as Record<string, unknown>;
      presentAttachments(data, null);
      writeFileSync(to, JSON.stringify(data));
    } else {
      copyFileSync(from, to);
    }
  }
}

export interface AllureBuild {
  index: string;
  results: number;
  ms: number;
}

export function countResults(resultsDir: string): number {
  return existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith('-result.json')).length : 0;
}

/**
 * Build `outDir/index.html` from `resultsDir`, replacing what was there. The staged copy is given the
 * run's verdicts (`records`, its verdicts.json) once more: a run this revision made has them on its results
 * already, and one made by an older suite, or copied from another host, gets them here.
 */
export async function buildAllureReport(resultsDir: string, outDir: string, name: string, records: readonly ScenarioRecord[]): Promise<AllureBuild> {
  const started = performance.now();
  const results = countResults(resultsDir);
  if (results === 0) throw new InputError(`${path.relative(process.cwd(), resultsDir) || resultsDir}: no Allure results`);
  rmSync(outDir, { recursive: true, force: true });
  const workDir = mkdtempSync(path.join(tmpdir(), 'allure-build-'));
  const config = path.join(workDir, 'allurerc.json');
  // Allure 3 takes its categories from its configuration only (Allure 2 reads the run's categories.json).
  // A category lists its scenarios, not one group per message: nearly every deviation's message is its own.
  writeFileSync(config, JSON.stringify({ categories: allureCategories().map((category) => ({ ...category, groupByMessage: false })) }));
  const staged = path.join(workDir, 'allure-results');
  stageResults(resultsDir, staged);
  await writeAllureVerdicts(staged, records);
  const args = [
    allureCli(),
    'awesome',
    staged,
    '--config',
    config,
    '--output',
    outDir,
    '--name',
    name,
    '--single-file',
    '--group-by',
    'feature',
    '--lang',
    'en',
    '--theme',
    'light',
    ...HIDDEN_LABELS.flatMap((label) => ['--hide-labels', label]),
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, args, { cwd: workDir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) {
          const said =
            `${stderr}\n${stdout}`
              .split('\n')
              .map((l) => l.trim())
              .find((l) => l !== '') ?? error.message;
          reject(new Error(`allure could not build the report from ${resultsDir}: ${said}`));
        } else resolve();
      });
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const index = path.join(outDir, 'index.html');
  if (!existsSync(index)) throw new Error(`allure wrote no ${index}`);
  writeFileSync(index, stripAnalytics(readFileSync(index, 'utf8')));
  return { index, results, ms: performance.now() - started };
}
