// Bounded waits on what the peer observes, on the testbed's clock (virtual on the simulator).
import type { PeerEvent, PeerWatch } from '../src/core/ports';
import type { ConformanceWorld } from './world';

export interface Watched {
  /** The event looked for, or null when the window passed without it. */
  found: PeerEvent | null;
  /** Everything seen in the window, for the evidence line. */
  seen: PeerEvent[];
}

/** Wait up to `withinMs` for an event of `kind`; other events are passed over and reported. */
export function watchFor(world: ConformanceWorld, watch: PeerWatch, kind: PeerEvent['kind'], withinMs: number): Promise<Watched> {
  return watchUntil(world, watch, kind, withinMs);
}

/** Everything the peer sees in a whole window; used for absence checks. */
export async function watchWindow(world: ConformanceWorld, watch: PeerWatch, withinMs: number): Promise<PeerEvent[]> {
  return (await watchUntil(world, watch, null, withinMs)).seen;
}

/**
 * Everything each of several watches sees over one window, watched at the same time (on the simulator's
 * virtual clock, one after the other: nothing there happens at a time of its own).
 */
export async function watchWindows(world: ConformanceWorld, watches: readonly PeerWatch[], withinMs: number): Promise<PeerEvent[][]> {
  const seen = await Promise.all(watches.map(async (watch) => (await watchUntil(world, watch, null, withinMs, false)).seen));
  world.waitedMs += withinMs;
  return seen;
}

/** What the peer sees until an event of `kind` (null: none ends the watch) or the window's end. */
async function watchUntil(world: ConformanceWorld, watch: PeerWatch, kind: PeerEvent['kind'] | null, withinMs: number, counted = true): Promise<Watched> {
  const seen: PeerEvent[] = [];
  const deadline = world.testbed.now() + withinMs;
  for (;;) {
    const left = deadline - world.testbed.now();
    const event = left > 0 ? await watch.next(left) : null;
    if (!event) {
      if (counted) world.waitedMs += withinMs;
      return { found: null, seen };
    }
    seen.push(event);
    if (event.kind === kind) return { found: event, seen };
  }
}

export interface WatchedBytes {
  /** Bytes of data seen in the window, up to the first event that ends the stream. */
  bytes: number;
  /** What else was seen (a FIN, a reset), for the evidence line. */
  others: PeerEvent[];
}

/** Count the data the peer reads until `bytes` have come, the stream ends (FIN or reset), or the window passes. */
export async function watchBytes(world: ConformanceWorld, watch: PeerWatch, bytes: number, withinMs: number): Promise<WatchedBytes> {
  const deadline = world.testbed.now() + withinMs;
  const watched: WatchedBytes = { bytes: 0, others: [] };
  while (watched.bytes < bytes) {
    const left = deadline - world.testbed.now();
    const event = left > 0 ? await watch.next(left) : null;
    if (!event) {
      world.waitedMs += withinMs;
      break;
    }
    if (event.kind === 'data') watched.bytes += event.bytes;
    else watched.others.push(event);
    if (event.kind === 'eof' || event.kind === 'reset') break;
  }
  return watched;
}

export function describeEvents(events: PeerEvent[]): string {
  if (events.length === 0) return 'nothing';
  return events.map((e) => ('bytes' in e ? `${e.kind} (${e.bytes} bytes)` : 'detail' in e ? `${e.kind} (${e.detail})` : e.kind)).join(', ');
}
