// How controllers share the Wine prefix (src/testbeds/agent-controller/wine-setup.ts usePrefix): the last use
// to leave ends its processes, and its record stays, marked leaving, until it has. A run's test that finds the
// prefix's processes with no user's record counts them as left behind; before the mark, the record went
// first, and a run that ended while another was ending the processes was told it had left the wineserver.
// A process may use the prefix twice at once (the e2e tests share one process): each use has its record.
// The "wineserver" here is a script that lists the records whenever it is run (usePrefix runs it to wait
// for the server's end). The other controller is this process's parent, alive while the test runs; one
// gone without a word has a pid above the kernel's pid_max, which no process has.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { prefixUsers, usePrefix } from '../../src/testbeds/agent-controller/wine-setup';
import { scratchDir } from '../scratch';

describe('the Wine prefix shared by controllers', () => {
  const dir = scratchDir('prefix-users');
  const prefix = path.join(dir, 'prefix');
  const users = `${prefix}.users`;
  const seen = path.join(dir, 'records-while-ending');
  const wineserver = path.join(dir, 'wineserver');
  writeFileSync(wineserver, `#!/bin/sh\nls "$WINEPREFIX.users" > '${seen}'\n`);
  chmodSync(wineserver, 0o755);
  const setup = { wine64: wineserver, wineserver, prefix };
  /** Whether the processes were ended (the script ran) since the last call; it forgets. */
  const ended = (): string[] | null => {
    if (!existsSync(seen)) return null;
    const listed = readFileSync(seen, 'utf8').trim().split('\n').filter(Boolean).sort();
    rmSync(seen);
    return listed;
  };
  // Another controller, whose record the test writes as usePrefix would.
  const other = { pid: process.ppid };
  const otherUse = `${other.pid}-1`;
  const records = (): string[] => readdirSync(users).sort();

  it('leaves the processes to another controller that still uses the prefix', () => {
    const leave = usePrefix(setup);
    writeFileSync(path.join(users, otherUse), 'test\n');
    assert.deepEqual(prefixUsers(prefix), [other.pid]);
    leave();
    assert.equal(ended(), null, 'the processes were ended while another controller used the prefix');
    assert.deepEqual(records(), [otherUse]);
  });

  it('ends them when the others are leaving too, its record marked leaving until it has, and counted a user meanwhile', () => {
    const leave = usePrefix(setup);
    // The other marks itself leaving, as its own leave() does, and has not yet ended the processes.
    writeFileSync(path.join(users, `${otherUse}.leaving`), 'test\n');
    rmSync(path.join(users, otherUse));
    const [mine] = records().filter((name) => name.startsWith(`${process.pid}-`));
    leave();
    assert.deepEqual(ended(), [`${mine}.leaving`, `${otherUse}.leaving`].sort());
    assert.deepEqual(prefixUsers(prefix, []), [other.pid]);
    assert.deepEqual(records(), [`${otherUse}.leaving`]);
    rmSync(path.join(users, `${otherUse}.leaving`));
  });

  it('leaves the processes to another use by the same process, and ends them with the last', () => {
    const first = usePrefix(setup);
    const second = usePrefix(setup);
    first();
    assert.equal(ended(), null, "the processes were ended under the other use's feet");
    second();
    assert.notEqual(ended(), null, 'the last use did not end the processes');
    assert.deepEqual(records(), []);
  });

  it('drops the records of controllers gone without a word, and ends the processes', () => {
    const gone = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    writeFileSync(path.join(users, `${gone}-1`), 'test\n');
    const leave = usePrefix(setup);
    leave();
    assert.notEqual(ended(), null, 'the processes were not ended');
    assert.deepEqual(records(), []);
  });
});
