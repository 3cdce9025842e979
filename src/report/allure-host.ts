// allure-cucumberjs's own formatter, hosted in the report thread (report-worker.ts): given the run's
// messages as cucumber would give them, it writes the Allure results with the suite's ResultsWriter.
// What the formatter would otherwise read off the main thread's objects comes from the messages instead:
// the hooks' ids and names, the clock, the thread a scenario ran on, a failed BeforeAll or AfterAll.
import { EventEmitter } from 'node:events';
import type { IFormatterOptions } from '@cucumber/cucumber';
import * as messages from '@cucumber/messages';
import AllureCucumberReporter from 'allure-cucumberjs/reporter';
import { allureFormatOptions } from './allure';

export interface AllureHost {
  /** The run's next message. */
  deliver(envelope: messages.Envelope): void;
  /** Every result written so far is on disk; rejects with the first write that failed. */
  flushed(): Promise<void>;
}

/** A test-run hook as the formatter sees it: it wraps `code` to report the hook's failure as a global error. */
interface RunHookDefinition {
  id: string;
  code: () => void;
}

/** Allure results of one run, in `resultsDir`, labelled with `backend`. */
export function hostAllureFormatter(resultsDir: string, backend: string): AllureHost {
  const options = allureFormatOptions(resultsDir, backend);
  const broadcaster = new EventEmitter();
  const hooks: messages.Hook[] = [];
  const runHooks = new Map<string, RunHookDefinition>();
  /** testRunHookStarted ids to their hooks. */
  const runHookOfStart = new Map<string, string>();
  let hookFailure: Error | null = null;
  /** The messages before the run starts (sources, hooks); null once the formatter is built and has them. */
  let beforeRun: messages.Envelope[] | null = [];

  /**
   * The formatter reads the hooks off the support code library when it is built; the messages name them
   * before the run starts, so it is built then. Only the parts it reads are given: the four lists of
   * hooks and a World other than cucumber's own (the suite's, which it leaves alone).
   */
  const startFormatter = (): void => {
    const ofType = (type: messages.HookType) => hooks.filter((hook) => hook.type === type);
    const runHookList = (type: messages.HookType): RunHookDefinition[] =>
      ofType(type).map((hook) => {
        // What the formatter wraps: run on a failed hook's message, it throws that failure.
        const definition = { id: hook.id, code: () => { throw hookFailure; } };
        runHooks.set(hook.id, definition);
        return definition;
      });
    const supportCodeLibrary = {
      beforeTestCaseHookDefinitions: ofType(messages.HookType.BEFORE_TEST_CASE).map(({ id, name }) => ({ id, name })),
      afterTestCaseHookDefinitions: ofType(messages.HookType.AFTER_TEST_CASE).map(({ id, name }) => ({ id, name })),
      beforeTestRunHookDefinitions: runHookList(messages.HookType.BEFORE_TEST_RUN),
      afterTestRunHookDefinitions: runHookList(messages.HookType.AFTER_TEST_RUN),
      World: null,
    };
    const formatterOptions = { eventBroadcaster: broadcaster, parsedArgvOptions: options, supportCodeLibrary, cwd: process.cwd(), cleanup: async () => undefined };
    new AllureCucumberReporter(formatterOptions as unknown as IFormatterOptions);
  };

  /** A failed test-run hook reaches the formatter as it would have in the main thread: as its throw. */
  const reportFailedRunHook = (finished: messages.TestRunHookFinished): void => {
    const definition = runHooks.get(runHookOfStart.get(finished.testRunHookStartedId) ?? '');
    if (!definition || finished.result.status !== messages.TestStepResultStatus.FAILED) return;
    const exception = finished.result.exception;
    hookFailure = Object.assign(new Error(exception?.message ?? finished.result.message ?? 'the hook failed'), exception?.stackTrace ? { stack: exception.stackTrace } : {});
    // The wrapper reports the failure at once and hands back a rejection, which was cucumber's to handle.
    Promise.resolve(definition.code()).catch(() => undefined);
  };

  // The formatter stamps attachments' steps with Date.now(); in this thread that would be when the
  // message was handled, up to a scenario later, so it reads when the message being handled happened.
  const realNow = Date.now.bind(Date);
  let clock: number | null = null;
  Date.now = () => clock ?? realNow();

  const emit = (message: messages.Envelope): void => {
    if (message.testRunHookStarted) runHookOfStart.set(message.testRunHookStarted.id, message.testRunHookStarted.hookId);
    // In a serial run the formatter would have named the main thread; here it would name this one. A
    // copy: the other formatters hold the same messages.
    const serial = message.testCaseStarted && message.testCaseStarted.workerId === undefined;
    const envelope = serial ? { ...message, testCaseStarted: { ...message.testCaseStarted, workerId: `pid-${process.pid}-worker-main` } } : message;
    const timestamp = (Object.values(envelope)[0] as { timestamp?: messages.Timestamp } | undefined)?.timestamp;
    if (timestamp) clock = messages.TimeConversion.timestampToMillisecondsSinceEpoch(timestamp);
    broadcaster.emit('envelope', envelope);
    if (envelope.testRunHookFinished) reportFailedRunHook(envelope.testRunHookFinished);
  };

  return {
    deliver(envelope) {
      if (envelope.hook) hooks.push(envelope.hook);
      if (beforeRun === null) return emit(envelope);
      beforeRun.push(envelope);
      if (!envelope.testRunStarted) return;
      startFormatter();
      const early = beforeRun;
      beforeRun = null;
      early.forEach(emit);
    },
    flushed: () => options.writer.flushed(),
  };
}
