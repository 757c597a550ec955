import { describe, expect, it } from "vitest";
import { DEFAULT_PUBLIC_INCIDENTS, publicOutages } from "../../api/index.ts";
import { dayLevel, dayName } from "../../api/status-page/day-grid.tsx";
import { affectedLine } from "../../api/status-page/banner.tsx";
import { affectedNow } from "../../api/status-page/outages.ts";
import { duration } from "../../api/status-page/words.ts";
import type { Incident } from "../../core/result/index.ts";
import type { DayBucket, ProbeStatus } from "../../api/index.ts";
import { Config } from "../../index.ts";

const NOW = Date.parse("2025-03-10T12:30:00Z");
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
const probes = [{ id: "orders", name: "Orders API" }, { id: "search", name: "Search API" }];
const incident = (fields: Partial<Incident> & Pick<Incident, "id" | "kind" | "startedAt">): Incident => ({
  probeId: "orders", severity: "critical", regions: ["us-east-1"], ...fields,
});

describe("public outages", () => {
  it("merges a degraded incident escalating to down and a burn-rate alert beside it into one outage, in plain words", () => {
    const incidents = [
      incident({ id: "deg", kind: "degraded", startedAt: at(20), resolvedAt: at(12), regions: ["us-east-1"], firstError: { category: "threshold", message: "took 900 ms" } }),
      incident({ id: "down", kind: "down", startedAt: at(14), regions: ["eu-west-1", "us-east-1"], firstError: { category: "connect", message: "connection refused by 10.0.0.5:5432" } }),
      incident({ id: "burn", kind: "burn-rate", startedAt: at(10), objective: "availability 99.9% over 30d" }),
      incident({ id: "stale", kind: "stale", startedAt: at(9) }),
    ];
    const outages = publicOutages(incidents, probes, NOW);
    expect(outages).toEqual([{
      id: "deg", probeId: "orders", probeName: "Orders API", level: "down", symptom: "not responding", regions: ["eu-west-1", "us-east-1"],
      startedAt: at(20), durationMs: 20 * 60_000, maintenance: false,
    }]);
    expect(JSON.stringify(outages)).not.toMatch(/10\.0\.0\.5|5432|refused|900 ms/);
  });

  it("keeps separate outages apart, newest first, resolved ones with their length", () => {
    const outages = publicOutages([
      incident({ id: "a", kind: "down", startedAt: at(300), resolvedAt: at(296), firstError: { category: "http", message: "HTTP 503" } }),
      incident({ id: "b", kind: "down", startedAt: at(60), resolvedAt: new Date(NOW - 56 * 60_000 - 20_000).toISOString() }),
      incident({ id: "c", kind: "degraded", probeId: "search", startedAt: at(5) }),
    ], probes, NOW);
    expect(outages.map((o) => [o.id, o.symptom, o.resolvedAt ? duration(o.durationMs, true) : "open"])).toEqual([
      ["c", "slow", "open"], ["b", "down", "3 min 40 s"], ["a", "errors", "4 min"],
    ]);
  });

  it("shows burn-rate and stale incidents only when the config makes them public, and never a probe it does not know", () => {
    const incidents = [incident({ id: "burn", kind: "burn-rate", startedAt: at(10) }), incident({ id: "x", kind: "down", probeId: "internal-db", startedAt: at(3) })];
    expect(publicOutages(incidents, probes, NOW, DEFAULT_PUBLIC_INCIDENTS)).toEqual([]);
    expect(publicOutages(incidents, probes, NOW, ["down", "degraded", "burn-rate"]).map((o) => [o.probeName, o.symptom])).toEqual([["Orders API", "elevated errors"]]);
  });

  it("marks an outage as during maintenance only when all of it was", () => {
    const inWindow = incident({ id: "m", kind: "down", startedAt: at(8), maintenance: true });
    expect(publicOutages([inWindow], probes, NOW)[0]!.maintenance).toBe(true);
    expect(publicOutages([inWindow, incident({ id: "n", kind: "down", startedAt: at(5) })], probes, NOW)[0]!.maintenance).toBe(false);
  });

  it("names each affected service, where and for how long, in the words of its open outage", () => {
    const region = (state: "up" | "down" | "degraded", category?: string) => ({
      region: state === "up" ? "eu-west-1" : "us-east-1", state, lastRunAt: null, lastOutcome: null, lastDurationMs: null,
      ...(category ? { error: { category, message: "connect ECONNREFUSED 10.0.0.5:5432" } } : {}),
    });
    const probe = (id: string, name: string, state: ProbeStatus["state"], regions: ProbeStatus["regions"]) =>
      ({ id, name, state, regions } as ProbeStatus);
    const outages = publicOutages([incident({ id: "o", kind: "down", startedAt: at(7), firstError: { category: "timeout", message: "timed out" } })], probes, NOW);
    const affected = affectedNow([
      probe("search", "Search API", "degraded", [region("degraded", "threshold"), region("up")]),
      probe("orders", "Orders API", "down", [region("down", "connect"), { ...region("down", "connect"), region: "eu-west-1" }]),
      probe("checkout", "Checkout API", "up", [region("up")]),
    ], outages);
    const recovering = affectedNow([probe("orders", "Orders API", "up", [region("up")])], outages);
    expect(affected).toEqual([
      { probeId: "orders", name: "Orders API", level: "down", symptom: "not responding", regions: 2, of: 2, forMs: 7 * 60_000 },
      { probeId: "search", name: "Search API", level: "degraded", symptom: "slow", regions: 1, of: 2 },
    ]);
    expect(affected.map(affectedLine)).toEqual(["Orders API is not responding in 2 of 2 regions · for 7 min", "Search API is slow in 1 of 2 regions"]);
    // Checks pass again but alerting has not closed the outage yet: the banner says so rather than "down".
    expect(recovering.map(affectedLine)).toEqual(["Orders API is recovering (not responding for 7 min)"]);
  });
});

