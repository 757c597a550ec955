// The measurement's own error bar: how long this thread's event loop stalled while a run was being timed.
import { performance } from "node:perf_hooks";

/** How often the loop is sampled while a run is timed, ms (Node's finest timer). */
const RESOLUTION_MS = 1;

export interface NoiseMeter {
  /** The longest stall seen since the meter started, in ms (3 decimals). */
  read(): number;
  /** Stops sampling (a stopped meter still reads what it saw). */
  stop(): void;
}

/** A stall that ended at `at` (performance.now() ms) and lasted `ms` beyond the sampling period. */
interface Stall {
  at: number;
  ms: number;
}

/**
 * One sampler per thread, shared by every run being timed on it: a 1 ms timer, running only while some
 * run is. A timestamp taken in a callback is late by however long the loop was busy when its event
 * arrived; the longest stall bounds that, so a result can say how far its own timings may be off.
 *
 * Shared, not one per run: a sampler per run (a `monitorEventLoopDelay` histogram each) held ≈ 40 KB of
 * native memory until a full garbage collection, which under `vigie start` at 10,000 probes piled up to
 * hundreds of MB, and a timer per run woke the loop once a millisecond for every run in flight.
 *
 * Each gap between two ticks is cut where a meter starts or is read, so a run sees exactly the stalls
 * that overlapped it: not one that ended just before it started, nor one that began after it was read.
 */
function createSampler() {
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastTick = 0;
  /** Stalls still of interest, later ones last, each shorter than the one before it (a suffix maximum). */
  const stalls: Stall[] = [];
  /** Start times of the meters running (a meter needs the stalls after its start). */
  const running = new Map<object, number>();

  /** Closes the gap in progress at `now`: what it held beyond the sampling period was a stall. */
  const cut = (now: number) => {
    const ms = now - lastTick - RESOLUTION_MS;
    lastTick = now;
    if (ms <= 0) return;
    // A later stall at least as long makes the shorter earlier ones irrelevant to every meter that saw them.
    while (stalls.length > 0 && stalls[stalls.length - 1]!.ms <= ms) stalls.pop();
    stalls.push({ at: now, ms });
  };

  /** The longest stall that ended after `since`: the first one after it (the list falls as it goes). */
  const worstSince = (since: number): number => {
    let lo = 0;
    let hi = stalls.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (stalls[mid]!.at > since) hi = mid;
      else lo = mid + 1;
    }
    return lo < stalls.length ? stalls[lo]!.ms : 0;
  };

  /** Drops the stalls no running meter can see. */
  const trim = () => {
    if (running.size === 0) {
      stalls.length = 0;
      return;
    }
    // Meters start in time order and a Map keeps insertion order: the first one left is the oldest.
    const oldest = running.values().next().value!;
    let keep = 0;
    while (keep < stalls.length && stalls[keep]!.at <= oldest) keep++;
    if (keep > 0) stalls.splice(0, keep);
  };

  return {
    start(meter: object): void {
      const now = performance.now();
      if (timer === undefined) {
        lastTick = now;
        timer = setInterval(() => cut(performance.now()), RESOLUTION_MS);
        timer.unref();
      } else {
        cut(now);
      }
      running.set(meter, now);
    },
    read(meter: object): number {
      const since = running.get(meter);
      if (since === undefined) return 0;
      cut(performance.now());
      return worstSince(since);
    },
    stop(meter: object): void {
      if (!running.delete(meter)) return;
      if (running.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
      trim();
    },
    /** How many stalls are kept (tests: the list stays bounded). */
    get kept() {
      return stalls.length;
    },
  };
}

const sampler = createSampler();

/** The thread's sampler, for tests. */
export const noiseSampler: { readonly kept: number } = sampler;

/**
 * Starts timing this thread's event-loop stalls for one run. Overlapping runs each see the stalls that
 * overlapped them.
 */
export function startNoiseMeter(): NoiseMeter {
  const meter = {};
  let final: number | undefined;
  sampler.start(meter);
  const round = (ms: number) => Math.max(0, Math.round(ms * 1000) / 1000);
  return {
    read() {
      return final ?? round(sampler.read(meter));
    },
    stop() {
      if (final !== undefined) return;
      final = round(sampler.read(meter));
      sampler.stop(meter);
    },
  };
}
