// A second page needs a catalogue, features and steps, and no new plumbing (docs/contributing.md, "Adding a
// page"): in a scratch copy of the suite, this test adds a made-up stand-in for a `shutdown` page, its
// catalogue and one feature made of existing steps, changes no code, and runs lint:trace, the command and
// the report on it. Each output names the function. The page's text is made up here: never the shared
// page's words.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/core/paths';
import { pageStatements } from '../../src/catalogue/statements';
import { readRunRecord } from '../../src/verdicts/run-record';
import { scratchDir } from '../scratch';
import type { Ran } from './cli-process';

/** What a suite's checkout holds to run (node_modules is linked, not copied). */
const SUITE_PARTS = [
  'bin',
  'src',
  'steps',
  'support',
  'spec',
  'features',
  'scripts',
  'agents',
  'expectations',
  'docs',
  'cucumber.js',
  'package.json',
  'tsconfig.json',
];

const URL = 'https://example.test/shutdown-stand-in';

const PAGE = `---
title: shutdown function (a stand-in)
description: A made-up page that stands in for a second function in the suite's own tests.
---

# shutdown function

## -description

The stand-in function disables sends or receives on a socket.

## -returns

If no error occurs, the stand-in returns zero.
`;

const FEATURE = `@section:-returns
Feature: Return value of the stand-in
  A second function's feature, made of the steps the suite already has.

  @req:returns.zero-on-success @strength:MUST
  Scenario: On a connected TCP socket the call returns 0
    Given a connected TCP socket
    When WSARecvDisconnect is called with no disconnect data buffer
    Then it returns 0
`;

/** The catalogue of the stand-in page: the returns sentence is the one rule (an ID WSARecvDisconnect's catalogue has too), the rest is classified. */
function catalogue(): string {
  const statements = pageStatements(PAGE);
  const anchor = (s: { locator: string; hash: string }): string => `      - { at: ${s.locator}, hash: '${s.hash}' }`;
  const rule = statements.find((s) => s.section === '-returns' && s.kind === 'sentence');
  assert.ok(rule, 'the stand-in page has a returns sentence');
  return [
    'function: shutdown',
    'page: ../pages/shutdown.md',
    `url: ${URL}`,
    'features: features/shutdown',
    'requirements:',
    '  - id: returns.zero-on-success',
    '    section: -returns',
    '    anchors:',
    anchor(rule),
    '    rule: The call returns 0 when it succeeds.',
    '    strength: MUST',
    '    testing: any-backend',
    'nonNormative:',
    '  - reason: the stand-in page says nothing else to encode',
    '    anchors:',
    ...statements.filter((s) => s !== rule).map(anchor),
    '',
  ].join('\n');
}

/** Its Windows evidence: the stand-in is made up, so there is none to cite, and the file says so. */
const WINDOWS_EVIDENCE = [
  'function: shutdown',
  'searched:',
  "  - nowhere, since the stand-in page is made up for the suite's own tests",
  'entries:',
  '  - id: returns.zero-on-success',
  '    notFound: A made-up function has no Windows behaviour to cite.',
  '',
].join('\n');

