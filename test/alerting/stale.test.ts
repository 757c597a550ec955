import { describe, expect, it } from "vitest";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createMemoryAlertStore } from "../../core/alerting/store.ts";
import { createEvaluator } from "../../core/alerting/evaluator.ts";
import type { Page } from "../../core/alerting/evaluate.ts";
import type { Pager } from "../../core/alerting/channels/types.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

function collect(): Pager & { pages: Page[] } {
  const pager = { timeoutMs: 100, pages: [] as Page[], async send(page: Page) { pager.pages.push(page); return { ok: true as const }; } };
  return pager;
}

describe("stale detection and reminders (injected clock)", () => {
  it("opens a stale incident after 3× the interval without a result, and resolves it on the next result", async () => {
    const time = clock();
    const pager = collect();
    const alerting = createAlerting({ config: config(), store: createMemoryAlertStore(), pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
    await alerting.onResult(result("us-east-1", "pass", T0));
    time.advance(179_999);
    await alerting.tick();
    expect(pager.pages).toEqual([]);
    time.advance(1);
    await alerting.tick();
    expect(pager.pages.map((page) => [page.event, page.incident.kind])).toEqual([["open", "stale"]]);
    expect(pager.pages[0]!.incident.firstError?.message).toBe("no result for 180s (interval 60s)");
    time.advance(60_000);
    await alerting.tick(); // still stale: no second page
    expect(pager.pages).toHaveLength(1);
    await alerting.onResult(result("us-east-1", "pass", time.now()));
    await alerting.idle();
    expect(pager.pages.map((page) => page.event)).toEqual(["open", "resolve"]);
    expect(pager.pages[1]!.incident.durationMs).toBe(60_000);
  });

  it("treats a probe that never reported as stale 3 intervals after alerting started", async () => {
    const time = clock();
    const pager = collect();
    const alerting = createAlerting({ config: config(), store: createMemoryAlertStore(), pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
    await alerting.tick();
    time.advance(180_000);
    await alerting.tick();
    expect(pager.pages.map((page) => page.incident.kind)).toEqual(["stale"]);
    expect(pager.pages[0]!.incident.regions).toEqual(["us-east-1", "eu-west-1", "ap-south-1"]);
  });

  it("gives every probe 3 fresh intervals after a restart, however long vigie was stopped", async () => {
    const time = clock();
    const pager = collect();
    const store = createMemoryAlertStore();
    const start = () => createAlerting({ config: config(), store, pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
    const before = start();
    for (const region of ["us-east-1", "eu-west-1", "ap-south-1"]) await before.onResult(result(region, "pass", T0));
    await before.stop();
    time.advance(24 * 3_600_000);
    const after = start();
    time.advance(5_000);
    await after.tick();
    time.advance(170_000);
    await after.tick();
    expect(pager.pages).toEqual([]);
    time.advance(5_000); // 3 intervals after the restart
    await after.tick();
    expect(pager.pages.map((page) => [page.event, page.incident.kind])).toEqual([["open", "stale"]]);
    expect(pager.pages[0]!.incident.firstError?.message).toBe("no result for 86580s (interval 60s)");
  });

  it("reminds about an open incident every remindEvery, and stops once it resolves", async () => {
    const time = clock();
    const pager = collect();
    const alerting = createAlerting({
      config: config({ remindEvery: "30m" }, { alert: { severity: "critical", after: 1, recoverAfter: 1, quorum: 1 }, every: 3_600_000 }),
      store: createMemoryAlertStore(), pagers: { oncall: pager }, now: time.now, log: memoryLog().log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    for (let i = 0; i < 4; i++) {
      time.advance(15 * 60_000);
      await alerting.tick();
    }
    await alerting.onResult(result("us-east-1", "pass", time.now()));
    time.advance(60 * 60_000);
    await alerting.tick();
    await alerting.idle();
    expect(pager.pages.map((page) => page.id.replace(/^.*:/, ""))).toEqual(["open", "1", "2", "resolve"]);
    expect(pager.pages.map((page) => page.event)).toEqual(["open", "remind", "remind", "resolve"]);
  });
});

describe("stale detection while the store catches up (results held by the durable writer)", () => {
  const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];
  const heldAt = (at: number, regions = REGIONS) => new Map([["api-health", new Map(regions.map((region) => [region, at]))]]);

  async function setUp() {
    const time = clock();
    const store = createMemoryAlertStore();
    const evaluator = createEvaluator({ config: config(), store, channelNames: ["oncall"], now: time.now, log: memoryLog().log });
    for (const region of REGIONS) await evaluator.onResult(result(region, "pass", T0));
    const open = async () => (await store.list({ status: "open", limit: 10 })).items;
    return { time, evaluator, open };
  }

  it("does not page a probe stale whose results are produced but still waiting for the store", async () => {
    const { time, evaluator, open } = await setUp();
    // The store is down from T0 + 30 s: the runs of every minute since are held, none evaluated.
    time.advance(240_000);
    await evaluator.checkStale(heldAt(T0 + 240_000));
    expect(await open()).toEqual([]);
    // Without them, the same silence is stale: what the check counts as heard is what was held.
    await evaluator.checkStale();
    expect((await open()).map((incident) => incident.kind)).toEqual(["stale"]);
  });

  it("still pages a probe that truly stopped, counting its last held result as its last", async () => {
    const { time, evaluator, open } = await setUp();
    // Its last run (T0 + 60 s) is held; nothing after it.
    time.advance(60_000 + 179_999);
    await evaluator.checkStale(heldAt(T0 + 60_000));
    expect(await open()).toEqual([]);
    time.advance(1);
    await evaluator.checkStale(heldAt(T0 + 60_000));
    const incidents = await open();
    expect(incidents.map((incident) => [incident.kind, incident.regions])).toEqual([["stale", REGIONS]]);
  });

  it("names only the regions that are silent, counting held results per region", async () => {
    const { time, evaluator, open } = await setUp();
    time.advance(240_000);
    // us-east-1 still runs (held); the other two went silent after T0.
    await evaluator.checkStale(heldAt(T0 + 240_000, ["us-east-1"]));
    expect(await open()).toEqual([]);
    // 3 intervals after its last held run the probe is stale; us-east-1 ran within them (held), the others did not.
    time.advance(180_000);
    await evaluator.checkStale(heldAt(T0 + 240_000, ["us-east-1"]));
    expect((await open()).map((incident) => incident.regions)).toEqual([["eu-west-1", "ap-south-1"]]);
  });
});
