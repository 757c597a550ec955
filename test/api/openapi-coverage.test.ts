// Walks every route of the API app through the requests that make each status code it can answer (a plain call,
// a repeated one with its ETag, an unknown query parameter, no key, an unknown id, a CORS preflight, the store down)
// and holds the OpenAPI document to what came back: every route and every status code it produced is declared,
// and nothing is declared that the walk could not produce. A route or a status added without documenting it fails here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hono } from "hono";
import { createApp } from "../../api/index.ts";
import { openApiDocument } from "../../api/openapi.ts";
import { Config } from "../../index.ts";
import { composeVigie } from "../../core/runtime/index.ts";
import { createDrillStore } from "../../drills/store.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { minuteResults } from "../fixtures/results.ts";

const KEY = "key-for-tests";
const NOW = Date.parse("2025-03-10T12:30:00Z");
const config = Config.parse({
  project: "walk",
  probes: [{ id: "api", kind: "http", url: "https://api.example/health", every: "1m", regions: ["us-east-1"] }],
});
/** A value for each path parameter: one the app knows, one it does not. */
const KNOWN: Record<string, Record<string, string>> = {
  "/v1/probes/{id}": { id: "api" },
  "/v1/drills/{id}": { id: "db-restore" },
};

const dynamos: TestDynamo[] = [];
let up: Hono;
let down: Hono;

/** The app as the API Lambda builds it (functions/api.ts), over a store on dynalite. */
function appOn(dynamo: TestDynamo): Hono {
  const vigie = composeVigie({ client: dynamo.client, tableName: dynamo.tableName, config, env: {}, now: () => NOW, log: () => {} });
  return createApp({
    store: vigie.store, probes: config.probes, drills: ["db-restore"], drillRuns: createDrillStore({ doc: vigie.doc, tableName: vigie.tableName }),
    apiKeys: [KEY], incidents: vigie.readView.incidents, alerting: vigie.readView, title: "walk", now: () => NOW, statusCacheMs: 0,
  });
}

beforeAll(async () => {
  const live = await startTestDynamo();
  dynamos.push(live);
  up = appOn(live);
  const vigie = composeVigie({ client: live.client, tableName: live.tableName, config, env: {}, now: () => NOW, log: () => {} });
  await vigie.store.write(minuteResults("api", "us-east-1", NOW - 3_600_000, 10));
  // The store down: its database has stopped, so every call to it is refused.
  const dead = await startTestDynamo();
  await dead.close();
  down = appOn(dead);
}, 60_000);
afterAll(async () => {
  for (const dynamo of dynamos) await dynamo.close();
});

type Observed = Map<string, Map<number, string>>;

function fill(template: string, known: boolean): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const prefix = template.slice(0, template.indexOf(`{${name}}`) + name.length + 2);
    const value = KNOWN[prefix]?.[name];
    if (!value) throw new Error(`no known value for {${name}} in ${template}: add one to KNOWN`);
    return known ? value : `no-such-${name}`;
  });
}

async function walk(): Promise<{ routes: string[]; observed: Observed; bodies: Array<{ what: string; status: number; body: string; retryAfter: string | null }> }> {
  const routes = [...new Set(up.routes.filter((route) => route.method !== "ALL").map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`))];
  const observed: Observed = new Map();
  const bodies: Array<{ what: string; status: number; body: string; retryAfter: string | null }> = [];
  const record = async (operation: string, what: string, response: Response) => {
    const byStatus = observed.get(operation) ?? new Map<number, string>();
    observed.set(operation, byStatus);
    if (!byStatus.has(response.status)) byStatus.set(response.status, what);
    bodies.push({ what: `${operation}: ${what}`, status: response.status, body: await response.text(), retryAfter: response.headers.get("retry-after") });
    return response;
  };
  const keyed = { authorization: `Bearer ${KEY}` };
  for (const route of routes) {
    const [method, template] = route.split(" ") as [string, string];
    expect(method, route).toBe("get");
    const url = fill(template, true);
    const plain = await record(route, "a plain call", await up.request(url, { headers: keyed }));
    const tag = plain.headers.get("etag");
    if (tag) await record(route, "the same call with its ETag", await up.request(url, { headers: { ...keyed, "if-none-match": tag } }));
    await record(route, "an unknown query parameter", await up.request(`${url}?bogus=1`, { headers: keyed }));
    await record(route, "no API key", await up.request(url));
    if (template.includes("{")) await record(route, "an unknown id", await up.request(fill(template, false), { headers: keyed }));
    await record(route, "the store down", await down.request(url, { headers: keyed }));
    const preflight = await up.request(url, { method: "OPTIONS", headers: { origin: "https://status.example", "access-control-request-method": "GET" } });
    if (preflight.status !== 404) await record(`options ${template}`, "a CORS preflight", preflight);
  }
  return { routes, observed, bodies };
}

describe("the OpenAPI document", () => {
  it("declares every route of the app and every status code each one answers, and no other", async () => {
    const { routes, observed } = await walk();
    const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const declared = new Map<string, string[]>();
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) declared.set(`${method} ${template}`, Object.keys(operation.responses).sort());
    }
    // Every route is walked (its plain call is always seen), so one comparison shows a missing route, a missing
    // status, and anything declared that the app does not do.
    expect(routes.length).toBeGreaterThan(5);
    const seen = Object.fromEntries([...observed].map(([op, byStatus]) => [op, [...byStatus.keys()].map(String).sort()]));
    const documented = Object.fromEntries([...declared].map(([op, codes]) => [op, codes]));
    expect(documented).toEqual(seen);
  }, 60_000);

  it("declares each error as the body the app sends, the store's outage with its Retry-After", async () => {
    const { bodies } = await walk();
    const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string }> }>> };
    for (const { what, status, body, retryAfter } of bodies.filter((answer) => answer.status >= 400)) {
      expect(JSON.parse(body), what).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      if (status === 503) {
        expect(JSON.parse(body).error.code, what).toBe("store_unavailable");
        expect(retryAfter, what).toBe("5");
      }
    }
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, { responses }] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(responses)) {
          const where = `${method} ${template} ${status}`;
          if (status === "503") expect(response, where).toEqual({ $ref: "#/components/responses/StoreUnavailable" });
          else if (Number(status) >= 400) expect(response, where).toEqual({ $ref: "#/components/responses/Error" });
        }
      }
    }
  }, 60_000);

  it("resolves every reference it makes", () => {
    const doc = openApiDocument();
    const refs: string[] = [];
    const visit = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (key === "$ref" && typeof value === "string") refs.push(value);
          else visit(value);
        }
      }
    };
    visit(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) {
      const target = ref.replace(/^#\//, "").split("/").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
      expect(target, ref).toBeTypeOf("object");
    }
  });
});
