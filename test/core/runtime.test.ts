// The runner group (spread, bound, deadline) with a fake clock, and the rules the status model shares with the evaluator.
import { describe, expect, it, vi } from "vitest";
import { runGroup, resultMessages } from "../../core/runtime/index.ts";
import { probeSpecs, staleAfterMs, quorumOf } from "../../core/alerting/index.ts";
import { regionState } from "../../api/index.ts";
import type { ProbeResult } from "../../core/result/index.ts";

const T0 = Date.parse("2026-03-02T10:00:00Z");
const probe = (id: string, timeout = 10_000, retries = 0) => ({ id, kind: "http", every: 60_000, timeout, retries: { count: retries } });

function fakeTime() {
  let now = T0;
  return { now: () => now, sleep: async (ms: number) => { now += ms; }, advance: (ms: number) => { now += ms; } };
}
const pass = (id: string, at: number): ProbeResult => ({ probeId: id, kind: "http", region: "eu-west-1", startedAt: new Date(at).toISOString(), durationMs: 5, outcome: "pass", assertions: [] });

describe("runGroup", () => {
  it("runs at most `concurrency` probes at once", async () => {
    const time = fakeTime();
    let running = 0;
    let peak = 0;
    const probes = Array.from({ length: 20 }, (_, i) => probe(`p${i}`));
    const results = await runGroup(probes, {
      region: "eu-west-1", now: time.now, sleep: time.sleep, deadline: T0 + 50_000, concurrency: 4, spreadMs: 0,
      run: async (p) => {
        peak = Math.max(peak, ++running);
        await Promise.resolve();
        running--;
        return pass(p.id, time.now());
      },
    });
    expect(results.map((r) => r.probeId)).toEqual(probes.map((p) => p.id));
    expect(peak).toBe(4);
  });

  it("spreads starts over the window by each probe's scheduler offset, the same every invocation", async () => {
    const starts = async () => {
      vi.useFakeTimers({ now: T0 });
      try {
        const at: Record<string, number> = {};
        const done = runGroup([probe("a"), probe("b"), probe("c")], {
          region: "eu-west-1", now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), deadline: T0 + 50_000, spreadMs: 1_000,
          run: async (p) => { at[p.id] = Date.now() - T0; return pass(p.id, Date.now()); },
        });
        await vi.runAllTimersAsync();
        await done;
        return at;
      } finally {
        vi.useRealTimers();
      }
    };
    const first = await starts();
    expect(Object.values(first).every((ms) => ms >= 0 && ms < 1_000)).toBe(true);
    expect(new Set(Object.values(first)).size).toBe(3);
    expect(await starts()).toEqual(first);
  });

  it("fails a probe it cannot finish before the deadline instead of running past the invocation", async () => {
    const time = fakeTime();
    const ran: string[] = [];
    const results = await runGroup([probe("quick", 5_000), probe("long", 20_000, 1)], {
      region: "eu-west-1", now: time.now, sleep: time.sleep, deadline: T0 + 30_000, spreadMs: 0,
      run: async (p) => { ran.push(p.id); return pass(p.id, time.now()); },
    });
    expect(ran).toEqual(["quick"]);
    expect(results[1]).toMatchObject({ probeId: "long", outcome: "fail", error: { category: "internal" } });
    expect(results[1]!.error!.message).toMatch(/not started: 30s left in the invocation, the run may take 40s/);
  });

  it("turns a run that throws into a failed result of category internal", async () => {
    const time = fakeTime();
    const [result] = await runGroup([probe("boom")], {
      region: "eu-west-1", now: time.now, sleep: time.sleep, deadline: T0 + 30_000, spreadMs: 0,
      run: async () => { throw new Error("kaput"); },
    });
    expect(result).toMatchObject({ outcome: "fail", region: "eu-west-1", error: { category: "internal", message: "runner failed: kaput" } });
  });
});

describe("resultMessages", () => {
  it("splits results into JSON arrays under the size bound, each parseable, none lost", () => {
    const results = Array.from({ length: 50 }, (_, i) => pass(`p${i}`, T0 + i));
    const messages = resultMessages(results, 2_000);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.every((m) => m.length <= 2_000)).toBe(true);
    expect(messages.flatMap((m) => JSON.parse(m) as ProbeResult[])).toEqual(results);
  });
});

describe("rules shared by the evaluator and the status model", () => {
  const config = { regions: ["us-east-1", "eu-west-1", "ap-south-1"], probes: [{ id: "api", every: 60_000, timeout: 10_000 }] };

  it("a region turns unknown on the status page exactly when the evaluator's stale delay has passed", () => {
    const spec = probeSpecs(config).get("api")!;
    const status = { id: "api", kind: "http", every: 60_000, timeout: 10_000, regions: spec.regions };
    const last = { probeId: "api", region: "us-east-1", startedAt: new Date(T0).toISOString(), outcome: "pass" as const, durationMs: 5 };
    expect(staleAfterMs(spec)).toBe(190_000);
    expect(regionState(last, status, T0 + staleAfterMs(spec))).toBe("up");
    expect(regionState(last, status, T0 + staleAfterMs(spec) + 1)).toBe("unknown");
  });

  it("both take the quorum from quorumOf: 2 of 3 regions by default, never more than the regions", () => {
    expect(probeSpecs(config).get("api")!.quorum).toBe(quorumOf({ regions: config.regions })) ;
    expect(quorumOf({ regions: config.regions })).toBe(2);
    expect(quorumOf({ regions: ["us-east-1"] })).toBe(1);
    expect(quorumOf({ regions: ["us-east-1", "eu-west-1"], alert: { quorum: 5 } })).toBe(2);
  });
});
