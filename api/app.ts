// The results API and status page: one Hono app, served by `vigie start` on Node and by a Lambda handler on AWS.
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { z } from "zod";
import type { IncidentReader } from "../core/result/index.ts";
import { StoreError, isStoreUnavailable, sanitize, sanitizeResult, type ResultStore } from "../core/store/index.ts";
import { keyMatches, keyOf } from "./auth.ts";
import { openApiDocument } from "./openapi.ts";
import { dayBuckets, regionHistory, createStatusReader, type AlertingView, type StatusModel, type StatusProbe } from "./status-model.ts";
import { renderStatusPage } from "./status-page.tsx";

export interface ApiDeps {
  store: ResultStore;
  probes: readonly StatusProbe[];
  /** Configured drill ids (none yet: drills arrive later). */
  drills?: readonly string[];
  /** Where incidents come from; without it the API lists none. */
  incidents?: IncidentReader | undefined;
  /**
   * Maintenance windows and SLOs (core/alerting's `createAlerting(...)` fits as is): a probe in a window shows as
   * "maintenance", and each probe's error budget and burn rates join /v1/status and the page. Without it, neither.
   */
  alerting?: AlertingView | undefined;
  /** Keys accepted for the non-public endpoints; none configured means every such request gets 401. */
  apiKeys: readonly string[];
  /** Values never to appear in a response: every header value of the config, resolved secrets. */
  secrets?: readonly string[];
  /** Shown as the status page's title. Default "vigie". */
  title?: string;
  now?: () => number;
  /** How long /v1/status and the page reuse a computed model. Default 5 s; 0 computes each time. */
  statusCacheMs?: number;
  /**
   * How long the first /v1/status or page waits for the first model; past it, it is answered with a warming
   * model (every probe "unknown", `warming: true`) while the model is read. Default: it waits.
   */
  statusWarmupMs?: number;
}

const entityTag = (body: string) => `"${createHash("sha1").update(body).digest("base64url")}"`;

const PUBLIC_CACHE = "public, max-age=15, stale-while-revalidate=30";

const fail = (c: Context, status: 400 | 401 | 404 | 500 | 503, code: string, message: string) =>
  c.json({ error: { code, message } }, status);

