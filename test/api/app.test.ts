import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hono } from "hono";
import { createApp } from "../../api/index.ts";
import type { ResultStore } from "../../core/store/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { minuteResults } from "../fixtures/results.ts";
import {
  ALERTING_SCENARIO, MAINTENANCE_INCIDENT, OPEN_INCIDENT, SECRET, STATUS_NOW, STATUS_PROBES, fakeAlerting, fakeIncidents, seedStatusStore,
} from "../fixtures/status-data.ts";

let dynamo: TestDynamo;
let store: ResultStore;
let app: Hono;
const KEY = "key-for-tests";

async function get(path: string, headers: Record<string, string> = {}, from: Hono = app): Promise<{ status: number; body: any; text: string; headers: Headers; headerText: string }> {
  const response = await from.request(path, { headers });
  const text = await response.text();
  const headerLines: string[] = [];
  response.headers.forEach((value, name) => headerLines.push(`${name}: ${value}`));
  let body: unknown;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: response.status, body, text, headers: response.headers, headerText: headerLines.join("\n") };
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = await seedStatusStore(dynamo);
  app = createApp({
    store, probes: STATUS_PROBES, apiKeys: [KEY, "another-key"], secrets: [`Bearer ${SECRET}`, SECRET],
    incidents: fakeIncidents(), drills: ["db-restore"], title: "Acme", now: () => STATUS_NOW, statusCacheMs: 0,
  });
});
afterAll(async () => { await dynamo?.close(); });

