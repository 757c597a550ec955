// The OpenAPI 3.1 description of the results API, served at /v1/openapi.json.
const error = { $ref: "#/components/responses/Error" };
const param = (name: string, where: "path" | "query", description: string, schema: Record<string, unknown>, required = where === "path") =>
  ({ name, in: where, required, description, schema });
const probeId = param("id", "path", "The probe id, e.g. api-health", { type: "string", pattern: "^[a-z0-9][a-z0-9-]*$" });
const ok = (description: string, schema: Record<string, unknown>) => ({ description, content: { "application/json": { schema } } });
const nullableNumber = { type: ["number", "null"] };
const state = { type: "string", enum: ["up", "degraded", "down", "unknown"] };

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
        Error: ok("An error", { type: "object", required: ["error"], properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } } }),
      },
      schemas: {
        Percentiles: { type: "object", properties: { p50: nullableNumber, p95: nullableNumber, p99: nullableNumber } },
        DayBucket: { type: "object", properties: { date: { type: "string", format: "date" }, runs: { type: "integer" }, pass: { type: "integer" }, degraded: { type: "integer" }, fail: { type: "integer" }, uptime: nullableNumber } },
        ProbeStatus: {
          type: "object",
          properties: {
            id: { type: "string" }, name: { type: "string" }, kind: { type: "string" }, state,
            regions: { type: "array", items: { type: "object", properties: { region: { type: "string" }, state, lastRunAt: { type: ["string", "null"] }, lastOutcome: { type: ["string", "null"] }, lastDurationMs: nullableNumber, error: { type: "object" } } } },
            uptime: { type: "object", description: "Share of runs up (pass or degraded), 0..1", properties: { "24h": nullableNumber, "7d": nullableNumber, "30d": nullableNumber, "90d": nullableNumber } },
            latency: { $ref: "#/components/schemas/Percentiles" },
          },
        },
        ProbeResult: { type: "object", description: "One run, as in DESIGN.md's ProbeResult", required: ["probeId", "kind", "region", "startedAt", "durationMs", "outcome", "assertions"] },
        Incident: { type: "object", required: ["id", "probeId", "kind", "severity", "regions", "startedAt"] },
      },
    },
    paths: {
      "/healthz": { get: { summary: "Liveness", responses: { 200: ok("Alive", { type: "object", properties: { ok: { type: "boolean" } } }) } } },
      "/v1/status": {
        get: {
          summary: "Overall and per-probe state, uptime windows, latency percentiles, open incidents, drills",
          responses: { 200: ok("The status", { type: "object", properties: { generatedAt: { type: "string" }, state, probes: { type: "array", items: { $ref: "#/components/schemas/ProbeStatus" } }, incidents: { type: "object", properties: { open: { type: "array", items: { $ref: "#/components/schemas/Incident" } } } }, drills: { type: "array" } } }) },
        },
      },
      "/v1/probes/{id}/uptime": {
        get: {
          summary: "Daily uptime buckets",
          parameters: [probeId, param("window", "query", "Days, 1d..365d; default 90d", { type: "string", pattern: "^\\d{1,3}d$" }), param("region", "query", "One region only", { type: "string" })],
          responses: { 200: ok("Daily buckets, oldest first", { type: "object", properties: { probeId: { type: "string" }, window: { type: "string" }, uptime: nullableNumber, days: { type: "array", items: { $ref: "#/components/schemas/DayBucket" } } } }), 400: error, 404: error },
        },
      },
      "/v1/incidents": {
        get: {
          summary: "Incidents, newest first",
          parameters: [param("status", "query", "open, resolved or all (default)", { type: "string", enum: ["open", "resolved", "all"] }), param("probeId", "query", "One probe only", { type: "string" }), param("limit", "query", "1..200, default 50", { type: "integer" }), param("cursor", "query", "From the previous page", { type: "string" })],
          responses: { 200: ok("A page", { type: "object", properties: { items: { type: "array", items: { $ref: "#/components/schemas/Incident" } }, cursor: { type: "string" } } }), 400: error },
        },
      },
      "/v1/probes/{id}/results": {
        get: {
          summary: "Raw runs, newest first, cursor-paged",
          security: [{ bearer: [] }, { apiKey: [] }],
          parameters: [probeId, param("region", "query", "One region only", { type: "string" }), param("from", "query", "ISO instant, inclusive", { type: "string", format: "date-time" }), param("to", "query", "ISO instant, inclusive", { type: "string", format: "date-time" }), param("limit", "query", "1..500, default 50", { type: "integer" }), param("cursor", "query", "From the previous page", { type: "string" })],
          responses: { 200: ok("A page", { type: "object", properties: { items: { type: "array", items: { $ref: "#/components/schemas/ProbeResult" } }, cursor: { type: "string" } } }), 400: error, 401: error, 404: error },
        },
      },
      "/v1/drills/{id}/runs": {
        get: {
          summary: "A drill's runs (drills are not available yet: empty for a configured drill)",
          security: [{ bearer: [] }, { apiKey: [] }],
          parameters: [param("id", "path", "The drill id", { type: "string" })],
          responses: { 200: ok("A page", { type: "object", properties: { items: { type: "array" } } }), 401: error, 404: error },
        },
      },
    },
  };
}
