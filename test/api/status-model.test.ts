import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatusReader, overallState, probeState, regionState, type StatusProbe } from "../../api/index.ts";
import { computeStatus } from "../../api/status-model.ts";
import type { Incident } from "../../core/result/index.ts";
import type { ResultStore } from "../../core/store/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { OPEN_INCIDENT, STATUS_NOW, STATUS_PROBES, fakeIncidents, seedStatusStore } from "../fixtures/status-data.ts";

let dynamo: TestDynamo;
let store: ResultStore;
beforeAll(async () => { dynamo = await startTestDynamo(); store = await seedStatusStore(dynamo); });
afterAll(async () => { await dynamo?.close(); });

const probe: StatusProbe = { id: "p", kind: "http", every: 60_000, timeout: 10_000, regions: ["a", "b", "c"] };

describe("status model", () => {
  it("calls a region unknown after three missed intervals, and a probe down only at quorum", () => {
    const last = { probeId: "p", region: "a", startedAt: new Date(STATUS_NOW - 60_000).toISOString(), outcome: "fail" as const, durationMs: 1 };
    expect(regionState(last, probe, STATUS_NOW)).toBe("down");
    expect(regionState(last, probe, STATUS_NOW + 3 * 60_000)).toBe("unknown");
    expect(regionState(undefined, probe, STATUS_NOW)).toBe("unknown");
    expect(probeState(["down", "up", "up"], 2)).toBe("degraded");
    expect(probeState(["down", "down", "up"], 2)).toBe("down");
    expect(probeState(["down"], 2)).toBe("down");
    expect(probeState(["unknown", "up"], 2)).toBe("up");
    expect(probeState(["unknown", "unknown"], 2)).toBe("unknown");
  });

  it("keeps an old open incident on the page behind many newer resolved ones", async () => {
    const resolved: Incident[] = Array.from({ length: 80 }, (_, i) => ({
      id: `inc-${i}`, probeId: "slow", kind: "degraded", severity: "high", regions: ["us-east-1"],
      startedAt: new Date(STATUS_NOW - (i + 2) * 3_600_000).toISOString(), resolvedAt: new Date(STATUS_NOW - (i + 1) * 3_600_000).toISOString(), durationMs: 3_600_000,
    }));
    const weeksOld = { ...OPEN_INCIDENT, id: "inc-old-open", startedAt: new Date(STATUS_NOW - 21 * 86_400_000).toISOString() };
    // Newest first, as the store lists them: the open one comes after all 80 resolved.
    const model = await computeStatus({ store, probes: STATUS_PROBES, incidents: fakeIncidents([...resolved, weeksOld]), now: () => STATUS_NOW });
    expect(model.openIncidents.map((i) => i.id)).toEqual(["inc-old-open"]);
  });

  it("leaves probes in maintenance out of the overall state, unless every probe is in it", () => {
    expect(overallState(["maintenance", "up"])).toBe("up");
    expect(overallState(["maintenance", "degraded", "up"])).toBe("degraded");
    expect(overallState(["maintenance", "maintenance"])).toBe("maintenance");
    expect(overallState([])).toBe("unknown");
  });

  it("reads hours on every refresh but folded days only once per few minutes, serving the cached model meanwhile", async () => {
    let now = STATUS_NOW;
    const calls = { hours: 0, days: 0 };
    const counting: ResultStore = {
      ...store,
      hours: (...args) => { calls.hours++; return store.hours(...args); },
      days: (...args) => { calls.days++; return store.days(...args); },
    };
    const reader = createStatusReader({ store: counting, probes: STATUS_PROBES, now: () => now, cacheMs: 5_000 });
    const first = await reader.read();
    // Per probe × region: the last 24 hours, the folded days, and yesterday's hours (the fixture never folds it).
    expect(calls).toEqual({ hours: 12, days: 6 });
    now += 1_000;
    expect(await reader.read()).toBe(first);
    now += 5_000;
    // Stale: the cached model is served while a refresh runs in the background.
    expect(await reader.read()).toBe(first);
    let next = first;
    for (const deadline = Date.now() + 5_000; next === first && Date.now() < deadline;) {
      await new Promise((resolve) => setImmediate(resolve));
      next = await reader.read();
    }
    expect(next).not.toBe(first);
    expect(calls).toEqual({ hours: 18, days: 6 });
  });
});
