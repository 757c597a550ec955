// The Lambda entry of the API, run for real over a DynamoDB-protocol server, with an API Gateway (HTTP API) event.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiHandler } from "../../functions/api.ts";
import type { LambdaDeps } from "../../functions/lambda-deps.ts";
import { Config } from "../../index.ts";
import exampleConfig from "../../vigie.config.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { testLambdaDeps } from "../fixtures/lambda.ts";
import { createDrillStore } from "../../drills/store.ts";

let dynamo: TestDynamo;
let deps: LambdaDeps;
let handler: ReturnType<typeof createApiHandler>;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  deps = testLambdaDeps(dynamo, Config.parse(exampleConfig), { env: { VIGIE_API_KEYS: "lambda-key-1" } });
  handler = createApiHandler(deps);
});
afterAll(async () => {
  await dynamo?.close();
});

const event = (path: string, headers: Record<string, string> = {}) => ({
  version: "2.0", routeKey: "$default", rawPath: path, rawQueryString: "", headers: { host: "api.acme.dev", ...headers },
  requestContext: { http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" }, domainName: "api.acme.dev", stage: "$default", requestId: "r1", timeEpoch: Date.now() },
  isBase64Encoded: false,
}) as unknown as Parameters<typeof handler>[0];

it("serves /v1/status over the stack's table, with every configured probe", async () => {
  const response = await handler(event("/v1/status"), {} as never) as { statusCode: number; body: string };
  expect(response.statusCode).toBe(200);
  const body = JSON.parse(response.body) as { probes: Array<{ id: string; state: string }>; incidents: { open: unknown[] } };
  expect(body.probes.map((p) => p.id)).toEqual(Config.parse(exampleConfig).probes.map((p) => p.id));
  expect(body.probes.every((p) => p.state === "unknown")).toBe(true);
  expect(body.incidents.open).toEqual([]);
});

it("keeps raw results behind the key from the function's environment", async () => {
  expect(((await handler(event("/v1/probes/api-health/results"), {} as never)) as { statusCode: number }).statusCode).toBe(401);
  expect(((await handler(event("/v1/probes/api-health/results", { authorization: "Bearer lambda-key-1" }), {} as never)) as { statusCode: number }).statusCode).toBe(200);
});

it("builds only read parts: no evaluator, no deliverer and so no pager", async () => {
  await handler(event("/v1/status"), {} as never);
  expect(deps.vigie.built().sort()).toEqual(["alertStore", "readView", "store"]);
});

it("serves the status page gzipped as a base64 body when the client accepts gzip, and the Atom feed", async () => {
  const { gunzipSync } = await import("node:zlib");
  const response = await handler(event("/", { "accept-encoding": "gzip" }), {} as never) as { statusCode: number; body: string; headers?: Record<string, string>; isBase64Encoded?: boolean };
  expect(response.statusCode).toBe(200);
  expect(response.headers?.["content-encoding"]).toBe("gzip");
  expect(response.isBase64Encoded).toBe(true);
  expect(gunzipSync(Buffer.from(response.body, "base64")).toString("utf8")).toMatch(/^<!doctype html>.*<title>acme status<\/title>/s);
  const feed = await handler(event("/feed.atom"), {} as never) as { statusCode: number; body: string };
  expect(feed.statusCode).toBe(200);
  expect(feed.body).toContain('<link rel="self" type="application/atom+xml" href="https://api.acme.dev/feed.atom"/>');
});

it("serves a drill's stored runs behind the key, and its last run in /v1/status", async () => {
  const drillId = Config.parse(exampleConfig).drills[0]!.id;
  const startedAt = "2026-12-01T10:00:00.000Z";
  await createDrillStore({ doc: deps.vigie.doc, tableName: deps.vigie.tableName }).putResult({
    drillId, kind: "postgres", runId: "r1", startedAt, finishedAt: "2026-12-01T10:00:05.000Z", outcome: "pass",
    objectives: { rtoMs: 600_000, rpoMs: 60_000 },
    achieved: { rtoMs: 4_100, rpoMs: 3_000, restorePoint: startedAt, newestData: startedAt },
    stages: [], validation: [], cleanup: { outcome: "done", resources: [] },
  });
  expect(((await handler(event(`/v1/drills/${drillId}/runs`), {} as never)) as { statusCode: number }).statusCode).toBe(401);
  const runs = await handler(event(`/v1/drills/${drillId}/runs`, { authorization: "Bearer lambda-key-1" }), {} as never) as { statusCode: number; body: string };
  expect(runs.statusCode).toBe(200);
  expect((JSON.parse(runs.body) as { items: Array<{ runId: string }> }).items.map((r) => r.runId)).toEqual(["r1"]);
  // A new container: the first handler keeps its status model for a few seconds after the earlier tests' requests.
  const status = await createApiHandler(deps)(event("/v1/status"), {} as never) as { body: string };
  const drills = (JSON.parse(status.body) as { drills: Array<{ id: string; lastRun: { outcome: string } | null }> }).drills;
  expect(drills.find((d) => d.id === drillId)?.lastRun?.outcome).toBe("pass");
});
