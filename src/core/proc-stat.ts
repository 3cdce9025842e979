// A process's /proc/<pid>/stat (proc(5)), read past its name: comm may hold spaces and parentheses, so the
// fields are those after the last ')'. Linux only.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** The process's name (comm), at most 15 characters. */
  comm: string;
  /** The fields from the third (state) on: field N of proc(5) is at index N - 3 (ppid at 1, starttime at 19). */
  fields: string[];
}

/** The stat of process `pid` (or of this one); null when it cannot be read (gone, or not Linux). */
export function readProcStat(pid: number | 'self'): ProcStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = stat.lastIndexOf(')');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
}
