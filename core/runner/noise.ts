// The measurement's own error bar: how long this process's event loop stalled while a run was being timed.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";

/** How often the loop is sampled, ms (libuv's finest timer). */
const RESOLUTION_MS = 1;

export interface NoiseMeter {
  /** The longest stall seen since the meter started, in ms (3 decimals). */
  read(): number;
  /** Stops sampling (a stopped meter still reads what it saw). */
  stop(): void;
}

/**
 * Starts sampling the event loop every millisecond (a libuv timer in C++, no JavaScript per sample).
 * A timestamp taken in a callback is late by however long the loop was busy when its event arrived;
 * the longest stall bounds that, so a result can say how far its own timings may be off. Each run
 * has its own meter, so overlapping runs each see the stalls that overlapped them.
 */
export function startNoiseMeter(): NoiseMeter {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  // The histogram records the gap between two of its ticks, so a stall before its first tick goes
  // unseen; one timer of our own, due with that tick, measures that first gap.
  const started = performance.now();
  let firstGap: number | undefined;
  const first = setTimeout(() => {
    firstGap = performance.now() - started;
  }, RESOLUTION_MS);
  first.unref();
  let stopped = false;
  return {
    read() {
      const gaps = [firstGap ?? (stopped ? 0 : performance.now() - started)];
      if (histogram.count > 0) gaps.push(histogram.max / 1e6);
      // Each gap is the time between two ticks of the 1 ms timer: what is over the period is the stall.
      const worst = Math.max(...gaps) - RESOLUTION_MS;
      return Math.max(0, Math.round(worst * 1000) / 1000);
    },
    stop() {
      stopped = true;
      clearTimeout(first);
      histogram.disable();
    },
  };
}
