// Verdicts from step results, expectations and their validation.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type * as messages from '@cucumber/messages';
import { functionCatalogue } from '../../src/catalogue/catalogue';
import { loadExpectations, type Expectation } from '../../src/verdicts/expectations-file';
import { AgentFailure, CallTimeout, Deviation, NOT_APPLICABLE_MEDIA, ObserverBlind, RUN_METADATA_MEDIA } from '../../src/core/outcomes';
import { applyExpectation, observedVerdict, requirementVerdict, VerdictCollector } from '../../src/verdicts/verdicts';
import { FAILING, VERDICT_MEANINGS, VERDICTS } from '../../src/verdicts/meanings';
import { REPO_ROOT } from '../../src/core/paths';
import { scratchDir } from '../scratch';

const duration = { seconds: 0, nanos: 0 };
const passed: messages.TestStepResult = { status: 'PASSED' as messages.TestStepResultStatus, duration };
/** A step that threw `error`, as cucumber records it: the exception's type is the error's constructor's name. */
const failed = (error: Error): messages.TestStepResult => ({
  status: 'FAILED' as messages.TestStepResultStatus,
  duration,
  message: error.message,
  exception: { type: error.constructor.name, message: error.message },
});
const skipped: messages.TestStepResult = { status: 'SKIPPED' as messages.TestStepResultStatus, duration };

describe('observed verdicts', () => {
  it('reads PASS, FAIL, OPTIONAL, BROKEN and TIMEOUT off the ending error', () => {
    assert.equal(observedVerdict([passed, passed], [], 'MUST').observed, 'PASS');
    assert.equal(observedVerdict([passed, failed(new Deviation('got 1'))], [], 'MUST').observed, 'FAIL');
    assert.equal(observedVerdict([failed(new Deviation('got 1'))], [], 'MAY').observed, 'OPTIONAL');
    assert.deepEqual(observedVerdict([failed(new ObserverBlind('control'))], [], 'MUST'), { observed: 'BROKEN', detail: 'ObserverBlind: control' });
    assert.deepEqual(observedVerdict([failed(new AgentFailure('crashed', ''))], [], 'MUST'), { observed: 'BROKEN', detail: 'AgentFailure: crashed' });
    assert.equal(observedVerdict([failed(new Error('setting up'))], [], 'MUST').observed, 'BROKEN');
    assert.equal(observedVerdict([failed(new CallTimeout('late'))], [], 'MUST').observed, 'TIMEOUT');
    assert.equal(
      observedVerdict([failed(new Error('function timed out, ensure the promise resolves within 30000 milliseconds'))], [], 'MUST').observed,
      'TIMEOUT',
    );
  });

  it("names each error as its class is named, so that the stack's first line and cucumber's type agree", () => {
    for (const error of [new Deviation(''), new CallTimeout(''), new ObserverBlind(''), new AgentFailure('', '')])
      assert.equal(error.name, error.constructor.name);
  });

  it('calls a skip N/A only with a reason attached', () => {
    const note = { mediaType: NOT_APPLICABLE_MEDIA, body: JSON.stringify({ reason: 'no provider' }), fileName: null };
    assert.deepEqual(observedVerdict([skipped], [note], 'MUST'), { observed: 'N/A', detail: 'no provider' });
    assert.equal(observedVerdict([skipped], [], 'MUST').observed, 'BROKEN');
    assert.equal(observedVerdict([{ status: 'UNDEFINED' as messages.TestStepResultStatus, duration }], [], 'MUST').observed, 'BROKEN');
  });

  it('never hides an error of the suite itself: a hook that throws after a N/A or a deviation makes the scenario BROKEN', () => {
    const note = { mediaType: NOT_APPLICABLE_MEDIA, body: JSON.stringify({ reason: 'kept by construction' }), fileName: null };
    const afterHook = failed(new TypeError("Cannot read properties of undefined (reading 'now')"));
    const na = observedVerdict([skipped, skipped, afterHook], [note], 'MUST');
    assert.equal(na.observed, 'BROKEN');
    assert.match(na.detail, /^TypeError: Cannot read .* \(after the scenario had ended N\/A: kept by construction\)$/);
    assert.equal(observedVerdict([passed, failed(new Deviation('no reset')), skipped, afterHook], [], 'MUST').observed, 'BROKEN');
    // A late deviation found by the After hook is the rule's, not the suite's: it does not turn a verdict BROKEN.
    assert.equal(observedVerdict([passed, failed(new Deviation('no reset')), failed(new Deviation('late'))], [], 'MUST').observed, 'FAIL');
  });
});

