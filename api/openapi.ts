// The OpenAPI 3.1 description of the results API, served at /v1/openapi.json.
const error = { $ref: "#/components/responses/Error" };
/** Every endpoint that reads the store can say so while the store is not answering (a database fault, an outage). */
const unavailable = { $ref: "#/components/responses/StoreUnavailable" };
const body = (type: string, description: string, schema: Record<string, unknown> = { type: "string" }) => ({ description, content: { [type]: { schema } } });
/**
 * A public endpoint: besides its GET (which answers 304 to its ETag in If-None-Match), a CORS preflight, since any
 * origin may read it.
 */
const publicly = (get: { responses: Record<string, unknown> } & Record<string, unknown>) => ({
  get: { ...get, responses: { ...get.responses, 304: { $ref: "#/components/responses/NotModified" } } },
  options: { summary: "CORS preflight (any origin)", responses: { 204: { $ref: "#/components/responses/Preflight" } } },
});
const param = (name: string, where: "path" | "query", description: string, schema: Record<string, unknown>, required = where === "path") =>
  ({ name, in: where, required, description, schema });
const probeId = param("id", "path", "The probe id, e.g. api-health", { type: "string", pattern: "^[a-z0-9][a-z0-9-]*$" });
const ok = (description: string, schema: Record<string, unknown>) => ({ description, content: { "application/json": { schema } } });
const nullableNumber = { type: ["number", "null"] };
const state = { type: "string", enum: ["up", "degraded", "down", "unknown", "maintenance"], description: "\"maintenance\" while a maintenance window covers the probe; the overall state leaves such probes out" };
const regionState = { type: "string", enum: ["up", "degraded", "down", "unknown"] };
const burnRate = { type: "number", description: "Times the sustainable rate; 1 spends the budget exactly over the window" };

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "vigie results API", version: "1", description: "Probe results, uptime and incidents. Public endpoints are cacheable (Cache-Control, ETag) and CORS-enabled; others need an API key." },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A key from VIGIE_API_KEYS" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
      responses: {
        Error: ok("An error", { $ref: "#/components/schemas/Error" }),
        StoreUnavailable: {
          description: "The results store is not answering (down, restarting, a disk fault): nothing is lost, try again",
          headers: { "Retry-After": { description: "Seconds to wait: 5", schema: { type: "integer" } } },
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, example: { error: { code: "store_unavailable", message: "the results store is not answering; try again shortly" } } } },
        },
        NotModified: { description: "Not modified: the ETag given in If-None-Match is still current (no body)" },
        Preflight: { description: "CORS preflight: Access-Control-Allow-Origin *, methods GET, HEAD and OPTIONS (no body)" },
      },
      schemas: {
        Error: { type: "object", required: ["error"], properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string", description: "e.g. bad_request, bad_cursor, unauthorized, not_found, store_unavailable" }, message: { type: "string" } } } } },
        Percentiles: { type: "object", properties: { p50: nullableNumber, p95: nullableNumber, p99: nullableNumber } },
        DayBucket: { type: "object", properties: { date: { type: "string", format: "date" }, runs: { type: "integer", description: "Runs outside maintenance windows" }, pass: { type: "integer" }, degraded: { type: "integer" }, fail: { type: "integer" }, uptime: nullableNumber, maintenance: { type: "integer", description: "Runs inside a maintenance window, in no other count" } } },
        Slo: {
          type: "object",
          required: ["key", "label", "kind", "target", "windowDays", "sli", "budgetRemaining", "burnRates", "alert"],
          properties: {
            key: { type: "string", description: "Stable within the probe, e.g. availability-99.9-30d" },
            label: { type: "string", description: "e.g. availability 99.9% over 30d" },
            kind: { type: "string", enum: ["availability", "latency"] },
            target: { type: "number", description: "Share of runs that must be good, 0..1" },
            windowDays: { type: "number", description: "The rolling window, days" },
            sli: { ...nullableNumber, description: "Good share over the window (maintenance left out); null without runs" },
            budgetRemaining: { type: "number", description: "Error budget left: 1 untouched, 0 spent, below 0 overspent" },
            burnRates: { type: "object", properties: { "5m": burnRate, "30m": burnRate, "1h": burnRate, "6h": burnRate, "3d": burnRate } },
            alert: { type: ["string", "null"], enum: ["page", "ticket", null], description: "page: fast burn (14.4× over 1 h and 5 min, or 6× over 6 h and 30 min); ticket: slow burn (1× over 3 d and 6 h)" },
          },
        },
        ProbeStatus: {
          type: "object",
          properties: {
            id: { type: "string" }, name: { type: "string" }, kind: { type: "string" }, state,
            regions: { type: "array", items: { type: "object", properties: { region: { type: "string" }, state: regionState, lastRunAt: { type: ["string", "null"] }, lastOutcome: { type: ["string", "null"] }, lastDurationMs: nullableNumber, error: { type: "object" } } } },
            uptime: { type: "object", description: "Share of runs up (pass or degraded), 0..1; runs in maintenance windows are left out", properties: { "24h": nullableNumber, "7d": nullableNumber, "30d": nullableNumber, "90d": nullableNumber } },
            latency: { $ref: "#/components/schemas/Percentiles" },
            maintenance: { type: "object", description: "Present while a maintenance window covers the probe", properties: { reason: { type: "string" } } },
            slo: { type: "array", description: "Error budget and burn rates per objective; empty without SLOs", items: { $ref: "#/components/schemas/Slo" } },
          },
        },
        ProbeResult: { type: "object", description: "One run, as in DESIGN.md's ProbeResult", required: ["probeId", "kind", "region", "startedAt", "durationMs", "outcome", "assertions"] },
        Incident: {
          type: "object",
          required: ["id", "probeId", "kind", "severity", "regions", "startedAt"],
          properties: {
            id: { type: "string" }, probeId: { type: "string" },
            kind: { type: "string", enum: ["down", "degraded", "stale", "burn-rate"] },
            severity: { type: "string", enum: ["critical", "high", "medium", "low"] },
            regions: { type: "array", items: { type: "string" } },
            startedAt: { type: "string", format: "date-time" }, resolvedAt: { type: "string", format: "date-time" }, durationMs: { type: "number" },
            firstError: { type: "object", properties: { category: { type: "string" }, message: { type: "string" } } },
            maintenance: { type: "boolean", description: "Opened inside a maintenance window: recorded and shown, not paged" },
            objective: { type: "string", description: "Burn-rate incidents: the objective, e.g. availability 99.9% over 30d" },
          },
        },
      },
    },
    paths: {
      "/": publicly({
        summary: "The status page (HTML, gzipped when asked)",
        parameters: [param("refresh", "query", "0: the page does not reload itself (it does every 30 s by default)", { type: "string", enum: ["0"] })],
        responses: { 200: body("text/html", "The status page"), 503: unavailable },
      }),
      "/healthz": publicly({ summary: "Liveness: answers while the store is down too", responses: { 200: ok("Alive", { type: "object", properties: { ok: { type: "boolean" } } }) } }),
      "/feed.atom": publicly({ summary: "Public outages as an Atom feed", responses: { 200: body("application/atom+xml", "The feed"), 503: unavailable } }),
      "/feed.json": publicly({ summary: "Public outages as a JSON Feed 1.1", responses: { 200: body("application/feed+json", "The feed", { type: "object" }), 503: unavailable } }),
      "/favicon.ico": { get: { summary: "The status page's icon", responses: { 200: body("image/x-icon", "An ICO holding a PNG", { type: "string", contentEncoding: "binary" }) } } },
      "/v1/openapi.json": publicly({ summary: "This document", responses: { 200: ok("The OpenAPI 3.1 document", { type: "object" }) } }),
      "/v1/status": publicly({
        summary: "Overall and per-probe state, uptime windows, latency percentiles, open incidents, drills",
        responses: { 200: ok("The status", { type: "object", properties: { generatedAt: { type: "string" }, warming: { type: "boolean", description: "true while `vigie start` is still reading its first model: every probe is then unknown, without figures" }, state, probes: { type: "array", items: { $ref: "#/components/schemas/ProbeStatus" } }, incidents: { type: "object", properties: { open: { type: "array", items: { $ref: "#/components/schemas/Incident" } } } }, drills: { type: "array", items: { type: "object", properties: { id: { type: "string" }, lastRun: { type: ["object", "null"], properties: { runId: { type: "string" }, startedAt: { type: "string", format: "date-time" }, finishedAt: { type: "string", format: "date-time" }, outcome: { type: "string", enum: ["pass", "fail", "error", "interrupted"] }, objectives: { type: "object", properties: { rtoMs: { type: "number" }, rpoMs: { type: "number" } } }, achieved: { type: "object", properties: { rtoMs: { type: ["number", "null"] }, rpoMs: { type: ["number", "null"] } } }, errorCategory: { type: ["string", "null"] } } } } } } } }), 503: unavailable },
      }),
      "/v1/probes/{id}/uptime": publicly({
        summary: "Daily uptime buckets",
        parameters: [probeId, param("window", "query", "Days, 1d..365d; default 90d", { type: "string", pattern: "^\\d{1,3}d$" }), param("region", "query", "One region only", { type: "string" })],
        responses: { 200: ok("Daily buckets, oldest first", { type: "object", properties: { probeId: { type: "string" }, window: { type: "string" }, regions: { type: "array", items: { type: "string" } }, uptime: nullableNumber, days: { type: "array", items: { $ref: "#/components/schemas/DayBucket" } } } }), 400: error, 404: error, 503: unavailable },
      }),
      "/v1/incidents": publicly({
        summary: "Incidents, newest first",
        parameters: [param("status", "query", "open, resolved or all (default)", { type: "string", enum: ["open", "resolved", "all"] }), param("probeId", "query", "One probe only", { type: "string" }), param("limit", "query", "1..200, default 50", { type: "integer" }), param("cursor", "query", "From the previous page", { type: "string" })],
        responses: { 200: ok("A page", { type: "object", properties: { items: { type: "array", items: { $ref: "#/components/schemas/Incident" } }, cursor: { type: "string" } } }), 400: error, 503: unavailable },
      }),
      "/v1/probes/{id}/results": {
        get: {
          summary: "Raw runs, newest first, cursor-paged",
          security: [{ bearer: [] }, { apiKey: [] }],
          parameters: [probeId, param("region", "query", "One region only", { type: "string" }), param("from", "query", "ISO instant, inclusive; not later than to", { type: "string", format: "date-time" }), param("to", "query", "ISO instant, inclusive", { type: "string", format: "date-time" }), param("limit", "query", "1..500, default 50", { type: "integer" }), param("cursor", "query", "From the previous page", { type: "string" })],
          responses: { 200: ok("A page", { type: "object", properties: { items: { type: "array", items: { $ref: "#/components/schemas/ProbeResult" } }, cursor: { type: "string" } } }), 400: error, 401: error, 404: error, 503: unavailable },
        },
      },
      "/v1/drills/{id}/runs": {
        get: {
          summary: "A drill's runs (DrillResults), newest first, cursor-paged",
          security: [{ bearer: [] }, { apiKey: [] }],
          parameters: [param("id", "path", "The drill id", { type: "string" }), param("limit", "query", "1..100, default 20", { type: "integer" }), param("cursor", "query", "From the previous page", { type: "string" })],
          responses: { 200: ok("A page", { type: "object", properties: { items: { type: "array", items: { type: "object" } }, cursor: { type: "string" } } }), 400: error, 401: error, 404: error, 503: unavailable },
        },
      },
    },
  };
}
