// The API's query checks (api/queries.ts) against the zod schemas they replaced, kept here as the reference: for any
// query string, the same data or the same 400 message.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseDrillRunsQuery, parseIncidentsQuery, parseResultsQuery, parseWindowQuery, type QueryInput, type QueryParse } from "../../api/queries.ts";

// The schemas as api/app.ts defined them before its queries were checked by hand.
const Iso = z.string().refine((text) => /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text)), { error: "must be an ISO 8601 instant, e.g. 2025-01-02T03:04:05Z" })
  .transform((text) => new Date(text).toISOString());
const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const WindowQuery = z.strictObject({
  window: z.string().regex(/^\d{1,3}d$/, { error: 'must be a number of days such as "7d", "30d" or "90d"' })
    .transform((text) => Number(text.slice(0, -1)))
    .refine((days) => days >= 1 && days <= 365, { error: "must be between 1d and 365d" })
    .default(90),
  region: z.string().optional(),
});
const ResultsQuery = z.strictObject({
  region: z.string().optional(), from: Iso.optional(), to: Iso.optional(), limit: Limit(500, 50), cursor: z.string().max(2000).optional(),
}).refine((query) => query.from === undefined || query.to === undefined || query.from <= query.to, { error: "must not be later than to", path: ["from"] });
const DrillRunsQuery = z.strictObject({ limit: Limit(100, 20), cursor: z.string().max(2000).optional() });
const IncidentsQuery = z.strictObject({
  status: z.enum(["open", "resolved", "all"]).default("all"), probeId: z.string().optional(), limit: Limit(200, 50), cursor: z.string().max(2000).optional(),
});

/** What the zod schema answered: its data, or the message api/app.ts built from its issues. */
function reference(schema: z.ZodType, input: QueryInput): QueryParse<unknown> {
  const parsed = schema.safeParse(input);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, message: parsed.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`).join("; ") };
}

const texts = fc.oneof(
  fc.constantFrom("", " ", "0", "1", "-1", "1.5", "0.5", "7", " 7 ", "1e2", "0x10", "500", "501", "200", "201", "100", "101", "1e300", "-1e300", "Infinity", "-Infinity", "NaN", "abc",
    "7d", "0d", "90d", "365d", "366d", "999d", "1000d", "90", "open", "resolved", "all", "closed", "us-east-1",
    "2025-01-02T03:04:05Z", "2025-01-01T00:00:00Z", "2025-01-02T03:04:05+02:00", "2025-13-02T03:04:05Z", "2025-01-02", "yesterday", "x".repeat(2000), "x".repeat(2001)),
  fc.string({ maxLength: 12 }),
);
const queries = (keys: string[]) => fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.constantFrom("extra", "b", "toString", "__proto__")), texts, { maxKeys: 5 })
  .map((query) => Object.fromEntries(Object.entries(query)) as QueryInput);

describe("the API's query checks", () => {
  const routes = [
    ["uptime", WindowQuery, parseWindowQuery, ["window", "region"]],
    ["results", ResultsQuery, parseResultsQuery, ["region", "from", "to", "limit", "cursor"]],
    ["drill runs", DrillRunsQuery, parseDrillRunsQuery, ["limit", "cursor"]],
    ["incidents", IncidentsQuery, parseIncidentsQuery, ["status", "probeId", "limit", "cursor"]],
  ] as const;
  for (const [route, schema, parse, keys] of routes) {
    it(`answer the ${route} query as its zod schema did, data or message`, () => {
      fc.assert(fc.property(queries([...keys]), (query) => {
        expect(parse(query)).toEqual(reference(schema, query));
      }), { numRuns: 2000 });
    });
  }

  it("name every problem of a query, then its unknown parameters", () => {
    expect(parseResultsQuery({ from: "yesterday", limit: "0", zz: "1", yy: "2" })).toEqual({
      success: false, message: 'from: must be an ISO 8601 instant, e.g. 2025-01-02T03:04:05Z; limit: Too small: expected number to be >=1; query: Unrecognized keys: "zz", "yy"',
    });
    expect(parseResultsQuery({ from: "2025-01-02T03:04:05Z", to: "2025-01-01T00:00:00Z" })).toEqual({ success: false, message: "from: must not be later than to" });
    expect(parseIncidentsQuery({})).toEqual({ success: true, data: { status: "all", limit: 50 } });
  });
});