describe("the run's facts", () => {
  /** The envelopes of one scenario that ran on `workerId` (undefined: a serial run) and attached `facts`, in order. */
  function scenario(id: string, workerId: string | undefined, facts: Record<string, string>[]): messages.Envelope[] {
    const pickle = { id: `p${id}`, uri: 'features/x.feature', name: `scenario ${id}`, language: 'en', steps: [], tags: [], astNodeIds: [] };
    return [
      { pickle },
      { testCase: { id: `c${id}`, pickleId: pickle.id, testSteps: [] } },
      { testCaseStarted: { id: `s${id}`, testCaseId: `c${id}`, attempt: 0, timestamp: duration, ...(workerId === undefined ? {} : { workerId }) } },
      ...facts.map((f) => ({
        attachment: { testCaseStartedId: `s${id}`, mediaType: RUN_METADATA_MEDIA, body: JSON.stringify(f), contentEncoding: 'IDENTITY' },
      })),
      { testCaseFinished: { testCaseStartedId: `s${id}`, timestamp: duration, willBeRetried: false } },
    ] as messages.Envelope[];
  }
  const collect = (envelopes: messages.Envelope[]): Record<string, string> => {
    const collector = new VerdictCollector(
      () => null,
      () => null,
    );
    for (const envelope of envelopes) collector.add(envelope);
    return collector.metadata;
  };

  it('are the facts as the testbed last attached them: it attaches them again when the wire shows its fingerprint', () => {
    const first = { wire: 'not observed' };
    const later = { wire: 'Linux' };
    assert.deepEqual(collect([...scenario('1', undefined, [first]), ...scenario('2', undefined, []), ...scenario('3', undefined, [later])]), later);
  });

  it("of a parallel run, are one worker's, the first to attach them, never mixed with another's", () => {
    const envelopes = [
      ...scenario('1', 'w0', [{ worker: '0', wire: 'not observed' }]),
      ...scenario('2', 'w1', [{ worker: '1', wire: 'not observed' }]),
      ...scenario('3', 'w1', [{ worker: '1', wire: 'Linux' }]),
      ...scenario('4', 'w0', [{ worker: '0', wire: 'Linux' }]),
      ...scenario('5', 'w1', [{ worker: '1', wire: 'Linux', boot: 'again' }]),
    ];
    assert.deepEqual(collect(envelopes), { worker: '0', wire: 'Linux' });
  });
});

describe('what the verdicts mean', () => {
  it("is told by docs/interpreting.md's table as src/verdicts/meanings.ts says it", () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'interpreting.md'), 'utf8');
    const table = /^\| verdict \| meaning \| fails the run \|\n\|[-|]+\|\n((?:\|.*\n)+)/m.exec(doc);
    assert.ok(table?.[1], 'docs/interpreting.md has no verdicts table');
    const rows = table[1]
      .trim()
      .split('\n')
      .map((row) =>
        row
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    const told = VERDICTS.map((v) => [`**${v}**`, VERDICT_MEANINGS[v], FAILING.includes(v) ? 'yes' : 'no']);
    assert.deepEqual(rows, told);
  });
});

