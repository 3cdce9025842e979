// This process's testbed: one per run (per worker in a parallel run). A serial run's CLI opens it before
// cucumber loads, so that an agent boots (0.7 s under Wine) while cucumber reads its support code; the
// run's BeforeAll opens it otherwise, and takes over the one already opening when it is for the same
// backend and options. AfterAll, the CLI or an interrupt closes it, whichever comes first; whichever comes
// later waits for that close to end.
import type { Testbed, WinsockProcess } from '../core/ports';
import { backendNames, findBackend } from './registry';
import { closeOnInterrupt, interrupted } from './interrupt';

export interface OpenedTestbed {
  testbed: Testbed;
  /** Its main process, starting; what a failure of it means is the opener's call. */
  started: Promise<WinsockProcess>;
}

let opening: { key: string; opened: Promise<OpenedTestbed>; byCaller: boolean } | null = null;
let current: Testbed | null = null;
/** The closes under way, in order; closeTestbed resolves when the last has ended. */
let closing: Promise<void> = Promise.resolve();

/**
 * The testbed for `backend` with `options`: the one opening or open already, or a new one. A caller that
 * opens it `byCaller` (the CLI) waits for its close itself, after the run: closeAtRunEnd then need not.
 */
export function openTestbed(backend: string, options: Readonly<Record<string, string>>, byCaller = false): Promise<OpenedTestbed> {
  const key = JSON.stringify([backend, options]);
  if (opening?.key === key) return opening.opened;
  const previous = opening;
  const opened = (async (): Promise<OpenedTestbed> => {
    if (previous) await closeOpening(previous.opened);
    const entry = findBackend(backend);
    if (!entry) throw new Error(`unknown backend '${backend}'; valid: ${backendNames().join(', ')}`);
    // Ctrl-C or SIGTERM closes the testbed (agent, tcpdump, Wine's processes) at once; the rest of the
    // run then fails fast and the CLI exits 130 (src/testbeds/interrupt.ts).
    closeOnInterrupt(closeOnSignal);
    const testbed = await entry.load().create(options);
    current = testbed;
    if (interrupted()) await testbed.close();
    const started = testbed.mainProcess();
    // Handed to the opener, who decides what its failure means (OpenedTestbed.started); until then it
    // must not end the process as an unhandled rejection.
    started.catch(() => undefined);
    return { testbed, started };
  })();
  // Nobody may be waiting yet (the CLI does not); whoever takes it over sees the failure.
  opened.catch(() => undefined);
  opening = { key, opened, byCaller };
  return opened;
}

async function closeOpening(opened: Promise<OpenedTestbed>): Promise<void> {
  const result = await opened.catch(() => null);
  if (result && current === result.testbed) current = null;
  await result?.testbed.close();
}

/**
 * On SIGINT or SIGTERM: close the open testbed now, beside whatever close is under way, and make it one
 * that closeTestbed waits for. A parallel worker exits as soon as its AfterAll returns, and the CLI as
 * soon as its workers have: an AfterAll that found the testbed already closing and returned would end its
 * worker in the middle of that close, leaving its agent, or the Wine prefix's processes it was to end, to
 * outlive the run. A testbed still opening is closed by openTestbed itself, which sees interrupted().
 */
function closeOnSignal(): Promise<void> {
  const testbed = current;
  // An interrupted run reports nothing, a failed close included: whoever waits next must not fail on it.
  if (testbed) closing = Promise.all([closing.catch(() => undefined), testbed.close().catch(() => undefined)]).then(() => undefined);
  return closing;
}

/** Close this process's testbed, waiting for one still opening, and for any close under way. */
export function closeTestbed(): Promise<void> {
  const was = opening;
  opening = null;
  // A close that failed has been reported to whoever waited for it; the next one goes ahead regardless.
  if (was) closing = closing.catch(() => undefined).then(() => closeOpening(was.opened));
  return closing;
}

/**
 * The run's AfterAll: close the testbed. When its opener waits for that itself (the CLI), the close goes
 * on beside cucumber's writing of the reports instead of before it.
 */
export async function closeAtRunEnd(): Promise<void> {
  const waitedForByCaller = opening?.byCaller ?? false;
  const closed = closeTestbed();
  if (!waitedForByCaller) await closed;
}
