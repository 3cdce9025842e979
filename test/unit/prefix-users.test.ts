// How controllers share the Wine prefix (src/testbeds/agent-controller/wine-setup.ts usePrefix): the last to
// leave ends its processes, and its record stays, marked leaving, until it has. A run's test that finds the
// prefix's processes with no user's record counts them as left behind; before the mark, the record went
// first, and a run that ended while another was ending the processes was told it had left the wineserver.
// The "wineserver" here is a script that lists the records when it is asked to wait for the server's end.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { prefixUsers, usePrefix } from '../../src/testbeds/agent-controller/wine-setup';
import { scratchDir } from '../scratch';

describe('the Wine prefix shared by controllers', () => {
  const dir = scratchDir('prefix-users');
  const prefix = path.join(dir, 'prefix');
  const seen = path.join(dir, 'records-while-ending');
  const wineserver = path.join(dir, 'wineserver');
  writeFileSync(wineserver, `#!/bin/sh\nls "$WINEPREFIX.users" > '${seen}'\n`);
  chmodSync(wineserver, 0o755);
  const setup = { wine64: wineserver, wineserver, prefix };
  // Another controller: a live process of this test's own.
  const other: ChildProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  after(() => other.kill());
  const otherRecord = (name: string): void => writeFileSync(path.join(`${prefix}.users`, name), 'test\n');
  const records = (): string[] => readdirSync(`${prefix}.users`).sort();

  it('leaves the processes to another controller that still uses the prefix', () => {
    const leave = usePrefix(setup);
    otherRecord(String(other.pid));
    assert.deepEqual(prefixUsers(prefix), [other.pid]);
    leave();
    assert.equal(existsSync(seen), false, 'the processes were ended while another controller used the prefix');
    assert.deepEqual(records(), [String(other.pid)]);
  });

  it('ends them when the others are leaving too, its record marked leaving until it has, and counted a user meanwhile', () => {
    const leave = usePrefix(setup);
    // The other marks itself leaving, as its own leave() does, and has not yet ended the processes.
    otherRecord(`${other.pid}.leaving`);
    rmSync(path.join(`${prefix}.users`, String(other.pid)));
    leave();
    assert.deepEqual(readFileSync(seen, 'utf8').trim().split('\n').sort(), [`${other.pid}.leaving`, `${process.pid}.leaving`].sort());
    assert.deepEqual(prefixUsers(prefix, []), [other.pid]);
    assert.deepEqual(records(), [`${other.pid}.leaving`]);
  });

  it('drops the records of controllers gone without a word, and ends the processes', async () => {
    const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => child.on('exit', () => resolve()));
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await exited(gone);
    const otherExited = exited(other);
    other.kill();
    await otherExited;
    otherRecord(String(gone.pid));
    const leave = usePrefix(setup);
    writeFileSync(seen, '');
    leave();
    assert.notEqual(readFileSync(seen, 'utf8'), '', 'the processes were not ended');
    assert.deepEqual(records(), []);
  });
});
