// The one mapping from verdict to each format (src/run-outputs/verdict-formats.ts), and the two outputs that
// follow it: junit.xml and the run's Allure results.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type * as messages from '@cucumber/messages';
import { allureCategories, breaksMust, failsRun, VERDICT_FORMATS, verdictMessage } from '../../src/run-outputs/verdict-formats';
import { writeAllureVerdicts } from '../../src/run-outputs/allure-verdicts';
import { junitCounts, junitXml, ScenarioTimes, textEvidence, type JunitScenario } from '../../src/run-outputs/junit';
import { qualifiedVerdict, VERDICTS, type Verdict } from '../../src/verdicts/meanings';
import { progressLine, summaryLine } from '../../src/cli/verdict-lines';
import { countVerdicts, type ExpectationRecord, type ScenarioRecord } from '../../src/verdicts/run-record';
import { AgentFailure, CALL_LOG_MEDIA, ObserverBlind } from '../../src/core/outcomes';
import { REPO_ROOT } from '../../src/core/paths';
import { scratchDir } from '../scratch';
import { junitSchemaErrors, parseXml, type XmlElement } from '../junit-schema';

const RECORDED: ExpectationRecord = { verdict: 'FAIL', detail: 'no reset within 500 ms', observed: 'no RST', reason: 'Wine sends no RST', evidence: 'bug 1' };

function scenario(verdict: Verdict, line: number): JunitScenario {
  const recorded = verdict === 'XFAIL' || verdict === 'XPASS';
  const details: Record<Verdict, string> = {
    PASS: '',
    FAIL: 'expected 0, got = 1',
    XFAIL: 'no reset within 500 ms',
    XPASS: '',
    OPTIONAL: 'expected SOCKET_ERROR WSAENOPROTOOPT, got = 0',
    'N/A': 'no fault injection here',
    BROKEN: 'ObserverBlind: the control saw no FIN',
    TIMEOUT: 'WSARecvDisconnect did not return within 2000 ms',
  };
  return {
    id: `pickle-${line}`,
    name: `scenario ${verdict} <&"'>`,
    feature: 'Feature & co',
    location: `features/x.feature:${line}`,
    requirement: `remarks.r${line}`,
    strength: verdict === 'OPTIONAL' ? 'MAY' : 'MUST',
    section: '-remarks',
    observed: verdict === 'XFAIL' ? 'FAIL' : verdict === 'XPASS' ? 'PASS' : verdict,
    verdict,
    detail: details[verdict],
    observedDetail: details[verdict],
    unobserved: [],
    expectation: recorded ? RECORDED : null,
    waitedMs: 0,
    // Its evidence as the After hook attaches it: the call log as text, and as data for tools, which JUnit leaves out.
    evidence: textEvidence([
      { mediaType: 'text/plain', fileName: 'call-log.txt', body: `  0.000 WSARecvDisconnect(0xc8, NULL) = 0 <0.1 ms> (round trip 0.${line} ms)\n` },
      { mediaType: CALL_LOG_MEDIA, fileName: 'call-log.json', body: '{"waitedMs":0,"calls":[]}' },
    ]),
  };
}

const ALL = VERDICTS.map((verdict, i) => scenario(verdict, 10 + i));

