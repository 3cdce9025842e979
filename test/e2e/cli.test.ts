// The command line: bad input is one line and exit code 2; a run is deterministic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseArguments, runSuite, type CliOptions } from '../../src/cli/main';
import { REPO_ROOT } from '../../src/core/paths';
import { scratchDir } from '../scratch';

const BIN = path.join(REPO_ROOT, 'bin', 'conformance.js');

describe('arguments', () => {
  it('defaults to the simulator with reports under reports/simulator', () => {
    assert.deepEqual(parseArguments([]), {
      backend: 'simulator',
      tags: null,
      backendOptions: {},
      parallel: 0,
      reports: path.join('reports', 'simulator'),
      quiet: false,
    });
  });

  it('names the valid choices when one is wrong', () => {
    assert.throws(() => parseArguments(['--backend', 'dos']), /unknown backend 'dos'; valid: simulator, wine, winsock/);
    assert.throws(() => parseArguments(['--colour']), /unknown option '--colour'; valid: --backend/);
    assert.throws(() => parseArguments(['--tags', '@a and']), /malformed tag expression '@a and'/);
    assert.throws(() => parseArguments(['--parallel', 'two']), /--parallel takes a whole number/);
    assert.throws(() => parseArguments(['--backend-option', 'mutant=gremlin']), /unknown mutant 'gremlin'/);
  });

  for (const args of [
    ['--backend', 'dos'],
    ['--tags', '(@a'],
  ]) {
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
    const options: CliOptions = { backend: 'simulator', tags: null, backendOptions: {}, parallel: 0, reports: null, quiet: true };
    const first = await runSuite(options, () => undefined);
    const second = await runSuite(options, () => undefined, first.support);
    const shape = (run: typeof first) => JSON.stringify(run.results.map((r) => [r.location, r.verdict, r.detail, r.attachments]));
    assert.ok(first.results.length > 30);
    assert.equal(shape(first), shape(second));
    // Every rule kept; N/A only where a buffer is declined with WSAENOPROTOOPT, which TCP/IP may do.
    const declined = /declined the 16-byte disconnect data buffer with WSAENOPROTOOPT/;
    for (const r of first.results) assert.ok(r.verdict === 'PASS' || (r.verdict === 'N/A' && declined.test(r.detail)), `${r.name}: ${r.verdict} ${r.detail}`);
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
