// Drill runs through the API: GET /v1/drills/:id/runs (key, cursor-paged) and the last run in /v1/status, over dynalite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hono } from "hono";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { createApp } from "../../api/index.ts";
import { createResultStore } from "../../core/store/index.ts";
import type { DrillResult } from "../../core/result/index.ts";
import { createDrillStore, DrillRecordError, type DrillStore } from "../../drills/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

let dynamo: TestDynamo;
let drills: DrillStore;
let app: Hono;
const KEY = "drill-key-for-tests";

const result = (runId: string, startedAt: string, outcome: DrillResult["outcome"]): DrillResult => ({
  drillId: "orders-db", kind: "postgres", runId, startedAt, finishedAt: startedAt, outcome,
  objectives: { rtoMs: 600_000, rpoMs: 60_000 },
  achieved: { rtoMs: 4_100, rpoMs: outcome === "pass" ? 3_000 : 90_000, restorePoint: startedAt, newestData: startedAt },
  stages: [{ name: "restore", startedAt, durationMs: 900, outcome: "pass" }],
  validation: [{ description: "select count(*) from orders gt 0", passed: true, actual: "12" }],
  cleanup: { outcome: "done", resources: [{ kind: "directory", id: `/data/drills/vigie-drill-orders-db-${runId}` }] },
  ...(outcome === "pass" ? {} : { error: { category: "validate" as const, message: "RPO 1.5m over its objective of 1m" } }),
});

beforeAll(async () => {
  dynamo = await startTestDynamo();
  drills = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  await drills.putResult(result("a1", "2026-01-01T00:00:00.000Z", "pass"));
  await drills.putResult(result("b2", "2026-01-02T00:00:00.000Z", "fail"));
  await drills.putResult(result("c3", "2026-01-03T00:00:00.000Z", "pass"));
  app = createApp({
    store: createResultStore({ doc: dynamo.doc, tableName: dynamo.tableName }), probes: [], apiKeys: [KEY],
    drills: ["orders-db", "sessions"], drillRuns: drills, statusCacheMs: 0,
  });
});
afterAll(async () => { await dynamo?.close(); });

const get = async (path: string, key?: string) => {
  const response = await app.request(path, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  return { status: response.status, body: await response.json() as any };
};

describe("drill runs in the API", () => {
  it("lists a drill's runs newest first, a page at a time, with an API key", async () => {
    expect((await get("/v1/drills/orders-db/runs")).status).toBe(401);
    const first = await get("/v1/drills/orders-db/runs?limit=2", KEY);
    expect(first.status).toBe(200);
    expect(first.body.items.map((r: DrillResult) => r.runId)).toEqual(["c3", "b2"]);
    expect(first.body.items[1]).toEqual(result("b2", "2026-01-02T00:00:00.000Z", "fail"));
    const second = await get(`/v1/drills/orders-db/runs?limit=2&cursor=${first.body.cursor}`, KEY);
    expect(second.body.items.map((r: DrillResult) => r.runId)).toEqual(["a1"]);
    expect(second.body.cursor).toBeUndefined();
    expect((await get("/v1/drills/sessions/runs", KEY)).body).toEqual({ items: [] });
    expect((await get("/v1/drills/nope/runs", KEY)).status).toBe(404);
    expect((await get("/v1/drills/orders-db/runs?limit=0", KEY)).status).toBe(400);
    expect((await get(`/v1/drills/sessions/runs?cursor=${first.body.cursor}`, KEY)).body.error.code).toBe("bad_cursor");
  });

  it("shows each drill's last run in /v1/status, without messages", async () => {
    const { body } = await get("/v1/status");
    expect(body.drills).toEqual([
      {
        id: "orders-db",
        lastRun: {
          runId: "c3", startedAt: "2026-01-03T00:00:00.000Z", finishedAt: "2026-01-03T00:00:00.000Z", outcome: "pass",
          objectives: { rtoMs: 600_000, rpoMs: 60_000 }, achieved: { rtoMs: 4_100, rpoMs: 3_000 }, errorCategory: null,
        },
      },
      { id: "sessions", lastRun: null },
    ]);
  });

  it("charts achieved RTO and RPO of the last runs against the objectives on the status page", async () => {
    const html = await (await app.request("/")).text();
    expect(html).toContain("RTO: objective 10.0 min, met in 3 of 3 runs");
    expect(html).toContain("RPO: objective 1.0 min, met in 2 of 3 runs");
    expect(html).toContain("<title>2026-01-02T00:00:00.000Z: 1.5 min (missed)</title>");
  });

  it("refuses a stored result of another version with a clear error", async () => {
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: { pk: "DRILLRESULT#old", sk: "2026-01-01T00:00:00.000Z#x", v: 99, data: "{}" } }));
    await expect(drills.lastResult("old")).rejects.toThrow(DrillRecordError);
    await expect(drills.lastResult("old")).rejects.toThrow("has version 99; this vigie reads version 1");
  });
});
