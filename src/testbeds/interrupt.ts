// Ctrl-C (SIGINT) and SIGTERM: an interrupted run leaves no agent, wineserver, tcpdump or socket of its own
// behind. The process that owns a testbed (the CLI in a serial run, each worker of a parallel one) closes
// it at once; the scenarios still to come then fail at their first call, in milliseconds, so that cucumber
// ends the run in order (a worker that simply exited would break its coordinator: work sent to a dead
// worker is an EPIPE). The CLI of a parallel run passes the signal on to its workers (a terminal's Ctrl-C
// reaches them anyway; a `kill` does not). The CLI prints no verdict after the signal, writes no
// verdicts.json, and exits with 128 + the signal's number.
import * as fs from 'node:fs';
import { readProcStat } from '../core/proc-stat';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Signal = (typeof SIGNALS)[number];
const EXIT_CODE: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143 };
/** How long closing a testbed and ending the run may take before the process exits regardless. */
const CLOSE_BOUND_MS = 20_000;

/** The run was interrupted; the CLI exits with `exitCode`. */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
  readonly exitCode: number;
  constructor(readonly signal: Signal) {
    super(`interrupted by ${signal}`);
    this.exitCode = EXIT_CODE[signal];
  }
}

let closing: Signal | null = null;
let installed = false;

/**
 * In a process that runs scenarios: on SIGINT or SIGTERM start `close` (the testbed's), and let the run
 * end (it must within a bound, or the process exits). In a parallel worker whose CLI is gone, close and
 * exit. Installed once.
 */
export function closeOnInterrupt(closeTestbed: () => Promise<void>): void {
  if (installed) return;
  installed = true;
  const close = (): Promise<void> => closeTestbed().catch(() => undefined);
  const stop = (signal: Signal): void => {
    // A terminal's Ctrl-C and the CLI's forwarding may both arrive: close once.
    if (closing) return;
    closing = signal;
    setTimeout(() => process.exit(EXIT_CODE[signal]), CLOSE_BOUND_MS).unref();
    void close();
  };
  for (const signal of SIGNALS) process.on(signal, () => stop(signal));
  if (process.send) {
    process.on('disconnect', () => {
      closing ??= 'SIGTERM';
      void close().then(() => process.exit(EXIT_CODE.SIGTERM));
    });
  }
}

/** Direct children of `pid` (Linux: /proc; elsewhere none are found, and Ctrl-C reaches the console's processes anyway). */
function childPids(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const name of entries) {
    // Gone meanwhile, it has no stat to read.
    const ppid = readProcStat(Number(name))?.fields[1];
    if (ppid !== undefined && Number(ppid) === pid) children.push(Number(name));
  }
  return children;
}

/** Whether this process has been told to stop (a testbed created after that is to be closed at once). */
export function interrupted(): boolean {
  return closing !== null;
}

export interface RunWatch {
  /** The signal that interrupted the run, if one did. */
  readonly signal: Signal | null;
  dispose(): void;
}

/**
 * In the CLI, for the length of one run. A parallel run's workers get the signal passed on, and the run
 * ends when they have closed their testbeds. A serial run's testbed is closed by closeOnInterrupt in this
 * same process; before it is installed there is nothing to close, and the process exits at once.
 */
export function watchRun(parallel: boolean, notify: (signal: Signal) => void): RunWatch {
  const watch = { signal: null as Signal | null, dispose: (): void => undefined };
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      if (!watch.signal) notify(signal);
      watch.signal ??= signal;
      if (parallel) {
        for (const child of childPids(process.pid)) {
          try {
            process.kill(child, signal);
          } catch {
            // already gone
          }
        }
      } else if (!installed) {
        process.exit(EXIT_CODE[signal]);
      }
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  watch.dispose = () => {
    for (const { signal, handler } of handlers) process.off(signal, handler);
  };
  return watch;
}
