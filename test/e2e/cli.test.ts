// The command line: bad input is one line and exit code 2; a run is deterministic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseArguments } from '../../src/cli/run-arguments';
import { summaryLine } from '../../src/cli/verdict-lines';
import { NothingToRerun } from '../../src/run/rerun';
import type { RunOptions } from '../../src/run/options';
import { REPO_ROOT } from '../../src/core/paths';
import { functionCatalogue } from '../../src/catalogue/catalogue';
import { buildMatrix } from '../../src/report/matrix';
import { readRunFolder } from '../../src/report/sources';
import { suiteRevision } from '../../src/verdicts/run-identity';
import { countVerdicts, readRunRecord, runFiles, type RunRecord, type ScenarioRecord } from '../../src/verdicts/run-record';
import type { Verdict } from '../../src/verdicts/meanings';
import { scratchDir, treeOf } from '../scratch';
import { commandHere, runHere, runSuiteHere } from './cli-process';
import { copyOfSharedRun } from './shared-runs';
import { assertFilesAgree } from './outputs-agree';

const BIN = path.join(REPO_ROOT, 'bin', 'conformance.js');

describe('arguments', () => {
  it('defaults to the simulator with reports under reports/simulator', () => {
    assert.deepEqual(parseArguments([]), {
      function: 'WSARecvDisconnect',
      backend: 'simulator',
      tags: null,
      backendOptions: {},
      parallel: 0,
      reports: path.join('reports', 'simulator'),
      quiet: false,
      label: null,
      expectations: null,
      paths: [],
    });
  });

  it('takes a label, which names the reports folder, and scenarios by feature:line', () => {
    const options = parseArguments(['--label', 'ReactOS 0.4.15', '--backend', 'wine', 'features/errors.feature:17', 'features/return-value.feature']);
    assert.ok(options !== 'help');
    assert.equal(options.label, 'ReactOS 0.4.15');
    assert.equal(options.reports, path.join('reports', 'wine-reactos-0.4.15'));
    assert.deepEqual(options.paths, ['features/errors.feature:17', 'features/return-value.feature']);
  });

  it('names the valid choices when one is wrong', () => {
    assert.throws(() => parseArguments(['--backend', 'dos']), /unknown backend 'dos'; valid: simulator, wine, wine32, winsock, posix$/);
    assert.throws(() => parseArguments(['--colour']), /unknown option '--colour'; valid: --backend/);
    assert.throws(() => parseArguments(['--tags', '@a and']), /malformed tag expression '@a and'/);
    assert.throws(() => parseArguments(['--parallel', 'two']), /--parallel takes a whole number/);
    assert.throws(() => parseArguments(['--backend-option', 'mutant=gremlin']), /unknown mutant 'gremlin'/);
    assert.throws(() => parseArguments(['--label', '!!']), /--label '!!' needs a letter or a digit/);
    assert.throws(() => parseArguments(['--expectations', 'expectations/reactos.yaml']), /--expectations expectations\/reactos\.yaml: no such file/);
    assert.throws(() => parseArguments(['features/nothing.feature:3']), /features\/nothing\.feature: no such feature file/);
    assert.throws(() => parseArguments(['README.md']), /'README\.md' is neither an option nor a feature file/);
    assert.throws(() => parseArguments(['--rerun-from', scratchDir('cli-no-run')]), /--rerun: .*verdicts\.json: missing/);
  });

  for (const args of [['--backend', 'dos'], ['--tags', '(@a'], ['--label', ''], ['features/errors.feature:x']]) {
    it(`exits 2 with one error line for ${args.join(' ')}`, async () => {
      const { code, stderr } = await commandHere(args);
      assert.equal(code, 2);
      const lines = stderr.trim().split('\n');
      assert.match(lines[0] ?? '', /^winsock-conformance: /);
      assert.match(lines[1] ?? '', /^usage: /);
    });
  }

  it('exits 2 with one error line and the usage from the command itself (bin/conformance.js)', () => {
    const run = spawnSync(process.execPath, [BIN, '--backend', 'dos'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines[0], "winsock-conformance: unknown backend 'dos'; valid: simulator, wine, wine32, winsock, posix");
    assert.match(lines[1] ?? '', /^usage: winsock-conformance /);
    assert.equal(lines.length, 2);
  });
});

describe('a simulator run', () => {
  it('gives identical verdicts and evidence twice', async () => {
    const options: RunOptions = { backend: 'simulator', tags: null, backendOptions: {}, parallel: 0, reports: null, quiet: true };
    const first = await runSuiteHere(options);
    const second = await runSuiteHere(options);
    const shape = (run: typeof first) => JSON.stringify(run.results.map((r) => [r.location, r.verdict, r.detail, r.attachments]));
    assert.ok(first.results.length > 30);
    assert.equal(shape(first), shape(second));
    // Every rule kept; N/A only where a buffer is declined with WSAENOPROTOOPT, which TCP/IP may do, and the
    // rule presumes a call that succeeded.
    const declined = /^WSARecvDisconnect = SOCKET_ERROR WSAENOPROTOOPT \(10042\): the rule presumes a call that succeeded/;
    for (const r of first.results) assert.ok(r.verdict === 'PASS' || (r.verdict === 'N/A' && declined.test(r.detail)), `${r.name}: ${r.verdict} ${r.detail}`);
  });
});

describe("the disconnect-data rule asks the socket's own provider", () => {
  // remarks.disconnect-data-needs-xp1 is of providers without XP1_DISCONNECT_DATA: a TCP provider that
  // advertises the flag and hands back data is outside it (N/A), one that lacks the flag and hands back
  // data breaks it (FAIL). Runs in this process, as the mutants command makes them.
  const verdicts = async (mutant: string): Promise<{ name: string; verdict: string; detail: string }[]> => {
    const options: RunOptions = {
      backend: 'simulator',
      tags: '@req:remarks.disconnect-data-needs-xp1',
      backendOptions: { mutant },
      parallel: 0,
      reports: null,
      quiet: true,
    };
    return (await runSuiteHere(options)).results.filter((r) => r.requirement === 'remarks.disconnect-data-needs-xp1');
  };

  it('is N/A where the TCP provider advertises XP1_DISCONNECT_DATA and FAIL where it lacks it', async () => {
    const flagged = await verdicts('tcp-advertises-disconnect-data');
    assert.equal(flagged.length, 2, 'on an open connection and once the peer has closed');
    for (const r of flagged) {
      assert.equal(r.verdict, 'N/A', r.name);
      assert.match(r.detail, /advertises XP1_DISCONNECT_DATA: the rule is of providers without it$/, r.name);
    }
    // The same data handed back by a TCP/IP without the flag: a FAIL of the scenario it shows in.
    for (const [mutant, scenario] of [
      ['phantom-disconnect-data', /on an open connection$/],
      ['phantom-disconnect-data-after-close', /once the peer has closed$/],
    ] as const) {
      const failed = (await verdicts(mutant)).filter((r) => r.verdict === 'FAIL');
      assert.equal(failed.length, 1, `${mutant}: ${failed.map((r) => r.name).join('; ')}`);
      assert.match(failed[0]?.name ?? '', scenario);
    }
  });
});

describe('a run rejected after a good one', () => {
  it("is one line and exit 2, and leaves the good run's reports as they were", async () => {
    const reports = path.join(scratchDir('cli-rejected'), 'simulator');
    const good = await runHere(['--quiet', '--tags', '@req:returns.zero-on-success', '--reports', reports]);
    assert.equal(good.code, 0);
    const before = readFileSync(path.join(reports, 'verdicts.json'), 'utf8');
    const files = readdirSync(reports).sort();
    const rejected = await commandHere(['--quiet', '--tags', '@no-such-tag', '--reports', reports]);
    assert.equal(rejected.code, 2);
    assert.equal(rejected.stderr, "winsock-conformance: no scenario matches --tags '@no-such-tag'\n");
    assert.equal(readFileSync(path.join(reports, 'verdicts.json'), 'utf8'), before);
    assert.deepEqual(readdirSync(reports).sort(), files);
    assert.deepEqual(readdirSync(path.dirname(reports)), ['simulator'], 'nothing of the rejected run is left beside it');
  });
});

describe('the suite revision a run records', () => {
  it('is this checkout’s commit, and whether the tree had local changes', async () => {
    const revision = await suiteRevision();
    assert.match(revision.commit ?? '', /^[0-9a-f]{40}$/);
    assert.equal(typeof revision.localChanges, 'boolean');
  });

  it('is the version alone outside a git checkout (a copy of the suite unpacked from an archive)', async () => {
    const copy = scratchDir('not-a-checkout');
    writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ version: '9.9.9' }));
    assert.deepEqual(await suiteRevision(copy), { version: '9.9.9', commit: null, localChanges: null });
  });
});

