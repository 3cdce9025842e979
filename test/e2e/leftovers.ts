// What a finished run of the CLI left behind, for the tests that make an agent fail, hang or be interrupted:
// its processes, its agents (by the logs the launcher writes) and their ports, and the processes of this
// checkout's Wine prefix. Like processes.ts, it looks only at what is the test's own.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finished } from './cli-process';
import { listeningPortsOf, prefixLeftovers, prefixProcs, readProc, stillRunningOf } from './processes';

/** The agents' own ports and pids, from the logs of the agents that controller `pid` started. */
export function agentsOf(logDir: string, controllers: number[]): { pids: number[]; ports: number[]; logs: number } {
  const pids: number[] = [];
  const ports: number[] = [];
  let logs = 0;
  for (const name of fs.existsSync(logDir) ? fs.readdirSync(logDir) : []) {
    const m = /^agent-.*-(\d+)-\d+\.stdout\.log$/.exec(name);
    if (!m || !controllers.includes(Number(m[1]))) continue;
    logs += 1;
    const text = fs.readFileSync(path.join(logDir, name), 'utf8');
    for (const [, pid] of text.matchAll(/\[(\d+)\]/g)) pids.push(Number(pid));
    for (const [, port] of text.matchAll(/listening on [\d.]+:(\d+)/g)) ports.push(Number(port));
  }
  return { pids: [...new Set(pids)], ports: [...new Set(ports)], logs };
}

/**
 * Nothing of a finished run is left: no process it started, no agent (by the pids in its logs, when they
 * are Linux pids: node.exe logs Wine's Windows pids), no agent port that a process of the run or of this
 * checkout's prefix still listens on (another checkout's agent may listen on a number one of ours had).
 */
export function assertNothingLeft(logDir: string, run: Finished, logPids: 'linux' | 'windows' = 'linux'): void {
  const left = stillRunningOf(run.descendants, [run.pid, ...run.descendants.map((p) => p.pid)]);
  assert.deepEqual(
    left.map((p) => `${p.pid} ${p.comm}`),
    [],
    'processes of the run still running',
  );
  const agents = agentsOf(logDir, [run.pid, ...run.descendants.map((p) => p.pid)]);
  // A process under an agent's pid that started after the run ended is another's, under a reused pid.
  const couldBeTheAgent = (pid: number): boolean => {
    const now = readProc(pid);
    return now !== null && now.state !== 'Z' && Number(now.start) <= run.endedTicks;
  };
  assert.deepEqual(logPids === 'linux' ? agents.pids.filter(couldBeTheAgent) : [], [], 'agent processes still running');
  // The prefix's wineserver holds its clients' sockets too, and may serve another test of this checkout.
  const listening = listeningPortsOf([...left, ...prefixProcs()].map((p) => p.pid));
  assert.deepEqual(
    agents.ports.filter((p) => listening.has(p)),
    [],
    'agent ports still listening',
  );
}

/**
 * No process of this checkout's Wine prefix (wineserver, services.exe, explorer.exe, ... detach from the
 * run) is left, unless a controller other than `controllers` (another test of this checkout) still uses
 * the prefix, and will end them when it leaves.
 */
export function assertNothingLeftInPrefix(controllers: number[]): void {
  assert.deepEqual(
    prefixLeftovers(controllers).map((p) => `${p.pid} ${p.comm}`),
    [],
    'processes of the prefix are still running',
  );
}
