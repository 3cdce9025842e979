// The agent's build: what node.exe is given to run, checked in this node (no Wine needed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { buildAgent } from '../../src/testbeds/agent-controller/launcher';
import { scratchDir } from '../scratch';

/** Every file under `dir`, as paths relative to it with forward slashes. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => fs.statSync(path.join(dir, name)).isFile())
    .map((name) => name.split(path.sep).join('/'))
    .sort();
}

describe('agent build', () => {
  it('holds the agent and what it requires at run time, where they are in the repository, and nothing else', () => {
    const out = scratchDir('agent-build');
    assert.equal(buildAgent(out), path.join(out, 'agents', 'node', 'agent.js'));
    const files = filesUnder(out);
    assert.ok(files.includes('agents/node/agent.js'));
    // The Winsock vocabulary is required at run time; what the agent imports only as types (the backends'
    // names, through the ports) stays out.
    assert.ok(files.includes('src/core/winsock.js'), files.join(' '));
    assert.ok(!files.includes('src/core/backend-names.js'), files.join(' '));
    for (const file of files) {
      const js = fs.readFileSync(path.join(out, file), 'utf8');
      for (const [, specifier] of js.matchAll(/\brequire\("([^"]+)"\)/g)) {
        const ok = specifier !== undefined && (isBuiltin(specifier) || fs.existsSync(`${path.resolve(path.dirname(path.join(out, file)), specifier)}.js`));
        assert.ok(ok, `${file} requires ${specifier}, which is neither a node built-in nor in the build`);
      }
    }
  });

  it('starts from the build alone: it loads every module it requires before reading its arguments', () => {
    const out = scratchDir('agent-build');
    const run = spawnSync(process.execPath, [buildAgent(out), '--no-such-argument'], { encoding: 'utf8', cwd: out });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stderr, 'agent: unknown argument --no-such-argument\n');
  });

  it('writes only what changed', () => {
    const out = scratchDir('agent-build');
    const entry = buildAgent(out);
    const longAgo = new Date('2000-01-01T00:00:00Z');
    fs.utimesSync(entry, longAgo, longAgo);
    const before = fs.statSync(entry).mtimeMs;
    buildAgent(out);
    assert.equal(fs.statSync(entry).mtimeMs, before);
  });
});