describe('the mapping from verdict to format', () => {
  it('fails a scenario in JUnit exactly when its verdict fails the run, and in Allure exactly when it broke a MUST', () => {
    // The verdicts that fail a run, as the README says of the exit code.
    assert.deepEqual(VERDICTS.filter(failsRun), ['FAIL', 'XPASS', 'BROKEN', 'TIMEOUT']);
    // The deviations from a MUST, recorded or not, as the matrix counts them.
    assert.deepEqual(VERDICTS.filter(breaksMust), ['FAIL', 'XFAIL']);
    for (const verdict of VERDICTS) {
      const format = VERDICT_FORMATS[verdict];
      assert.equal(['failure', 'error'].includes(format.junit), failsRun(verdict), `${verdict} in JUnit`);
      assert.equal(format.allure === 'failed', breaksMust(verdict), `${verdict} failed in Allure`);
      // Whatever else fails the run is broken there: nothing is known of the rule, or its expectation is out of date.
      assert.equal(format.allure === 'broken', failsRun(verdict) && !breaksMust(verdict), `${verdict} broken in Allure`);
    }
  });

  it("follows pytest's convention in JUnit (XFAIL skipped, XPASS a failure, the harness an error), and the page in Allure", () => {
    assert.deepEqual(Object.fromEntries(VERDICTS.map((v) => [v, [VERDICT_FORMATS[v].junit, VERDICT_FORMATS[v].allure]])), {
      PASS: ['passed', 'passed'],
      FAIL: ['failure', 'failed'],
      XFAIL: ['skipped', 'failed'],
      XPASS: ['failure', 'broken'],
      OPTIONAL: ['skipped', 'skipped'],
      'N/A': ['skipped', 'skipped'],
      BROKEN: ['error', 'broken'],
      TIMEOUT: ['error', 'broken'],
    });
  });

  it("is docs/interpreting.md's table of the outputs, row for row", () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'interpreting.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### How each output tells a verdict'));
    const rows = new Map(
      [...section.matchAll(/^\| ([A-Z/]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| (yes|no) \|$/gm)].map(([, verdict, junit, allure, category, trace]) => [
        verdict,
        { junit, allure, category, trace },
      ]),
    );
    assert.deepEqual([...rows.keys()], [...VERDICTS]);
    for (const verdict of VERDICTS) {
      const row = rows.get(verdict);
      const format = VERDICT_FORMATS[verdict];
      assert.ok(row?.junit?.startsWith(format.junit === 'passed' ? 'passed' : `\`<${format.junit}>\``), `${verdict}: JUnit ${row?.junit}`);
      assert.equal(row?.allure, format.allure, `${verdict}: Allure`);
      // BROKEN's row names its kinds' categories too, its own last.
      assert.ok(format.category === null ? row?.category === '(none)' : row?.category?.endsWith(format.category), `${verdict}: category ${row?.category}`);
      assert.equal(row?.trace, format.keepsTrace ? 'yes' : 'no', `${verdict}: trace`);
    }
  });

  it('gives every verdict but PASS one message, led by the verdict, never "Deviation"', () => {
    const messages = Object.fromEntries(ALL.map((s) => [s.verdict, verdictMessage(s)]));
    assert.equal(messages.PASS, '');
    for (const verdict of VERDICTS.filter((v) => v !== 'PASS')) assert.ok(messages[verdict]?.startsWith(`${verdict}: `), messages[verdict]);
    assert.equal(messages.XFAIL, 'XFAIL: no reset within 500 ms (recorded deviation: Wine sends no RST)');
    assert.equal(messages.XPASS, 'XPASS: recorded as FAIL (Wine sends no RST), but the rule held: remove its expectation');
    assert.equal(messages.OPTIONAL, 'OPTIONAL: a MAY behaviour is absent, which the page allows: expected SOCKET_ERROR WSAENOPROTOOPT, got = 0');
    assert.ok(Object.values(messages).every((m) => !/Deviation/.test(m ?? '')));
  });

  it('puts each verdict in its own Allure category, and a BROKEN by its kind', () => {
    const categories = allureCategories();
    const categoryOf = (status: string, message: string): string | undefined =>
      categories.find((c) => c.matchedStatuses.includes(status as never) && new RegExp(`^(?:${c.messageRegex})$`).test(message))?.name;
    const plain = ALL.map((s) => (s.verdict === 'BROKEN' ? { ...s, detail: 'Error: ENOENT' } : s));
    for (const s of plain)
      assert.equal(categoryOf(VERDICT_FORMATS[s.verdict].allure, verdictMessage(s)) ?? null, VERDICT_FORMATS[s.verdict].category, s.verdict);
    assert.equal(categoryOf('broken', `BROKEN: ${ObserverBlind.name}: the control saw no FIN`), 'Positive control failed (BROKEN)');
    assert.equal(categoryOf('broken', `BROKEN: ${AgentFailure.name}: the agent exited\nwith code 1`), 'Agent failure (BROKEN)');
  });
});

