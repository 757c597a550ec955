// The alert state on DynamoDB with SLOs: one write unit per state write (deflated, the SLO hour rings in an item of
// their own written once an hour), the same SLO figures as the in-memory store, and states of the earlier layout read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { meter } from "../../bench/aws-units.ts";
import { createEvaluator } from "../../core/alerting/evaluator.ts";
import { createAlertReadView } from "../../core/alerting/read-view.ts";
import { createDynamoAlertStore, createMemoryAlertStore, type AlertStore } from "../../core/alerting/store.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

let dynamo: TestDynamo;
const clients: DynamoDBClient[] = [];
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo?.close();
});

const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];
const SLOS = { slos: [{ tags: ["api"], availability: 99.9, window: "30d" }, { tags: ["api"], latency: { p95Ms: 300 }, window: "30d" }] };

function meteredStore() {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  clients.push(client);
  const m = meter(client);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { m, store: createDynamoAlertStore({ doc, tableName: dynamo.tableName }) };
}

/**
 * A minute's results of the 3 regions: in one region some fail and some are slow (bad for the latency objective), so
 * budgets are spent while no burn-rate alert has the regions' quorum behind it.
 */
function minute(probeId: string, at: number, n: number) {
  return REGIONS.map((region, r) => {
    const run = result(region, r === 0 && n % 11 === 0 ? "fail" : "pass", at + 1_000, probeId);
    return { ...run, durationMs: r === 0 && n % 7 === 0 ? 900 : 42 };
  });
}

describe("alert state with SLOs on DynamoDB", () => {
  it("writes each state in one unit and the SLO hour rings once an hour, reading the same budgets as in memory", async () => {
    const probeId = "slo-units";
    const cfg = config(SLOS, { id: probeId });
    const time = clock();
    const { m, store } = meteredStore();
    const memory = createMemoryAlertStore();
    const evaluators = [store, memory].map((s: AlertStore) => createEvaluator({ config: cfg, store: s, channelNames: ["oncall"], now: time.now, log: memoryLog().log }));
    const views = [store, memory].map((s) => createAlertReadView({ config: cfg, store: s, now: time.now }));
    let stateWrites = 0;
    let units = 0;
    for (let n = 0; n < 150; n++) {
      time.set(T0 + n * 60_000);
      // ap-south-1 falls silent for 80 minutes, then its backlog arrives at once (a spool flushed): its runs land in
      // closed hours of the rings, which then change outside the hour roll.
      const late = n >= 50 && n < 130;
      const results = minute(probeId, T0 + n * 60_000, n).filter((run) => !late || run.region !== "ap-south-1");
      if (n === 130) for (let k = 50; k < 130; k++) results.push({ ...result("ap-south-1", "pass", T0 + k * 60_000 + 1_000, probeId), durationMs: 42 });
      // A result of the first hour replayed in the third (older than its region's last: the evaluator skips it).
      if (n === 131) results.push({ ...result("us-east-1", "fail", T0 + 30 * 60_000 + 5_000, probeId), durationMs: 42 });
      m.reset();
      await evaluators[0]!.onProbeResults(probeId, results);
      units += m.write;
      stateWrites += 1;
      await evaluators[1]!.onProbeResults(probeId, results);
      if (n % 29 === 0 || n === 130 || n === 131) {
        const [onDynamo, inMemory] = await Promise.all(views.map((view) => view.sloStatus(probeId)));
        expect(onDynamo).toEqual(inMemory);
      }
    }
    const [onDynamo, inMemory] = await Promise.all(views.map((view) => view.sloStatus(probeId)));
    expect(onDynamo).toEqual(inMemory);
    expect(inMemory!.objectives[0]!.bad).toBeGreaterThan(0);
    // Incidents and pages (burn-rate alerts) cost their own writes; without them every state write is one unit, plus
    // the first hours item, per hour after it a new one and the delete of the one it replaced, and the same for the
    // backlog's change to closed hours (157 here).
    const incidentWrites = (await store.list({ status: "all", limit: 500, probeId })).items.length;
    expect(incidentWrites).toBe(0);
    expect(units).toBeLessThanOrEqual(stateWrites + 1 + 2 * 2 + 2);
    // Only the hours item the state names is left.
    const items = await dynamo.doc.send(new QueryCommand({ TableName: dynamo.tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": `ALERT#${probeId}` } }));
    expect(items.Items?.map((item) => (item.sk as string).replace(/#.*/, ""))).toEqual(["SLOH", "STATE"]);
  });

  it("reads a state of the earlier layout (JSON strings, whole rings) and rewrites it in the new one on its next write", async () => {
    const probeId = "slo-old";
    const cfg = config(SLOS, { id: probeId });
    const time = clock();
    const memory = createMemoryAlertStore();
    const before = createEvaluator({ config: cfg, store: memory, channelNames: ["oncall"], now: time.now, log: memoryLog().log });
    for (let n = 0; n < 90; n++) {
      time.set(T0 + n * 60_000);
      await before.onProbeResults(probeId, minute(probeId, T0 + n * 60_000, n));
    }
    // The item as the earlier layout wrote it.
    const old = (await memory.getState(probeId))!;
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: { pk: `ALERT#${probeId}`, sk: "STATE", version: old.version, state: JSON.stringify(old.state), pending: JSON.stringify(old.pending) } }));
    const { store } = meteredStore();
    const view = (s: AlertStore) => createAlertReadView({ config: cfg, store: s, now: time.now });
    expect(await view(store).sloStatus(probeId)).toEqual(await view(memory).sloStatus(probeId));
    expect((await store.getState(probeId))?.state).toEqual(old.state);

    const after = createEvaluator({ config: cfg, store, channelNames: ["oncall"], now: time.now, log: memoryLog().log });
    time.set(T0 + 90 * 60_000);
    const next = minute(probeId, T0 + 90 * 60_000, 90);
    await after.onProbeResults(probeId, next);
    await before.onProbeResults(probeId, next);
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName, Key: { pk: `ALERT#${probeId}`, sk: "STATE" } }));
    expect(Item).toMatchObject({ version: old.version + 1, sloHours: expect.any(String), body: expect.anything() });
    expect(Item?.state).toBeUndefined();
    expect(await view(createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName })).sloStatus(probeId)).toEqual(await view(memory).sloStatus(probeId));

    // Rings item gone (its TTL after a long silence): the closed hours read as zeros, the current hour as stored.
    await dynamo.doc.send(new DeleteCommand({ TableName: dynamo.tableName, Key: { pk: `ALERT#${probeId}`, sk: `SLOH#${Item!.sloHours as string}` } }));
    const counts = (await createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName }).getState(probeId))!.state.slo!.counts;
    const full = (await memory.getState(probeId))!.state.slo!.counts;
    const slot = full.hour % full.hourTotal.length;
    expect(counts.hourTotal).toEqual(full.hourTotal.map((value, i) => (i === slot ? value : 0)));
    expect(counts.minuteTotal).toEqual(full.minuteTotal);
  });
});