describe('a second function, added as data', () => {
  let suite = '';

  /**
   * A command of the scratch suite, run there with its own TypeScript configuration. ts-node keeps the
   * compiled TypeScript compiler (2.3 MB) in the system's temporary folder, through v8-compile-cache-lib,
   * named after the process's main script or its working folder, which are new for each copy of the suite:
   * the copy's go in its scratch folder (V8_COMPILE_CACHE_CACHE_DIR, v8-compile-cache-lib's documented
   * setting), and go with it, instead of staying there after every npm test.
   */
  const run = (args: readonly string[]): Promise<Ran> =>
    new Promise((resolve) => {
      const loader = args[0]?.endsWith('.ts') ? ['-r', 'ts-node/register'] : [];
      const env = {
        ...process.env,
        TS_NODE_PROJECT: path.join(suite, 'tsconfig.json'),
        V8_COMPILE_CACHE_CACHE_DIR: path.join(suite, '..', 'v8-compile-cache'),
      };
      execFile(process.execPath, [...loader, ...args], { cwd: suite, env, timeout: 180_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });

  before(() => {
    const root = scratchDir('second-function');
    suite = path.join(root, 'suite');
    for (const part of SUITE_PARTS) cpSync(path.join(REPO_ROOT, part), path.join(suite, part), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(suite, 'node_modules'));
    // The shared pages lie beside the suite, as beside the checkout; the stand-in's own folder is beside them.
    symlinkSync(path.resolve(REPO_ROOT, '..', 'shared'), path.join(root, 'shared'));
    mkdirSync(path.join(root, 'pages'));
    writeFileSync(path.join(root, 'pages', 'shutdown.md'), PAGE);
    writeFileSync(path.join(suite, 'spec', 'shutdown.yaml'), catalogue());
    writeFileSync(path.join(suite, 'spec', 'shutdown.windows-evidence.yaml'), WINDOWS_EVIDENCE);
    mkdirSync(path.join(suite, 'features', 'shutdown'));
    writeFileSync(path.join(suite, 'features', 'shutdown', 'return-value.feature'), FEATURE);
  });

  it('lint:trace checks each catalogue against its own page and features, IDs unique within each', async () => {
    const result = await run(['scripts/lint-trace.ts']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^shutdown: traced: 1\/1 requirements /m);
    const total = pageStatements(PAGE).length;
    assert.match(result.stdout, new RegExp(`^shutdown: page: ${total}/${total} statements claimed \\(\\.\\./pages/shutdown\\.md\\)$`, 'm'));
    assert.match(result.stdout, /^WSARecvDisconnect: traced: (\d+)\/\1 requirements /m);
    assert.match(result.stdout, /^shutdown: windows evidence: 1\/1 entries \(0 with evidence of Windows, 1 none found\); 0\/0 source citations /m);
    assert.match(result.stdout, /^WSARecvDisconnect: windows evidence: (\d+)\/\1 entries /m);
  });

  it("--list takes the function's catalogue and features; the default function's leave the other's out", async () => {
    const second = await run(['bin/conformance.js', '--function', 'shutdown', '--list']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^shutdown: 1 requirements, 1 scenarios\.$/m);
    assert.match(second.stdout, /^ {2}features\/shutdown\/return-value\.feature:6 {2}On a connected TCP socket the call returns 0$/m);
    const first = await run(['bin/conformance.js', '--list']);
    assert.match(first.stdout, /^WSARecvDisconnect: \d+ requirements/);
    assert.doesNotMatch(first.stdout, /features\/shutdown/);
    const mixed = await run(['bin/conformance.js', 'features/shutdown/return-value.feature']);
    assert.equal(mixed.code, 2);
    assert.match(
      mixed.stderr,
      /^winsock-conformance: features\/shutdown\/return-value\.feature is not a feature of WSARecvDisconnect \(features\/\*\.feature\): /,
    );
  });

  it('runs it on the simulator: verdicts.json, the Allure links, --rerun, the matrix and the annotated page name the function', async () => {
    const ran = await run(['bin/conformance.js', '--function', 'shutdown']);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /^PASS {5}returns\.zero-on-success .* \(features\/shutdown\/return-value\.feature:6\)$/m);
    assert.match(ran.stdout, /^1 scenarios: 1 PASS$/m);
    // Another function's reports go under reports/<function>/, beside the default function's reports/<backend>.
    const folder = path.join(suite, 'reports', 'shutdown', 'simulator');
    const record = readRunRecord(folder);
    assert.equal(record.function, 'shutdown');
    assert.deepEqual(
      record.results.map((r) => r.location),
      ['features/shutdown/return-value.feature:6'],
    );
    const results = path.join(folder, 'allure-results');
    const links = readdirSync(results)
      .filter((f) => f.endsWith('-result.json'))
      .flatMap((f) => (JSON.parse(readFileSync(path.join(results, f), 'utf8')) as { links: { url: string }[] }).links.map((l) => l.url));
    assert.deepEqual(links, [`${URL}#return-value`]);
    assert.match(readFileSync(path.join(results, 'environment.properties'), 'utf8'), /^function=shutdown$/m);

    const rerun = await run(['bin/conformance.js', '--function', 'shutdown', '--rerun']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(
      rerun.stdout,
      /^nothing to rerun: none of the 1 scenarios of the last run in reports\/shutdown\/simulator is FAIL, XPASS, BROKEN or TIMEOUT$/m,
    );
    const wrongFunction = await run(['bin/conformance.js', '--rerun-from', folder]);
    assert.equal(wrongFunction.code, 2);
    assert.match(wrongFunction.stderr, /holds a run of shutdown on simulator, not of WSARecvDisconnect on simulator$/m);

    // One run of the default function beside it: the report builds one matrix per function.
    const first = await run(['bin/conformance.js', '--quiet', '--tags', '@req:returns.zero-on-success']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const report = await run(['bin/conformance.js', 'report', '--no-allure']);
    assert.equal(report.code, 0, report.stdout + report.stderr);
    assert.match(report.stdout, /^matrix: reports\/shutdown\/matrix\.html, reports\/shutdown\/matrix\.md \(shutdown: the catalogue's 1 requirement x 1 run\)/m);
    assert.match(report.stdout, /^matrix: reports\/matrix\.html, reports\/matrix\.md \(WSARecvDisconnect: the catalogue's \d+ requirements x 1 run\)/m);
    assert.match(report.stdout, /^annotated page: reports\/shutdown\/shutdown\.annotated\.html$/m);
    assert.doesNotMatch(report.stdout, /^skipped /m);

    const matrix = readFileSync(path.join(suite, 'reports', 'shutdown', 'matrix.md'), 'utf8');
    assert.match(matrix, /shutdown/);
    assert.doesNotMatch(matrix, /WSARecvDisconnect/);
    assert.match(matrix, /returns\.zero-on-success/);
    assert.ok(matrix.includes(`${URL}#return-value`), matrix);
    const annotated = readFileSync(path.join(suite, 'reports', 'shutdown', 'shutdown.annotated.html'), 'utf8');
    assert.match(annotated, /<h1>shutdown: the reference page, annotated<\/h1>/);
    assert.match(annotated, /returns\.zero-on-success/);
    assert.match(annotated, /PASS/);
    assert.ok(existsSync(path.join(suite, 'reports', 'WSARecvDisconnect.annotated.html')));

    const diff = await run(['bin/conformance.js', 'report', '--diff', '--no-allure', 'reports/simulator', 'reports/shutdown/simulator']);
    assert.equal(diff.code, 2);
    assert.match(
      diff.stderr,
      /^winsock-conformance report: --diff takes the runs of one function; these are of 2 \(WSARecvDisconnect: reports\/simulator; shutdown: reports\/shutdown\/simulator\)$/m,
    );
  });
});
