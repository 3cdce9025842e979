// The report thread (started by report-thread.ts): cucumber's own formatter plugins (messages, HTML,
// JUnit), set up as cucumber sets them up, and allure-cucumberjs's formatter (allure-host.ts), all fed
// the run's messages from the main thread.
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import type { Writable } from 'node:stream';
import type * as messages from '@cucumber/messages';
import { makeEnvironment } from '@cucumber/cucumber/lib/environment/index';
import { createStream } from '@cucumber/cucumber/lib/formatter/create_stream';
import { resolveImplementation } from '@cucumber/cucumber/lib/formatter/resolve_implementation';
import { PluginManager } from '@cucumber/cucumber/lib/plugin/index';
import { hostAllureFormatter, type AllureHost } from './allure-host';
import type { FromReportThread, ReportThreadData, ToReportThread } from './report-thread';

const port = parentPort;
if (!port) throw new Error('report-worker.ts runs in the thread that report-thread.ts starts');
const data = workerData as ReportThreadData;
const environment = makeEnvironment({ cwd: data.cwd });
const plugins = new PluginManager(environment);
const streams: Writable[] = [];
const streamErrors: string[] = [];
const allure: AllureHost | null = data.allure ? hostAllureFormatter(data.allure.resultsDir, data.allure.backend) : null;

/** Each file's formatter, resolved and started as cucumber would; messages wait until all have started. */
const started = (async (): Promise<void> => {
  for (const [target, specifier] of Object.entries(data.files)) {
    const { stream, directory } = await createStream(target, () => streamErrors.push(target), data.cwd, environment.logger);
    streams.push(stream);
    const implementation = await resolveImplementation(specifier, data.cwd);
    if (typeof implementation === 'function') throw new Error(`the report thread runs formatter plugins only, and '${specifier}' is a class`);
    await plugins.initFormatter(implementation, data.formatOptions, stream, stream.write.bind(stream), directory, specifier);
  }
})();

let queue: Promise<void> = started;
queue.catch(() => undefined);

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

// Messages are handled in order, after the formatters have started; the first failure skips the rest
// and is the answer to the end.
port.on('message', (message: ToReportThread) => {
  if ('envelopes' in message) {
    queue = queue.then(() => deliver(message.envelopes));
    // Held for the end's answer, not an unhandled rejection that would end the thread before it.
    queue.catch(() => undefined);
    return;
  }
  queue.then(finish).then(
    () => port.postMessage({ written: true } satisfies FromReportThread),
    (error: unknown) => port.postMessage({ failed: `reports: ${error instanceof Error ? error.message : String(error)}` } satisfies FromReportThread),
  );
});