describe('expectations', () => {
  const expected: Expectation = {
    requirement: 'r',
    scenarios: ['Datagrams arriving afterwards draw no ICMP error'],
    verdict: 'FAIL',
    detail: 'got = SOCKET_ERROR WSAENOTSOCK (10038)',
    observed: 'o',
    reason: 'why',
    evidence: 'e',
    where: 'f:1',
  };

  it('turns the expected deviation into XFAIL and a pass into XPASS', () => {
    assert.deepEqual(applyExpectation('FAIL', expected.detail, expected), { verdict: 'XFAIL', detail: expected.detail });
    assert.deepEqual(applyExpectation('PASS', '', expected), { verdict: 'XPASS', detail: '' });
    assert.deepEqual(applyExpectation('BROKEN', 'harness', expected), { verdict: 'BROKEN', detail: 'harness' });
    assert.deepEqual(applyExpectation('FAIL', 'x', null), { verdict: 'FAIL', detail: 'x' });
  });

  it('matches a detail whatever ephemeral ports it names', () => {
    const withPort = { ...expected, detail: 'bind to 127.0.0.1:40868 = 0' };
    assert.equal(applyExpectation('FAIL', 'bind to 127.0.0.1:51234 = 0', withPort).verdict, 'XFAIL');
    assert.equal(applyExpectation('FAIL', 'bind to 127.0.0.2:51234 = 0', withPort).verdict, 'FAIL');
  });

  it('keeps a deviation of another shape a FAIL, saying which one was recorded', () => {
    const other = applyExpectation('FAIL', 'got = 0', expected);
    assert.equal(other.verdict, 'FAIL');
    assert.equal(other.detail, 'got = 0 (a deviation other than the one recorded in the expectations: got = SOCKET_ERROR WSAENOTSOCK (10038))');
  });

  it('lets the loudest verdict speak for a requirement', () => {
    assert.equal(requirementVerdict(['PASS', 'XPASS', 'FAIL']), 'XPASS');
    assert.equal(requirementVerdict(['PASS', 'N/A']), 'PASS');
    assert.equal(requirementVerdict(['N/A']), 'N/A');
  });

  const catalogue = functionCatalogue();
  const write = (text: string): string => {
    const file = path.join(scratchDir('expectations'), 'wine.yaml');
    writeFileSync(file, text);
    return file;
  };
  const entry = (fields: string) => `backend: wine\nexpectations:\n  - ${fields}\n`;
  const good =
    'requirement: remarks.no-icmp\n    scenarios: [Datagrams arriving afterwards draw no ICMP error]\n    verdict: FAIL\n    detail: d\n    observed: x\n    reason: y\n    evidence: z';

  it('loads a well-formed file', () => {
    assert.equal(loadExpectations(write(entry(good)), 'wine', catalogue).entries[0]?.requirement, 'remarks.no-icmp');
  });

  it('rejects an unknown ID, a bad verdict, a missing reason, another backend and bad YAML with file:line', () => {
    assert.throws(
      () => loadExpectations(write(entry(good.replace('remarks.no-icmp', 'no.such'))), 'wine', catalogue),
      /wine\.yaml:3: unknown requirement ID 'no\.such'/,
    );
    assert.throws(() => loadExpectations(write(entry(good.replace('FAIL', 'MAYBE'))), 'wine', catalogue), /wine\.yaml:3: verdict 'MAYBE'/);
    assert.throws(() => loadExpectations(write(entry(good.replace('reason: y', 'colour: y'))), 'wine', catalogue), /unknown field colour/);
    assert.throws(() => loadExpectations(write(entry(good)), 'winsock', catalogue), /is for backend 'wine', not 'winsock'/);
    assert.throws(() => loadExpectations(write('backend: [wine\n'), 'wine', catalogue), /wine\.yaml:\d+: /);
  });

  it('refuses an expectation that names no scenario, names one that does not exist, or one another names too', () => {
    const names = new Set(['Datagrams arriving afterwards draw no ICMP error']);
    assert.throws(
      () => loadExpectations(write(entry(good.replace(/\n {4}scenarios: .*\n/, '\n'))), 'wine', catalogue, names),
      /wine\.yaml:3: an expectation names its scenarios/,
    );
    assert.throws(() => loadExpectations(write(entry(good.replace('draw no ICMP', 'draw an ICMP'))), 'wine', catalogue, names), /no scenario is named/);
    assert.throws(() => loadExpectations(write(`${entry(good)}  - ${good}\n`), 'wine', catalogue, names), /is named by another expectation too/);
  });
});
