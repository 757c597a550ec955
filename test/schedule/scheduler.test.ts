import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createScheduler, nextSlot, offsetFor, type SchedulerDeps } from "../../core/schedule/index.ts";

const T0 = Date.parse("2025-03-10T12:00:00Z");
beforeEach(() => { vi.useFakeTimers({ now: T0 }); });
afterEach(() => { vi.useRealTimers(); });

const deps = (extra: Partial<SchedulerDeps> = {}): SchedulerDeps => ({
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  ...extra,
});

describe("scheduler", () => {
  it("runs each job once per interval at its own offset, the same after a restart", async () => {
    const fired: Array<[string, number]> = [];
    const keys = ["api-health@us-east-1", "api-health@eu-west-1", "orders-api@us-east-1", "search-api@us-east-1"];
    const jobs = keys.map((key) => ({ key, everyMs: 60_000, run: async () => { fired.push([key, Date.now()]); } }));
    const scheduler = createScheduler(jobs, deps());
    scheduler.start();
    await vi.advanceTimersByTimeAsync(180_000);
    await scheduler.stop();

    for (const key of keys) {
      const times = fired.filter(([k]) => k === key).map(([, t]) => t);
      expect(times).toHaveLength(3);
      expect(times.every((t) => t % 60_000 === offsetFor(key, 60_000))).toBe(true);
    }
    // Spread: no two jobs share a slot, and the offsets span the minute rather than bunching at :00.
    const offsets = keys.map((key) => offsetFor(key, 60_000));
    expect(new Set(offsets).size).toBe(keys.length);
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(10_000);
  });

  it("keeps a 30-day interval: no timer longer than Node allows, one run per interval", async () => {
    const delays: number[] = [];
    let runs = 0;
    const job = { key: "monthly@us-east-1", everyMs: 30 * 86_400_000, run: async () => { runs++; } };
    const scheduler = createScheduler([job], deps({ setTimeout: (fn, ms) => { delays.push(ms); return setTimeout(fn, ms); } }));
    scheduler.start();
    await vi.advanceTimersByTimeAsync(60 * 86_400_000);
    await scheduler.stop();
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(runs).toBe(2);
  });

  it("skips a slot while the previous run is still going, and reports it", async () => {
    const skipped: string[] = [];
    let runs = 0;
    // Each run takes 150 s of a 60 s interval.
    const job = { key: "slow@us-east-1", everyMs: 60_000, run: () => { runs++; return new Promise<void>((resolve) => setTimeout(resolve, 150_000)); } };
    const scheduler = createScheduler([job], deps({ onSkip: (key) => skipped.push(key) }));
    scheduler.start();
    const first = nextSlot(T0, 60_000, offsetFor(job.key, 60_000));
    await vi.advanceTimersByTimeAsync(first - T0 + 300_000);
    // Slots at +0, +60, +120 (run 1 busy until +150), +180 (run 2), +240 (busy), +300 (busy until +330).
    expect(runs).toBe(2);
    expect(scheduler.stats()[job.key]).toMatchObject({ runs: 2, skipped: 4, running: true });
    expect(skipped).toEqual(Array(4).fill(job.key));
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(30_000);
    await stopped;
  });

  it("waits for runs in progress when stopped, and fires nothing after", async () => {
    let finished = false;
    let runs = 0;
    const job = { key: "drain@us-east-1", everyMs: 10_000, run: async () => { runs++; await new Promise((r) => setTimeout(r, 4_000)); finished = true; } };
    const scheduler = createScheduler([job], deps());
    scheduler.start();
    await vi.advanceTimersByTimeAsync(nextSlot(T0, 10_000, offsetFor(job.key, 10_000)) - T0 + 1_000);
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    await stopping;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toBe(1);
  });

  it("keeps its phase when a timer fires late", () => {
    expect(nextSlot(T0 + 61_500, 60_000, 1_500)).toBe(T0 + 121_500);
    expect(nextSlot(T0 + 61_499, 60_000, 1_500)).toBe(T0 + 61_500);
  });
});
