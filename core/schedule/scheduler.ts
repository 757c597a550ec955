// Runs jobs on fixed intervals: each at its own offset in the interval (a hash of its key), never overlapping itself.
//
// A job with key K and interval E fires at every instant t with t ≡ offset(K) (mod E), counted from the epoch, so
// probes spread over their interval instead of all firing at :00, and the phase is the same after a restart.
// When a run is still going at its next slot, that slot is skipped (and reported), not queued.

export interface ScheduledJob {
  /** Unique, e.g. "api-health@eu-west-1"; also seeds the offset. */
  key: string;
  everyMs: number;
  run: () => Promise<void>;
}

export interface SchedulerDeps {
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** Told of each skipped slot: the job's previous run was still going. */
  onSkip?: (key: string, slot: number) => void;
  /** Told of a run that threw (jobs should not; this keeps the schedule alive if one does). */
  onError?: (key: string, error: unknown) => void;
}

export interface JobStats {
  runs: number;
  skipped: number;
  running: boolean;
  /** Epoch ms of the next slot, while scheduled. */
  next?: number;
}

export interface Scheduler {
  start(): void;
  /** Stops firing and resolves once every run in progress has finished. */
  stop(): Promise<void>;
  stats(): Record<string, JobStats>;
}

/** FNV-1a: a stable, well-spread 32-bit hash of the key. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Where in its interval a job fires, in ms from the interval's start. */
export function offsetFor(key: string, everyMs: number): number {
  return hash(key) % everyMs;
}

/** The first slot strictly after `after`. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function nextSlot(after: number, everyMs: number, offset: number): number {
  const base = Math.floor((after - offset) / everyMs) * everyMs + offset;
  return base > after ? base : base + everyMs;
}

export function createScheduler(jobs: readonly ScheduledJob[], deps: SchedulerDeps): Scheduler {
  interface State { job: ScheduledJob; offset: number; stats: JobStats; timer?: unknown; inFlight?: Promise<void> }
  const states = jobs.map((job): State => ({ job, offset: offsetFor(job.key, job.everyMs), stats: { runs: 0, skipped: 0, running: false } }));
  let stopped = true;

  function arm(state: State, after: number): void {
    if (stopped) return;
    const slot = nextSlot(after, state.job.everyMs, state.offset);
    state.stats.next = slot;
    wait(state, slot);
  }

  // Timers take at most 2^31 − 1 ms (about 24.8 days; Node fires a longer one after 1 ms): a slot further
  // away is reached in steps.
  function wait(state: State, slot: number): void {
    const delay = slot - deps.now();
    state.timer = delay > MAX_TIMER_MS
      ? deps.setTimeout(() => wait(state, slot), MAX_TIMER_MS)
      : deps.setTimeout(() => fire(state, slot), Math.max(0, delay));
  }

  function fire(state: State, slot: number): void {
    if (stopped) return;
    if (state.inFlight) {
      state.stats.skipped++;
      deps.onSkip?.(state.job.key, slot);
    } else {
      state.stats.runs++;
      state.stats.running = true;
      state.inFlight = state.job.run()
        .catch((error: unknown) => deps.onError?.(state.job.key, error))
        .finally(() => {
          state.inFlight = undefined;
          state.stats.running = false;
        });
    }
    // From the slot, not from now: a late timer must not shift the phase.
    arm(state, Math.max(slot, deps.now()));
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      const now = deps.now();
      for (const state of states) arm(state, now);
    },
    async stop() {
      stopped = true;
      for (const state of states) {
        if (state.timer !== undefined) deps.clearTimeout(state.timer);
        delete state.stats.next;
      }
      await Promise.all(states.map((state) => state.inFlight));
    },
    stats: () => Object.fromEntries(states.map((state) => [state.job.key, { ...state.stats }])),
  };
}
