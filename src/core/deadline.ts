// A deadline for a wait on I/O (a peer's window, an agent's answer, a connection), which the event loop's
// own lateness cannot cut short.

/**
 * Call `expire` once `ms` have passed, unless the returned cancel is called first; one turn of the event
 * loop after the timer. On a loaded machine the loop comes to a timer late, and runs timers before it reads
 * sockets, so what had come in time (a reset inside a window, an answer within its bound) would be taken
 * for nothing: the loop's poll phase reads it first, and the check phase, where setImmediate runs, follows.
 */
export function deadline(ms: number, expire: () => void): () => void {
  let pending = true;
  const timer = setTimeout(
    () =>
      setImmediate(() => {
        if (!pending) return;
        pending = false;
        expire();
      }),
    Math.max(0, ms),
  );
  return () => {
    pending = false;
    clearTimeout(timer);
  };
}
