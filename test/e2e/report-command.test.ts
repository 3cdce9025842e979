// `npm run report` on runs of this host: two runs compared (--diff), the bundle unpacked and every link
// of its matrix followed on disk, and bad input as one line and exit 2.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, before } from 'node:test';
import { extract } from 'tar';
import { scratchDir, treeOf } from '../scratch';
import { commandHere, run, runHere } from './cli-process';

const SELECTION = ['--tags', '@req:remarks.no-icmp or @req:errors.wsanotinitialised'];

describe('npm run report', { timeout: 180_000 }, () => {
  const work = scratchDir('report-command');
  const good = path.join(work, 'simulator');
  const icmp = path.join(work, 'icmp-sent');

  // The two runs are made in this process, one after the other: the tests read their records.
  before(async () => {
    const runs = await Promise.all([
      runHere(['--quiet', '--label', 'Model A', '--reports', good, ...SELECTION]),
      runHere(['--quiet', '--label', 'Model B', '--backend-option', 'mutant=icmp-sent', '--reports', icmp, ...SELECTION]),
    ]);
    assert.deepEqual(
      runs.map((r) => r.code),
      [0, 1],
    );
  });

  it('--diff lists the requirements and scenarios whose verdict changed, and exits 1 when some did', async () => {
    const diff = await commandHere(['report', '--no-allure', '--out', work, '--diff', good, icmp]);
    assert.equal(diff.code, 1, diff.stderr);
    const lines = diff.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^Model A -> Model B: 1 of the catalogue's \d+ testable requirements changed verdict$/);
    assert.equal(lines[1], '  regression: remarks.no-icmp (MUST): PASS -> FAIL');
    assert.match(lines[2] ?? '', /^ {6}PASS -> FAIL {2}.* \(features\/reception\.feature:\d+\) - /);
    assert.match(readFileSync(path.join(work, 'diff.html'), 'utf8'), /<td class="change" data-change="regression">/);
    const same = await commandHere(['report', '--no-allure', '--out', work, '--diff', good, good]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /: 0 of the catalogue's \d+ testable requirements changed verdict\n/);
  });

  it('--bundle packs the matrix and each run’s reports, whose links all resolve inside it, and changes no reports folder', async () => {
    const file = path.join(scratchDir('report-hand-over'), 'hand-over.tar.gz');
    // Run where its default reports folder (reports/, with the shared matrix) is one of the test's own.
    const cwd = scratchDir('report-bundle-cwd');
    const runsBefore = treeOf(work);
    const report = await run('bin/conformance.js', ['report', '--bundle', file, good, icmp], cwd);
    assert.equal(report.code, 0, report.stderr);
    assert.ok(!existsSync(path.join(cwd, 'reports')), 'the bundle wrote into the reports folder');
    assert.deepEqual(treeOf(work), runsBefore, "the bundle changed the runs' folders");
    // Said as where it is: inside the bundle, not a path from the working folder.
    assert.match(report.stdout, /^allure: in the bundle, hand-over\/simulator\/allure-report\/index\.html \(\d+ results/m);
    assert.match(report.stdout, /^bundle: .*hand-over\.tar\.gz \([\d.]+ MB: hand-over\/matrix\.html, 2 runs, 0 pcap files\)$/m);
    const unpacked = scratchDir('report-bundle');
    await extract({ file, cwd: unpacked });
    const root = path.join(unpacked, 'hand-over');
    for (const part of ['matrix.html', 'matrix.md', 'interpreting.md', 'simulator/verdicts.json', 'simulator/allure-report/index.html', 'icmp-sent/junit.xml'])
      assert.ok(existsSync(path.join(root, part)), part);
    for (const [, said] of report.stdout.matchAll(/^allure: in the bundle, (\S+)/gm))
      assert.ok(existsSync(path.join(unpacked, said as string)), `${said} is not in the bundle`);
    const html = readFileSync(path.join(root, 'matrix.html'), 'utf8');
    const local = [...html.matchAll(/href="([^"#?]+)[^"]*"/g)].map((m) => decodeURIComponent(m[1] as string)).filter((href) => !/^[a-z]+:/.test(href));
    assert.ok(local.some((href) => href === 'icmp-sent/allure-report/index.html'));
    for (const href of new Set(local)) assert.ok(existsSync(path.join(root, href)), `matrix.html links ${href}, which the bundle lacks`);
    assert.match(html, />Model B<small>simulator \(mutant=icmp-sent\)<\/small><small>only /);
    assert.match(html, /How to read it: <a href="interpreting\.md">/, 'the bundle’s own interpreting.md');
  });

  it('refuses bad input in one line, exit 2', async () => {
    for (const [args, message] of [
      [['--diff', good], 'winsock-conformance report: --diff compares two runs: --diff OLD NEW, not 1 folders\n'],
      [['--bundle', 'x.zip', good], 'winsock-conformance report: --bundle x.zip: name a .tar.gz file\n'],
      [
        ['--bundle', 'x.tar.gz', good],
        'winsock-conformance report: --bundle writes the archive only, and leaves the reports folder as it is: --out has nothing to write\n',
      ],
      [['--diff', good, path.join(work, 'nothing')], `winsock-conformance report: ${path.join(work, 'nothing')}: no such folder\n`],
    ] as const) {
      const rejected = await commandHere(['report', '--no-allure', '--out', work, ...args]);
      assert.equal(rejected.code, 2, args.join(' '));
      assert.equal(rejected.stderr, message);
    }
  });
});
