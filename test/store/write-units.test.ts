// What one result costs the table to write, measured as DynamoDB would bill it (dynalite's ConsumedCapacity, plus
// the index copies and refused conditional writes it does not report; see bench/aws-units.ts), and what the layout
// that makes it cheap still answers: the exact last result, runs across regions, the state of a region that stopped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeleteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { computeStatus } from "../../api/index.ts";
import { meter } from "../../bench/aws-units.ts";
import { createResultStore } from "../../core/store/results-store.ts";
import { hourPk } from "../../core/store/keys.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { makeResult, minuteResults } from "../fixtures/results.ts";

let dynamo: TestDynamo;
const clients: DynamoDBClient[] = [];
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo?.close();
});

const NOW = Date.parse("2025-03-10T12:30:00Z");

/** A store on a client of its own whose units are counted. */
function metered(now = NOW) {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  clients.push(client);
  const m = meter(client);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { m, store: createResultStore({ doc, tableName: dynamo.tableName, now: () => now }) };
}

describe("write units of the result store", () => {
  it("writes a result into an hour that has runs for 2 units: its raw run and its hour rollup, nothing else", async () => {
    const { m, store } = metered();
    const [first, ...rest] = minuteResults("units", "us-east-1", Date.parse("2025-03-10T12:00:00Z"), 6);
    m.reset();
    await store.write([first!]);
    // The hour's first result also points the probe × region's marker at the new hour.
    expect(m.write).toBe(3);
    for (const result of rest) {
      m.reset();
      await store.write([result]);
      expect(m.write).toBe(2);
    }
    expect(m.read).toBe(0);
  });

  it("keeps the last result exact between markers: the hour rollup's write records it", async () => {
    const { store } = metered();
    const results = minuteResults("last", "eu-west-1", Date.parse("2025-03-10T11:00:00Z"), 3, (i) => ({ outcome: i === 2 ? "fail" : "pass", durationMs: 10 + i }));
    for (const result of results) await store.write([result]);
    // The marker holds the hour's first run; the current state is its newest.
    expect((await store.markers()).find((m) => m.probeId === "last")).toMatchObject({ hour: "2025-03-10T11", startedAt: results[0]!.startedAt });
    expect((await store.currentStates()).find((s) => s.probeId === "last")).toEqual({
      probeId: "last", region: "eu-west-1", startedAt: results[2]!.startedAt, outcome: "fail", durationMs: 12, error: { category: "connect", message: "fail on purpose" },
    });
    const [hour] = await store.hours("last", "eu-west-1", "2025-03-10T11", "2025-03-10T11");
    expect(hour!.last).toMatchObject({ startedAt: results[2]!.startedAt, outcome: "fail" });
    // The status model reads the markers and the hours, not the states: the same last result.
    const status = await computeStatus({ store, probes: [{ id: "last", kind: "http", every: 60_000, timeout: 10_000, regions: ["eu-west-1"] }], now: () => Date.parse("2025-03-10T11:03:00Z") });
    expect(status.probes[0]!.regions[0]).toMatchObject({ state: "down", lastRunAt: results[2]!.startedAt, lastDurationMs: 12, error: { category: "connect" } });
    // An older result arriving late is counted but leaves the last one as it was; a pass after a fail clears the error.
    await store.write([makeResult({ probeId: "last", region: "eu-west-1", startedAt: "2025-03-10T11:00:30.000Z", outcome: "degraded" })]);
    expect((await store.hours("last", "eu-west-1", "2025-03-10T11", "2025-03-10T11"))[0]).toMatchObject({ runs: 4, degraded: 1, last: { startedAt: results[2]!.startedAt } });
    await store.write([makeResult({ probeId: "last", region: "eu-west-1", startedAt: "2025-03-10T11:05:00.000Z" })]);
    expect((await store.currentStates()).find((s) => s.probeId === "last")).toEqual({ probeId: "last", region: "eu-west-1", startedAt: "2025-03-10T11:05:00.000Z", outcome: "pass", durationMs: 100 });
  });

  it("counts a batch of runs older than the hour's last (a queue's late results) in two rollup writes, not two each", async () => {
    const { m, store } = metered();
    const results = minuteResults("queued", "us-east-1", Date.parse("2025-03-10T08:00:00Z"), 11);
    await store.write([results[10]!]);
    m.reset();
    await store.write(results.slice(0, 10));
    // 10 raw runs, then the rollup: refused for its last run (billed), then counted without it.
    expect(m.write).toBe(12);
    const [hour] = await store.hours("queued", "us-east-1", "2025-03-10T08", "2025-03-10T08");
    expect(hour).toMatchObject({ runs: 11, last: { startedAt: results[10]!.startedAt } });
  });

  it("replays a batch overlapping what was stored with one refused write per run already counted", async () => {
    const { m, store } = metered();
    const results = minuteResults("replayed", "us-east-1", Date.parse("2025-03-10T07:00:00Z"), 10, (i) => ({ outcome: i === 9 ? "fail" : "pass" }));
    await store.write(results.slice(0, 6));
    m.reset();
    await store.write(results);
    // 10 raw runs; the group refused with and without its last run; 6 refused and 4 counted one by one; the last run;
    // the marker checked (refused: it names the hour already), as after any replay.
    expect(m.write).toBe(10 + 2 + 10 + 1 + 1);
    const [hour] = await store.hours("replayed", "us-east-1", "2025-03-10T07", "2025-03-10T07");
    expect(hour).toMatchObject({ runs: 10, fail: 1, last: { startedAt: results[9]!.startedAt, outcome: "fail" } });
  });

  it("moves the marker to a new hour once, and never back for a late run of an earlier hour", async () => {
    const { m, store } = metered();
    const start = Date.parse("2025-03-10T09:58:00Z");
    const results = minuteResults("hours", "us-east-1", start, 4);
    for (const result of results) await store.write([result]);
    expect((await store.markers()).find((mk) => mk.probeId === "hours")?.hour).toBe("2025-03-10T10");
    // A replay of a run already stored: no unit is spent twice on counting it (the condition refuses it), and the
    // marker is checked (a writer may have died between the rollup and the marker).
    m.reset();
    await store.write([results[3]!]);
    expect(m.write).toBeLessThanOrEqual(4);
    await store.write([makeResult({ probeId: "hours", startedAt: "2025-03-10T08:30:00.000Z", outcome: "fail" })]);
    expect((await store.markers()).find((mk) => mk.probeId === "hours")?.hour).toBe("2025-03-10T10");
    expect((await store.currentStates()).find((s) => s.probeId === "hours")).toMatchObject({ startedAt: results[3]!.startedAt, outcome: "pass" });
    const hours = await store.hours("hours", "us-east-1", "2025-03-10T08", "2025-03-10T10");
    expect(hours.map((h) => [h.key, h.runs])).toEqual([["2025-03-10T08", 1], ["2025-03-10T09", 2], ["2025-03-10T10", 2]]);
  });

  it("keeps the exact last result of a region that stopped after its day is folded, even once its hour rollup expired", async () => {
    const day = Date.parse("2025-03-01T07:00:00Z");
    const { store: then } = metered(day + 3_600_000);
    await then.write(minuteResults("stopped", "ap-south-1", day + 10 * 60_000, 5, (i) => ({ outcome: i === 4 ? "degraded" : "pass" })));
    const { store: later } = metered(Date.parse("2025-03-05T12:00:00Z"));
    expect(await later.foldClosedDays("stopped", "ap-south-1")).toBe(1);
    await dynamo.doc.send(new DeleteCommand({ TableName: dynamo.tableName, Key: { pk: hourPk("stopped", "ap-south-1"), sk: "2025-03-01T07" } }));
    expect((await later.currentStates()).find((s) => s.probeId === "stopped")).toMatchObject({ startedAt: "2025-03-01T07:14:00.000Z", outcome: "degraded" });
    expect((await later.markers()).find((s) => s.probeId === "stopped")).toMatchObject({ startedAt: "2025-03-01T07:14:00.000Z", outcome: "degraded" });
  });

  it("lists a probe's runs across regions newest first, ties in region order, without an index copy of any run", async () => {
    const { m, store } = metered();
    const start = Date.parse("2025-03-10T06:00:00Z");
    m.reset();
    await store.write(["us-east-1", "eu-west-1", "ap-south-1"].flatMap((region) => minuteResults("across", region, start, 4)));
    // 12 runs, 3 hour rollups, 3 markers: the meter adds a unit for any item carrying an index key.
    expect(m.write).toBe(18);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listRuns({ probeId: "across", limit: 5, cursor, to: new Date(start + 2 * 60_000).toISOString() });
      seen.push(...page.items.map((r) => `${r.startedAt.slice(11, 16)} ${r.region}`));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([
      "06:02 us-east-1", "06:02 eu-west-1", "06:02 ap-south-1",
      "06:01 us-east-1", "06:01 eu-west-1", "06:01 ap-south-1",
      "06:00 us-east-1", "06:00 eu-west-1", "06:00 ap-south-1",
    ]);
  });
});
