// What every drill kind shares in config: id, schedule, deadline, objectives, alerting, and SQL checks.
import { z } from "zod";
import { Duration, Id, Severity, parseDuration } from "../core/config/index.ts";
import { AssertionOp } from "../probes/http/schema.ts";

/** A check on the restored copy: the first column of the first row of `sql`, compared like a probe assertion. */
export const SqlCheck = z.strictObject({
  /** A read-only query. Example: "select count(*) from orders". */
  sql: z.string().min(1),
  /** How the first column of the first row must compare. Example: { op: "gt", target: 0 }. */
  expect: z.strictObject({
    op: AssertionOp,
    target: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  }).refine((e) => e.op === "exists" || e.target !== undefined, { error: "target is required for every op but exists", path: ["target"] }),
});
export type SqlCheck = z.infer<typeof SqlCheck>;

/** Fields every drill kind has. Kinds extend this with `.extend({ kind: z.literal(...), ... })`. */
export const DrillBase = z.strictObject({
  /** Unique id (among probes and drills), e.g. "orders-db"; at most 36 characters. Names everything a run creates. */
  // vigie-drill-<id>-<run> must be a valid RDS identifier: at most 63 characters, no "--", no trailing "-".
  id: Id.max(36, { error: "a drill id must be at most 36 characters (it names what a run creates)" })
    .refine((id) => !id.includes("--") && !id.endsWith("-"), { error: "a drill id may not hold \"--\" or end with \"-\" (it names cloud resources)" }),
  /** A person's name for the drill, shown on the status page. Default: the id. */
  name: z.string().min(1).max(120).optional(),
  /** How often `vigie start` runs it. Default "1d". Example: "6h". */
  every: Duration.prefault("1d"),
  /** Deadline of one whole run, cleanup included. Default "1h". Example: "20m". */
  timeout: Duration.prefault("1h"),
  /** What the run must achieve: RTO (T_ready − T0) and RPO (T0 − newest data found). Example: { rto: "10m", rpo: "1m" }. */
  objectives: z.strictObject({ rto: Duration, rpo: Duration }),
  /** How bad a missed objective or a failed drill is. Default { severity: "high" }. */
  alert: z.strictObject({ severity: Severity.default("high") }).prefault({}),
  /** Free labels. Example: ["db"]. */
  tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).default([]),
});

/** Where a restore goes: "latest", or a duration before T0 (the simulated incident), as a number of ms. */
export const RestoreTo = z.string().transform((text, ctx): "latest" | number => {
  if (text === "latest") return "latest";
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: "custom", message: `"${text}" is neither "latest" nor a duration before T0 (e.g. "15m")` });
    return z.NEVER;
  }
  return ms;
});