describe('a file named on the command line that is not there', () => {
  for (const args of [['--expectations', 'no/such.yaml'], ['features/nothing.feature:3'], ['--rerun-from', 'no/such/folder']]) {
    it(`is one line and exit 2: ${args.join(' ')}`, async () => {
      const { code, stderr } = await commandHere(args);
      assert.equal(code, 2);
      assert.match(stderr, /^winsock-conformance: [^\n]*(no such|missing)[^\n]*\n$/);
    });
  }
});

describe('a labelled run with its own expectations', () => {
  const reports = path.join(scratchDir('cli-labelled'), 'winsock-reactos');
  const expectations = path.join(path.dirname(reports), 'reactos.yaml');
  /** The labelled run's arguments, then `rest`. */
  const labelled = (...rest: string[]): string[] => ['--quiet', '--label', 'ReactOS 0.4.15', '--reports', reports, ...rest];
  it('records when it ran, the suite revision, the label and the expectations, in verdicts.json and the Allure environment', async () => {
    writeFileSync(
      expectations,
      'backend: simulator\nexpectations:\n  - requirement: errors.wsanotinitialised\n    scenarios:\n      - Without WSAStartup, on a handle value that names no socket, the call fails with WSANOTINITIALISED or WSAENOTSOCK, with no disconnect data buffer\n    verdict: FAIL\n    detail: d\n    observed: o\n    reason: ReactOS bug\n    evidence: e\n',
    );
    const before = Date.now();
    const good = await runHere(labelled('--expectations', expectations, 'features/errors.feature:17'));
    assert.equal(good.code, 1);
    assert.equal(summaryLine(good.summary), '1 scenarios: 1 XPASS');
    const record = JSON.parse(readFileSync(path.join(reports, 'verdicts.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(record.label, 'ReactOS 0.4.15');
    assert.ok(Date.parse(String(record.startedAt)) >= before - 1000 && Date.parse(String(record.finishedAt)) >= Date.parse(String(record.startedAt)));
    assert.match(JSON.stringify(record.suite), /^\{"version":"[^"]+","commit":"[0-9a-f]{40}","localChanges":(true|false)\}$/);
    assert.equal(record.expectations, path.relative(REPO_ROOT, expectations));
    assert.equal(record.selection, 'features/errors.feature:17');
    assert.equal(readFileSync(path.join(reports, 'expectations.yaml'), 'utf8'), readFileSync(expectations, 'utf8'), 'the expectations used go with the run');
    const environment = readFileSync(path.join(reports, 'allure-results', 'environment.properties'), 'utf8');
    assert.match(environment, /^label=ReactOS 0\.4\.15$/m);
    assert.match(environment, /^suite\\ revision=.* at [0-9a-f]{12}/m);
  });

  it('is rejected in one line, exit 2, for a malformed expectations file, leaving the last run as it was', async () => {
    const before = readFileSync(path.join(reports, 'verdicts.json'), 'utf8');
    writeFileSync(expectations, 'backend: simulator\nexpectations:\n  - requirement: no.such.rule\n');
    const rejected = await commandHere(labelled('--expectations', expectations, 'features/errors.feature:17'));
    assert.equal(rejected.code, 2);
    assert.equal(rejected.stderr, `winsock-conformance: ${path.relative(REPO_ROOT, expectations)}:3: unknown requirement ID 'no.such.rule'\n`);
    assert.equal(readFileSync(path.join(reports, 'verdicts.json'), 'utf8'), before);
  });
});

describe('--rerun', () => {
  /** The verdicts a rerun runs again, and some it leaves as they were. */
  const AGAIN: readonly Verdict[] = ['FAIL', 'XPASS', 'BROKEN', 'TIMEOUT'];
  const KEPT: readonly Verdict[] = ['XFAIL', 'OPTIONAL', 'N/A'];

  /** npm test's simulator run copied, with some of its PASS scenarios recorded as `verdicts` instead. */
  async function lastRun(verdicts: readonly Verdict[]): Promise<{ folder: string; record: RunRecord; changed: string[] }> {
    const { folder } = await copyOfSharedRun('simulator', path.join(scratchDir('cli-rerun'), 'simulator'));
    const record = readRunRecord(folder);
    const passed = record.results.filter((r) => r.verdict === 'PASS');
    verdicts.forEach((verdict, i) => Object.assign(passed[i] ?? {}, { verdict }));
    writeFileSync(runFiles(folder).verdicts, JSON.stringify(record));
    return { folder, record: readRunRecord(folder), changed: passed.slice(0, verdicts.length).map((r) => r.location) };
  }

  it('runs again only what can change and merges it into the whole run, written elsewhere with --reports: every output tells the whole run', async () => {
    const { folder: from, record: before, changed } = await lastRun([...AGAIN, ...KEPT]);
    const again = changed.slice(0, AGAIN.length);
    const into = path.join(scratchDir('cli-rerun-into'), 'simulator');
    const untouched = treeOf(from);
    const options = parseArguments(['--quiet', '--rerun-from', from, '--reports', into]);
    assert.ok(options !== 'help');
    assert.deepEqual(options.paths, again, 'FAIL, XPASS, BROKEN and TIMEOUT, not XFAIL, OPTIONAL or N/A');
    const summary = await runSuiteHere(options);
    assert.deepEqual(
      summary.results.map((r) => [r.location, r.verdict]),
      again.map((location) => [location, 'PASS']),
    );
    assert.equal(summary.failed, false, 'the exit code is the whole run’s');
    assert.deepEqual(treeOf(from), untouched, 'the run read stays as it was');

    const merged = readRunRecord(into);
    assert.deepEqual(merged, summary.merged && { ...summary.merged, counts: merged.counts });
    assert.deepEqual(
      merged.results.map((r) => [r.location, r.verdict]),
      before.results.map((r) => [r.location, again.includes(r.location) ? 'PASS' : r.verdict]),
    );
    assert.deepEqual(merged.counts, countVerdicts(merged.results));
    assert.equal(merged.selection, null, 'the whole suite, as the run read');
    assert.equal(merged.startedAt, before.startedAt);
    assert.equal(merged.reruns?.length, 1);
    const [rerun] = merged.reruns ?? [];
    assert.deepEqual(rerun?.scenarios, again);
    assert.equal(rerun?.folder, 'reruns/1');
    assert.ok(Date.parse(rerun?.startedAt ?? '') >= Date.parse(before.finishedAt ?? ''), 'the rerun is dated');
    assert.deepEqual(readdirSync(path.join(into, 'reruns', '1')).sort(), ['messages.ndjson']);
    // junit.xml and the Allure results: one per scenario of the whole run, each with its merged verdict;
    // the rerun's scenarios' results are the rerun's.
    assertFilesAgree(into, 0);
    const fullNames = (folder: string): Map<string, string> => {
      const results = runFiles(folder).allureResults;
      const byUuid = readdirSync(results)
        .filter((f) => f.endsWith('-result.json'))
        .map((f) => JSON.parse(readFileSync(path.join(results, f), 'utf8')) as { uuid: string; fullName: string });
      return new Map(byUuid.map((r) => [r.uuid, r.fullName]));
    };
    const [earlier, now] = [fullNames(from), fullNames(into)];
    const rerunNames = new Set(merged.results.filter((r) => again.includes(r.location)).map((r) => r.name));
    for (const [uuid, fullName] of now) assert.equal(earlier.has(uuid), ![...rerunNames].some((name) => fullName.endsWith(`#${name}`)), fullName);
    assert.match(readFileSync(path.join(runFiles(into).allureResults, 'environment.properties'), 'utf8'), /^reruns=4 scenarios run again /m);
    // The matrix: the whole run, nothing left NOT RUN, and the rerun said.
    const [column] = buildMatrix(functionCatalogue(null), [readRunFolder(into, into)]).columns;
    assert.deepEqual([column?.selection, column?.counts, column?.summary.unknown], [null, merged.counts, []]);
    assert.match(column?.facts.reruns ?? '', /^4 scenarios run again .* \(reruns\/1\)$/);
  });

  it('writes where it read by default, each rerun beside the last; nothing to rerun is one line', async () => {
    const { folder, changed } = await lastRun(['FAIL']);
    await runSuiteHere(parseArguments(['--quiet', '--rerun-from', folder]) as RunOptions);
    const record = readRunRecord(folder);
    assert.equal(record.reruns?.length, 1);
    assert.equal(record.results.find((r) => r.location === changed[0])?.verdict, 'PASS');
    assert.deepEqual(readdirSync(path.dirname(folder)), ['simulator'], 'nothing of the rerun is left beside the folder');
    // A second failure recorded in the merged run: its rerun is the second.
    record.results[0] = { ...(record.results[0] as ScenarioRecord), verdict: 'TIMEOUT' };
    writeFileSync(runFiles(folder).verdicts, JSON.stringify(record));
    await runSuiteHere(parseArguments(['--quiet', '--rerun-from', folder]) as RunOptions);
    const twice = readRunRecord(folder);
    assert.deepEqual(
      twice.reruns?.map((r) => [r.folder, r.scenarios]),
      [
        ['reruns/1', [changed[0]]],
        ['reruns/2', [record.results[0]?.location]],
      ],
    );
    assert.ok(existsSync(path.join(folder, 'reruns', '1', 'messages.ndjson')), 'the first rerun’s messages stay');
    assert.throws(
      () => parseArguments(['--rerun-from', folder]),
      (error: Error) =>
        error instanceof NothingToRerun &&
        error.message === `nothing to rerun: none of the ${twice.results.length} scenarios of the last run in ${folder} is FAIL, XPASS, BROKEN or TIMEOUT`,
    );
  });

  it('reads the run of its backend, label, options and expectations, and names what differs in one line', async () => {
    const { folder } = await lastRun(['FAIL']);
    // --reports names where the whole run goes: --rerun still reads the run's own folder.
    assert.throws(
      () => parseArguments(['--rerun', '--label', 'Nobody', '--reports', folder]),
      /^InputError: --rerun: reports\/simulator-nobody\/verdicts\.json: missing/,
    );
    assert.throws(
      () => parseArguments(['--rerun-from', folder, '--label', 'ReactOS 0.4.15']),
      /--rerun: .* holds a run of simulator, not of simulator labelled 'ReactOS 0\.4\.15'$/,
    );
    assert.throws(
      () => parseArguments(['--rerun-from', folder, '--backend-option', 'mutant=fin-sent']),
      /--rerun: .* holds a run with no backend option, not --backend-option mutant=fin-sent: rerun it as it ran$/,
    );
    const expectations = path.join(scratchDir('cli-rerun-expectations'), 'simulator.yaml');
    writeFileSync(expectations, 'backend: simulator\nexpectations: []\n');
    assert.throws(
      () => parseArguments(['--rerun-from', folder, '--expectations', expectations]),
      /--rerun: .*simulator\.yaml is not the expectations the run in .* was judged by \(none\): run the whole suite$/,
    );
  });
});

describe('an agent that cannot be reached', () => {
  it('is one line and exit 2 before the first scenario, and no reports are begun or replaced', async () => {
    // A port nobody listens on: one just freed.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const parent = scratchDir('cli-unreachable');
    const reports = path.join(parent, 'winsock');
    mkdirSync(reports);
    writeFileSync(runFiles(reports).verdicts, '{"the last good run": true}');
    const before = treeOf(parent);
    const { code, stderr: said } = await commandHere(['--backend', 'winsock', '--backend-option', `agent=tcp://127.0.0.1:${port}`, '--reports', reports]);
    assert.equal(code, 2);
    assert.match(
      said,
      new RegExp(
        `^winsock-conformance: the agent at tcp://127\\.0\\.0\\.1:${port} cannot be reached \\(cannot reach the agent at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED [^)]*\\): start it there \\(--listen 0\\.0\\.0\\.0:${port}, the port admitted by its firewall\\), or name the one running with --backend-option agent=tcp://HOST:PORT\\n$`,
      ),
    );
    assert.deepEqual(treeOf(parent), before, 'the reports folder, and beside it, as they were');
  });
});

describe('--list', () => {
  it('prints the requirements with their scenarios, and what a selection would run', async () => {
    const all = await commandHere(['--list']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^returns\.zero-on-success {2}MUST {2}.*\n {2}features\/return-value\.feature:\d+ {2}/m);
    const one = await commandHere(['--list', '--tags', '@req:remarks.no-icmp']);
    assert.match(one.stdout, /scenarios selected\.\n/);
    assert.deepEqual(one.stdout.split('\n').filter((l) => /^[a-z]/.test(l) && !l.startsWith('Select')).length, 1);
    const none = await commandHere(['--list', 'features/errors.feature:1']);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'winsock-conformance: no scenario matches features/errors.feature:1\n');
  });
});
