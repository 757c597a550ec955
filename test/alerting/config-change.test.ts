import { describe, expect, it } from "vitest";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createMemoryAlertStore, type AlertStore } from "../../core/alerting/store.ts";
import type { Page } from "../../core/alerting/evaluate.ts";
import { pageSummary } from "../../core/alerting/channels/message.ts";
import type { AlertingConfig } from "../../core/alerting/create-alerting.ts";
import { clock, config, memoryLog, result } from "./harness.ts";

const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];

function setup() {
  const time = clock();
  const store = createMemoryAlertStore();
  const pages: Page[] = [];
  const start = (cfg: AlertingConfig, on: AlertStore = store) => createAlerting({
    config: cfg, store: on, now: time.now, log: memoryLog().log,
    pagers: { oncall: { timeoutMs: 10, async send(page) { pages.push(page); return { ok: true }; } } },
  });
  return { time, store, pages, start };
}

describe("alerting across config changes", () => {
  it("resolves the open incidents of a probe removed from the config on the first tick, paging the resolve of a paged one", async () => {
    const { time, store, pages, start } = setup();
    const base = config();
    const withOld = { ...base, probes: [...base.probes, { ...base.probes[0]!, id: "old-probe", name: "Old probe" }] };
    const before = start(withOld);
    for (let minute = 0; minute < 2; minute++) {
      for (const region of REGIONS) await before.onResult(result(region, "fail", time.now(), "old-probe"));
      time.advance(60_000);
    }
    await before.stop();
    expect(pages.map((page) => [page.event, page.incident.probeId])).toEqual([["open", "old-probe"]]);

    const after = start(base);
    time.advance(5_000);
    await after.tick();
    await after.idle();
    expect(pages.map((page) => [page.event, page.incident.probeId])).toEqual([["open", "old-probe"], ["resolve", "old-probe"]]);
    expect(pages[1]!.incident.id).toBe(pages[0]!.incident.id);
    expect(pageSummary(pages[1]!)).toBe("[RESOLVED] Old probe (old-probe) down (lasted 2.08m): the probe was removed from the config");
    expect((await after.incidents.list({ status: "open", limit: 10 })).items).toEqual([]);
    // Later ticks leave it alone.
    time.advance(60_000);
    for (const region of REGIONS) await after.onResult(result(region, "pass", time.now()));
    await after.tick();
    await after.idle();
    expect(pages).toHaveLength(2);
  });

  it("resolves without a page an open incident of a removed probe that was never paged (opened during maintenance)", async () => {
    const { time, pages, start } = setup();
    const base = config();
    const window = { probes: ["old-probe"], start: new Date(time.now() - 60_000).toISOString(), end: new Date(time.now() + 3_600_000).toISOString() };
    const withOld = { ...base, alerts: config({ maintenance: [window] }).alerts, probes: [...base.probes, { ...base.probes[0]!, id: "old-probe" }] };
    const before = start(withOld);
    for (let minute = 0; minute < 2; minute++) {
      for (const region of REGIONS) await before.onResult(result(region, "fail", time.now(), "old-probe"));
      time.advance(60_000);
    }
    await before.stop();
    const after = start(base);
    await after.tick();
    await after.idle();
    expect(pages).toEqual([]);
    expect((await after.incidents.list({ status: "open", limit: 10 })).items).toEqual([]);
    const [resolved] = (await after.incidents.list({ status: "resolved", limit: 10 })).items;
    expect(resolved).toMatchObject({ probeId: "old-probe", kind: "down", maintenance: true });
  });

  it("resolves an open down incident when quorum is raised above its failing regions", async () => {
    const { time, pages, start } = setup();
    const before = start(config());
    for (let minute = 0; minute < 2; minute++) {
      for (const region of ["us-east-1", "eu-west-1"]) await before.onResult(result(region, "fail", time.now()));
      await before.onResult(result("ap-south-1", "pass", time.now()));
      time.advance(60_000);
    }
    await before.stop();
    const after = start(config({}, { alert: { severity: "critical", after: 2, recoverAfter: 2, quorum: 3 } }));
    await after.onResult(result("us-east-1", "fail", time.now()));
    await after.idle();
    expect(pages.map((page) => [page.event, page.incident.kind])).toEqual([["open", "down"], ["resolve", "down"]]);
  });
});
