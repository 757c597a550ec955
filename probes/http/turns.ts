// Starting runs that arrive together in one pass. Node hands a thread its messages one callback at a time and runs
// the pending ticks and promise jobs after each: a run started from its own message had its connection attempt
// issued (a tick after its set-up) before the next message was even read. When eight arrived together, the eighth's
// set-up ran while the first's connection was already open, and its `connect` event (and mark) waited behind it: the
// other runs' set-up went into the first runs' `connectMs`. Started in one pass, every run's set-up (ticks and promise
// jobs included) comes before any of their attempts, as when a process starts them in one loop: the wait shows as
// each run's `blockedMs`, before its connect mark.

/**
 * Wraps `start` so that items received within one turn of the event loop are handed to it together, once the turn's
 * messages are all read (on the check phase, `setImmediate`). Items keep the order they came in.
 */
export function inTurns<T>(start: (items: T[]) => void): (item: T) => void {
  let queued: T[] = [];
  return (item) => {
    queued.push(item);
    if (queued.length > 1) return;
    setImmediate(() => {
      const items = queued;
      queued = [];
      start(items);
    });
  };
}
