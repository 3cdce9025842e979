// A run's report files are written off the main thread: the formatters (cucumber's messages, HTML and
// JUnit plugins, allure-cucumberjs's formatter) run in a worker thread (report-worker.ts), fed the run's
// messages from here. On the main thread they cost about 3 ms a scenario (JSON and stream work per
// message, Allure's bookkeeping and its four or five files a scenario), the larger part of a simulator
// run's scenarios; in the thread that work overlaps the scenarios, on the other core. The thread starts
// with the run and loads the formatters (a fifth of a second here) while cucumber loads.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IRunConfiguration } from '@cucumber/cucumber/api';
import type * as messages from '@cucumber/messages';

/** The cucumber formatter plugins the thread runs, by cucumber's names for them. */
export type ReportFormatter = 'message' | 'html' | 'junit';

/** cucumber's format options (cucumber.js `formatOptions`), for the plugins that read them. */
export type FormatOptions = IRunConfiguration['formats']['options'];

export interface ReportThreadData {
  cwd: string;
  /** Each report file and the formatter that writes it. */
  files: Record<string, ReportFormatter>;
  /** Where the Allure results go, and the backend they are labelled with; null for none. */
  allure: { resultsDir: string; backend: string } | null;
}

/** What the main thread sends: the format options, then the run's messages in order, a batch at a time, then the end. */
export type ToReportThread = { formatOptions: FormatOptions } | { envelopes: messages.Envelope[] } | { end: true };

/** What the thread answers to the end: every report is on disk, or why not. */
export type FromReportThread = { written: true } | { failed: string };

/** Where a run's Allure results go, inside its reports folder. */
export function allureResultsDir(reports: string): string {
  return path.join(reports, 'allure-results');
}

const LOADER = path.join(__dirname, '..', '..', 'bin', 'ts-register.js');
const WORKER = path.join(__dirname, 'report-worker.ts');

export class ReportThread {
  private readonly worker: Worker;
  private readonly written: Promise<void>;
  private batch: messages.Envelope[] = [];

  constructor(data: ReportThreadData) {
    this.worker = new Worker(`require(${JSON.stringify(LOADER)}); require(${JSON.stringify(WORKER)});`, { eval: true, workerData: data });
    this.written = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (answer: FromReportThread) => ('failed' in answer ? reject(new Error(answer.failed)) : resolve()));
      this.worker.on('error', (error) => reject(new Error(`reports: ${error.message}`)));
      this.worker.on('exit', (code) => reject(new Error(`reports: the report thread ended (exit ${code}) before it had written them`)));
    });
    // Awaited by finish(); a thread that fails before then must not end the process on its own.
    this.written.catch(() => undefined);
  }

  /** The run's format options, once its configuration is loaded: the formatters start with them. */
  configure(formatOptions: FormatOptions): void {
    this.worker.postMessage({ formatOptions } satisfies ToReportThread);
  }

  /**
   * One of the run's messages. They go over a scenario at a time: the scenarios of a simulator run follow
   * each other without a turn of the event loop, so a batch a turn would be the whole run.
   */
  add(envelope: messages.Envelope): void {
    this.batch.push(envelope);
    if (envelope.testCaseFinished || envelope.testRunStarted || envelope.testRunFinished) this.send();
  }

  private send(): void {
    if (this.batch.length === 0) return;
    this.worker.postMessage({ envelopes: this.batch } satisfies ToReportThread);
    this.batch = [];
  }

  /** Resolves once every report is on disk, rejects with what went wrong; the thread is ended either way. */
  async finish(): Promise<void> {
    this.send();
    this.worker.postMessage({ end: true } satisfies ToReportThread);
    try {
      await this.written;
    } finally {
      await this.worker.terminate();
    }
  }

  /** End the thread without waiting for its reports (a run that did not finish). */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
