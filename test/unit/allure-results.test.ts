// The writer of a run's Allure results (src/run-outputs/allure.ts ResultsWriter), fed as allure-cucumberjs
// feeds it: a scenario's result, then at once its hooks' containers, each attachment wrapped in a step of its
// own name. What a reader then finds: the evidence in the scenario's body, no empty step, no error said twice.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ResultsWriter, SCENARIO_HOOKS } from '../../src/run-outputs/allure';
import { CALL_LOG_MEDIA, NOT_APPLICABLE_MEDIA, PCAP_MEDIA, RUN_METADATA_MEDIA, UNOBSERVED_MEDIA, WIRE_LOG_MEDIA } from '../../src/core/outcomes';
import { scratchDir } from '../scratch';

interface Attachment {
  name: string;
  source: string;
  type: string;
}

/** What allure-cucumberjs makes of an attachment: a step of the attachment's name, with no status, holding it. */
function attached(name: string, type: string): { name: string; attachments: Attachment[]; start: number; stop: number } {
  return { name, attachments: [{ name, source: `${name}-source`, type }], start: 1, stop: 1 };
}

function readJson<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;
}

describe("the run's Allure results, as its writer leaves them", () => {
  it("make the teardown's evidence the scenario's own attachments, after its own, and leave the teardown its status", async () => {
    const dir = scratchDir('allure-results-evidence');
    const writer = new ResultsWriter(dir);
    writer.writeResult({ uuid: 't1', attachments: [{ name: 'Examples', source: 'x.csv', type: 'text/csv' }] });
    writer.writeGroup({ uuid: 'a', children: ['t1'], befores: [{ name: SCENARIO_HOOKS.setUp, status: 'passed', steps: [] }], afters: [] });
    const teardown = [attached('call-log.txt', 'text/plain'), attached('wire-log.txt', 'text/plain'), attached('reception-85-x.pcap', PCAP_MEDIA)];
    writer.writeGroup({ uuid: 'b', children: ['t1'], befores: [], afters: [{ name: SCENARIO_HOOKS.tearDown, status: 'failed', steps: teardown }] });
    await writer.flushed();
    const result = readJson<{ attachments: Attachment[] }>(dir, 't1-result.json');
    assert.deepEqual(
      result.attachments.map((a) => a.name),
      ['Examples', 'call-log.txt', 'wire-log.txt', 'reception-85-x.pcap'],
    );
    const container = readJson<{ afters: { name: string; status: string; steps: unknown[] }[] }>(dir, 'a-container.json');
    assert.deepEqual(container.afters, [{ name: SCENARIO_HOOKS.tearDown, status: 'failed', steps: [] }]);
  });

  it("leave out the machine-readable twins and the run's facts, their files and the steps that held them; keep what a person reads", async () => {
    const dir = scratchDir('allure-results-twins');
    const writer = new ResultsWriter(dir);
    // A JSON attachment's file is written before the result that lists it, as allure-cucumberjs writes them.
    for (const file of ['call-log.json-source', 'wire-log.json-source', 'not-applicable-source', 'unobserved.json-source', 'run metadata-source'])
      writer.writeAttachment(file.endsWith('.json-source') ? `${file}.json` : file, Buffer.from('{}'));
    const source = (name: string): string => (name.endsWith('.json') ? `${name}-source.json` : `${name}-source`);
    const step = (name: string, type: string): ReturnType<typeof attached> => ({
      ...attached(name, type),
      attachments: [{ name, source: source(name), type }],
    });
    writer.writeResult({
      uuid: 't1',
      steps: [
        { name: 'And the network subsystem has failed', status: 'skipped', steps: [step('not-applicable', NOT_APPLICABLE_MEDIA)] },
        { name: 'Then nothing reaches the peer', status: 'passed', steps: [step('unobserved.json', UNOBSERVED_MEDIA)] },
      ],
    });
    writer.writeGroup({
      uuid: 'b',
      children: ['t1'],
      // The run's facts, which a worker's first scenario carries to the run (support/hooks.ts): shown as Allure's environment instead.
      befores: [{ name: SCENARIO_HOOKS.setUp, status: 'passed', steps: [step('run metadata', RUN_METADATA_MEDIA)] }],
      afters: [
        {
          name: SCENARIO_HOOKS.tearDown,
          status: 'passed',
          steps: [
            attached('call-log.txt', 'text/plain'),
            step('call-log.json', CALL_LOG_MEDIA),
            step('wire-log.json', WIRE_LOG_MEDIA),
            step('run metadata', RUN_METADATA_MEDIA),
          ],
        },
      ],
    });
    await writer.flushed();
    const result = readJson<{ attachments: Attachment[]; steps: { name: string; steps: { name: string }[] }[] }>(dir, 't1-result.json');
    assert.deepEqual(
      result.steps.map((s) => [s.name, s.steps.map((inner) => inner.name)]),
      [
        ['And the network subsystem has failed', []],
        ['Then nothing reaches the peer', ['unobserved.json']],
      ],
      'an N/A says its reason in its message: its note is not attached again',
    );
    assert.deepEqual(
      result.attachments.map((a) => a.name),
      ['call-log.txt'],
    );
    const container = readJson<{ befores: { steps: unknown[] }[]; afters: { steps: unknown[] }[] }>(dir, 'b-container.json');
    assert.deepEqual(container.afters[0]?.steps, [], 'no empty step where a JSON twin was');
    assert.deepEqual(container.befores[0]?.steps, [], "no step where the run's facts were");
    assert.deepEqual(readdirSync(dir).sort(), ['b-container.json', 't1-result.json', 'unobserved.json-source.json']);
  });

  it('tell a scenario hook’s error on its scenario alone, and the whole run’s among the global errors', async () => {
    const dir = scratchDir('allure-results-globals');
    const writer = new ResultsWriter(dir);
    writer.writeGlobals('s-globals.json', {
      attachments: [],
      errors: [{ message: `${SCENARIO_HOOKS.tearDown} failed: Deviation: expected 0\n    at x (support/hooks.ts:1:1)` }],
    });
    writer.writeGlobals('r-globals.json', { attachments: [], errors: [{ message: 'AfterAll hook failed: the agent would not stop' }] });
    await writer.flushed();
    assert.deepEqual(readdirSync(dir), ['r-globals.json']);
    assert.deepEqual(readJson(dir, 'r-globals.json'), { attachments: [], errors: [{ message: 'AfterAll hook failed: the agent would not stop' }] });
  });
});
