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
  status?: string;
  steps: AllureStep[];
  attachments: { name: string }[];
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

  it('wrote the run’s files, and no empty one', () => {
    // allure-cucumberjs's formatter writes nothing to the stream cucumber gives it: it has no log file. No
    // cucumber.html: its pass rate and FAILED steps would be read for the verdicts (src/run/record.ts).
    assert.deepEqual(readdirSync(reports).sort(), ['allure-results', 'junit.xml', 'logs', 'messages.ndjson', 'verdicts.json']);
    // The scenario's call log and wire log as text (src/run-outputs/scenario-files.ts), neither empty.
    const logs = readdirSync(path.join(reports, 'logs'));
    assert.deepEqual(logs.map((f) => f.replace(/^.*\.(call|wire)-log\.txt$/, '$1')).sort(), ['call', 'wire']);
    for (const log of logs) assert.ok(readFileSync(path.join(reports, 'logs', log), 'utf8').length > 0, log);
  });

  it('wrote the JUnit report of that scenario', () => {
    assert.match(readFileSync(path.join(reports, 'junit.xml'), 'utf8'), /<testsuite [^>]*tests="1"/);
    assert.match(readFileSync(path.join(reports, 'junit.xml'), 'utf8'), /<testcase [^>]*name="Ws2_32\.dll exports WSARecvDisconnect/);
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

  it('made the evidence the teardown attached the scenario’s own, and left no empty step', () => {
    const result = readJson<AllureStep>(path.join(allureDir, allureFiles.find((f) => f.endsWith('-result.json')) as string));
    assert.deepEqual(
      result.attachments.map((a) => a.name),
      ['call-log.txt', 'wire-log.txt'],
      'the call log and the wire log (the simulator captures no pcap), not their JSON twins',
    );
    const { befores, afters } = readJson<{ befores: AllureStep[]; afters: AllureStep[] }>(
      path.join(allureDir, allureFiles.find((f) => f.endsWith('-container.json')) as string),
    );
    const everyStep = (steps: readonly AllureStep[]): AllureStep[] => steps.flatMap((step) => [step, ...everyStep(step.steps ?? [])]);
    // A step of no status is how an attachment is listed; one holding nothing Allure shows as an empty "unknown" step.
    const empty = everyStep([...result.steps, ...befores, ...afters]).filter((step) => step.status === undefined && (step.attachments ?? []).length === 0);
    assert.deepEqual(empty, [], 'an empty step of no status');
  });
});
