// The config's shape: the parts every probe shares, and the whole file built around a union of probe kinds.
import { z } from "zod";
import { Duration, Every, formatDuration } from "./duration.ts";
import { Region } from "./regions.ts";
import { WebUrl } from "./web-url.ts";
import { Alerts, alertsProblems } from "../alerting/schema.ts";
import { IncidentKind } from "../result/incident.ts";

/** A probe or drill id: lowercase letters, digits and dashes, e.g. "api-health". */
export const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "must be lowercase letters, digits and dashes, starting with a letter or digit (e.g. \"api-health\")" })
  .max(64, { error: "must be at most 64 characters" });

export const Severity = z.enum(["critical", "high", "medium", "low"]);
export type Severity = z.infer<typeof Severity>;

/** When a probe pages: severity and how many failures (and regions) it takes. */
export const AlertPolicy = z.strictObject({
  /** How bad an outage of this probe is. Default "high". Example: "critical". */
  severity: Severity.default("high"),
  /** Consecutive failed runs in a region before it counts as failing. Default 2. */
  after: z.int().min(1).max(100).default(2),
  /** Consecutive passing runs before a failing region counts as recovered. Default 2. */
  recoverAfter: z.int().min(1).max(100).default(2),
  /** Failing regions needed to call the probe down. Default 2 when it runs in 2+ regions, else 1. */
  quorum: z.int().min(1).optional(),
});
export type AlertPolicy = z.infer<typeof AlertPolicy>;

/** Extra tries of a failed run: "network" retries only failures before a response, "any" every failure. */
export const Retries = z.strictObject({
  /** Extra tries after the first. Default 0. Example: 1. */
  count: z.int().min(0).max(5).default(0),
  /** Which failures are retried. Default "network". Example: "any". */
  on: z.enum(["network", "any"]).default("network"),
});
export type Retries = z.infer<typeof Retries>;

/** Fields every probe kind has. Kinds extend this with `.extend({ kind: z.literal(...), ... })`. */
export const ProbeBase = z.strictObject({
  /** Unique id, e.g. "api-health". Used in results, URLs and pages. */
  id: Id,
  /** A person's name for the probe, shown on the status page. Default: the id. */
  name: z.string().min(1).max(120).optional(),
  /** How often it runs. Default "1m". Example: "30s". */
  every: Every.prefault("1m"),
  /** Bound on one run, from DNS to last byte (or page settled). Default "10s". Example: "5s". */
  timeout: Duration.prefault("10s"),
  /** Regions it runs from. Default: the config's `regions`. Example: ["us-east-1", "eu-west-1"]. */
  regions: z.array(Region).min(1).optional(),
  /** Free labels for routing and grouping. Example: ["api", "checkout"]. */
  tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).default([]),
  /** When this probe pages. Default: severity "high", after 2, recoverAfter 2, quorum by region count. */
  alert: AlertPolicy.optional(),
  /** Tries again at once when a run fails. Default { count: 0, on: "network" }. Example: { count: 1 }. */
  retries: Retries.default({ count: 0, on: "network" }),
});

/** A whole-project config schema around the union of probe kinds. */
export function buildConfigSchema<
  P extends z.ZodType<{ id: string; regions?: string[] | undefined; every: number; timeout: number }>,
  D extends z.ZodType<{ id: string; every: number; timeout: number }> = z.ZodNever,