describe("config statusPage.incidents", () => {
  const config = (statusPage: unknown) => Config.safeParse({ project: "acme", statusPage });

  it("takes the incident kinds to show publicly, and names a kind it does not know", () => {
    expect(config({ incidents: ["down", "degraded", "burn-rate"] }).data?.statusPage?.incidents).toEqual(["down", "degraded", "burn-rate"]);
    expect(config(undefined).data?.statusPage).toBeUndefined();
    const bad = config({ incidents: ["down", "outage"] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((issue) => issue.path.join("."))).toEqual(["statusPage.incidents.1"]);
  });
});

describe("day bars", () => {
  const day = (fields: Partial<DayBucket>): DayBucket => ({ date: "2025-03-06", runs: 0, pass: 0, degraded: 0, fail: 0, uptime: null, maintenance: 0, ...fields });

  it("draws a day that was mostly degraded as degraded, though every run answered", () => {
    const slow = day({ runs: 100, pass: 40, degraded: 60, uptime: 1 });
    expect(dayLevel(slow)).toBe("minor");
    expect(dayName(slow)).toBe("6 Mar: 100% up, degraded");
    expect(dayLevel(day({ runs: 100, pass: 60, degraded: 40, uptime: 1 }))).toBe("up");
  });

  it("tells an outage, a quiet day and a maintenance-only day apart", () => {
    expect(dayName(day({ runs: 120, pass: 60, fail: 60, uptime: 0.5 }))).toBe("6 Mar: 50.00% up, outage");
    expect(dayName(day({}))).toBe("6 Mar: no data");
    expect(dayLevel(day({ maintenance: 4 }))).toBe("maintenance");
  });

  it("says durations as a person would", () => {
    expect([duration(45_000), duration(7 * 60_000 + 5_000), duration(220_000, true), duration(125 * 60_000), duration(27 * 3_600_000)])
      .toEqual(["45 s", "7 min", "3 min 40 s", "2 h 5 min", "1 d 3 h"]);
  });
});
