// The suite's one workaround of a third-party limit (src/workarounds/): it must still be in effect, still
// be needed, and still answer as the package it replaces. When cucumber changes what it depends on, this
// fails and says which way: drop the workaround, or re-check it against the new version.
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/core/paths';

const WORKAROUND = path.join(REPO_ROOT, 'src', 'workarounds', 'regexp-match-indices', 'index.js');

function packageJson(dir: string): { version: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };
}

describe('regexp-match-indices on the d flag', () => {
  const cucumber = path.join(REPO_ROOT, 'node_modules', '@cucumber', 'cucumber');
  const expressions = path.join(REPO_ROOT, 'node_modules', '@cucumber', 'cucumber-expressions');

  it('replaces the version cucumber-expressions pins, for the cucumber package.json pins', () => {
    const pinned = packageJson(REPO_ROOT).dependencies?.['@cucumber/cucumber'];
    assert.equal(packageJson(cucumber).version, pinned, '@cucumber/cucumber is pinned exactly, so the workaround is checked against the version it runs with');
    assert.equal(packageJson(cucumber).dependencies?.['@cucumber/cucumber-expressions'], packageJson(expressions).version);
    assert.equal(
      packageJson(expressions).dependencies?.['regexp-match-indices'],
      '1.0.2',
      'cucumber-expressions no longer uses regexp-match-indices 1.0.2: re-check or drop src/workarounds/regexp-match-indices',
    );
  });

  it('is what cucumber-expressions loads', () => {
    const loaded = require.resolve('regexp-match-indices', { paths: [expressions] });
    assert.equal(realpathSync(loaded), WORKAROUND);
  });

  it("gives exec with the indices of every group, and exec's lastIndex", () => {
    const exec = createRequire(__filename)(WORKAROUND) as (regexp: RegExp, text: string) => (RegExpExecArray & { indices: [number, number][] }) | null;
    const match = exec(/^I have (\d+) (cukes?)(?: in my (belly))?$/, 'I have 42 cukes');
    assert.ok(match);
    assert.deepEqual([...match], ['I have 42 cukes', '42', 'cukes', undefined]);
    assert.deepEqual([...match.indices], [[0, 15], [7, 9], [10, 15], undefined]);
    const global = /(a)/g;
    assert.deepEqual(exec(global, 'xaa')?.indices[1], [1, 2]);
    assert.equal(global.lastIndex, 2);
    assert.deepEqual(exec(global, 'xaa')?.indices[1], [2, 3]);
    assert.equal(exec(/b/, 'xaa'), null);
  });
});
