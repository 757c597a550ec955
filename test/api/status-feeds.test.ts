import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hono } from "hono";
import { createApp, renderStatusPage, type DayBucket, type ProbeStatus, type StatusModel } from "../../api/index.ts";
import type { ResultStore } from "../../core/store/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { OPEN_INCIDENT, RESOLVED_INCIDENT, SECRET, STATUS_NOW, STATUS_PROBES, fakeIncidents, seedStatusStore } from "../fixtures/status-data.ts";

let dynamo: TestDynamo;
let store: ResultStore;
let app: Hono;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = await seedStatusStore(dynamo);
  app = createApp({ store, probes: STATUS_PROBES, apiKeys: [], secrets: [SECRET], incidents: fakeIncidents([OPEN_INCIDENT, RESOLVED_INCIDENT]), title: "Acme", now: () => STATUS_NOW });
});
afterAll(async () => { await dynamo?.close(); });

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe("compression", () => {
  it("gzips the page when asked, once per model, with its own entity tag, and answers 304 to it", async () => {
    const plain = await app.request("/", { headers: { "accept-encoding": "identity" } });
    const html = await plain.text();
    expect(plain.headers.get("content-encoding")).toBeNull();
    const zipped = await app.request("/", { headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toMatch(/accept-encoding/i);
    const body = await bytesOf(zipped);
    expect(gunzipSync(body).toString("utf8")).toBe(html);
    expect(body.length).toBeLessThan(html.length / 5);
    expect(zipped.headers.get("etag")).not.toBe(plain.headers.get("etag"));
    const again = await app.request("/", { headers: { "accept-encoding": "gzip", "if-none-match": zipped.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await app.request("/", { headers: { "accept-encoding": "gzip;q=0, identity" } })).headers.get("content-encoding")).toBeNull();
  });

  it("gzips /v1 answers and the feeds", async () => {
    for (const path of ["/v1/status", "/v1/probes/broken/uptime", "/feed.atom", "/feed.json"]) {
      const plain = await (await app.request(path)).text();
      const zipped = await app.request(path, { headers: { "accept-encoding": "gzip" } });
      expect(zipped.headers.get("content-encoding"), path).toBe("gzip");
      expect(gunzipSync(await bytesOf(zipped)).toString("utf8"), path).toBe(plain);
    }
  });

  it("serves a favicon: an ICO holding a PNG", async () => {
    const response = await app.request("/favicon.ico");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/x-icon");
    const bytes = await bytesOf(response);
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    expect(Buffer.from(bytes.subarray(22, 26)).toString("latin1")).toBe("\x89PNG");
  });
});

describe("feeds", () => {
  it("lists each public outage in the JSON feed with its start and end, in plain words", async () => {
    const feed = await (await app.request("http://status.acme.dev/feed.json")).json() as any;
    expect(feed).toMatchObject({ version: "https://jsonfeed.org/version/1.1", home_page_url: "http://status.acme.dev/", feed_url: "http://status.acme.dev/feed.json" });
    expect(feed.items.map((item: any) => item.title)).toEqual(["Orders API: errors (ongoing)", "Search API: slow (resolved)"]);
    expect(feed.items[1]).toMatchObject({
      date_published: RESOLVED_INCIDENT.startedAt, date_modified: RESOLVED_INCIDENT.resolvedAt,
      content_text: "Search API: slow in us-east-1 from 9 Mar 06:30 UTC to 9 Mar 07:30 UTC (lasted 1 h).",
      _status: { startedAt: RESOLVED_INCIDENT.startedAt, resolvedAt: RESOLVED_INCIDENT.resolvedAt, durationMs: 3_600_000 },
    });
    expect(JSON.stringify(feed)).not.toMatch(/HTTP 500|s3cr3t/);
  });
});

describe("refresh without script", () => {
  it("reloads through a <noscript> refresh the first link turns off, and has no refresh a script could not pause", async () => {
    const live = await (await app.request("/")).text();
    expect(live.match(/http-equiv="refresh"/g)).toHaveLength(1);
    expect(live).toContain('<noscript><meta http-equiv="refresh" content="30"/></noscript>');
    expect(live.slice(live.indexOf("<a "))).toMatch(/^<a href="\?refresh=0">Pause auto-refresh<\/a>/);
    const paused = await (await app.request("/?refresh=0")).text();
    expect(paused).not.toContain("http-equiv");
    expect(paused).toContain('data-refresh="0"');
  });
});

describe("public incident kinds", () => {
  it("leaves burn-rate incidents off the page and feeds unless publicIncidents names them", async () => {
    const burn = { id: "inc-burn", probeId: "healthy", kind: "burn-rate" as const, severity: "low" as const, regions: ["us-east-1"], startedAt: new Date(STATUS_NOW - 600_000).toISOString() };
    const titles = async (publicIncidents?: Array<"down" | "degraded" | "burn-rate">) => {
      const withBurn = createApp({ store, probes: STATUS_PROBES, apiKeys: [], incidents: fakeIncidents([burn]), title: "Acme", now: () => STATUS_NOW, ...(publicIncidents ? { publicIncidents } : {}) });
      const feed = await (await withBurn.request("/feed.json")).json() as { items: Array<{ title: string }> };
      const page = await (await withBurn.request("/")).text();
      return { feed: feed.items.map((item) => item.title), page: page.includes("Ongoing incidents") };
    };
    expect(await titles()).toEqual({ feed: [], page: false });
    expect(await titles(["down", "degraded", "burn-rate"])).toEqual({ feed: ["Checkout API: elevated errors (ongoing)"], page: true });
  });
});

describe("page weight", () => {
  it("stays under 2 KB gzipped per probe with 90 days of varied history", async () => {
    const days = (seed: number): DayBucket[] => Array.from({ length: 90 }, (_, i) => {
      const date = new Date(STATUS_NOW - (89 - i) * 86_400_000).toISOString().slice(0, 10);
      const runs = 4_320 - ((i * 7 + seed) % 13);
      const fail = (i + seed) % 11 === 0 ? 200 + seed : (i * seed) % 5;
      const degraded = (i + seed) % 7 === 0 ? 90 : 0;
      return { date, runs, pass: runs - fail - degraded, degraded, fail, uptime: Math.round(((runs - fail) / runs) * 100_000) / 100_000, maintenance: 0 };
    });
    const probe = (i: number): ProbeStatus => ({
      id: `probe-${i}`, name: `Service ${i}`, kind: "http", state: "up", slo: [], days: days(i),
      regions: ["us-east-1", "eu-west-1", "ap-south-1"].map((region) => ({ region, state: "up", lastRunAt: null, lastOutcome: "pass", lastDurationMs: 80 })),
      uptime: { "24h": 1, "7d": 0.99931, "30d": 0.99812, "90d": 0.99876 }, latency: { p50: 41, p95: 120, p99: 380 },
    });
    for (const count of [5, 50]) {
      const model: StatusModel = { generatedAt: new Date(STATUS_NOW).toISOString(), state: "up", probes: Array.from({ length: count }, (_, i) => probe(i)), openIncidents: [], recentIncidents: [], drills: [] };
      const html = await renderStatusPage(model, { title: "Acme" });
      const { gzipSync } = await import("node:zlib");
      expect(gzipSync(html).length / count, `${count} probes`).toBeLessThanOrEqual(2_048);
    }
  });
});
