// Capacity units the real write and read paths consume, measured on dynalite with ReturnConsumedCapacity.
// Feeds core/plan/units.ts (test/plan/units.test.ts keeps the two equal) and `npm run bench -- aws`.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { computeStatus, type StatusProbe } from "../api/index.ts";
import { createAlertReadView, createEvaluator, createDynamoAlertStore, Alerts } from "../core/alerting/index.ts";
import type { ProbeResult } from "../core/result/index.ts";
import { createResultStore, ensureTable, startEmbeddedDynamo } from "../core/store/index.ts";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface Meter {
  read: number;
  write: number;
  reset(): void;
}

/**
 * Asks every call for its consumed capacity and sums it; GSI1 writes, which dynalite does not count, are added by item
 * size, and so is a write refused by its condition, which DynamoDB bills (at least one unit) and dynalite reports none for.
 */
export function meter(client: DynamoDBClient): Meter {
  const m: Meter = { read: 0, write: 0, reset() { m.read = 0; m.write = 0; } };
  const WRITES = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "BatchWriteItemCommand"]);
  client.middlewareStack.add((next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    input.ReturnConsumedCapacity = "TOTAL";
    let output: Awaited<ReturnType<typeof next>>;
    try {
      output = await next(args);
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") m.write += 1;
      throw error;
    }
    const consumed = (output.output as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> }).ConsumedCapacity;
    const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    const command = context.commandName ?? "";
    if (WRITES.has(command)) {
      m.write += units;
      const items = command === "BatchWriteItemCommand"
        ? Object.values(input.RequestItems as Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> } }>>).flat().map((r) => r.PutRequest?.Item)
        : [input.Item as Record<string, unknown> | undefined];
      for (const item of items) if (item && "gsi1pk" in item) m.write += Math.ceil(JSON.stringify(item).length / 1024);
    } else m.read += units;
    return output;
  }, { step: "initialize", name: "vigie-meter" });
  return m;
}

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-02T10:00:00Z");

function httpResult(probeId: string, region: string, at: number, outcome: ProbeResult["outcome"] = "pass"): ProbeResult {
  return {
    probeId, kind: "http", region, startedAt: new Date(at).toISOString(), durationMs: 87, outcome,
    http: { status: 200, bytes: 1_234, timings: { dnsMs: 3, connectMs: 12, tlsMs: 25, ttfbMs: 40, downloadMs: 7, totalMs: 87 } },
    assertions: [{ description: "status eq 200", passed: true, actual: "200" }, { description: "$.status eq ok", passed: true, actual: "\"ok\"" }],
  };
}

/**
 * Write units per HTTP result: one probe in 3 regions every minute for two hours (so hourly writes count as often as
 * they happen: each hour's marker per region, the SLO hours item and the delete of the one it replaces), each
 * invocation's result written as the runner writes it (raw run, hour rollup with its last run, the marker when the
 * hour is new), then evaluated as the stream evaluator does: the minute's 3 results in one batch, one alert-state write
 * (`batched`, as deployed: the regions' runners fire on the same minute and the stream gathers 5 s), or one by one
 * (`vigie start`, or a batch window that caught one region only).
 */
export async function measureWriteUnits(options: { slo: boolean; minutes?: number; batched?: boolean }): Promise<{ perResult: number; store: number; evaluator: number; results: number }> {
  const dynamo = await startEmbeddedDynamo();
  try {
    await ensureTable(dynamo.client, "units");
    const m = meter(dynamo.client);
    const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
    let now = T0;
    const store = createResultStore({ doc, tableName: "units", now: () => now });
    const regions = ["us-east-1", "eu-west-1", "ap-south-1"];
    const config = {
      regions, probes: [{ id: "api", every: 60_000, timeout: 10_000, tags: ["api"] }],
      alerts: Alerts.parse(options.slo ? { slos: [{ tags: ["api"], availability: 99.9, window: "30d" }, { tags: ["api"], latency: { p95Ms: 300 }, window: "30d" }] } : {}),
    };
    const evaluator = createEvaluator({ config, store: createDynamoAlertStore({ doc, tableName: "units" }), channelNames: ["log"], now: () => now, log: { info() {}, warn() {}, error() {} } });
    let storeUnits = 0;
    let evaluatorUnits = 0;
    let results = 0;
    for (let minute = 0; minute < (options.minutes ?? 120); minute++) {
      now = T0 + minute * 60_000;
      const minuteResults = regions.map((region) => httpResult("api", region, now + 1_000));
      for (const result of minuteResults) {
        m.reset();
        await store.write([result]);
        storeUnits += m.write;
        results++;
      }
      m.reset();
      if (options.batched ?? true) await evaluator.onProbeResults("api", minuteResults);
      else for (const result of minuteResults) await evaluator.onResult(result);
      evaluatorUnits += m.write;
    }
    return { perResult: (storeUnits + evaluatorUnits) / results, store: storeUnits / results, evaluator: evaluatorUnits / results, results };
  } finally {
    await dynamo.close();
  }
}

/** Read units of one uncached /v1/status refresh with `probes` probes × 3 regions, a day of hours and 89 folded days each. */
export async function measureStatusReadUnits(probeCount: number): Promise<{ total: number; perProbeRegion: number }> {
  const dynamo = await startEmbeddedDynamo();
  try {
    await ensureTable(dynamo.client, "status");
    const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
    const now = T0;
    const store = createResultStore({ doc, tableName: "status", now: () => now });
    const regions = ["us-east-1", "eu-west-1", "ap-south-1"];
    const probes: StatusProbe[] = Array.from({ length: probeCount }, (_, i) => ({ id: `p${i}`, kind: "http", every: 60_000, timeout: 10_000, regions }));
    const histogram = { 20: 30, 22: 25, 24: 5 };
    for (const probe of probes) {
      for (const region of regions) {
        await store.putHourRollups(probe.id, region, Array.from({ length: 24 }, (_, h) => ({ key: new Date(now - h * HOUR).toISOString().slice(0, 13), runs: 60, pass: 60, degraded: 0, fail: 0, maintenance: 0, histogram })));
        await store.putDayRollups(probe.id, region, Array.from({ length: 89 }, (_, d) => ({ key: new Date(now - (d + 1) * 86_400_000).toISOString().slice(0, 10), runs: 1440, pass: 1440, degraded: 0, fail: 0, maintenance: 0, histogram })));
      }
      await store.write(regions.map((region) => httpResult(probe.id, region, now - 30_000)));
    }
    const m = meter(dynamo.client);
    const alertConfig = { regions, probes: probes.map((p) => ({ id: p.id, every: p.every, tags: ["api"] })), alerts: Alerts.parse({ slos: [{ tags: ["api"], availability: 99.9, window: "30d" }] }) };
    const view = createAlertReadView({ config: alertConfig, store: createDynamoAlertStore({ doc, tableName: "status" }), now: () => now });
    m.reset();
    await computeStatus({ store, probes, incidents: view.incidents, alerting: view, now: () => now });
    return { total: m.read, perProbeRegion: m.read / (probeCount * regions.length) };
  } finally {
    await dynamo.close();
  }
}

