import { describe, expect, it } from "vitest";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createMemoryAlertStore } from "../../core/alerting/store.ts";
import type { Page } from "../../core/alerting/evaluate.ts";
import type { AlertsInput } from "../../core/alerting/schema.ts";
import type { ProbeResult } from "../../core/result/probe-result.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];

function setup(alerts: AlertsInput) {
  const time = clock();
  const pages: Page[] = [];
  // `after: 100`: the down ladder stays quiet, so only burn-rate incidents show.
  const alerting = createAlerting({
    config: config(alerts, { alert: { severity: "critical", after: 100, recoverAfter: 2, quorum: 2 } }),
    store: createMemoryAlertStore(), pagers: { oncall: { timeoutMs: 10, async send(page) { pages.push(page); return { ok: true }; } } }, now: time.now, log: memoryLog().log,
  });
  const minutes = async (count: number, outcome: ProbeResult["outcome"], durationMs = 42) => {
    for (let i = 0; i < count; i++) {
      const at = time.advance(60_000);
      for (const region of REGIONS) await alerting.onResult({ ...result(region, outcome, at), durationMs });
    }
    await alerting.idle();
  };
  return { time, pages, alerting, minutes };
}

describe("SLOs: error budget and multi-window burn rates", () => {
  it("pages on a fast burn (14.4× over 1 h and 5 min), files a low-severity ticket on the slow one, and resolves the page when the short window cools", async () => {
    const { pages, alerting, minutes } = setup({ slos: [{ probes: ["api-health"], availability: 99.9 }] });
    await minutes(120, "pass");
    expect(pages).toEqual([]);
    expect((await alerting.sloStatus("api-health")).objectives[0]).toMatchObject({ total: 360, bad: 0, sli: 1, budgetRemaining: 1, alert: undefined });
    await minutes(5, "fail");
    // The ticket (1× over 3 d and 6 h) fires on the first failed run of this young history; the page needs five.
    const opened = pages.filter((page) => page.event === "open").map((page) => [page.incident.kind, page.incident.severity, page.incident.objective]);
    expect(opened).toEqual([
      ["burn-rate", "low", "availability 99.9% over 30d"],
      ["burn-rate", "critical", "availability 99.9% over 30d"],
    ]);
    const status = (await alerting.sloStatus("api-health")).objectives[0]!;
    expect(status.alert).toBe("page");
    expect(status.burnRates["5m"]).toBeCloseTo(1000, 5);
    expect(status.bad).toBe(15);
    expect(status.budgetRemaining).toBeCloseTo(1 - 15 / (0.001 * 375), 5);
    // An hour of passes: the 5 min and 30 min windows are clean, the page resolves; the 6 h / 3 d ticket stays.
    await minutes(60, "pass");
    expect(pages.filter((page) => page.event === "resolve").map((page) => page.incident.severity)).toEqual(["critical"]);
    expect((await alerting.incidents.list({ status: "open", limit: 10 })).items.map((incident) => incident.severity)).toEqual(["low"]);
  });

  it("counts slow runs against a latency objective", async () => {
    const { alerting, minutes } = setup({ slos: [{ tags: ["api"], latency: { p95Ms: 200 } }] });
    await minutes(10, "pass", 150);
    await minutes(10, "pass", 250);
    const [latency] = (await alerting.sloStatus("api-health")).objectives;
    expect(latency).toMatchObject({ kind: "latency", target: 0.95, total: 60, bad: 30, sli: 0.5 });
    expect(latency!.budgetRemaining).toBeCloseTo(1 - 30 / (0.05 * 60), 5);
  });

  it("leaves maintenance out of the budget", async () => {
    const start = new Date(T0).toISOString();
    const end = new Date(T0 + 3_600_000).toISOString();
    const { alerting, minutes, pages } = setup({ slos: [{ probes: ["api-health"], availability: 99 }], maintenance: [{ probes: ["api-health"], start, end }] });
    await minutes(30, "fail");
    await minutes(40, "pass");
    const [availability] = (await alerting.sloStatus("api-health")).objectives;
    expect(availability).toMatchObject({ bad: 0, budgetRemaining: 1 });
    expect(availability!.total).toBe(11 * 3); // minutes 60..70 are after the window
    expect(pages).toEqual([]);
  });
});
