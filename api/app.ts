// The results API and status page: one Hono app, served by `vigie start` on Node and by a Lambda handler on AWS.
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { Hono, type Context } from "hono";
import { compress } from "hono/compress";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import type { DrillRunReader, IncidentKind, IncidentReader } from "../core/result/index.ts";
import { StoreError, isStoreUnavailable, sanitize, sanitizeResult, type ResultStore } from "../core/store/index.ts";
import { keyMatches, keyOf } from "./auth.ts";
import { openApiDocument } from "./openapi.ts";
import { parseDrillRunsQuery, parseIncidentsQuery, parseResultsQuery, parseWindowQuery } from "./queries.ts";
import { dayBuckets, regionHistory, createStatusReader, type AlertingView, type StatusModel, type StatusProbe } from "./status-model.ts";
import { renderStatusPage } from "./status-page.tsx";
import { atomFeed, jsonFeed } from "./feeds.ts";
import { faviconIco } from "./favicon.ts";
import { DEFAULT_PUBLIC_INCIDENTS, publicOutages, type Outage } from "./status-page/outages.ts";

export interface ApiDeps {
  store: ResultStore;
  probes: readonly StatusProbe[];
  /** Configured drill ids. */
  drills?: readonly string[];
  /** Where drill results come from (the drill engine's store); without it a drill lists no runs. */
  drillRuns?: DrillRunReader | undefined;
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
  /** Incident kinds the status page and the feeds show (config `statusPage.incidents`). Default down and degraded. */
  publicIncidents?: readonly IncidentKind[];
  /**
   * How long the first /v1/status or page waits for the first model; past it, it is answered with a warming
   * model (every probe "unknown", `warming: true`) while the model is read. Default: it waits.
   */
  statusWarmupMs?: number;
}

const gzipAsync = promisify(gzip);

/** Whether an Accept-Encoding header takes gzip (named or by `*`, with a q above 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let wildcard = false;
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (name.trim() === "gzip") return accepted;
    if (name.trim() === "*") wildcard = accepted;
  }
  return wildcard;
}

/** One rendering of the page, kept with its model: the HTML, its gzip and their entity tags. */
interface PageRendering { html: Uint8Array<ArrayBuffer>; gzip: Uint8Array<ArrayBuffer>; tag: string; gzipTag: string }

const entityTag = (body: string) => `"${createHash("sha1").update(body).digest("base64url")}"`;

const PUBLIC_CACHE = "public, max-age=15, stale-while-revalidate=30";

/**
 * SHA-1 for hono's ETag middleware, the digest it computes by default, through node:crypto: its default reaches for
 * Web Crypto, whose first use costs the API's cold start several ms (the tags are the same bytes).
 */
const sha1 = (body: Uint8Array): ArrayBuffer => {
  const digest = createHash("sha1").update(body).digest();
  return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
};

const fail = (c: Context, status: 400 | 401 | 404 | 500 | 503, code: string, message: string) =>
  c.json({ error: { code, message } }, status);

