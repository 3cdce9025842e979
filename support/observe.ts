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

/** Everything the peer sees in a whole window; used for absence checks. `purpose` names the window on the timeline. */
export async function watchWindow(world: ConformanceWorld, watch: PeerWatch, withinMs: number, purpose = 'window'): Promise<PeerEvent[]> {
  return (await watchUntil(world, watch, null, withinMs, true, purpose)).seen;
}

/** What a window looks for, in the wire log's words. */
const LOOKED_FOR: Record<PeerEvent['kind'], string> = {
  data: 'data',
  eof: 'a FIN',
  reset: 'a reset',
  datagram: 'a datagram',
  'icmp-error': 'an ICMP error',
};

/** Put a window on the scenario's timeline (the wire log shows it), opening now; the function returned closes it. */
function openWindow(world: ConformanceWorld, purpose: string, looked: string, who = 'the peer'): (seen: readonly PeerEvent[]) => void {
  world.mark(`${purpose} opens: ${looked}`);
  return (seen) => world.mark(`${purpose} closes: ${who} saw ${describeEvents([...seen])}`);
}

/**
 * Everything each of several watches sees over one window, watched at the same time (on the simulator's
 * virtual clock, one after the other: nothing there happens at a time of its own).
 */
export async function watchWindows(world: ConformanceWorld, watches: readonly PeerWatch[], withinMs: number): Promise<PeerEvent[][]> {
  const close = openWindow(world, 'window', `${watches.length} peers watch for anything, ${withinMs} ms`, 'the peers');
  const seen = await Promise.all(watches.map(async (watch) => (await watchUntil(world, watch, null, withinMs, false, null)).seen));
  world.waitedMs += withinMs;
  close(seen.flat());
  return seen;
}

/**
 * What the peer sees until an event of `kind` (null: none ends the watch) or the window's end; the window
 * goes on the timeline under `purpose` (null: the caller puts it there).
 */
async function watchUntil(
  world: ConformanceWorld,
  watch: PeerWatch,
  kind: PeerEvent['kind'] | null,
  withinMs: number,
  counted = true,
  purpose: string | null = 'window',
): Promise<Watched> {
  const seen: PeerEvent[] = [];
  const looked = kind ? `the peer watches for ${LOOKED_FOR[kind]}, up to ${withinMs} ms` : `the peer watches for anything, ${withinMs} ms`;
  const close = purpose ? openWindow(world, purpose, looked) : null;
  const deadline = world.testbed.now() + withinMs;
  for (;;) {
    const left = deadline - world.testbed.now();
    const event = left > 0 ? await watch.next(left) : null;
    if (event) seen.push(event);
    if (!event || event.kind === kind) {
      if (!event && counted) world.waitedMs += withinMs;
      close?.(seen);
      return { found: event, seen };
    }
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
  const close = openWindow(world, 'window', `the peer reads until ${bytes} bytes have come, up to ${withinMs} ms`);
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
  close([...(watched.bytes > 0 ? [{ kind: 'data' as const, bytes: watched.bytes }] : []), ...watched.others]);
  return watched;
}

export function describeEvents(events: PeerEvent[]): string {
  if (events.length === 0) return 'nothing';
  return events.map((e) => ('bytes' in e ? `${e.kind} (${e.bytes} bytes)` : 'detail' in e ? `${e.kind} (${e.detail})` : e.kind)).join(', ');
}

/**
 * After an absence check, its rule still forbids what it looked for: an event of `kinds` (or of any kind)
 * that reaches the peer after the window, before the scenario ends or a control acts on that peer, is a
 * deviation too (checkLate).
 */
export function forbidLate(world: ConformanceWorld, watch: PeerWatch, kinds: readonly PeerEvent['kind'][] | 'any', window: string): void {
  world.forbidden.set(watch, { kinds, window });
}

/** The events queued on `watch` now, none waited for. */
async function unread(watch: PeerWatch): Promise<PeerEvent[]> {
  const events: PeerEvent[] = [];
  for (let event = await watch.next(0); event; event = await watch.next(0)) events.push(event);
  return events;
}

/**
 * How long after an absence check's window a forbidden event still counts: the window's tail, watched
 * once more before a control acts or the scenario ends, so that an effect a little too late to fall in the
 * window is not lost (on a real backend this costs that much time, in the few scenarios with such checks).
 */
export const LATE_WINDOW_MS = 100;

/** What `watch` saw after an absence check's window that its rule forbids, as a deviation's detail; the forbiddance then ends. */
export async function checkLate(world: ConformanceWorld, watch: PeerWatch): Promise<string | null> {
  const rule = world.forbidden.get(watch);
  if (!rule) return null;
  world.forbidden.delete(watch);
  const late = await watchWindow(world, watch, LATE_WINDOW_MS, `late window (the rule of the ${rule.window} window still holds)`);
  world.unread.push(...late);
  const forbidden = late.filter((event) => rule.kinds === 'any' || rule.kinds.includes(event.kind));
  return forbidden.length > 0 ? `after the window (${rule.window}), within ${LATE_WINDOW_MS} ms more, the peer saw ${describeEvents(forbidden)}` : null;
}

/**
 * At the scenario's end, before its sockets close: every event its peers saw that no step read is kept as
 * evidence (World.unread), and the first that a rule forbids (forbidLate) is the scenario's deviation.
 */
export async function readWhatIsLeft(world: ConformanceWorld): Promise<string | null> {
  const subjects = [world.subject, ...world.pair, ...world.others];
  const watches = new Set<PeerWatch>([...subjects.flatMap((s) => (s?.peer ? [s.peer] : [])), ...(world.peerDatagram ? [world.peerDatagram] : [])]);
  let deviation: string | null = null;
  for (const watch of watches) {
    if (world.forbidden.has(watch)) deviation ??= await checkLate(world, watch);
    else world.unread.push(...(await unread(watch)));
  }
  return deviation;
}