function timestamp(ms: number): messages.Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** Times as cucumber's messages give them: the run from 1000 ms to 3500 ms, each scenario 250 ms. */
function timesOf(scenarios: readonly JunitScenario[]): ScenarioTimes {
  const times = new ScenarioTimes();
  times.add({ testRunStarted: { timestamp: timestamp(1000) } });
  scenarios.forEach((s, i) => {
    times.add({ testCase: { id: `tc${i}`, pickleId: s.id, testSteps: [] } });
    times.add({ testCaseStarted: { id: `st${i}`, testCaseId: `tc${i}`, attempt: 0, timestamp: timestamp(1000 + i * 250) } });
    times.add({ testCaseFinished: { testCaseStartedId: `st${i}`, willBeRetried: false, timestamp: timestamp(1250 + i * 250) } });
  });
  times.add({ testRunFinished: { timestamp: timestamp(3500), success: true } });
  return times;
}

describe('junit.xml', () => {
  const text = junitXml({
    name: 'WSARecvDisconnect conformance: wine',
    facts: { backend: 'wine', 'option grace': '300', 'controller: the agent contradicts it': 'a lie' },
    results: ALL,
    times: timesOf(ALL),
  });
  const suite = parseXml(text);
  const testcases = suite.children.flatMap((s) => s.children).filter((c) => c.name === 'testcase');
  const testcase = (verdict: Verdict): XmlElement => {
    const found = testcases.find((c) => c.children.some((child) => child.name === 'system-out' && child.text.startsWith(`verdict: ${verdict}\n`)));
    assert.ok(found, `no testcase of verdict ${verdict}`);
    return found;
  };
  const outcome = (verdict: Verdict): XmlElement | undefined => testcase(verdict).children.find((c) => c.name !== 'system-out');

  it("keeps to the schema Jenkins' xUnit plugin validates against (junit-10.xsd)", () => {
    assert.deepEqual(junitSchemaErrors(text), []);
  });

  it('counts as the verdicts fail the run: failures FAIL and XPASS, errors BROKEN and TIMEOUT, skipped XFAIL, OPTIONAL and N/A', () => {
    assert.deepEqual(suite.attributes, { name: 'WSARecvDisconnect conformance: wine', tests: '8', failures: '2', errors: '2', time: '2.500' });
    const [testsuite] = suite.children;
    assert.deepEqual(testsuite?.attributes, {
      name: 'WSARecvDisconnect conformance: wine',
      tests: '8',
      failures: '2',
      errors: '2',
      skipped: '3',
      time: '2.500',
      timestamp: '1970-01-01T00:00:01.000Z',
    });
    assert.deepEqual(junitCounts(ALL), { passed: 1, skipped: 3, failure: 2, error: 2 });
    assert.deepEqual(
      testsuite?.children.find((c) => c.name === 'properties')?.children.map((p) => p.attributes),
      [
        { name: 'backend', value: 'wine' },
        { name: 'option grace', value: '300' },
        { name: 'controller: the agent contradicts it', value: 'a lie' },
      ],
      "the run's facts, a contradiction among them",
    );
  });

  it('gives each testcase its name, time, and in its output its verdict, requirement and place', () => {
    const pass = testcase('PASS');
    assert.deepEqual(pass.attributes, { classname: 'Feature & co', name: `scenario PASS <&"'>`, time: '0.250' });
    assert.deepEqual(
      pass.children.map((c) => c.name),
      ['system-out'],
    );
    assert.equal(pass.children[0]?.text, 'verdict: PASS\nrequirement: remarks.r10\nstrength: MUST\nsection: -remarks\nlocation: features/x.feature:10');
    assert.match(text, /name="scenario PASS &lt;&amp;&quot;&#39;&gt;"/, 'escaped');
  });

  it('says each verdict in the element pytest would, with the one message', () => {
    const said = Object.fromEntries(VERDICTS.map((v) => [v, outcome(v) && { element: outcome(v)?.name, ...outcome(v)?.attributes }]));
    assert.deepEqual(said, {
      PASS: undefined,
      FAIL: { element: 'failure', type: 'FAIL', message: 'FAIL: expected 0, got = 1' },
      XFAIL: { element: 'skipped', type: 'XFAIL', message: 'XFAIL: no reset within 500 ms (recorded deviation: Wine sends no RST)' },
      XPASS: { element: 'failure', type: 'XPASS', message: 'XPASS: recorded as FAIL (Wine sends no RST), but the rule held: remove its expectation' },
      OPTIONAL: {
        element: 'skipped',
        type: 'OPTIONAL',
        message: 'OPTIONAL: a MAY behaviour is absent, which the page allows: expected SOCKET_ERROR WSAENOPROTOOPT, got = 0',
      },
      'N/A': { element: 'skipped', type: 'N/A', message: 'N/A: no fault injection here' },
      BROKEN: { element: 'error', type: 'BROKEN', message: 'BROKEN: ObserverBlind: the control saw no FIN' },
      TIMEOUT: { element: 'error', type: 'TIMEOUT', message: 'TIMEOUT: WSARecvDisconnect did not return within 2000 ms' },
    });
  });

  it('carries in the body the deviation, where, what the expectations record, and the call log', () => {
    assert.equal(
      outcome('FAIL')?.text,
      'FAIL: expected 0, got = 1\nat features/x.feature:11\n--- call-log.txt\n  0.000 WSARecvDisconnect(0xc8, NULL) = 0 <0.1 ms> (round trip 0.11 ms)',
    );
    assert.equal(
      outcome('XFAIL')?.text,
      'XFAIL: no reset within 500 ms (recorded deviation: Wine sends no RST)\nat features/x.feature:12\n' +
        'recorded deviation, observed: no RST\nrecorded deviation, evidence: bug 1\n' +
        '--- call-log.txt\n  0.000 WSARecvDisconnect(0xc8, NULL) = 0 <0.1 ms> (round trip 0.12 ms)',
    );
    for (const verdict of VERDICTS.filter((v) => v !== 'PASS'))
      assert.match(outcome(verdict)?.text ?? '', /\n--- call-log\.txt\n {2}0\.000 WSARecvDisconnect/, verdict);
  });

  it('holds no character XML 1.0 forbids', () => {
    const odd = { ...scenario('FAIL', 1), detail: 'got \u0001\u001b[0m' };
    const xml = junitXml({ name: 'n', facts: { backend: 'simulator' }, results: [odd], times: new ScenarioTimes() });
    assert.match(xml, /got \ufffd\ufffd\[0m/);
    assert.match(xml, /<testcase [^>]*time="0"/);
    assert.deepEqual(junitSchemaErrors(xml), []);
  });
});

describe("the schema's rules, as test/junit-schema.ts states them", () => {
  it("finds what the suite's junit.xml broke before (attributes and elements the schema has not) and what is not XML", () => {
    const before =
      '<testsuites name="n" tests="1" failures="0" errors="0" skipped="0" time="1.5" timestamp="t">' +
      '<testsuite name="n" tests="1" failures="0" errors="0" time="1,234.5">' +
      '<testcase classname="F" name="s" file="f.feature" line="3" time="0.1"><properties><property name="verdict" value="PASS"/></properties></testcase>' +
      '<testcase time="x">text<error/></testcase>' +
      '</testsuite></testsuites>';
    assert.deepEqual(junitSchemaErrors(before), [
      'testsuites[name="n"]: attribute skipped is not allowed',
      'testsuites[name="n"]: attribute timestamp is not allowed',
      'testsuites[name="n"]/testsuite[name="n"]/testcase[name="s"]: attribute file is not allowed',
      'testsuites[name="n"]/testsuite[name="n"]/testcase[name="s"]: attribute line is not allowed',
      'testsuites[name="n"]/testsuite[name="n"]/testcase[name="s"]: children [properties] are not what the schema allows (^(?:(?:skipped|error|failure|rerunFailure|rerunError|flakyFailure|flakyError|system-out|system-err) )*$)',
      'testsuites[name="n"]/testsuite[name="n"]/testcase: attribute name is required',
      'testsuites[name="n"]/testsuite[name="n"]/testcase: holds text, which the schema does not allow',
    ]);
    assert.deepEqual(junitSchemaErrors('<testsuite name="n" tests="1" failures="0" errors="0" time="1.2345"/>'), [
      'testsuite[name="n"]: time="1.2345" is not of its type (^(?:\\d{1,3}(?:,\\d{3})+|\\d*)(?:\\.\\d{0,3})?$)',
    ]);
    assert.match(junitSchemaErrors('<testsuites><testsuite></testsuites>')[0] ?? '', /^not well-formed XML, line 1:/);
    assert.deepEqual(junitSchemaErrors('<testcase name="s"/>'), ['the document is a testcase, not one of testsuites, testsuite']);
    assert.deepEqual(junitSchemaErrors('<testsuites>&nbsp;</testsuites>'), [
      'not well-formed XML: the reference &nbsp; at offset 12, which no declaration defines',
    ]);
    assert.deepEqual(junitSchemaErrors('<testsuites>\u0001</testsuites>'), ['not well-formed XML: character U+0001 at offset 12, which XML 1.0 cannot hold']);
  });
});

describe("the run's Allure results", () => {
  const TRACE = '    at expectRule (support/dsl.ts:38:21)\n    at ConformanceWorld.apply (steps/checks.steps.ts:37:13)';

  /** A result as allure-cucumberjs writes it: a Deviation is broken, message and trace on the result and on the step. */
  function formatterResult(s: ScenarioRecord, uuid: string): Record<string, unknown> {
    const error = s.verdict === 'PASS' || s.verdict === 'N/A' || s.verdict === 'XPASS' ? null : `Deviation: ${s.detail}\n${TRACE}`;
    const details = error ? { message: error, trace: error } : {};
    return {
      uuid,
      fullName: `winsock-conformance:${s.location.replace(/:\d+$/, '')}#${s.name}`,
      status: error ? 'broken' : 'passed',
      statusDetails: details,
      labels: [{ name: 'requirement', value: s.requirement }],
      steps: [
        { name: 'Given a socket', status: 'passed', statusDetails: {} },
        { name: 'Then it holds', status: error ? 'broken' : 'passed', statusDetails: details },
      ],
    };
  }

  it('carry the verdict: status, label, one message, and a trace only where the harness failed', async () => {
    const dir = scratchDir('allure-verdicts');
    ALL.forEach((s, i) => writeFileSync(path.join(dir, `u${i}-result.json`), JSON.stringify(formatterResult(s, `u${i}`))));
    const failedFixture = { name: 'After', status: 'broken', statusDetails: { message: 'Deviation: late', trace: TRACE } };
    writeFileSync(path.join(dir, 'c-container.json'), JSON.stringify({ uuid: 'c', children: ['u2'], afters: [failedFixture] }));
    await writeAllureVerdicts(dir, ALL);

    type Written = {
      status: string;
      labels: { name: string; value: string }[];
      statusDetails: { message?: string; trace?: string };
      steps: { status: string; statusDetails: object }[];
    };
    const written = ALL.map((_s, i) => JSON.parse(readFileSync(path.join(dir, `u${i}-result.json`), 'utf8')) as Written);
    written.forEach((result, i) => {
      const s = ALL[i] as JunitScenario;
      assert.equal(result.status, VERDICT_FORMATS[s.verdict].allure, s.verdict);
      assert.deepEqual(
        result.labels.filter((l) => l.name === 'verdict'),
        [{ name: 'verdict', value: s.verdict }],
      );
      assert.equal(result.statusDetails.message ?? '', verdictMessage(s), s.verdict);
      // The message once: not on the step that ended the scenario, which takes the scenario's status.
      assert.deepEqual(result.steps[1]?.statusDetails, {});
      if (s.verdict !== 'PASS') assert.equal(result.steps[1]?.status, s.verdict === 'XPASS' || s.verdict === 'N/A' ? 'passed' : result.status);
      assert.equal(result.statusDetails.trace, VERDICT_FORMATS[s.verdict].keepsTrace ? TRACE : undefined, `${s.verdict}'s trace`);
    });
    const container = JSON.parse(readFileSync(path.join(dir, 'c-container.json'), 'utf8')) as { afters: { status: string; statusDetails: object }[] };
    assert.deepEqual(
      container.afters[0],
      { name: 'After', status: VERDICT_FORMATS.XFAIL.allure, statusDetails: {} },
      "an XFAIL's fixture, without a message of its own",
    );
    const categories = JSON.parse(readFileSync(path.join(dir, 'categories.json'), 'utf8')) as unknown;
    assert.deepEqual(categories, allureCategories());
  });

  it('mark the step whose check found the deviation with the verdict, though cucumber passed it and the scenario went on', async () => {
    const dir = scratchDir('allure-verdicts');
    const xfail = ALL.find((s) => s.verdict === 'XFAIL') as ScenarioRecord;
    const pass = ALL.find((s) => s.verdict === 'PASS') as ScenarioRecord;
    // As allure-cucumberjs writes a step's attachment: a step of its own under the step.
    const found = { name: 'Then the peer sees nothing', status: 'passed', steps: [{ name: 'deviation.txt', attachments: [{ name: 'deviation.txt' }] }] };
    const other = { name: 'And the socket is still a socket', status: 'passed', steps: [{ name: 'call-log.txt', attachments: [{ name: 'call-log.txt' }] }] };
    for (const [s, uuid] of [
      [xfail, 'x'],
      [pass, 'p'],
    ] as const)
      writeFileSync(path.join(dir, `${uuid}-result.json`), JSON.stringify({ ...formatterResult(s, uuid), steps: [found, other] }));
    await writeAllureVerdicts(dir, [xfail, pass]);
    const stepsOf = (uuid: string): string[] =>
      (JSON.parse(readFileSync(path.join(dir, `${uuid}-result.json`), 'utf8')) as { steps: { status: string }[] }).steps.map((step) => step.status);
    assert.deepEqual(stepsOf('x'), [VERDICT_FORMATS.XFAIL.allure, 'passed']);
    assert.deepEqual(stepsOf('p'), ['passed', 'passed'], 'a PASS has no deviation to mark');
  });

  it('refuse a result with no verdict of the run', async () => {
    const dir = scratchDir('allure-verdicts');
    writeFileSync(path.join(dir, 'x-result.json'), JSON.stringify({ uuid: 'x', fullName: 'winsock-conformance:features/y.feature#unknown' }));
    await assert.rejects(writeAllureVerdicts(dir, ALL), /no verdict for the Allure result of winsock-conformance:features\/y\.feature#unknown/);
  });
});

describe('a verdict qualified by what its scenario could not observe', () => {
  const WIRE = { observer: 'the wire', check: 'no segment from the socket besides its handshake', why: 'the wire is not captured in this run' };
  const pass = { ...scenario('PASS', 40), unobserved: [WIRE] };
  const xpass = { ...scenario('XPASS', 41), unobserved: [WIRE] };
  const fail = { ...scenario('FAIL', 42), unobserved: [WIRE] };

  it('reads "PASS, without the wire" with what was not looked for, and XPASS alike; a deviation stands unqualified', () => {
    assert.equal(qualifiedVerdict(pass), 'PASS, without the wire');
    assert.equal(
      verdictMessage(pass),
      'PASS, without the wire: what was observed keeps the rule; not looked for without the wire: no segment from the socket besides its handshake (the wire is not captured in this run)',
    );
    assert.match(
      verdictMessage(xpass),
      /^XPASS, without the wire: recorded as FAIL \(Wine sends no RST\), but the rule held as far as observed \(not looked for without the wire: .*\): remove its expectation$/,
    );
    assert.equal(qualifiedVerdict(fail), 'FAIL');
    assert.equal(verdictMessage(fail), 'FAIL: expected 0, got = 1');
    assert.equal(qualifiedVerdict(scenario('PASS', 43)), 'PASS');
    assert.equal(verdictMessage(scenario('PASS', 43)), '');
  });

  it('keeps a qualified XPASS in its Allure category, and a qualified PASS passed', () => {
    const categories = allureCategories();
    const xpassCategory = categories.find(
      (c) => new RegExp(c.messageRegex).test(verdictMessage(xpass)) && c.matchedStatuses.includes(VERDICT_FORMATS.XPASS.allure),
    );
    assert.equal(xpassCategory?.name, VERDICT_FORMATS.XPASS.category);
    assert.equal(VERDICT_FORMATS[pass.verdict].junit, 'passed');
  });

  it('gives JUnit a line per check that could not look, and says it on the console', () => {
    const text = junitXml({ name: 'n', facts: { backend: 'wine' }, results: [pass], times: timesOf([pass]) });
    assert.match(
      text,
      /<system-out>verdict: PASS, without the wire\n.*\nunobserved: the wire: no segment from the socket besides its handshake \(the wire is not captured in this run\)<\/system-out>\n {4}<\/testcase>/s,
    );
    const result = { ...pass, expectation: null, attachments: [] };
    assert.match(progressLine(result), /^PASS, without the wire remarks\.r40 +scenario PASS .* - not looked for without the wire: no segment/);
    assert.equal(
      summaryLine({ results: [result, { ...result, unobserved: [] }], counts: countVerdicts([result, result]) }),
      '2 scenarios: 2 PASS (1 without the wire)',
    );
  });
});