function invalid(c: Context, error: z.ZodError) {
  const message = error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`).join("; ");
  return fail(c, 400, "bad_request", message);
}

const Iso = z.string().refine((text) => /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text)), { error: "must be an ISO 8601 instant, e.g. 2025-01-02T03:04:05Z" })
  .transform((text) => new Date(text).toISOString());
const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

const WindowQuery = z.strictObject({
  /** Days of daily buckets, "1d" to "365d". Default "90d". */
  window: z.string().regex(/^\d{1,3}d$/, { error: 'must be a number of days such as "7d", "30d" or "90d"' })
    .transform((text) => Number(text.slice(0, -1)))
    .refine((days) => days >= 1 && days <= 365, { error: "must be between 1d and 365d" })
    .default(90),
  region: z.string().optional(),
});
const ResultsQuery = z.strictObject({
  region: z.string().optional(),
  from: Iso.optional(),
  to: Iso.optional(),
  limit: Limit(500, 50),
  cursor: z.string().max(2000).optional(),
});
const IncidentsQuery = z.strictObject({
  status: z.enum(["open", "resolved", "all"]).default("all"),
  probeId: z.string().optional(),
  limit: Limit(200, 50),
  cursor: z.string().max(2000).optional(),
});

export function createApp(deps: ApiDeps): Hono {
  const now = deps.now ?? Date.now;
  const secrets = deps.secrets ?? [];
  const probes = new Map(deps.probes.map((probe) => [probe.id, probe]));
  const status = createStatusReader({ ...deps, now, cacheMs: deps.statusCacheMs ?? 5_000, warmupMs: deps.statusWarmupMs });
  // The public model is scrubbed once more (error messages come from targets), and its renderings are kept with
  // it, so a cached model costs no more than sending bytes.
  const renderings = new WeakMap<StatusModel, { model: StatusModel; json?: string; html?: string; jsonTag?: string; htmlTag?: string }>();
  const publicStatus = async () => {
    const model = await status.read();
    let rendered = renderings.get(model);
    if (!rendered) {
      // Daily buckets hold counts and dates only: left out of the scrub, which would deep-copy 90 per probe.
      const { probes: statuses, ...rest } = sanitize({ ...model, probes: model.probes.map(({ days: _days, ...probe }) => probe) }, secrets);
      const scrubbed: StatusModel = { ...rest, probes: statuses.map((probe, i) => ({ ...probe, days: model.probes[i]!.days })) };
      renderings.set(model, (rendered = { model: scrubbed }));
    }
    return rendered;
  };
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof StoreError && error.code === "bad_cursor") return fail(c, 400, "bad_cursor", error.message);
    if (isStoreUnavailable(error)) {
      c.header("Retry-After", "5");
      return fail(c, 503, "store_unavailable", "the results store is not answering; try again shortly");
    }
    console.error(`api: ${c.req.method} ${c.req.path}: ${(error as Error).stack ?? String(error)}`);
    return fail(c, 500, "internal", "internal error");
  });
  app.notFound((c) => fail(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));

  // Public: what any status page or CDN may show, cacheable and readable cross-origin.
  const publicPaths = ["/", "/healthz", "/v1/status", "/v1/incidents", "/v1/openapi.json", "/v1/probes/:id/uptime"];
  for (const path of publicPaths) {
    app.use(path, cors({ origin: "*", allowMethods: ["GET", "HEAD", "OPTIONS"] }), etag());
  }
  const privately = async (c: Context, next: () => Promise<void>) => {
    const key = keyOf({ authorization: c.req.header("authorization"), xApiKey: c.req.header("x-api-key") });
    if (!keyMatches(key, deps.apiKeys)) {
      c.header("WWW-Authenticate", 'Bearer realm="vigie"');
      // Nor may a cache keep the refusal: the same URL answers differently with a key.
      c.header("Cache-Control", "private, no-store");
      return fail(c, 401, "unauthorized", deps.apiKeys.length === 0
        ? "no API keys are configured (set VIGIE_API_KEYS)"
        : "a valid API key is required (Authorization: Bearer KEY or X-API-Key: KEY)");
    }
    await next();
    c.header("Cache-Control", "private, no-store");
  };

  app.get("/healthz", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ ok: true });
  });

  app.get("/", async (c) => {
    const rendered = await publicStatus();
    rendered.html ??= await renderStatusPage(rendered.model, deps.title ?? "vigie");
    rendered.htmlTag ??= entityTag(rendered.html);
    c.header("Cache-Control", PUBLIC_CACHE);
    c.header("ETag", rendered.htmlTag);
    return c.html(rendered.html);
  });

  app.get("/v1/status", async (c) => {
    const rendered = await publicStatus();
    const { model } = rendered;
    rendered.json ??= JSON.stringify({
      generatedAt: model.generatedAt,
      ...(model.warming ? { warming: true } : {}),
      state: model.state,
      probes: model.probes.map(({ days: _days, ...probe }) => probe),
      incidents: { open: model.openIncidents },
      drills: model.drills,
    });
    rendered.jsonTag ??= entityTag(rendered.json);
    c.header("Cache-Control", PUBLIC_CACHE);
    c.header("ETag", rendered.jsonTag);
    c.header("Content-Type", "application/json");
    return c.body(rendered.json);
  });

  app.get("/v1/probes/:id/uptime", async (c) => {
    const probe = probes.get(c.req.param("id"));
    if (!probe) return fail(c, 404, "not_found", `no probe "${c.req.param("id")}"`);
    const query = WindowQuery.safeParse(c.req.query());
    if (!query.success) return invalid(c, query.error);
    const { window, region } = query.data;
    if (region !== undefined && !probe.regions.includes(region)) {
      return fail(c, 400, "bad_request", `region: probe "${probe.id}" does not run in "${region}" (it runs in ${probe.regions.join(", ")})`);
    }
    const at = now();
    const regions = region ? [region] : probe.regions;
    const histories = await Promise.all(regions.map((r) => regionHistory(deps.store, probe.id, r, at, window)));
    const days = dayBuckets(histories, at, window);
    const runs = days.reduce((sum, d) => sum + d.runs, 0);
    const up = days.reduce((sum, d) => sum + d.pass + d.degraded, 0);
    c.header("Cache-Control", PUBLIC_CACHE);
    return c.json({ probeId: probe.id, window: `${window}d`, regions, uptime: runs === 0 ? null : Math.round((up / runs) * 100_000) / 100_000, days });
  });

  app.get("/v1/incidents", async (c) => {
    const query = IncidentsQuery.safeParse(c.req.query());
    if (!query.success) return invalid(c, query.error);
    c.header("Cache-Control", PUBLIC_CACHE);
    if (!deps.incidents) return c.json({ items: [] });
    const { status: which, probeId, limit, cursor } = query.data;
    const page = await deps.incidents.list({ status: which, limit, ...(probeId ? { probeId } : {}), ...(cursor ? { cursor } : {}) });
    return c.json(sanitize(page, secrets));
  });

  app.get("/v1/openapi.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(openApiDocument());
  });

  app.get("/v1/probes/:id/results", privately, async (c) => {
    const id = c.req.param("id") ?? "";
    const probe = probes.get(id);
    if (!probe) return fail(c, 404, "not_found", `no probe "${id}"`);
    const query = ResultsQuery.safeParse(c.req.query());
    if (!query.success) return invalid(c, query.error);
    const { region, from, to, limit, cursor } = query.data;
    const page = await deps.store.listRuns({ probeId: probe.id, region, from, to, limit, cursor });
    return c.json({ items: page.items.map((result) => sanitizeResult(result, secrets)), ...(page.cursor ? { cursor: page.cursor } : {}) });
  });

  app.get("/v1/drills/:id/runs", privately, (c) => {
    const id = c.req.param("id") ?? "";
    if (!(deps.drills ?? []).includes(id)) return fail(c, 404, "not_found", `no drill "${id}"`);
    return c.json({ items: [] });
  });

  return app;
}
