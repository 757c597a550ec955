// Drill outcomes through alerting: a bad run opens an incident and pages at once, a good one resolves it, a failed cleanup pages on its own.
import { describe, expect, it } from "vitest";
import { createAlerting, createMemoryAlertStore, type Page } from "../../core/alerting/index.ts";
import type { DrillResult } from "../../core/result/index.ts";
import { cleanupSubject, drillAlertResults, drillAlertSubjects } from "../../drills/index.ts";

const T = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;

function run(n: number, change: Partial<DrillResult> = {}): DrillResult {
  const startedAt = new Date(T + n * HOUR).toISOString();
  return {
    drillId: "orders-db", kind: "postgres", runId: `r${n}`, startedAt, finishedAt: new Date(T + n * HOUR + 60_000).toISOString(), outcome: "pass",
    objectives: { rtoMs: 600_000, rpoMs: 60_000 }, achieved: { rtoMs: 40_000, rpoMs: 3_000, restorePoint: startedAt, newestData: startedAt },
    stages: [], validation: [], cleanup: { outcome: "done", resources: [{ kind: "directory", id: "/d/drills/vigie-drill-orders-db-x" }] },
    ...change,
  };
}

function setup() {
  let now = T;
  const pages: Page[] = [];
  const alerting = createAlerting({
    config: { regions: ["us-east-1"], probes: drillAlertSubjects([{ id: "orders-db", every: HOUR, tags: [], alert: { severity: "critical" } }], "us-east-1") },
    store: createMemoryAlertStore(),
    pagers: { oncall: { timeoutMs: 1_000, send: async (page) => { pages.push(page); return { ok: true }; } } },
    now: () => now,
    log: { info() {}, warn() {}, error() {} },
  });
  const feed = async (result: DrillResult) => {
    now = Date.parse(result.finishedAt);
    for (const r of drillAlertResults(result, "us-east-1")) await alerting.onResult(r);
    await alerting.idle();
  };
  return { alerting, pages, feed };
}

describe("drill alerting", () => {
  it("pages at once on a missed objective, at the drill's severity, and resolves on the next good run", async () => {
    const { pages, feed } = setup();
    await feed(run(0));
    expect(pages).toEqual([]);
    await feed(run(1, { outcome: "fail", error: { category: "validate", message: "RPO 1.5m over its objective of 1m" } }));
    expect(pages.map((p) => [p.event, p.incident.probeId, p.incident.severity])).toEqual([["open", "orders-db", "critical"]]);
    expect(pages[0]!.incident.firstError?.message).toBe("validate: RPO 1.5m over its objective of 1m");
    await feed(run(2));
    expect(pages.map((p) => [p.event, p.incident.probeId])).toEqual([["open", "orders-db"], ["resolve", "orders-db"]]);
  });

  it("pages a failed cleanup at once, naming what was left, even while the drill's incident is open", async () => {
    const { pages, feed } = setup();
    await feed(run(0, { outcome: "error", error: { category: "recover", message: "recover: the copy stopped" } }));
    await feed(run(1, {
      outcome: "error", error: { category: "cleanup", message: "cleanup failed, left behind: … (and recover: recover: the copy stopped)" },
      cleanup: { outcome: "failed", resources: [{ kind: "directory", id: "/d/drills/vigie-drill-orders-db-r1" }] },
    }));
    expect(pages.map((p) => [p.event, p.incident.probeId])).toEqual([["open", "orders-db"], ["open", cleanupSubject("orders-db")]]);
    expect(pages[1]!.incident.firstError?.message).toBe("left behind: directory /d/drills/vigie-drill-orders-db-r1");
  });

  it("does not page a run a person interrupted that left nothing behind", async () => {
    const { pages, feed } = setup();
    await feed(run(0, { outcome: "interrupted", error: { category: "internal", message: "interrupted (SIGINT)" } }));
    expect(pages).toEqual([]);
  });
});
