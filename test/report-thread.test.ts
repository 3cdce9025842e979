// The report thread: the formatters it hosts write what they would have written in cucumber's own
// thread, a failed test-run hook still reaches Allure, and a report it cannot write is one line.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type * as messages from '@cucumber/messages';
import { runSuite } from '../src/cli/main';
import { ReportThread } from '../src/report/report-thread';
import { scratchDir } from './scratch';

const ROOT = path.join(__dirname, '..');

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

interface AllureStep {
  name: string;
  start: number;
  stop: number;
}
interface AllureFixture extends AllureStep {
  steps: AllureStep[];
}

describe('the report thread, after a simulator run of one scenario', async () => {
  const reports = scratchDir('report-thread');
  const run = await runSuite(
    { backend: 'simulator', tags: '@req:returns.zero-on-success', backendOptions: {}, parallel: 0, reports, quiet: true },
    () => undefined,
  );
  const allureDir = path.join(reports, 'allure-results');
  const allureFiles = readdirSync(allureDir);

  it('wrote the run’s messages, one JSON line each, the run’s end last', () => {
    const lines = readFileSync(path.join(reports, 'messages.ndjson'), 'utf8').trimEnd().split('\n');
    const envelopes = lines.map((line) => JSON.parse(line) as messages.Envelope);
    assert.equal(run.results.length, 1);
    assert.ok(envelopes[envelopes.length - 1]?.testRunFinished, 'the last message ends the run');
  });

  it('wrote the JUnit and HTML reports of that scenario', () => {
    assert.match(readFileSync(path.join(reports, 'junit.xml'), 'utf8'), /<testsuite [^>]*tests="1"/);
    assert.match(readFileSync(path.join(reports, 'cucumber.html'), 'utf8'), /A call that succeeds returns 0/);
  });

  it('wrote one Allure result, on the thread the scenario ran on', () => {
    const results = allureFiles.filter((f) => f.endsWith('-result.json'));
    assert.equal(results.length, 1);
    const result = readJson<{ labels: { name: string; value: string }[] }>(path.join(allureDir, results[0] as string));
    assert.deepEqual(result.labels.find((l) => l.name === 'thread'), { name: 'thread', value: `pid-${process.pid}-worker-main` });
  });

  it('stamped the evidence attached in a hook within that hook’s time', () => {
    const container = allureFiles.find((f) => f.endsWith('-container.json'));
    const { afters } = readJson<{ afters: AllureFixture[] }>(path.join(allureDir, container as string));
    const tearDown = afters[0];
    assert.ok(tearDown && tearDown.steps.length > 0, 'the After hook attached its call log');
    for (const step of tearDown.steps) assert.ok(step.start >= tearDown.start && step.start <= tearDown.stop, `${step.name} at ${step.start}, outside ${tearDown.start}..${tearDown.stop}`);
  });
});

describe('the report thread, given messages', () => {
  const at = (ms: number): messages.Timestamp => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

  it('reports a failed BeforeAll to Allure as a global error, as allure-cucumberjs does in cucumber’s thread', async () => {
    const resultsDir = scratchDir('report-thread-hook');
    const thread = new ReportThread({ cwd: ROOT, files: {}, allure: { resultsDir, backend: 'simulator' } });
    thread.configure({});
    const hook: messages.Hook = { id: 'h1', type: 'BEFORE_TEST_RUN' as messages.HookType, sourceReference: { uri: 'support/hooks.ts' } };
    const failed: messages.TestStepResult = {
      status: 'FAILED' as messages.TestStepResultStatus,
      duration: { seconds: 0, nanos: 0 },
      message: 'wine64 not found',
      exception: { type: 'Error', message: 'wine64 not found', stackTrace: 'Error: wine64 not found\n    at support/hooks.ts:18' },
    };
    for (const envelope of [
      { hook },
      { testRunStarted: { timestamp: at(1000) } },
      { testRunHookStarted: { id: 's1', testRunStartedId: 'r1', hookId: 'h1', timestamp: at(1001) } },
      { testRunHookFinished: { testRunHookStartedId: 's1', result: failed, timestamp: at(1002) } },
      { testRunFinished: { success: false, timestamp: at(1003) } },
    ] as messages.Envelope[]) {
      thread.add(envelope);
    }
    await thread.finish();
    const globals = readdirSync(resultsDir).filter((f) => f.endsWith('-globals.json'));
    const errors = globals.flatMap((f) => readJson<{ errors?: { message?: string }[] }>(path.join(resultsDir, f)).errors ?? []);
    assert.deepEqual(errors.map((e) => e.message), ['BeforeAll hook failed: wine64 not found']);
  });

  it('fails the end with one line when a report file cannot be created', async () => {
    const dir = scratchDir('report-thread-unwritable');
    writeFileSync(path.join(dir, 'a-file'), '');
    const thread = new ReportThread({ cwd: ROOT, files: { [path.join(dir, 'a-file', 'messages.ndjson')]: 'message' }, allure: null });
    thread.configure({});
    thread.add({ testRunStarted: { timestamp: at(0) } } as messages.Envelope);
    await assert.rejects(thread.finish(), (error: Error) => /^reports: .*ENOTDIR/.test(error.message) && !error.message.includes('\n'));
  });
});