describe("results API", () => {
  it("answers /healthz", async () => {
    const res = await get("/healthz");
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
  });

  it("gives every probe's state, region states, uptime windows and latency in /v1/status", async () => {
    const res = await get("/v1/status", { origin: "https://status.acme.dev" });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe("down");
    const byId = Object.fromEntries(res.body.probes.map((p: any) => [p.id, p]));
    expect(byId.healthy).toMatchObject({ name: "Checkout API", state: "up" });
    expect(byId.slow.state).toBe("degraded");
    expect(byId.slow.regions).toEqual([
      expect.objectContaining({ region: "us-east-1", state: "degraded", lastOutcome: "degraded" }),
      expect.objectContaining({ region: "eu-west-1", state: "up" }),
    ]);
    expect(byId.broken.state).toBe("down");
    expect(byId.broken.regions[0].error.category).toBe("http");
    // 24 h: 120 recent runs per region; the five last of "broken" failed. 7 d: today and 5 older days with an
    // hour of runs each, one of them (4 days ago) half failed; 90 d: today and 9 older days.
    expect(byId.broken.uptime["24h"]).toBeCloseTo(230 / 240, 4);
    expect(byId.healthy.uptime["24h"]).toBe(1);
    expect(byId.healthy.uptime["7d"]).toBeCloseTo((240 + 4 * 120 + 60) / (240 + 5 * 120), 4);
    expect(byId.healthy.uptime["90d"]).toBeCloseTo((240 + 8 * 120 + 60) / (240 + 9 * 120), 4);
    expect(byId.healthy.latency.p95).toBeGreaterThan(120);
    expect(byId.healthy.latency.p95).toBeLessThan(160);
    expect(res.body.incidents.open.map((i: any) => i.id)).toEqual(["inc-broken-1"]);
    expect(res.body.drills).toEqual([{ id: "db-restore", lastRun: null }]);
    expect(res.headers.get("cache-control")).toMatch(/public, max-age=\d+/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    expect((await get("/v1/status", { "if-none-match": etag! })).status).toBe(304);
  });

  it("tags a public JSON answer with the SHA-1 of its body, as hono's default digest did, and answers 304 to it", async () => {
    const res = await app.request("/v1/probes/healthy/uptime?window=7d");
    const body = await res.text();
    expect(res.headers.get("etag")).toBe(`"${createHash("sha1").update(body).digest("hex")}"`);
    expect((await app.request("/v1/probes/healthy/uptime?window=7d", { headers: { "if-none-match": res.headers.get("etag")! } })).status).toBe(304);
  });

  it("gives daily uptime buckets for a window, and 400/404 for bad input", async () => {
    const res = await get("/v1/probes/healthy/uptime?window=7d");
    expect(res.status).toBe(200);
    expect(res.body.days).toHaveLength(7);
    expect(res.body.days.at(-1)).toMatchObject({ date: "2025-03-10", runs: 240, uptime: 1 });
    expect(res.body.days.find((d: any) => d.date === "2025-03-06")).toMatchObject({ runs: 120, fail: 60, uptime: 0.5 });
    expect(res.body.days[0].date).toBe("2025-03-04");
    expect((await get("/v1/probes/healthy/uptime")).body.days).toHaveLength(90);
    const regional = await get("/v1/probes/healthy/uptime?window=30d&region=eu-west-1");
    expect(regional.body.days.at(-1).runs).toBe(120);

    for (const bad of ["window=90", "window=0d", "window=999d", "window=abc", "region=mars-1", "extra=1"]) {
      const answer = await get(`/v1/probes/healthy/uptime?${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error).toMatchObject({ code: "bad_request", message: expect.any(String) });
    }
    expect(await get("/v1/probes/nope/uptime")).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
  });

  it("lists incidents with filters and rejects bad ones", async () => {
    expect((await get("/v1/incidents")).body.items).toHaveLength(2);
    expect((await get("/v1/incidents?status=open")).body.items.map((i: any) => i.id)).toEqual(["inc-broken-1"]);
    expect((await get("/v1/incidents?status=closed")).status).toBe(400);
    expect((await get("/v1/incidents?limit=0")).status).toBe(400);
    const none = createApp({ store, probes: STATUS_PROBES, apiKeys: [], now: () => STATUS_NOW });
    expect(await (await none.request("/v1/incidents")).json()).toEqual({ items: [] });
  });

  it("serves an OpenAPI document naming every endpoint", async () => {
    const res = await get("/v1/openapi.json");
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining([
      "/healthz", "/v1/status", "/v1/probes/{id}/uptime", "/v1/incidents", "/v1/probes/{id}/results", "/v1/drills/{id}/runs",
    ]));
  });

  it("requires an API key for raw results and drill runs", async () => {
    for (const path of ["/v1/probes/healthy/results", "/v1/drills/db-restore/runs"]) {
      expect(await get(path)).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
      expect((await get(path, { authorization: "Bearer wrong" })).status).toBe(401);
      expect((await get(path, { "x-api-key": `${KEY}x` })).status).toBe(401);
    }
    const open = createApp({ store, probes: STATUS_PROBES, apiKeys: [], now: () => STATUS_NOW });
    const res = await open.request("/v1/probes/healthy/results", { headers: { authorization: "Bearer " } });
    expect(res.status).toBe(401);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect((await res.json()).error.message).toContain("VIGIE_API_KEYS");
  });

  it("pages raw results newest first with a cursor", async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const first = await get("/v1/probes/broken/results?limit=4&region=us-east-1", auth);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("private, no-store");
    expect(first.body.items).toHaveLength(4);
    expect(first.body.items[0].outcome).toBe("fail");
    const second = await get(`/v1/probes/broken/results?limit=4&region=us-east-1&cursor=${first.body.cursor}`, { "x-api-key": "another-key" });
    expect(second.body.items[0].startedAt < first.body.items[3].startedAt).toBe(true);
    const ranged = await get(`/v1/probes/healthy/results?from=${new Date(STATUS_NOW - 10 * 60_000).toISOString()}&limit=500`, auth);
    // Ten minutes back, both ends included, in two regions.
    expect(ranged.body.items).toHaveLength(22);
    expect(ranged.body.cursor).toBeUndefined();
    expect((await get("/v1/probes/healthy/results?cursor=garbage", auth))).toMatchObject({ status: 400, body: { error: { code: "bad_cursor" } } });
    expect((await get("/v1/probes/healthy/results?limit=501", auth)).status).toBe(400);
    expect((await get("/v1/probes/healthy/results?from=yesterday", auth)).status).toBe(400);
    expect((await get("/v1/probes/nope/results", auth)).status).toBe(404);
    expect((await get("/v1/drills/nope/runs", auth)).status).toBe(404);
    expect((await get("/v1/drills/db-restore/runs", auth)).body).toEqual({ items: [] });
  });

  it("answers 400, never 500, to a range that ends before it starts", async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const from = new Date(STATUS_NOW).toISOString();
    const to = new Date(STATUS_NOW - 60 * 60_000).toISOString();
    for (const region of ["", "&region=us-east-1"]) {
      const res = await get(`/v1/probes/healthy/results?from=${from}&to=${to}${region}`, auth);
      expect(res).toMatchObject({ status: 400, body: { error: { code: "bad_request" } } });
      expect(res.body.error.message).toContain("from");
    }
    // The same instant at both ends is a valid (one-instant) range.
    expect((await get(`/v1/probes/healthy/results?from=${from}&to=${from}`, auth)).status).toBe(200);
  });

  it("answers 400, never 500, to a cursor edited into the right shape", async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const cursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const pk = "RUN#healthy#us-east-1";
    const gsi1pk = "RUN#healthy";
    const from = new Date(STATUS_NOW - 10 * 60_000).toISOString();
    const edited = [
      [`region=us-east-1&cursor=${cursor({ pk, sk: "" })}`],
      [`region=us-east-1&cursor=${cursor({ pk, sk: "zzzz" })}&from=${from}`],
      [`region=us-east-1&cursor=${cursor({ pk, sk: "0000" })}&from=${from}`],
      [`cursor=${cursor({ pk: "", sk: "", gsi1pk, gsi1sk: "" })}`],
      [`cursor=${cursor({ pk: "x", sk: "y", gsi1pk, gsi1sk: "9999" })}&from=${from}`],
      [`cursor=${cursor({ pk: "RUN#slow#us-east-1", sk: "2020-01-01T00:00:00.000Z", gsi1pk, gsi1sk: "2020-01-01T00:00:00.000Z#us-east-1" })}`],
      [`cursor=${cursor({ pk, sk: "a".repeat(1100), gsi1pk, gsi1sk: "2026" })}`],
      [`cursor=${cursor({ pk, sk: "garbage", gsi1pk, gsi1sk: `${new Date(STATUS_NOW - 60_000).toISOString()}#us-east-1` })}`],
    ];
    for (const [query] of edited) {
      const res = await get(`/v1/probes/healthy/results?${query}`, auth);
      expect({ query, status: res.status, code: res.body?.error?.code }).toEqual({ query, status: 400, code: "bad_cursor" });
    }
  });

  it("answers every odd request a client can make with a JSON error below 500", async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const paths = [
      "/v1/probes/%E0%A4%A/results", "/v1/probes/healthy/results?from=%E0%A4%A", "/v1/probes/healthy/results?cursor=%00",
      "/v1/probes/healthy/results?limit=1e400", "/v1/probes/healthy/results?limit=-0", "/v1/probes/healthy/results?to=9999-99-99T00:00:00Z",
      "/v1/probes/healthy/results?from=2026-01-01T00:00:00Z&from=2027-01-01T00:00:00Z", "/v1/probes/healthy/results?region=%00",
      `/v1/probes/healthy/results?cursor=${Buffer.from("[]").toString("base64url")}`, `/v1/probes/healthy/results?cursor=${Buffer.from("null").toString("base64url")}`,
      `/v1/probes/healthy/results?region=us-east-1&cursor=${Buffer.from(JSON.stringify({ pk: "RUN#healthy#us-east-1", sk: 5 })).toString("base64url")}`,
      "/v1/incidents?limit=0", "/v1/incidents?status=%FF", "/v1/incidents?cursor=%E0%A4%A", `/v1/incidents?cursor=${"A".repeat(3000)}`,
      "/v1/probes/healthy/uptime?window=0d", "/v1/probes/healthy/uptime?window=99999999999999999999d", "/v1/probes/healthy/uptime?region=%00",
    ];
    for (const path of paths) {
      const res = await get(path, auth);
      expect({ path, status: res.status < 500, error: res.status === 200 || typeof res.body?.error?.code === "string" }).toEqual({ path, status: true, error: true });
    }
  });

  it("answers unknown routes with a JSON 404", async () => {
    expect(await get("/v2/nothing")).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
  });

  it("never shows a header value, a secret or URL userinfo in any response", async () => {
    // Every endpoint, public and private, with and without the alerting view: this test asks for each itself.
    const auth = { authorization: `Bearer ${KEY}` };
    const withAlerting = createApp({
      store, probes: STATUS_PROBES, apiKeys: [KEY], secrets: [SECRET], alerting: fakeAlerting(ALERTING_SCENARIO),
      incidents: fakeIncidents([OPEN_INCIDENT, MAINTENANCE_INCIDENT]), now: () => STATUS_NOW, statusCacheMs: 0,
    });
    const paths = [
      "/", "/healthz", "/v1/status", "/v1/incidents", "/v1/incidents?status=open", "/v1/openapi.json",
      ...STATUS_PROBES.flatMap((probe) => [`/v1/probes/${probe.id}/uptime`, `/v1/probes/${probe.id}/results?limit=500`]),
    ];
    const responses = [];
    for (const from of [app, withAlerting]) for (const path of paths) responses.push(await get(path, auth, from));
    expect(responses.filter((res) => res.status === 200)).toHaveLength(responses.length);
    for (const res of responses) {
      for (const text of [res.text, res.headerText]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain("user:pw@");
      }
    }
  });
});

describe("results API with maintenance windows and SLOs", () => {
  const withAlerting = (alerting = fakeAlerting(ALERTING_SCENARIO)) => createApp({
    store, probes: STATUS_PROBES, apiKeys: [], secrets: [SECRET], alerting, incidents: fakeIncidents([OPEN_INCIDENT, MAINTENANCE_INCIDENT]),
    now: () => STATUS_NOW, statusCacheMs: 0,
  });
  const json = async (alertingApp: Hono, path: string) => {
    return JSON.parse(await (await alertingApp.request(path)).text());
  };

  it("shows a probe in a window as maintenance with its reason, and leaves it out of the overall state", async () => {
    const alerting = fakeAlerting(ALERTING_SCENARIO);
    const body = await json(withAlerting(alerting), "/v1/status");
    const byId = Object.fromEntries(body.probes.map((p: any) => [p.id, p]));
    expect(byId.broken).toMatchObject({ state: "maintenance", maintenance: { reason: "Orders database upgrade" } });
    // Its regions still tell what the runs say.
    expect(byId.broken.regions.map((r: any) => r.state)).toEqual(["down", "down"]);
    expect(byId.healthy.state).toBe("up");
    expect(byId.healthy).not.toHaveProperty("maintenance");
    // "broken" is down but in maintenance: the page is as bad as "slow" only.
    expect(body.state).toBe("degraded");
    // The window is asked about at the model's clock, once per probe; SLOs read once per probe.
    expect(alerting.calls.maintenance).toEqual(STATUS_PROBES.map((p) => [p.id, STATUS_NOW]));
    expect(alerting.calls.sloStatus.sort()).toEqual(STATUS_PROBES.map((p) => p.id).sort());
    expect(body.incidents.open.find((i: any) => i.id === MAINTENANCE_INCIDENT.id)).toMatchObject({ maintenance: true });
  });

  it("says maintenance overall when every probe is in a window", async () => {
    const everything = fakeAlerting({ maintenance: { healthy: undefined, slow: "reindex", broken: "upgrade" } });
    const body = await json(withAlerting(everything), "/v1/status");
    expect(body.state).toBe("maintenance");
    expect(body.probes.find((p: any) => p.id === "healthy").maintenance).toEqual({});
  });

  it("gives each probe's error budget and burn rates, and an empty list without SLOs", async () => {
    const body = await json(withAlerting(), "/v1/status");
    const byId = Object.fromEntries(body.probes.map((p: any) => [p.id, p]));
    expect(byId.healthy.slo).toEqual([{
      key: "availability-99.9-30d", label: "availability 99.9% over 30d", kind: "availability", target: 0.999, windowDays: 30,
      sli: 0.99973, budgetRemaining: 0.725, burnRates: { "5m": 0, "30m": 0, "1h": 0.5, "6h": 0.4, "3d": 0.3 }, alert: null,
    }]);
    expect(byId.slow.slo.map((o: any) => [o.kind, o.alert, o.budgetRemaining])).toEqual([["availability", "page", 0.15], ["latency", "ticket", -0.3]]);
    expect(byId.broken.slo).toEqual([]);
    // No alerting at all: no SLOs, nobody in maintenance.
    expect((await get("/v1/status")).body.probes.every((p: any) => Array.isArray(p.slo) && p.slo.length === 0 && p.state !== "maintenance")).toBe(true);
  });

  it("leaves runs in a maintenance window out of uptime and latency, and counts them per day", async () => {
    const before = await json(withAlerting(), "/v1/status");
    // Twenty slow failures of "healthy", each flagged as in the window.
    await store.write(minuteResults("healthy", "us-east-1", STATUS_NOW - 3 * 3_600_000, 20, () => ({ outcome: "fail", durationMs: 9_000, maintenance: true })));
    const after = await json(withAlerting(), "/v1/status");
    const healthy = (body: any) => body.probes.find((p: any) => p.id === "healthy");
    expect(healthy(after).uptime).toEqual(healthy(before).uptime);
    expect(healthy(after).latency).toEqual(healthy(before).latency);
    const days = await json(withAlerting(), "/v1/probes/healthy/uptime?window=1d&region=us-east-1");
    expect(days.uptime).toBe(1);
    expect(days.days).toEqual([expect.objectContaining({ date: "2025-03-10", runs: 120, fail: 0, maintenance: 20, uptime: 1 })]);
  });

  it("documents the maintenance state, SLO fields and incident flags in the OpenAPI document", async () => {
    const doc = await json(withAlerting(), "/v1/openapi.json");
    const schemas = doc.components.schemas;
    expect(schemas.ProbeStatus.properties.state.enum).toContain("maintenance");
    expect(Object.keys(schemas.ProbeStatus.properties)).toEqual(expect.arrayContaining(["maintenance", "slo"]));
    expect(schemas.Slo.required).toEqual(["key", "label", "kind", "target", "windowDays", "sli", "budgetRemaining", "burnRates", "alert"]);
    expect(Object.keys(schemas.Incident.properties)).toEqual(expect.arrayContaining(["maintenance", "objective"]));
    expect(schemas.DayBucket.properties.maintenance.type).toBe("integer");
  });

  it("scrubs secrets and URL userinfo from a maintenance reason", async () => {
    const leaky = fakeAlerting({ maintenance: { broken: `Upgrade, see https://user:pw@ops.example/t?token=${SECRET} (${SECRET})` } });
    const text = JSON.stringify(await json(withAlerting(leaky), "/v1/status"));
    expect(text).toContain("Upgrade, see");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("user:pw@");
  });
});
