import { describe, expect, it } from "vitest";
import { MaintenanceCalendar } from "../../core/alerting/maintenance.ts";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createMemoryAlertStore } from "../../core/alerting/store.ts";
import { MaintenanceWindow } from "../../core/alerting/schema.ts";
import type { Page } from "../../core/alerting/evaluate.ts";
import { clock, config, memoryLog, result } from "./harness.ts";

const db = { id: "orders-db", tags: ["db"] };

describe("maintenance windows", () => {
  it("covers a weekly window in its own time zone, across the DST change", () => {
    const calendar = new MaintenanceCalendar([MaintenanceWindow.parse({ tags: ["db"], days: ["sun"], start: "02:30", duration: "1h", timeZone: "Europe/Paris" })]);
    // Winter (UTC+1): Sunday 2025-01-05 02:30 Paris = 01:30Z.
    expect(calendar.active(db, Date.parse("2025-01-05T01:29:59Z"))).toBeUndefined();
    expect(calendar.active(db, Date.parse("2025-01-05T01:30:00Z"))).toBeDefined();
    expect(calendar.active(db, Date.parse("2025-01-05T02:29:59Z"))).toBeDefined();
    expect(calendar.active(db, Date.parse("2025-01-05T02:30:00Z"))).toBeUndefined();
    // Summer (UTC+2): Sunday 2025-07-06 02:30 Paris = 00:30Z.
    expect(calendar.active(db, Date.parse("2025-07-06T00:30:00Z"))).toBeDefined();
    expect(calendar.active(db, Date.parse("2025-07-06T01:29:00Z"))).toBeDefined();
    expect(calendar.active(db, Date.parse("2025-07-06T01:31:00Z"))).toBeUndefined();
    // Not on Mondays, not for other probes.
    expect(calendar.active(db, Date.parse("2025-07-07T00:45:00Z"))).toBeUndefined();
    expect(calendar.active({ id: "web", tags: [] }, Date.parse("2025-07-06T00:45:00Z"))).toBeUndefined();
  });

  it("covers a window that runs past midnight into the next day", () => {
    const calendar = new MaintenanceCalendar([MaintenanceWindow.parse({ probes: ["orders-db"], days: ["sat"], start: "23:00", duration: "3h", timeZone: "America/New_York" })]);
    // Saturday 2025-06-07 23:00 EDT = Sunday 03:00Z; it ends Sunday 02:00 EDT = 06:00Z.
    expect(calendar.active(db, Date.parse("2025-06-08T05:59:00Z"))).toBeDefined();
    expect(calendar.active(db, Date.parse("2025-06-08T06:00:00Z"))).toBeUndefined();
  });

  it("holds back pages during a one-off window but still records the incident, flagged", async () => {
    const time = clock(Date.parse("2025-06-02T10:00:00Z"));
    const pages: Page[] = [];
    const alerting = createAlerting({
      config: config({ maintenance: [{ probes: ["api-health"], start: "2025-06-02T09:00:00Z", end: "2025-06-02T11:00:00Z", reason: "upgrade" }] }, { alert: { severity: "critical", after: 1, recoverAfter: 1, quorum: 1 } }),
      store: createMemoryAlertStore(), pagers: { oncall: { timeoutMs: 10, async send(page) { pages.push(page); return { ok: true }; } } }, now: time.now, log: memoryLog().log,
    });
    await alerting.onResult(result("us-east-1", "fail", time.now()));
    await alerting.idle();
    expect(pages).toEqual([]);
    const [incident] = (await alerting.incidents.list({ status: "open", limit: 5 })).items;
    expect(incident).toMatchObject({ kind: "down", maintenance: true });
    expect(alerting.maintenance("api-health")?.reason).toBe("upgrade");
    // It resolves after the window: no page either, since none went out when it opened.
    time.set(Date.parse("2025-06-02T11:30:00Z"));
    await alerting.onResult(result("us-east-1", "pass", time.now()));
    await alerting.idle();
    expect(pages).toEqual([]);
  });

  it("pages an outage that began in a window once the window ends, exactly once across two racing evaluators, then its resolve", async () => {
    const time = clock(Date.parse("2025-06-02T10:00:00Z"));
    const pages: Page[] = [];
    const store = createMemoryAlertStore();
    const start = () => createAlerting({
      config: config({ remindEvery: "30m", maintenance: [{ probes: ["api-health"], start: "2025-06-02T10:00:00Z", end: "2025-06-02T10:10:00Z" }] }),
      store, pagers: { oncall: { timeoutMs: 10, async send(page) { pages.push(page); return { ok: true }; } } }, now: time.now, log: memoryLog().log,
    });
    const [one, two] = [start(), start()];
    const regions = ["us-east-1", "eu-west-1"];
    for (let minute = 0; minute < 10; minute++) {
      for (const region of regions) await one.onResult(result(region, "fail", time.now()));
      await one.tick();
      time.advance(60_000);
    }
    await one.idle();
    expect(pages).toEqual([]);
    // 10:10: the window is over and the outage is not.
    time.advance(1_000);
    await Promise.all([one.tick(), two.tick()]);
    await Promise.all([one.idle(), two.idle()]);
    expect(pages.map((page) => [page.id.replace(/^.*?:/, ""), page.incident.kind, page.incident.maintenance])).toEqual([["open", "down", true]]);
    for (let minute = 0; minute < 5; minute++) {
      time.advance(60_000);
      for (const region of regions) await one.onResult(result(region, "fail", time.now()));
      await Promise.all([one.tick(), two.tick()]);
    }
    expect(pages).toHaveLength(1);
    for (let minute = 0; minute < 2; minute++) {
      time.advance(60_000);
      for (const region of regions) await two.onResult(result(region, "pass", time.now()));
    }
    await Promise.all([one.idle(), two.idle()]);
    expect(pages.map((page) => page.event)).toEqual(["open", "resolve"]);
    expect(pages[1]!.incident.id).toBe(pages[0]!.incident.id);
  });

  it("pages a held-back incident on the first result after the window, before any tick", async () => {
    const time = clock(Date.parse("2025-06-02T10:00:00Z"));
    const pages: Page[] = [];
    const alerting = createAlerting({
      config: config({ maintenance: [{ probes: ["api-health"], start: "2025-06-02T09:00:00Z", end: "2025-06-02T10:05:00Z" }] }, { alert: { severity: "critical", after: 1, recoverAfter: 2, quorum: 1 } }),
      store: createMemoryAlertStore(), pagers: { oncall: { timeoutMs: 10, async send(page) { pages.push(page); return { ok: true }; } } }, now: time.now, log: memoryLog().log,
    });
    await alerting.onResult(result("us-east-1", "fail", time.now()));
    time.set(Date.parse("2025-06-02T10:06:00Z"));
    await alerting.onResult(result("us-east-1", "fail", time.now()));
    await alerting.idle();
    expect(pages.map((page) => [page.event, page.incident.kind, page.at])).toEqual([["open", "down", time.now()]]);
  });
});
