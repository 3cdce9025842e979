// The posix backend end to end, through the CLI: its verdicts as expectations/posix.yaml records them, with
// the evidence of the peer and the wire; the N/A scenarios with the porting table's reasons (both read in
// the whole posix run, one of npm test's shared runs: shared-runs.ts); and a call that blocks ending its
// scenario as TIMEOUT while the same agent serves the rest of the run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { NOT_APPLICABLE_MEDIA, WIRE_LOG_MEDIA } from '../../src/core/outcomes';
import { readRunRecord } from '../../src/verdicts/run-record';
import { NO_POSIX_COUNTERPART, NO_UNINITIALISED_PROCESS } from '../../agents/posix/mapping';
import { stillRunningOf } from './processes';
import { scratchDir } from '../scratch';
import { runCli as runCliProcess, type Finished } from './cli-process';
import { sharedRun } from './shared-runs';
import { attachmentsByScenario } from './messages';
import { captureMissing, hasPrerequisite } from '../prerequisites';

const scratch = scratchDir('posix');

/** The CLI in a child process, bounded; nothing it started may outlive it. */
async function runCli(args: string[]): Promise<Finished> {
  const run = await runCliProcess(args);
  const left = stillRunningOf(run.descendants, [run.pid, ...run.descendants.map((p) => p.pid)]);
  assert.deepEqual(
    left.map((p) => `${p.pid} ${p.comm}`),
    [],
    'processes of the run still running',
  );
  return run;
}

/** The whole posix run, which the first two tests read: npm test's shared one, which nothing it started outlived. */
async function wholeRun(): Promise<{ run: { code: number | null; stdout: string; stderr: string }; reports: string }> {
  const run = await sharedRun('posix');
  assert.deepEqual(run.leftovers, [], 'processes of the run still running');
  return { run, reports: run.folder };
}

describe('the posix backend', { concurrency: true }, () => {
  it('records its deviations as expected, and makes N/A what POSIX has no counterpart for', async () => {
    const { run, reports } = await wholeRun();
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const record = readRunRecord(reports);
    const verdicts = Object.fromEntries(record.results.map((r) => [r.name, { verdict: r.verdict, detail: r.detail }]));
    // The listening socket: shutdown(SHUT_RD) returns 0 where the page wants WSAENOTCONN, recorded.
    assert.equal(verdicts['On a listening TCP socket, with no disconnect data buffer, the call fails with WSAENOTCONN']?.verdict, 'XFAIL');
    assert.equal(verdicts['On an unconnected TCP socket, with no disconnect data buffer, the call fails with WSAENOTCONN']?.verdict, 'PASS');
    const reset = verdicts['Data still queued resets the TCP connection after the call with no disconnect data buffer'];
    assert.deepEqual(reset, { verdict: 'XFAIL', detail: 'no reset within 500 ms (the peer saw nothing), nor within 500 ms of its FIN (the peer saw nothing)' });
    // N/A with the table's reasons, before anything was asked of the agent.
    const na = attachmentsByScenario(reports, NOT_APPLICABLE_MEDIA);
    const reasonOf = (name: string): string => (JSON.parse(na.get(name)?.[0] ?? '{}') as { reason?: string }).reason ?? '';
    assert.equal(reasonOf('Ws2_32.dll exports WSARecvDisconnect'), `resolveExport has no POSIX counterpart: ${NO_POSIX_COUNTERPART.resolveExport}`);
    assert.equal(
      reasonOf(
        'Without WSAStartup, on a handle value that names no socket, the call fails with WSANOTINITIALISED or WSAENOTSOCK, with no disconnect data buffer',
      ),
      NO_UNINITIALISED_PROCESS,
    );
    assert.match(record.metadata['controller: column'] ?? '', /^A comparison, not a Winsock implementation/);
    assert.match(record.metadata['agent: ws2_32'] ?? '', /^none: /);
    assert.match(record.metadata['controller: agent program'] ?? '', /^POSIX agent \(agents\/posix\/agent\.ts, node v/);
  });

  it('gives every scenario its wire log, the recorded deviation too', async (t) => {
    if (!hasPrerequisite(t, captureMissing())) return;
    const { run, reports } = await wholeRun();
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const wire = attachmentsByScenario(reports, WIRE_LOG_MEDIA);
    // The scenarios of these rules: a reset, WSAENOTCONN, and two N/A ones (no uninitialised process, no export).
    const rules = new Set(['remarks.tcp-reset-queued-data', 'errors.wsaenotconn', 'errors.wsanotinitialised', 'facts.exported-by-ws2_32']);
    const scenarios = readRunRecord(reports).results.filter((r) => rules.has(r.requirement ?? ''));
    assert.ok(scenarios.length >= 10, `${scenarios.length} scenarios`);
    assert.deepEqual(
      scenarios.filter((r) => !wire.has(r.name)).map((r) => r.name),
      [],
      'scenarios without a wire log',
    );
    const packets = JSON.parse(wire.get('Data still queued resets the TCP connection after the call with no disconnect data buffer')?.[0] ?? '[]') as {
      flags: string[];
    }[];
    assert.ok(
      packets.some((p) => p.flags.includes('SYN')),
      'the handshake is on the wire',
    );
  });

  it('a call that blocks past its bound ends its scenario as TIMEOUT; the same agent serves the rest of the run', async () => {
    const reports = path.join(scratch, 'reports-blocking');
    const cache = path.join(scratch, 'cache');
    const run = await runCli([
      '--backend',
      'posix',
      '--backend-option',
      `agent-command=${path.join('test', 'e2e', 'fixtures', 'posix-blocking-agent.ts')}`,
      '--backend-option',
      `cache=${cache}`,
      '--backend-option',
      'capture=off',
      '--tags',
      '@req:returns.zero-on-success or @req:remarks.does-not-close-socket',
      '--reports',
      reports,
    ]);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    const [first, ...rest] = readRunRecord(reports).results;
    assert.deepEqual([first?.verdict, first?.detail], ['TIMEOUT', 'the call had not returned after 2000 ms']);
    assert.deepEqual(
      rest.map((r) => r.verdict),
      rest.map(() => 'PASS'),
    );
    assert.ok(rest.length >= 3, `${rest.length} scenarios after the one that blocked`);
    // One agent for the whole run: it woke the blocked call itself and answered, so nothing killed it.
    const logs = fs.readdirSync(path.join(cache, 'agent-command', 'logs')).filter((f) => f.endsWith('.stdout.log'));
    assert.equal(logs.length, 1, logs.join(' '));
  });
});
