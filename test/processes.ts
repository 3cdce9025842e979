// Linux processes as /proc shows them, for the tests that check a run left nothing running.
import * as fs from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  state: string;
  start: string;
  comm: string;
}

export function readProc(pid: number): Proc | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces or parentheses: the fields after the last ')' are state, ppid, ...
    const close = stat.lastIndexOf(')');
    const rest = stat.slice(close + 2).split(' ');
    return { pid, comm: stat.slice(stat.indexOf('(') + 1, close), state: rest[0] ?? '', ppid: Number(rest[1]), start: rest[19] ?? '' };
  } catch {
    return null;
  }
}

export function allProcs(): Proc[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => readProc(Number(n)))
    .filter((p): p is Proc => p !== null);
}

/** Whether the process recorded in `p` still runs (a zombie holds nothing; a reused pid is another process). */
export function stillRuns(p: Proc): boolean {
  const now = readProc(p.pid);
  return now !== null && now.start === p.start && now.state !== 'Z';
}