export function createApp(deps: ApiDeps): Hono {
  const now = deps.now ?? Date.now;
  const secrets = deps.secrets ?? [];
  const probes = new Map(deps.probes.map((probe) => [probe.id, probe]));
  const statusCacheMs = deps.statusCacheMs ?? 5_000;
  const status = createStatusReader({ ...deps, now, cacheMs: statusCacheMs, warmupMs: deps.statusWarmupMs });
  // The public model is scrubbed once more (error messages come from targets), and its renderings are kept with
  // it, so a cached model costs no more than sending bytes.
  const renderings = new WeakMap<StatusModel, {
    model: StatusModel; json?: string; jsonTag?: string; outages?: Outage[]; pages?: Partial<Record<"live" | "paused", Promise<PageRendering>>>;
  }>();
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

  // Compressed when asked (the page is gzipped once per model, below); the feeds and /v1 on each request.
  for (const path of ["/v1/*", "/feed.atom", "/feed.json"]) app.use(path, compress());
  // Public: what any status page or CDN may show, cacheable and readable cross-origin.
  const publicPaths = ["/", "/healthz", "/v1/status", "/v1/incidents", "/v1/openapi.json", "/v1/probes/:id/uptime"];
  for (const path of publicPaths) {
    app.use(path, cors({ origin: "*", allowMethods: ["GET", "HEAD", "OPTIONS"] }), etag({ generateDigest: sha1 }));
  }
  for (const path of ["/feed.atom", "/feed.json"]) app.use(path, cors({ origin: "*", allowMethods: ["GET", "HEAD", "OPTIONS"] }), etag({ generateDigest: sha1 }));
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

  const title = deps.title ?? "vigie";
  const publicIncidents = deps.publicIncidents ?? DEFAULT_PUBLIC_INCIDENTS;
  const outagesOf = (rendered: Awaited<ReturnType<typeof publicStatus>>) =>
    (rendered.outages ??= publicOutages([...rendered.model.openIncidents, ...rendered.model.recentIncidents], rendered.model.probes, Date.parse(rendered.model.generatedAt), publicIncidents));

  // The newest finished rendering of each variant: while a newer model renders, requests get this one (as the
  // reader serves its cached model while refreshing), so only the very first request waits for a rendering.
  // Without a model cache (statusCacheMs 0) every request waits for its own, fresh one.
  const latestPage: Partial<Record<"live" | "paused", PageRendering>> = {};
  app.get("/", async (c) => {
    const rendered = await publicStatus();
    const variant = c.req.query("refresh") === "0" ? "paused" : "live";
    rendered.pages ??= {};
    const pending = rendered.pages[variant] ??= (async () => {
      const html = await renderStatusPage(rendered.model, { title, refreshSeconds: variant === "paused" ? 0 : 30, publicIncidents });
      const tag = entityTag(html);
      // Kept as bytes in both encodings: at 500 probes the page is megabytes, not worth encoding per request.
      const page = { html: new TextEncoder().encode(html), gzip: new Uint8Array(await gzipAsync(html)), tag, gzipTag: `${tag.slice(0, -1)}-gzip"` };
      latestPage[variant] = page;
      return page;
    })();
    pending.catch(() => {});
    const page = (statusCacheMs > 0 ? latestPage[variant] : undefined) ?? await pending;
    c.header("Cache-Control", PUBLIC_CACHE);
    c.header("Vary", "Accept-Encoding");
    c.header("Content-Type", "text/html; charset=UTF-8");
    if (acceptsGzip(c.req.header("Accept-Encoding"))) {
      c.header("ETag", page.gzipTag);
      c.header("Content-Encoding", "gzip");
      return c.body(page.gzip);
    }
    c.header("ETag", page.tag);
    return c.body(page.html);
  });

  const feedInput = async (c: Context) => {
    const rendered = await publicStatus();
    return { pageUrl: new URL("./", c.req.url).href, title, generatedAt: rendered.model.generatedAt, outages: outagesOf(rendered) };
  };
  app.get("/feed.atom", async (c) => {
    c.header("Cache-Control", PUBLIC_CACHE);
    c.header("Content-Type", "application/atom+xml; charset=utf-8");
    return c.body(atomFeed(await feedInput(c)));
  });
  app.get("/feed.json", async (c) => {
    c.header("Cache-Control", PUBLIC_CACHE);
    c.header("Content-Type", "application/feed+json; charset=utf-8");
    return c.body(jsonFeed(await feedInput(c)));
  });
  app.get("/favicon.ico", (c) => {
    c.header("Cache-Control", "public, max-age=86400");
    c.header("Content-Type", "image/x-icon");
    return c.body(faviconIco());
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
      drills: model.drills.map(({ recent: _recent, ...drill }) => drill),
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
    const query = parseWindowQuery(c.req.query());
    if (!query.success) return fail(c, 400, "bad_request", query.message);
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
    const query = parseIncidentsQuery(c.req.query());
    if (!query.success) return fail(c, 400, "bad_request", query.message);
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
    const query = parseResultsQuery(c.req.query());
    if (!query.success) return fail(c, 400, "bad_request", query.message);
    const { region, from, to, limit, cursor } = query.data;
    const page = await deps.store.listRuns({ probeId: probe.id, region, from, to, limit, cursor });
    return c.json({ items: page.items.map((result) => sanitizeResult(result, secrets)), ...(page.cursor ? { cursor: page.cursor } : {}) });
  });

  app.get("/v1/drills/:id/runs", privately, async (c) => {
    const id = c.req.param("id") ?? "";
    if (!(deps.drills ?? []).includes(id)) return fail(c, 404, "not_found", `no drill "${id}"`);
    const query = parseDrillRunsQuery(c.req.query());
    if (!query.success) return fail(c, 400, "bad_request", query.message);
    if (!deps.drillRuns) return c.json({ items: [] });
    const page = await deps.drillRuns.listResults({ drillId: id, limit: query.data.limit, cursor: query.data.cursor });
    return c.json(sanitize(page, secrets));
  });

  return app;
}
