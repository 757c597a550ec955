// The `http` probe kind: one request (plus redirects) on a fresh connection, timed per phase, then asserted.
import { z } from "zod";
import { ProbeBase, WebUrl } from "../../core/config/schema.ts";
// The schema compiles `matches` targets with its own import of the engine, not through pattern-match.ts: that module
// loads the engine with a dynamic import, which would add it to every bundle that holds this schema (esbuild keeps
// what an `import()` names, used or not), the browser runner's among them.
import { RE2JS } from "re2js";

const OPS = ["eq", "neq", "lt", "lte", "gt", "gte", "contains", "notContains", "matches", "exists"] as const;
export const AssertionOp = z.enum(OPS);
export type AssertionOp = z.infer<typeof AssertionOp>;

const Target = z.union([z.string(), z.number(), z.boolean(), z.null()]);

type OpAndTarget = { op: string; target?: unknown };

/** Checks that `matches` targets compile on RE2 (see assertions.ts), so a bad regex is a config error, not a failed run. */
function regexTargetCompiles(a: OpAndTarget) {
  if (a.op !== "matches") return true;
  if (typeof a.target !== "string") return false;
  try {
    RE2JS.compile(a.target);
    return true;
  } catch {
    return false;
  }
}
const regexError = { error: "matches needs a valid regular expression as target (RE2 syntax: no lookaround or backreferences)", path: ["target"] };
const targetNeeded = (a: OpAndTarget) => a.op === "exists" || a.target !== undefined;
const targetError = { error: "target is required for every op but exists", path: ["target"] };

const assertion = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject({ ...shape, op: AssertionOp, target: Target.optional() })
    .refine((a) => targetNeeded(a as OpAndTarget), targetError)
    .refine((a) => regexTargetCompiles(a as OpAndTarget), regexError);

/** One check on the response. Example: { source: "json", path: "$.status", op: "eq", target: "ok" }. */
export const HttpAssertion = z.discriminatedUnion("source", [
  /** The status code. Example: { source: "status", op: "eq", target: 200 }. */
  assertion({ source: z.literal("status") }),
  /** A response header, by case-insensitive name. Example: { source: "header", name: "content-type", op: "contains", target: "json" }. */
  assertion({ source: z.literal("header"), name: z.string().min(1) }),
  /** The body as text. Example: { source: "body", op: "contains", target: "ok" }. */
  assertion({ source: z.literal("body") }),
  /** A JSONPath into the body parsed as JSON. Example: { source: "json", path: "$.items[0].id", op: "exists" }. */
  assertion({ source: z.literal("json"), path: z.string().startsWith("$", { error: "a JSONPath starts with $" }) }),
  /** The total response time in ms. Example: { source: "responseTime", op: "lt", target: 500 }. */
  assertion({ source: z.literal("responseTime") }),
]);
export type HttpAssertion = z.infer<typeof HttpAssertion>;


export const HttpThresholds = z
  .strictObject({
    /** Total time at or above which the run is "degraded". Example: 200. */
    degradedMs: z.number().positive().optional(),
    /** Total time at or above which the run fails. Example: 1000. */
    failMs: z.number().positive().optional(),
  })
  .refine((t) => t.degradedMs === undefined || t.failMs === undefined || t.degradedMs < t.failMs, {
    error: "degradedMs must be lower than failMs",
    path: ["degradedMs"],
  });

export const HttpProbe = ProbeBase.extend({
  kind: z.literal("http"),
  /** The URL to request; `${env:NAME}` allowed. Example: "https://api.acme.dev/health". */
  url: WebUrl,
  /** Default "GET". Example: "POST". */
  method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]).default("GET"),
  /** Request headers; values may use `${env:NAME}` and are never stored or shown. Example: { authorization: "Bearer ${env:API_TOKEN}" }. */
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: "not a valid header name" }), z.string()).default({}),
  /** Request body; `${env:NAME}` allowed. Example: "{\"ping\":true}". */
  body: z.string().optional(),
  /** Redirects followed before giving up; 0 turns following off. Default 5. */
  maxRedirects: z.int().min(0).max(20).default(5),
  /** Largest body read, in bytes; a larger one fails the run. Default 1048576 (1 MiB). */
  maxBodyBytes: z.int().positive().max(64 * 1024 * 1024).default(1024 * 1024),
  /** TLS options. `ca`: extra trusted CA certificates (PEM). `insecure`: skip verification (default false). */
  tls: z.strictObject({ ca: z.string().optional(), insecure: z.boolean().default(false) }).default({ insecure: false }),
  /** Times that turn a run degraded or failed. Example: { degradedMs: 200, failMs: 1000 }. */
  thresholds: HttpThresholds.default({}),
  /** Checks on the response. Without a status check, a status of 400 or more fails. */
  assertions: z.array(HttpAssertion).default([]),
});
export type HttpProbe = z.infer<typeof HttpProbe>;
export type HttpProbeInput = z.input<typeof HttpProbe>;
