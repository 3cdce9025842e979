// The command line: bad input is one line and exit code 2; a run is deterministic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseArguments, runSuite, type CliOptions } from '../../src/cli/main';
import { REPO_ROOT } from '../../src/core/paths';

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
    assert.ok(
      first.results.every((r) => r.verdict === 'PASS'),
      'the simulator keeps every rule',
    );
  });
});
