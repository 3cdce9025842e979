// A run's report files (cucumber's messages and HTML, allure-cucumberjs's results, the suite's
// junit.xml): what each holds after a simulator run of one scenario.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type * as messages from '@cucumber/messages';
import { runSuite } from '../../src/run/run-suite';
import { scratchDir } from '../scratch';

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

describe('the report files, after a simulator run of one scenario', async () => {
  const reports = scratchDir('report-files');
  const run = await runSuite(
    { backend: 'simulator', tags: '@req:facts.exported-by-ws2_32', backendOptions: {}, parallel: 0, reports, quiet: true },
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
    assert.match(readFileSync(path.join(reports, 'cucumber.html'), 'utf8'), /Ws2_32\.dll exports WSARecvDisconnect/);
  });

  it('wrote one Allure result, on the thread the scenario ran on', () => {
    const results = allureFiles.filter((f) => f.endsWith('-result.json'));
    assert.equal(results.length, 1);
    const result = readJson<{ labels: { name: string; value: string }[] }>(path.join(allureDir, results[0] as string));
    assert.deepEqual(
      result.labels.find((l) => l.name === 'thread'),
      { name: 'thread', value: `pid-${process.pid}-worker-main` },
    );
  });

  it('stamped the evidence attached in a hook within that hook’s time', () => {
    const container = allureFiles.find((f) => f.endsWith('-container.json'));
    const { afters } = readJson<{ afters: AllureFixture[] }>(path.join(allureDir, container as string));
    const tearDown = afters[0];
    assert.ok(tearDown && tearDown.steps.length > 0, 'the After hook attached its call log');
    for (const step of tearDown.steps)
      assert.ok(step.start >= tearDown.start && step.start <= tearDown.stop, `${step.name} at ${step.start}, outside ${tearDown.start}..${tearDown.stop}`);
  });
});