>(probe: P, drill?: D) {
  return z
    .strictObject({
      /** Project name, used to name AWS resources. Example: "acme". */
      project: Id,
      /** Region of the table, topic and API, and of each drill that names no `region` of its own. Default "us-east-1". */
      home: Region.default("us-east-1"),
      /** Default probe locations. Default: [home]. Example: ["us-east-1", "eu-west-1"]. */
      regions: z.array(Region).min(1).optional(),
      /** The probes. */
      probes: z.array(probe).default([]),
      /** DR drills (see drills/): restore a backup into a throwaway copy, check it, measure RTO and RPO. Default []. */
      drills: z.array((drill ?? z.never({ error: "drills are not supported here" })) as D).default([]),
      /** Channels, severity routes, maintenance windows and SLOs (see docs/alerting.md). Default: pages logged to stderr. */
      alerts: Alerts.optional(),
      /** The results store. Default { retention: "30d" }. Example: { retention: "90d" }. */
      store: z.strictObject({
        /** How long raw runs are kept (rollups, and so uptime and latency, are kept 400 days). Default "30d". */
        retention: Duration.prefault("30d"),
      }).optional(),
      /** The public status page and its feeds. */
      statusPage: z.strictObject({
        /**
         * Incident kinds shown publicly. Default ["down", "degraded"]: burn-rate and stale incidents are about error
         * budgets and our own probes, and stay on the API. Example: ["down", "degraded", "burn-rate"].
         */
        incidents: z.array(IncidentKind).optional(),
      }).optional(),
    })
    // Runs even when other fields failed, so a duplicate id is reported together with every other mistake.
    .superRefine(
      (config, ctx) => {
        const probes: unknown[] = Array.isArray(config?.probes) ? config.probes : [];
        const seen = new Map<string, number>();
        probes.forEach((p, index) => {
          const { id, every, timeout, retries } = (p ?? {}) as { id?: unknown; every?: unknown; timeout?: unknown; retries?: { count?: unknown } };
          if (typeof id !== "string") return;
          const first = seen.get(id);
          if (first !== undefined) {
            ctx.addIssue({ code: "custom", path: ["probes", index, "id"], message: `duplicate id "${id}" (also probes[${first}])` });
          } else seen.set(id, index);
          if (typeof every === "number" && typeof timeout === "number" && timeout > every) {
            ctx.addIssue({ code: "custom", path: ["probes", index, "timeout"], message: `${formatDuration(timeout)} must not be longer than every (${formatDuration(every)}); the default timeout is 10s` });
          } else if (typeof every === "number" && typeof timeout === "number" && typeof retries?.count === "number" && timeout * (retries.count + 1) > every) {
            // A run that outlasts its interval skips its next slots, and past 3 intervals looks stale to alerting.
            const tries = retries.count + 1;
            ctx.addIssue({ code: "custom", path: ["probes", index, "retries", "count"], message: `${tries} tries of ${formatDuration(timeout)} (${formatDuration(timeout * tries)}) must fit in every (${formatDuration(every)})` });
          }
          const { alert, regions } = p as { alert?: { quorum?: unknown }; regions?: unknown };
          const regionCount = Array.isArray(regions) ? regions.length : Array.isArray(config?.regions) ? config.regions.length : 1;
          if (typeof alert?.quorum === "number" && alert.quorum > regionCount) {
            ctx.addIssue({ code: "custom", path: ["probes", index, "alert", "quorum"], message: `must be at most the probe's region count (${regionCount})` });
          }
        });
        // Drill ids share the probes' namespace: incidents and pages are keyed by it.
        const drills: unknown[] = Array.isArray(config?.drills) ? config.drills : [];
        const probeIds = new Map([...seen].map(([id, index]) => [id, `probes[${index}]`]));
        drills.forEach((d, index) => {
          const { id, every, timeout } = (d ?? {}) as { id?: unknown; every?: unknown; timeout?: unknown };
          if (typeof id === "string") {
            const first = probeIds.get(id);
            if (first !== undefined) ctx.addIssue({ code: "custom", path: ["drills", index, "id"], message: `duplicate id "${id}" (also ${first})` });
            else probeIds.set(id, `drills[${index}]`);
          }
          if (typeof every === "number" && typeof timeout === "number" && timeout > every) {
            ctx.addIssue({ code: "custom", path: ["drills", index, "timeout"], message: `${formatDuration(timeout)} must not be longer than every (${formatDuration(every)}); the default timeout is 1h` });
          }
        });
        for (const issue of alertsProblems(config?.alerts, probes)) ctx.addIssue(issue);
      },
      { when: () => true },
    )
    .transform((config) => {
      const regions = config.regions ?? [config.home];
      return { ...config, regions, probes: config.probes.map((p) => ({ ...p, regions: p.regions ?? regions })) };
    });
}

export { WebUrl };
