// The report thread (started by report-thread.ts): cucumber's own formatter plugins (messages, HTML,
// JUnit), set up as cucumber sets them up, and allure-cucumberjs's formatter (allure-host.ts), all fed
// the run's messages from the main thread. It loads them as it starts, while cucumber loads there.
// First: what the formatters below take from @cucumber/cucumber, without the rest of its index.
import './cucumber-index';
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import type { Writable } from 'node:stream';
import type * as messages from '@cucumber/messages';
import { makeEnvironment } from '@cucumber/cucumber/lib/environment/index';
import { createStream } from '@cucumber/cucumber/lib/formatter/create_stream';
import { PluginManager, type FormatterPlugin } from '@cucumber/cucumber/lib/plugin/index';
import { hostAllureFormatter, type AllureHost } from './allure-host';
import type { FormatOptions, FromReportThread, ReportFormatter, ReportThreadData, ToReportThread } from './report-thread';

const port = parentPort;
if (!port) throw new Error('report-worker.ts runs in the thread that report-thread.ts starts');
const data = workerData as ReportThreadData;

/**
 * cucumber's formatter plugins, by the names cucumber gives them, loaded as the thread starts. Not
 * through cucumber's own lookup, which loads every formatter it has (a tenth of a second).
 */
const PLUGINS: Record<ReportFormatter, Promise<FormatterPlugin>> = {
  message: import('@cucumber/cucumber/lib/formatter/builtin/message').then((m) => m.default),
  html: import('@cucumber/cucumber/lib/formatter/builtin/html').then((m) => m.default),
  // Its declaration types `type` as a string; it is cucumber's 'formatter' plugin all the same.
  junit: import('@cucumber/junit-xml-formatter').then((m) => m.default as unknown as FormatterPlugin),
};
const environment = makeEnvironment({ cwd: data.cwd });
const plugins = new PluginManager(environment);
const streams: Writable[] = [];
const streamErrors: string[] = [];
const allure: AllureHost | null = data.allure ? hostAllureFormatter(data.allure.resultsDir, data.allure.backend) : null;

/** Each file's formatter, started as cucumber starts it, once the run's format options are known. */
async function startFormatters(formatOptions: FormatOptions): Promise<void> {
  for (const [target, name] of Object.entries(data.files)) {
    const { stream, directory } = await createStream(target, () => streamErrors.push(target), data.cwd, environment.logger);
    streams.push(stream);
    await plugins.initFormatter(await PLUGINS[name], formatOptions, stream, stream.write.bind(stream), directory, name);
  }
}

function deliver(envelopes: readonly messages.Envelope[]): void {
  for (const envelope of envelopes) {
    plugins.emit('message', envelope);
    allure?.deliver(envelope);
  }
}

async function finish(): Promise<void> {
  await plugins.cleanup();
  await Promise.all(streams.map((stream) => promisify(stream.end.bind(stream))()));
  await allure?.flushed();
  if (streamErrors.length > 0) throw new Error(`cannot write ${streamErrors.join(', ')}`);
}

// Messages are handled in order; the first failure skips the rest and is the answer to the end.
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: ToReportThread) => {
  if ('end' in message) {
    queue.then(finish).then(
      () => port.postMessage({ written: true } satisfies FromReportThread),
      (error: unknown) => port.postMessage({ failed: `reports: ${error instanceof Error ? error.message : String(error)}` } satisfies FromReportThread),
    );
    return;
  }
  queue = queue.then(() => ('envelopes' in message ? deliver(message.envelopes) : startFormatters(message.formatOptions)));
  // Held for the end's answer, not an unhandled rejection that would end the thread before it.
  queue.catch(() => undefined);
});
