import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createResultStore, mergeRollups } from "../../core/store/results-store.ts";
import { bucketBounds, bucketOf, percentiles } from "../../core/store/histogram.ts";
import { runPk } from "../../core/store/keys.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { makeResult, minuteResults } from "../fixtures/results.ts";

let dynamo: TestDynamo;
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => { await dynamo?.close(); });

const NOW = Date.parse("2025-03-10T12:30:00Z");
const store = () => createResultStore({ doc: dynamo.doc, tableName: dynamo.tableName, now: () => NOW });

/** Exact nearest-rank quantile of raw values. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe("results store", () => {
  it("computes p50/p95/p99 from merged hour rollups within one bucket of the exact value", async () => {
    const s = store();
    // A skewed latency mix over three hours: mostly fast, a slow tail.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const durations = Array.from({ length: 180 }, () => (random() < 0.9 ? 20 + random() * 80 : 400 + random() * 1600));
    const results = minuteResults("math", "us-east-1", Date.parse("2025-03-10T08:00:00Z"), 180, (i) => ({ durationMs: durations[i]! }));
    await s.write(results);
    const hours = await s.hours("math", "us-east-1", "2025-03-10T00", "2025-03-10T23");
    expect(hours.map((h) => h.key)).toEqual(["2025-03-10T08", "2025-03-10T09", "2025-03-10T10"]);
    const merged = mergeRollups("all", hours);
    expect(merged.runs).toBe(180);
    const got = percentiles(merged.histogram);
    for (const [q, value] of [[0.5, got.p50], [0.95, got.p95], [0.99, got.p99]] as const) {
      const truth = exact(durations, q);
      const [low, high] = bucketBounds(bucketOf(truth));
      expect(Math.abs(value! - truth)).toBeLessThanOrEqual(high - low);
    }
  });

  it("counts a result written twice once, in runs, rollups and state", async () => {
    const s = store();
    const results = minuteResults("twice", "eu-west-1", Date.parse("2025-03-10T11:00:00Z"), 5, (i) => ({ outcome: i === 2 ? "fail" : "pass" }));
    await s.write(results);
    await s.write(results);
    await s.write([results[1]!, results[1]!]);
    const [hour] = await s.hours("twice", "eu-west-1", "2025-03-10T11", "2025-03-10T11");
    expect(hour).toMatchObject({ runs: 5, pass: 4, fail: 1, degraded: 0 });
    const page = await s.listRuns({ probeId: "twice", limit: 100 });
    expect(page.items).toHaveLength(5);
    const state = (await s.currentStates()).find((st) => st.probeId === "twice");
    expect(state).toMatchObject({ region: "eu-west-1", startedAt: results[4]!.startedAt, outcome: "pass" });
  });

  it("keeps the newest state when an older result arrives late", async () => {
    const s = store();
    const [older, newer] = minuteResults("late", "us-east-1", Date.parse("2025-03-10T12:00:00Z"), 2, (i) => ({ outcome: i === 0 ? "fail" : "pass" }));
    await s.write([newer!]);
    await s.write([older!]);
    expect((await s.currentStates()).find((st) => st.probeId === "late")?.outcome).toBe("pass");
  });

  it("sets the TTL attribute on runs and rollups from the retention", async () => {
    const s = createResultStore({ doc: dynamo.doc, tableName: dynamo.tableName, now: () => NOW, retention: { runsMs: 7 * 86_400_000 } });
    const result = makeResult({ probeId: "ttl", startedAt: "2025-03-10T12:00:00.000Z" });
    await s.write([result]);
    const run = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName, Key: { pk: runPk("ttl", "us-east-1"), sk: result.startedAt } }));
    expect(run.Item?.expiresAt).toBe(Date.parse("2025-03-17T12:00:00Z") / 1000);
    const hour = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName, Key: { pk: "ROLLUP#H#ttl#us-east-1", sk: "2025-03-10T12" } }));
    expect(hour.Item?.expiresAt).toBe(Date.parse("2025-03-24T13:00:00Z") / 1000);
  });

  it("pages runs newest first with a cursor, per region and across regions", async () => {
    const s = store();
    const start = Date.parse("2025-03-10T06:00:00Z");
    await s.write([...minuteResults("paged", "us-east-1", start, 25), ...minuteResults("paged", "eu-west-1", start, 25)]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await s.listRuns({ probeId: "paged", limit: 7, cursor });
      seen.push(...page.items.map((r) => `${r.startedAt}#${r.region}`));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toHaveLength(50);
    expect(new Set(seen).size).toBe(50);
    expect([...seen].sort().reverse()).toEqual(seen);

    const regional = await s.listRuns({ probeId: "paged", region: "eu-west-1", limit: 3, from: new Date(start).toISOString(), to: new Date(start + 9 * 60_000).toISOString() });
    expect(regional.items.map((r) => r.startedAt)).toEqual([9, 8, 7].map((m) => new Date(start + m * 60_000).toISOString()));
    expect(regional.items.every((r) => r.region === "eu-west-1")).toBe(true);
    await expect(s.listRuns({ probeId: "paged", limit: 3, cursor: "not-a-cursor" })).rejects.toMatchObject({ code: "bad_cursor" });
  });

  it("counts exactly when several writers (own clients) write the same probe at once, with overlaps", async () => {
    const results = minuteResults("busy", "us-east-1", Date.parse("2025-03-10T10:00:00Z"), 120, (i) => ({ outcome: i % 10 === 0 ? "degraded" : "pass" }));
    const writers = Array.from({ length: 4 }, () => {
      const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
      return { client, store: createResultStore({ doc: DynamoDBDocumentClient.from(client), tableName: dynamo.tableName, now: () => NOW }) };
    });
    // Each writer takes half the results, shuffled differently, so every run is written twice concurrently.
    await Promise.all(writers.map(({ store: w }, k) => {
      const mine = results.filter((_, i) => (i + k) % 2 === 0).reverse();
      return Promise.all(Array.from({ length: mine.length / 10 }, (_, b) => w.write(mine.slice(b * 10, b * 10 + 10))));
    }));
    for (const { client } of writers) client.destroy();
    const hours = await store().hours("busy", "us-east-1", "2025-03-10T10", "2025-03-10T11");
    expect(mergeRollups("x", hours)).toMatchObject({ runs: 120, degraded: 12, pass: 108, fail: 0 });
  });

  it("folds closed days from hour rollups, and refolds a day when a result lands on it late", async () => {
    const s = store();
    const day = Date.parse("2025-03-05T00:00:00Z");
    await s.write(minuteResults("fold", "us-east-1", day, 90));
    // The late write folded its day already.
    const [folded] = await s.days("fold", "us-east-1", "2025-03-05", "2025-03-05");
    expect(folded).toMatchObject({ key: "2025-03-05", runs: 90, pass: 90 });
    await s.write(minuteResults("fold", "us-east-1", day + 20 * 3_600_000, 3, () => ({ outcome: "fail" })));
    expect((await s.days("fold", "us-east-1", "2025-03-05", "2025-03-05"))[0]).toMatchObject({ runs: 93, fail: 3 });
    expect(await s.reconcileDays("fold", "us-east-1", "2025-03-01", "2025-03-09")).toBe(0);
  });
  it("folds every closed day however long the process was stopped", async () => {
    // Runs written on March 1 and on March 2, each on its own day (nothing late), by processes that never folded;
    // the next start comes 20 days later.
    const storeAt = (iso: string) => createResultStore({ doc: dynamo.doc, tableName: dynamo.tableName, now: () => Date.parse(iso) });
    await storeAt("2025-03-01T23:00:00Z").write(minuteResults("gap", "us-east-1", Date.parse("2025-03-01T10:00:00Z"), 5));
    await storeAt("2025-03-02T23:00:00Z").write(minuteResults("gap", "us-east-1", Date.parse("2025-03-02T10:00:00Z"), 7));
    expect(await storeAt("2025-03-02T23:00:00Z").days("gap", "us-east-1", "2025-03-01", "2025-03-02")).toHaveLength(0);
    const later = storeAt("2025-03-22T08:00:00Z");
    expect(await later.foldClosedDays("gap", "us-east-1")).toBe(2);
    expect((await later.days("gap", "us-east-1", "2025-03-01", "2025-03-02")).map((d) => [d.key, d.runs])).toEqual([["2025-03-01", 5], ["2025-03-02", 7]]);
    expect(await later.foldClosedDays("gap", "us-east-1")).toBe(0);
    expect(await later.foldClosedDays("never-ran", "us-east-1")).toBe(0);
  });

  it("refuses a cursor from another probe or region as a bad cursor", async () => {
    const s = store();
    await s.write([...minuteResults("cur-a", "us-east-1", Date.parse("2025-03-09T10:00:00Z"), 3), ...minuteResults("cur-b", "us-east-1", Date.parse("2025-03-09T10:00:00Z"), 3), ...minuteResults("cur-a", "eu-west-1", Date.parse("2025-03-09T10:00:00Z"), 3)]);
    const fromB = (await s.listRuns({ probeId: "cur-b", limit: 1 })).cursor!;
    const fromBRegion = (await s.listRuns({ probeId: "cur-b", region: "us-east-1", limit: 1 })).cursor!;
    const fromARegion = (await s.listRuns({ probeId: "cur-a", region: "us-east-1", limit: 1 })).cursor!;
    await expect(s.listRuns({ probeId: "cur-a", limit: 1, cursor: fromB })).rejects.toMatchObject({ code: "bad_cursor" });
    await expect(s.listRuns({ probeId: "cur-a", region: "us-east-1", limit: 1, cursor: fromBRegion })).rejects.toMatchObject({ code: "bad_cursor" });
    await expect(s.listRuns({ probeId: "cur-a", region: "eu-west-1", limit: 1, cursor: fromARegion })).rejects.toMatchObject({ code: "bad_cursor" });
    expect((await s.listRuns({ probeId: "cur-a", region: "us-east-1", limit: 5, cursor: fromARegion })).items).toHaveLength(2);
  });

  it("takes a page's load time as its latency, not the run's whole duration", async () => {
    const s = store();
    const start = Date.parse("2025-03-10T08:00:00Z");
    const browser = { ttfbMs: 50, fcpMs: 300, lcpMs: 600, domContentLoadedMs: 500, loadMs: 800, ttiMs: 900, tbtMs: 0, cls: 0, jsErrors: [], failedRequests: [] };
    // The run lasted 6 s (a quiet window and a journey after load): latency figures must say 800 ms.
    await s.write(minuteResults("page", "us-east-1", start, 5, () => ({ kind: "browser", durationMs: 6_000, browser })));
    const [hour] = await s.hours("page", "us-east-1", "2025-03-10T08", "2025-03-10T08");
    const { p50 } = percentiles(hour!.histogram);
    expect(p50).toBeGreaterThan(700);
    expect(p50).toBeLessThan(900);
  });

  it("counts runs in maintenance apart: kept as raw runs, left out of runs, outcomes and latency", async () => {
    const s = store();
    const start = Date.parse("2025-03-10T09:00:00Z");
    // Ten runs; minutes 3..7 fall in a window, failing and slow as a target under maintenance would be.
    const results = minuteResults("maint", "us-east-1", start, 10, (i) => (i >= 3 && i <= 7 ? { outcome: "fail", durationMs: 9_000, maintenance: true } : { durationMs: 40 }));
    await s.write(results);
    const [hour] = await s.hours("maint", "us-east-1", "2025-03-10T09", "2025-03-10T09");
    expect(hour).toMatchObject({ runs: 5, pass: 5, fail: 0, degraded: 0, maintenance: 5 });
    expect(Object.values(hour!.histogram).reduce((a, b) => a + b, 0)).toBe(5);
    expect(percentiles(hour!.histogram).p99).toBeLessThan(100);
    expect((await s.listRuns({ probeId: "maint", limit: 100 })).items.filter((r) => r.maintenance)).toHaveLength(5);
  });

  it("counts a maintenance run once however often it is written, alone or among others, by racing writers", async () => {
    const s = store();
    const results = minuteResults("maint-twice", "eu-west-1", Date.parse("2025-03-10T10:00:00Z"), 6, (i) => ({ maintenance: i % 2 === 0, outcome: i === 1 ? "fail" : "pass" }));
    await Promise.all([s.write(results), s.write(results.slice(2)), s.write([results[0]!])]);
    await s.write(results);
    // Written again without the flag (a replay from before the window was known): already counted, not moved.
    await s.write(results.map((r) => ({ ...r, maintenance: false })));
    const [hour] = await s.hours("maint-twice", "eu-west-1", "2025-03-10T10", "2025-03-10T10");
    expect(hour).toMatchObject({ runs: 3, pass: 2, fail: 1, maintenance: 3 });
  });

  it("folds a day whose hours hold maintenance runs only, and refolds it when more arrive", async () => {
    const s = store();
    const day = Date.parse("2025-03-06T00:00:00Z");
    await s.write(minuteResults("maint-day", "us-east-1", day + 2 * 3_600_000, 30, () => ({ maintenance: true })));
    expect((await s.days("maint-day", "us-east-1", "2025-03-06", "2025-03-06"))[0]).toMatchObject({ key: "2025-03-06", runs: 0, pass: 0, maintenance: 30 });
    // More maintenance runs only: runs stays 0, yet the fold must follow.
    await s.write(minuteResults("maint-day", "us-east-1", day + 5 * 3_600_000, 4, () => ({ maintenance: true })));
    expect((await s.days("maint-day", "us-east-1", "2025-03-06", "2025-03-06"))[0]).toMatchObject({ runs: 0, maintenance: 34 });
    await s.write(minuteResults("maint-day", "us-east-1", day + 6 * 3_600_000, 2, () => ({ outcome: "fail" })));
    expect((await s.days("maint-day", "us-east-1", "2025-03-06", "2025-03-06"))[0]).toMatchObject({ runs: 2, fail: 2, maintenance: 34 });
    expect(await s.reconcileDays("maint-day", "us-east-1", "2025-03-01", "2025-03-09")).toBe(0);
  });

  it("reads rollups written before the maintenance counter existed as 0, and keeps it through put and read", async () => {
    const s = store();
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: { pk: "ROLLUP#D#old#us-east-1", sk: "2025-03-01", runs: 4, pass: 4, degraded: 0, fail: 0, h10: 4 } }));
    expect((await s.days("old", "us-east-1", "2025-03-01", "2025-03-01"))[0]).toMatchObject({ runs: 4, maintenance: 0, histogram: { 10: 4 } });
    await s.putHourRollups("old", "us-east-1", [{ key: "2025-03-02T05", runs: 1, pass: 1, degraded: 0, fail: 0, maintenance: 7, histogram: { 3: 1 } }]);
    await s.reconcileDays("old", "us-east-1", "2025-03-02", "2025-03-02");
    expect((await s.days("old", "us-east-1", "2025-03-02", "2025-03-02"))[0]).toMatchObject({ runs: 1, maintenance: 7 });
    expect(mergeRollups("x", [
      { key: "a", runs: 1, pass: 1, degraded: 0, fail: 0, maintenance: 2, histogram: {} },
      { key: "b", runs: 0, pass: 0, degraded: 0, fail: 0, maintenance: 3, histogram: {} },
    ]).maintenance).toBe(5);
  });
});
