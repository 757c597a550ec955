// The query parameters of the API's routes, checked by hand: the API's cold start loads no schema library. Each answers
// what the zod schemas it replaced answered, to the message (test/api/queries.test.ts holds them side by side): every
// problem as `field: message`, joined by "; ", unknown parameters as `query: Unrecognized key: "x"`.

/** A route's query string as Hono gives it: one string per parameter. */
export type QueryInput = Record<string, string | undefined>;
export type QueryParse<T> = { success: true; data: T } | { success: false; message: string };

/**
 * A parameter's value, or what is wrong with it (zod may say two things of one number). A problem that `aborts` (not a
 * number at all, not a whole one) keeps the query's refinement from running, as zod's aborting issues do.
 */
type Field<T> = (text: string | undefined) => { value: T } | { problem: string | string[]; aborts?: true };

const optionalString = (max?: number): Field<string | undefined> => (text) =>
  max !== undefined && text !== undefined && text.length > max ? { problem: `Too big: expected string to have <=${max} characters` } : { value: text };

/** A page size: a whole number from 1 to `max` (as JavaScript reads a number), `fallback` when absent. */
const limit = (max: number, fallback: number): Field<number> => (text) => {
  if (text === undefined) return { value: fallback };
  const n = Number(text);
  if (!Number.isFinite(n)) return { problem: `Invalid input: expected number, received ${n}`, aborts: true };
  if (!Number.isInteger(n)) return { problem: "Invalid input: expected int, received number", aborts: true };
  const small = "Too small: expected number to be >=1";
  const big = `Too big: expected number to be <=${max}`;
  // Past 2^53 zod's int check and its bound both speak.
  if (!Number.isSafeInteger(n)) return { problem: n > 0 ? [`Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`, big] : [`Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`, small] };
  if (n < 1) return { problem: small };
  if (n > max) return { problem: big };
  return { value: n };
};

const oneOf = <T extends string>(values: readonly T[], fallback: T): Field<T> => (text) => {
  if (text === undefined) return { value: fallback };
  return (values as readonly string[]).includes(text) ? { value: text as T } : { problem: `Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join("|")}` };
};

/** An ISO 8601 instant with a date and a time, normalized to UTC (`2025-01-02T03:04:05.000Z`). */
const instant: Field<string | undefined> = (text) => {
  if (text === undefined) return { value: undefined };
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(Date.parse(text))) return { problem: "must be an ISO 8601 instant, e.g. 2025-01-02T03:04:05Z" };
  return { value: new Date(text).toISOString() };
};

/** Days of daily buckets: "1d" to "365d", 90 when absent. */
const days: Field<number> = (text) => {
  if (text === undefined) return { value: 90 };
  if (!/^\d{1,3}d$/.test(text)) return { problem: 'must be a number of days such as "7d", "30d" or "90d"' };
  const n = Number(text.slice(0, -1));
  return n >= 1 && n <= 365 ? { value: n } : { problem: "must be between 1d and 365d" };
};

/**
 * A query of exactly these fields: each parsed in order, then any parameter not among them refused, then `refine`
 * unless a problem aborts it, as a strict zod object with a refinement answers (the refinement then sees a field that
 * failed as it was given).
 */
function strictQuery<T extends Record<string, unknown>>(fields: { [K in keyof T]: Field<T[K]> }, refine?: (data: T) => { path: string; message: string } | undefined) {
  return (input: QueryInput): QueryParse<T> => {
    const problems: string[] = [];
    const data: Record<string, unknown> = {};
    let aborted = false;
    for (const [name, field] of Object.entries(fields) as Array<[string, Field<unknown>]>) {
      const parsed = field(input[name]);
      if ("problem" in parsed) {
        problems.push(...[parsed.problem].flat().map((problem) => `${name}: ${problem}`));
        aborted ||= parsed.aborts === true;
        data[name] = input[name];
      } else if (parsed.value !== undefined) data[name] = parsed.value;
    }
    const unknown = Object.keys(input).filter((name) => !Object.hasOwn(fields, name));
    if (unknown.length > 0) problems.push(`query: Unrecognized key${unknown.length > 1 ? "s" : ""}: ${unknown.map((name) => JSON.stringify(name)).join(", ")}`);
    if (!aborted && refine) {
      const wrong = refine(data as T);
      if (wrong) problems.push(`${wrong.path}: ${wrong.message}`);
    }
    return problems.length > 0 ? { success: false, message: problems.join("; ") } : { success: true, data: data as T };
  };
}

/** `/v1/probes/:id/uptime`: `window` in days (default 90) and one region. */
export const parseWindowQuery = strictQuery<{ window: number; region?: string | undefined }>({ window: days, region: optionalString() });

/** `/v1/probes/:id/results`: a region, a time range, a page size (default 50, at most 500) and a cursor. */
export const parseResultsQuery = strictQuery<{ region?: string | undefined; from?: string | undefined; to?: string | undefined; limit: number; cursor?: string | undefined }>(
  { region: optionalString(), from: instant, to: instant, limit: limit(500, 50), cursor: optionalString(2000) },
  (query) => (query.from !== undefined && query.to !== undefined && query.from > query.to ? { path: "from", message: "must not be later than to" } : undefined),
);

/** `/v1/drills/:id/runs`: a page size (default 20, at most 100) and a cursor. */
export const parseDrillRunsQuery = strictQuery<{ limit: number; cursor?: string | undefined }>({ limit: limit(100, 20), cursor: optionalString(2000) });

/** `/v1/incidents`: open, resolved or all (default), one probe, a page size (default 50, at most 200) and a cursor. */
export const parseIncidentsQuery = strictQuery<{ status: "open" | "resolved" | "all"; probeId?: string | undefined; limit: number; cursor?: string | undefined }>(
  { status: oneOf(["open", "resolved", "all"] as const, "all"), probeId: optionalString(), limit: limit(200, 50), cursor: optionalString(2000) },
);
