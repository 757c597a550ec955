import { describe, expect, it } from "vitest";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createMemoryAlertStore } from "../../core/alerting/store.ts";
import type { Page } from "../../core/alerting/evaluate.ts";
import type { AlertsInput } from "../../core/alerting/schema.ts";
import type { ProbeResult } from "../../core/result/probe-result.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];

function setup(alerts: AlertsInput, probe: { every?: number; quorum?: number } = {}) {
  const time = clock();
  const sent: Page[] = [];
  const alerting = createAlerting({
    config: config(alerts, { every: probe.every ?? 60_000, alert: { severity: "critical", after: 2, recoverAfter: 2, quorum: probe.quorum ?? 2 } }),
    store: createMemoryAlertStore(), pagers: { oncall: { timeoutMs: 10, async send(page) { sent.push(page); return { ok: true }; } } }, now: time.now, log: memoryLog().log,
  });
  // Burn-rate pages only: the down ladder pages on its own rule.
  const pages = { filter: (keep: (page: Page) => boolean) => sent.filter((page) => page.incident.kind === "burn-rate" && keep(page)), get all() { return sent.filter((page) => page.incident.kind === "burn-rate"); } };
  const run = async (regions: readonly string[], outcome: ProbeResult["outcome"], at: number, durationMs = 42) => {
    for (const region of regions) await alerting.onResult({ ...result(region, outcome, at), durationMs });
  };
  const minutes = async (count: number, outcome: ProbeResult["outcome"], durationMs = 42) => {
    for (let i = 0; i < count; i++) await run(REGIONS, outcome, time.advance(60_000), durationMs);
    await alerting.idle();
  };
  return { time, pages, alerting, minutes, run };
}

describe("SLOs: error budget and multi-window burn rates", () => {
  it("pages on a fast burn (14.4× over 1 h and 5 min), files a low-severity ticket on the slow one, and resolves the page when the short window cools", async () => {
    const { pages, alerting, minutes } = setup({ slos: [{ probes: ["api-health"], availability: 99.9 }] });
    await minutes(120, "pass");
    expect(pages.all).toEqual([]);
    expect((await alerting.sloStatus("api-health")).objectives[0]).toMatchObject({ total: 360, bad: 0, sli: 1, budgetRemaining: 1, alert: undefined });
    await minutes(5, "fail");
    // The page fires once two regions have two failed runs each; the ticket (1× over 3 d and 6 h) needs 13 failed runs,
    // as 3 d of runs at this schedule are counted even though the history is 2 hours old.
    const opened = pages.filter((page) => page.event === "open").map((page) => [page.incident.kind, page.incident.severity, page.incident.objective]);
    expect(opened).toEqual([
      ["burn-rate", "critical", "availability 99.9% over 30d"],
      ["burn-rate", "low", "availability 99.9% over 30d"],
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
    expect(pages.all).toEqual([]);
  });

  it("opens no burn-rate incident for one failed run in one region of a young history", async () => {
    const { time, pages, alerting, minutes, run } = setup({ slos: [{ tags: ["api"], availability: 99.9 }] });
    await minutes(10, "pass");
    await run(["eu-west-1"], "fail", time.advance(60_000));
    await alerting.idle();
    expect(pages.all).toEqual([]);
    const status = (await alerting.sloStatus("api-health")).objectives[0]!;
    expect(status.alert).toBeUndefined();
    // One bad run over the runs the last hour holds at this schedule (59 whole minutes: 177), not over the 31 it has seen.
    expect(status.burnRates["1h"]).toBeCloseTo(1 / 177 / 0.001, 5);
  });

  it("opens no burn-rate incident for one failed run after a pause longer than the fast windows", async () => {
    const { time, pages, alerting, minutes, run } = setup({ slos: [{ tags: ["api"], availability: 99.9 }] });
    await minutes(30, "pass");
    time.advance(2 * 3_600_000); // vigie was stopped: no runs, no results
    await run(["eu-west-1"], "fail", time.now());
    await alerting.idle();
    expect(pages.all).toEqual([]);
  });

  it("never pages nor tickets for one region failing every run while the others pass (quorum 2)", async () => {
    const { time, pages, alerting, run } = setup({ slos: [{ tags: ["api"], availability: 99.9 }] });
    for (let minute = 0; minute < 8 * 60; minute++) {
      const at = time.advance(60_000);
      await run(["us-east-1", "ap-south-1"], "pass", at);
      await run(["eu-west-1"], "fail", at);
    }
    await alerting.idle();
    expect(pages.all).toEqual([]);
    // The budget still says what it costs.
    expect((await alerting.sloStatus("api-health")).objectives[0]!.budgetRemaining).toBeLessThan(0);
  });

  it("waits for a second failed round of an hourly probe, as the down rule does", async () => {
    const { time, pages, alerting, run } = setup({ slos: [{ tags: ["api"], availability: 99.9 }] }, { every: 3_600_000 });
    for (let hour = 0; hour < 3; hour++) await run(REGIONS, "pass", time.advance(3_600_000));
    await run(REGIONS, "fail", time.advance(3_600_000));
    await alerting.idle();
    expect(pages.all).toEqual([]);
    await run(REGIONS, "fail", time.advance(3_600_000));
    await alerting.idle();
    expect(pages.filter((page) => page.event === "open").map((page) => page.incident.severity)).toEqual(["critical", "low"]);
  });

  it("pages on failures spread over two regions that never fail twice in a row", async () => {
    const { time, pages, alerting, minutes, run } = setup({ slos: [{ tags: ["api"], availability: 99.9 }] });
    await minutes(120, "pass");
    for (let minute = 0; minute < 3; minute++) {
      const at = time.advance(60_000);
      await run(["us-east-1", "eu-west-1"], minute % 2 === 0 ? "fail" : "pass", at);
      await run(["ap-south-1"], "pass", at);
    }
    await alerting.idle();
    expect(pages.filter((page) => page.event === "open").map((page) => page.incident.severity)).toEqual(["critical"]);
    expect((await alerting.incidents.list({ status: "open", limit: 10 })).items.map((incident) => incident.kind)).toEqual(["burn-rate"]);
  });
});

describe("SLO targets", () => {
  it("keeps the target the user wrote, without float noise (99.9 % is 0.999, not 0.9990000000000001)", async () => {
    const { percentToFraction, objectivesFor } = await import("../../core/alerting/slo.ts");
    expect([99.9, 99.99, 99.95, 95, 0.0000001].map(percentToFraction)).toEqual([0.999, 0.9999, 0.9995, 0.95, 1e-9]);
    const objectives = objectivesFor({ id: "api", tags: [] }, [{ probes: ["api"], availability: 99.9, latency: { p95Ms: 200 }, window: 30 * 86_400_000 } as never]);
    expect(objectives.map((objective) => objective.target)).toEqual([0.999, 0.95]);
  });
});
