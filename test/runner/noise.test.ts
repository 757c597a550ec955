import { describe, expect, it } from "vitest";
import { noiseSampler, startNoiseMeter } from "../../core/runner/noise.ts";
import { busy } from "../fixtures/wait.ts";


describe("noise meter", () => {
  it("gives each of overlapping runs the stalls that overlapped it, not one that ended before it started", () => {
    const first = startNoiseMeter();
    busy(200);
    const second = startNoiseMeter();
    expect(first.read()).toBeGreaterThanOrEqual(190);
    expect(second.read()).toBeLessThan(150);
    busy(100);
    first.stop();
    second.stop();
    expect(first.read()).toBeGreaterThanOrEqual(190);
    expect(second.read()).toBeGreaterThanOrEqual(90);
    expect(second.read()).toBeLessThan(150);
  });

  it("does not see a stall that began after it was stopped", () => {
    const meter = startNoiseMeter();
    meter.stop();
    const seen = meter.read();
    busy(100);
    expect(meter.read()).toBe(seen);
    expect(seen).toBeLessThan(50);
  });

  it("sees a stall while the loop turns under it", async () => {
    const meter = startNoiseMeter();
    await new Promise((resolve) => setTimeout(resolve, 5));
    busy(60);
    await new Promise((resolve) => setTimeout(resolve, 5));
    meter.stop();
    expect(meter.read()).toBeGreaterThanOrEqual(55);
  });

  it("holds no native memory per run: 3,000 runs in flight at once cost next to nothing", async () => {
    // A sampler per run (a monitorEventLoopDelay histogram each) held ≈ 40 KB of native memory until a full
    // garbage collection: 3,000 runs in flight, as slow targets under `vigie start` give, held ≈ 120 MB.
    const before = process.memoryUsage().rss;
    const meters = Array.from({ length: 3_000 }, () => startNoiseMeter());
    // Let the loop turn while they run, as probes in flight do.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    const grown = process.memoryUsage().rss - before;
    for (const meter of meters) meter.stop();
    expect(grown).toBeLessThan(30 * 1024 * 1024);
  });

  it("keeps no stall once no run is being timed", () => {
    const meters = [startNoiseMeter(), startNoiseMeter()];
    busy(30);
    meters[0]!.read();
    busy(20);
    meters[1]!.read();
    for (const meter of meters) meter.stop();
    expect(noiseSampler.kept).toBe(0);
  });
});
