// The command line: bad input is one line and exit code 2; a run is deterministic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseArguments } from '../../src/cli/run-arguments';
import { runSuite } from '../../src/run/run-suite';
import type { RunOptions } from '../../src/run/options';
import { REPO_ROOT } from '../../src/core/paths';
import { suiteRevision } from '../../src/verdicts/run-identity';
import { scratchDir } from '../scratch';

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
    assert.throws(() => parseArguments(['--rerun', '--reports', scratchDir('cli-no-run')]), /--rerun: .*verdicts\.json: missing/);
  });

  for (const args of [['--backend', 'dos'], ['--tags', '(@a'], ['--label', ''], ['features/errors.feature:x']]) {
    it(`exits 2 with one error line for ${args.join(' ')}`, () => {
      const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
      assert.equal(run.status, 2);
      const lines = run.stderr.trim().split('\n');
      assert.match(lines[0] ?? '', /^winsock-conformance: /);
      assert.match(lines[1] ?? '', /^usage: /);
    });
  }
});

describe('a simulator run', () => {
  it('gives identical verdicts and evidence twice', async () => {
    const options: RunOptions = { backend: 'simulator', tags: null, backendOptions: {}, parallel: 0, reports: null, quiet: true };
    const first = await runSuite(options, () => undefined);
    const second = await runSuite(options, () => undefined, first.support);
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
  // data breaks it (FAIL). Each run is a process of its own: cucumber loads the steps once per process.
  const verdictLines = (mutant: string): string[] => {
    const run = spawnSync(process.execPath, [BIN, '--no-reports', '--tags', '@req:remarks.disconnect-data-needs-xp1', '--backend-option', `mutant=${mutant}`], {
      encoding: 'utf8',
    });
    return run.stdout.split('\n').filter((line) => line.includes('remarks.disconnect-data-needs-xp1'));
  };

  it('is N/A where the TCP provider advertises XP1_DISCONNECT_DATA and FAIL where it lacks it', () => {
    const flagged = verdictLines('tcp-advertises-disconnect-data');
    assert.equal(flagged.length, 2, 'on an open connection and once the peer has closed');
    for (const line of flagged) assert.match(line, /^N\/A .* advertises XP1_DISCONNECT_DATA: the rule is of providers without it$/);
    // The same data handed back by a TCP/IP without the flag: a FAIL of the scenario it shows in.
    for (const [mutant, scenario] of [
      ['phantom-disconnect-data', /on an open connection \(/],
      ['phantom-disconnect-data-after-close', /once the peer has closed \(/],
    ] as const) {
      const failed = verdictLines(mutant).filter((line) => line.startsWith('FAIL'));
      assert.equal(failed.length, 1, `${mutant}: ${failed.join('; ')}`);
      assert.match(failed[0] ?? '', scenario);
    }
  });
});

describe('a run rejected after a good one', () => {
  it("is one line and exit 2, and leaves the good run's reports as they were", () => {
    const reports = path.join(scratchDir('cli-rejected'), 'simulator');
    const good = spawnSync(process.execPath, [BIN, '--quiet', '--tags', '@req:returns.zero-on-success', '--reports', reports], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    const before = readFileSync(path.join(reports, 'verdicts.json'), 'utf8');
    const files = readdirSync(reports).sort();
    const rejected = spawnSync(process.execPath, [BIN, '--quiet', '--tags', '@no-such-tag', '--reports', reports], { encoding: 'utf8' });
    assert.equal(rejected.status, 2);
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
  for (const args of [['--expectations', 'no/such.yaml'], ['features/nothing.feature:3'], ['--rerun', '--reports', 'no/such/folder']]) {
    it(`is one line and exit 2: ${args.join(' ')}`, () => {
      const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
      assert.equal(run.status, 2);
      assert.match(run.stderr, /^winsock-conformance: [^\n]*(no such|missing)[^\n]*\n$/);
    });
  }
});

describe('a labelled run with its own expectations', () => {
  const reports = path.join(scratchDir('cli-labelled'), 'winsock-reactos');
  const expectations = path.join(path.dirname(reports), 'reactos.yaml');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, '--quiet', '--label', 'ReactOS 0.4.15', '--reports', reports, ...args], { encoding: 'utf8' });

  it('records when it ran, the suite revision, the label and the expectations, in verdicts.json and the Allure environment', () => {
    writeFileSync(
      expectations,
      'backend: simulator\nexpectations:\n  - requirement: errors.wsanotinitialised\n    scenarios:\n      - Without WSAStartup, on a handle value that names no socket, the call fails with WSANOTINITIALISED or WSAENOTSOCK, with no disconnect data buffer\n    verdict: FAIL\n    detail: d\n    observed: o\n    reason: ReactOS bug\n    evidence: e\n',
    );
    const before = Date.now();
    const good = run('--expectations', expectations, 'features/errors.feature:17');
    assert.equal(good.status, 1, good.stderr);
    assert.equal(good.stdout.split('\n')[0], '1 scenarios: 1 XPASS');
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

  it('is rejected in one line, exit 2, for a malformed expectations file, leaving the last run as it was', () => {
    const before = readFileSync(path.join(reports, 'verdicts.json'), 'utf8');
    writeFileSync(expectations, 'backend: simulator\nexpectations:\n  - requirement: no.such.rule\n');
    const rejected = run('--expectations', expectations, 'features/errors.feature:17');
    assert.equal(rejected.status, 2);
    assert.equal(rejected.stderr, `winsock-conformance: ${path.relative(REPO_ROOT, expectations)}:3: unknown requirement ID 'no.such.rule'\n`);
    assert.equal(readFileSync(path.join(reports, 'verdicts.json'), 'utf8'), before);
  });

  it('--rerun runs again only what was not PASS, and says when there is nothing left', () => {
    const first = run('features/errors.feature:17', 'features/errors.feature:18', 'features/return-value.feature:14');
    assert.equal(first.status, 0, first.stderr);
    const record = JSON.parse(readFileSync(path.join(reports, 'verdicts.json'), 'utf8')) as { results: { location: string; verdict: string }[] };
    assert.equal(record.results.length, 3);
    // As if the last run had failed one scenario.
    (record.results[1] as { verdict: string }).verdict = 'FAIL';
    writeFileSync(path.join(reports, 'verdicts.json'), JSON.stringify(record));
    const again = run('--rerun');
    assert.equal(again.status, 0, again.stderr);
    const rerun = JSON.parse(readFileSync(path.join(reports, 'verdicts.json'), 'utf8')) as { results: { location: string }[] };
    assert.deepEqual(
      rerun.results.map((r) => r.location),
      [record.results[1]?.location],
    );
    const nothing = run('--rerun');
    assert.equal(nothing.status, 0);
    assert.match(nothing.stdout, /^nothing to rerun: all 1 scenarios of the last run in .* were PASS\n$/);
    const otherLabel = spawnSync(process.execPath, [BIN, '--rerun', '--reports', reports], { encoding: 'utf8' });
    assert.equal(otherLabel.status, 2);
    assert.match(otherLabel.stderr, /^winsock-conformance: --rerun: .* holds a run of simulator labelled 'ReactOS 0\.4\.15', not of simulator\n/);
  });
});

describe('--list', () => {
  it('prints the requirements with their scenarios, and what a selection would run', () => {
    const all = spawnSync(process.execPath, [BIN, '--list'], { encoding: 'utf8' });
    assert.equal(all.status, 0, all.stderr);
    assert.match(all.stdout, /^returns\.zero-on-success {2}MUST {2}.*\n {2}features\/return-value\.feature:\d+ {2}/m);
    const one = spawnSync(process.execPath, [BIN, '--list', '--tags', '@req:remarks.no-icmp'], { encoding: 'utf8' });
    assert.match(one.stdout, /scenarios selected\.\n/);
    assert.deepEqual(one.stdout.split('\n').filter((l) => /^[a-z]/.test(l) && !l.startsWith('Select')).length, 1);
    const none = spawnSync(process.execPath, [BIN, '--list', 'features/errors.feature:1'], { encoding: 'utf8' });
    assert.equal(none.status, 2);
    assert.equal(none.stderr, 'winsock-conformance: no scenario matches features/errors.feature:1\n');
  });
});
