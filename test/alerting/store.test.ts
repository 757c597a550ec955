import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createDynamoAlertStore, type AlertStore } from "../../core/alerting/store.ts";
import type { Page } from "../../core/alerting/evaluate.ts";
import type { Pager, SendResult } from "../../core/alerting/channels/types.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

function recordingPager(answers: SendResult[] = []): Pager & { sent: Page[]; calls: number } {
  const pager = {
    timeoutMs: 1000, sent: [] as Page[], calls: 0,
    async send(page: Page): Promise<SendResult> {
      pager.calls += 1;
      const answer = answers.shift() ?? { ok: true };
      if (answer.ok) pager.sent.push(page);
      return answer;
    },
  };
  return pager;
}

let dynamo: TestDynamo;
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => { await dynamo.close(); });

describe("alerting over the real store (dynalite)", () => {
  it("sends one page when two evaluators race on the same result", async () => {
    const real = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    let lostRaces = 0;
    const store: AlertStore = { ...real, async putState(...args) { const won = await real.putState(...args); if (!won) lostRaces += 1; return won; } };
    for (const probeId of ["race-a", "race-b", "race-c", "race-d", "race-e"]) {
      const time = clock();
      const pager = recordingPager();
      const cfg = config({}, { id: probeId });
      const one = createAlerting({ config: cfg, store, pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
      const two = createAlerting({ config: cfg, store, pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
      await one.onResult(result("us-east-1", "fail", T0 + 1_000, probeId));
      await two.onResult(result("us-east-1", "fail", T0 + 2_000, probeId));
      await one.onResult(result("eu-west-1", "fail", T0 + 3_000, probeId));
      expect(pager.calls).toBe(0);
      // Both now hold the same version of the state, so both write against it.
      await two.onResult(result("eu-west-1", "fail", T0 + 3_000, probeId));
      lostRaces = 0;
      // The result that makes two regions failing, handed to both at once.
      const decisive = result("eu-west-1", "fail", T0 + 4_000, probeId);
      await Promise.all([one.onResult(decisive), two.onResult(decisive)]);
      await Promise.all([one.idle(), two.idle()]);
      await Promise.all([one.drainOutbox(), two.drainOutbox()]);
      expect(pager.sent.map((page) => page.event)).toEqual(["open"]);
      expect(pager.sent[0]!.incident).toMatchObject({ probeId, kind: "down", severity: "critical", regions: ["eu-west-1", "us-east-1"] });
      expect(lostRaces).toBe(1);
    }
  });

  it("pages nothing while one region fails, opens on the second, resolves after recoverAfter passes everywhere", async () => {
    const store = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    const time = clock();
    const pager = recordingPager();
    const alerting = createAlerting({ config: config({}, { id: "lifecycle" }), store, pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
    const at = (n: number) => T0 + n * 60_000;
    for (const n of [1, 2, 3, 4]) await alerting.onResult(result("us-east-1", "fail", at(n), "lifecycle"));
    await alerting.idle();
    expect(pager.sent).toEqual([]);
    for (const n of [5, 6]) await alerting.onResult(result("eu-west-1", "fail", at(n), "lifecycle"));
    await alerting.idle();
    expect(pager.sent.map((page) => page.event)).toEqual(["open"]);
    const open = await alerting.incidents.list({ status: "open", probeId: "lifecycle", limit: 10 });
    expect(open.items).toHaveLength(1);
    expect(open.items[0]).toMatchObject({ kind: "down", firstError: { category: "connect" } });
    expect(open.items[0]!.startedAt).toBe(new Date(at(1)).toISOString());
    await alerting.onResult(result("eu-west-1", "pass", at(7), "lifecycle"));
    await alerting.onResult(result("eu-west-1", "pass", at(8), "lifecycle"));
    await alerting.idle();
    expect(pager.sent.map((page) => page.event)).toEqual(["open", "resolve"]);
    const resolved = await alerting.incidents.list({ status: "resolved", probeId: "lifecycle", limit: 10 });
    expect(resolved.items[0]).toMatchObject({ id: open.items[0]!.id, resolvedAt: new Date(at(8)).toISOString(), durationMs: at(8) - at(1) });
  });

  it("lists incidents newest first, open or resolved, a cursor page at a time", async () => {
    const store = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    const time = clock();
    const probes = ["list-a", "list-b", "list-c"];
    const cfg = { ...config(), probes: probes.map((id) => ({ id, every: 60_000, tags: [], alert: { severity: "high" as const, after: 1, recoverAfter: 1, quorum: 1 } })) };
    const alerting = createAlerting({ config: cfg, store, pagers: { oncall: recordingPager() }, now: time.now, log: memoryLog().log });
    // Five incidents, one minute apart; the last stays open.
    for (let i = 0; i < 5; i++) {
      const id = probes[i % 3]!;
      await alerting.onResult(result("us-east-1", "fail", T0 + i * 60_000, id));
      if (i < 4) await alerting.onResult(result("us-east-1", "pass", T0 + i * 60_000 + 30_000, id));
    }
    const mine = <T extends { probeId: string }>(items: T[]) => items.filter((item) => probes.includes(item.probeId));
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await alerting.incidents.list({ status: "all", limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    const listed = mine(all);
    expect(listed).toHaveLength(5);
    const starts = listed.map((incident) => incident.startedAt);
    expect(starts).toEqual([...starts].sort().reverse());
    expect(new Set(listed.map((incident) => incident.id)).size).toBe(5);
    const open = mine((await alerting.incidents.list({ status: "open", limit: 50 })).items);
    expect(open.map((incident) => incident.probeId)).toEqual(["list-b"]);
    // A cursor only continues the listing it came from.
    const acrossAll = (await alerting.incidents.list({ status: "all", limit: 1 })).cursor!;
    const ofA = (await alerting.incidents.list({ status: "all", probeId: "list-a", limit: 1 })).cursor!;
    await expect(alerting.incidents.list({ status: "all", probeId: "list-a", limit: 1, cursor: acrossAll })).rejects.toMatchObject({ code: "bad_cursor" });
    await expect(alerting.incidents.list({ status: "all", probeId: "list-b", limit: 1, cursor: ofA })).rejects.toMatchObject({ code: "bad_cursor" });
    await expect(alerting.incidents.list({ status: "all", limit: 1, cursor: "garbage!!" })).rejects.toMatchObject({ code: "bad_cursor" });
    expect((await alerting.incidents.list({ status: "all", probeId: "list-a", limit: 5, cursor: ofA })).items).toHaveLength(1);
    const resolvedA = await alerting.incidents.list({ status: "resolved", probeId: "list-a", limit: 1 });
    expect(resolvedA.items).toHaveLength(1);
    expect(resolvedA.cursor).toBeDefined();
    const next = await alerting.incidents.list({ status: "resolved", probeId: "list-a", limit: 1, cursor: resolvedA.cursor! });
    expect(next.items).toHaveLength(1);
    expect(next.items[0]!.startedAt < resolvedA.items[0]!.startedAt).toBe(true);
  });

  it("keeps a failed page in the outbox and retries it with backoff until it is delivered, once", async () => {
    const store = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    const time = clock();
    const { log, lines } = memoryLog();
    const down: SendResult = { ok: false, retryable: true, error: "HTTP 503" };
    const pager = recordingPager([down, down, down]);
    // random 1: no jitter taken off, so the schedule is the plain doubling.
    const alerting = createAlerting({ config: config({ delivery: { backoff: "10s", maxBackoff: "1m" } }, { id: "retry", alert: { severity: "critical", after: 1, recoverAfter: 1, quorum: 1 } }), store, pagers: { oncall: pager }, now: time.now, random: () => 1, log });
    await alerting.onResult(result("us-east-1", "fail", T0, "retry"));
    await alerting.idle();
    expect(pager.calls).toBe(1);
    expect(await alerting.drainOutbox()).toBe(0); // not due yet: the next try is 10 s later
    expect(pager.calls).toBe(1);
    time.advance(10_000);
    expect(await alerting.drainOutbox()).toBe(0);
    time.advance(19_000); // second backoff is 20 s
    expect(await alerting.drainOutbox()).toBe(0);
    expect(pager.calls).toBe(2);
    time.advance(1_000);
    await alerting.drainOutbox(); // third failure
    time.advance(40_000);
    expect(await alerting.drainOutbox()).toBe(1);
    expect(await alerting.drainOutbox()).toBe(0);
    expect(pager.calls).toBe(4);
    expect(pager.sent).toHaveLength(1);
    expect(lines.filter((line) => line.message === "page not delivered, will retry")).toHaveLength(3);
  });

  it("refuses an incident cursor edited into the right shape as bad_cursor, never a store error", async () => {
    const store = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    const cursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const edited = [
      { status: "all" as const, cursor: cursor({ pk: "", sk: "", gsi1pk: "INCIDENTS", gsi1sk: "" }) },
      { status: "all" as const, cursor: cursor({ pk: "RUN#x#y", sk: "2026#a", gsi1pk: "INCIDENTS", gsi1sk: "2026#a" }) },
      { status: "all" as const, cursor: cursor({ pk: "INCIDENT#a", sk: "2026#a", gsi1pk: "INCIDENTS", gsi1sk: "2025#b" }) },
      { status: "open" as const, probeId: "api-health", cursor: cursor({ pk: "INCIDENT#api-health", sk: "" }) },
    ];
    for (const query of edited) {
      await expect(store.list({ ...query, limit: 10 }), JSON.stringify(query)).rejects.toMatchObject({ code: "bad_cursor" });
    }
  });

  it("drops a page that outlived expireAfter and logs it loudly", async () => {
    const store = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    const time = clock();
    const { log, lines } = memoryLog();
    const pager = recordingPager(Array.from({ length: 20 }, () => ({ ok: false as const, retryable: true, error: "HTTP 502" })));
    const alerting = createAlerting({ config: config({ delivery: { expireAfter: "1m", backoff: "10s", maxBackoff: "20s" } }, { id: "expiry", alert: { severity: "critical", after: 1, recoverAfter: 1, quorum: 1 } }), store, pagers: { oncall: pager }, now: time.now, random: () => 1, log });
    await alerting.onResult(result("us-east-1", "fail", T0, "expiry"));
    await alerting.idle();
    for (let i = 0; i < 10; i++) {
      time.advance(20_000);
      await alerting.drainOutbox();
    }
    const expired = lines.filter((line) => line.level === "error" && line.message === "PAGE EXPIRED, NO ATTEMPT CONFIRMED");
    expect(expired).toHaveLength(1);
    expect(expired[0]!.fields).toMatchObject({ probe: "expiry", error: "HTTP 502", note: expect.stringMatching(/^the channel confirmed none of \d+ tries; a try that got no answer/) });
    const item = await store.getOutboxItem(`${String(expired[0]!.fields!.page)}@oncall`);
    expect(item?.status).toBe("expired");
  });

  it("finishes the effects of a writer that died after its state write: the page still goes out once", async () => {
    const real = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    let crash = true;
    const flaky: AlertStore = { ...real, async enqueue(item) { if (crash) { crash = false; throw new Error("process died"); } return real.enqueue(item); } };
    const time = clock();
    const pager = recordingPager();
    const cfg = config({}, { id: "crash", alert: { severity: "critical", after: 1, recoverAfter: 1, quorum: 1 } });
    const dying = createAlerting({ config: cfg, store: flaky, pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
    await expect(dying.onResult(result("us-east-1", "fail", T0, "crash"))).rejects.toThrow("process died");
    expect(pager.calls).toBe(0);
    const next = createAlerting({ config: cfg, store: real, pagers: { oncall: pager }, now: time.now, log: memoryLog().log });
    await next.tick();
    await next.onResult(result("us-east-1", "fail", T0 + 60_000, "crash"));
    await next.drainOutbox();
    // The table is shared with the tests above: their probes are not in this config, so the first tick resolves their incidents.
    expect(pager.sent.filter((page) => page.incident.probeId === "crash").map((page) => page.event)).toEqual(["open"]);
  });
});
