// The `alerts` block of the config: channels, severity routes, maintenance windows, SLOs and reminders.
//
// This file must not import core/config/schema.ts: that module imports this one to build the config
// schema, and an ESM cycle would leave its consts uninitialised here. So the id pattern and the
// severity list are restated below; they must stay equal to those in core/config/schema.ts.
import { z } from "zod";
import { Duration } from "../config/duration.ts";
import { withPlaceholdersFilled } from "../config/secrets.ts";
import { WebUrl } from "../config/web-url.ts";
import { SEVERITIES, severityRank } from "./severity.ts";

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const NAME_MESSAGE = "must be lowercase letters, digits and dashes, starting with a letter or digit (e.g. \"oncall\")";

/** A probe id, tag or channel name as other parts of the config spell it. */
const Name = z.string().regex(NAME, { error: NAME_MESSAGE }).max(64, { error: "must be at most 64 characters" });

export { SEVERITIES, severityRank };
export const AlertSeverity = z.enum(SEVERITIES);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

/** An http(s) URL (with `${env:NAME}` allowed) and no credentials in it: fetch refuses those, so they could never be sent. */
const TemplatedUrl = WebUrl.refine((raw) => {
  try {
    const url = new URL(withPlaceholdersFilled(raw, "env"));
    return !url.username && !url.password;
  } catch {
    return true;
  }
}, { error: "must not hold credentials (user:password@): send them in headers, e.g. authorization" });

/** Publishes each page to an SNS topic (on AWS the stack grants the publish right). */
export const SnsChannel = z.strictObject({
  type: z.literal("sns"),
  /** The topic. Required. Example: "arn:aws:sns:us-east-1:123456789012:vigie-pages". A ".fifo" topic gets a dedup id per page. */
  topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, {
    error: "must be an SNS topic ARN (e.g. \"arn:aws:sns:us-east-1:123456789012:vigie-pages\")",
  }),
});
export type SnsChannel = z.infer<typeof SnsChannel>;

/** POSTs each page to a URL, as plain JSON, a Slack message or a PagerDuty Events v2 event. */
export const WebhookChannel = z.strictObject({
  type: z.literal("webhook"),
  /** Where to POST. `${env:NAME}` allowed (resolved at send time, never logged). Example: "https://hooks.slack.com/services/${env:SLACK_HOOK}". */
  url: TemplatedUrl,
  /** Body shape. Default "json". Example: "slack", or "pagerduty" for https://events.pagerduty.com/v2/enqueue. */
  format: z.enum(["json", "slack", "pagerduty"]).default("json"),
  /** Extra request headers; values may hold `${env:NAME}`. Example: { authorization: "Bearer ${env:HOOK_TOKEN}" }. */
  headers: z.record(z.string(), z.string()).optional(),
  /** PagerDuty integration key, for format "pagerduty" (required there). Example: "${env:PD_ROUTING_KEY}". */
  routingKey: z.string().min(1).optional(),
  /** Bound on one delivery. Default "5s". Example: "10s". */
  timeout: Duration.prefault("5s"),
});
export type WebhookChannel = z.infer<typeof WebhookChannel>;

/** Writes each page as one JSON line to the process's stderr (or stdout). */
export const LogChannel = z.strictObject({
  type: z.literal("log"),
  /** Which stream. Default "stderr". Example: "stdout". */
  stream: z.enum(["stdout", "stderr"]).default("stderr"),
});
export type LogChannel = z.infer<typeof LogChannel>;

export const Channel = z.discriminatedUnion("type", [SnsChannel, WebhookChannel, LogChannel]);
export type Channel = z.infer<typeof Channel>;

/**
 * Which channels hear about which severities. A channel listed under a severity receives incidents
 * of that severity and every worse one: `low: ["log"]` logs everything, `critical: ["pager"]` pages
 * only outages. Default: every channel receives every severity.
 */
export const Routes = z.strictObject({
  /** Channels for critical incidents only. Example: ["pagerduty"]. */
  critical: z.array(Name).optional(),
  /** Channels for high and critical. Example: ["slack"]. */
  high: z.array(Name).optional(),
  /** Channels for medium and worse. */
  medium: z.array(Name).optional(),
  /** Channels for everything. Example: ["log"]. */
  low: z.array(Name).optional(),
});
export type Routes = z.infer<typeof Routes>;

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * A maintenance window: pages are held back and the time is left out of uptime and SLO math.
 * One-off: `{ probes: ["api-health"], start: "2025-07-01T02:00:00Z", end: "2025-07-01T03:00:00Z" }`.
 * Weekly: `{ tags: ["db"], days: ["sun"], start: "02:00", duration: "1h", timeZone: "Europe/Paris" }`.
 */
export const MaintenanceWindowInput = z.strictObject({
  /** Probes it covers, by id. Example: ["api-health"]. At least one of probes or tags. */
  probes: z.array(Name).optional(),
  /** Probes it covers, by tag. Example: ["db"]. */
  tags: z.array(Name).optional(),
  /** Why, shown on the status page. Example: "Postgres upgrade". */
  reason: z.string().max(200).optional(),
  /** One-off: an ISO instant with offset; weekly: a wall-clock "HH:MM" in `timeZone`. Required. */
  start: z.string(),
  /** One-off only: an ISO instant after start. Example: "2025-07-01T03:00:00Z". */
  end: z.string().optional(),
  /** Weekly only: the days it starts on. Example: ["sat", "sun"]. */
  days: z.array(z.enum(DAYS)).min(1).optional(),
  /** Weekly only: how long it lasts. Required for weekly windows. Example: "90m". */
  duration: Duration.optional(),
  /** Weekly only: the IANA zone of `start`, DST included. Default "UTC". Example: "Europe/Paris". */
  timeZone: z.string().optional(),
});

export type MaintenanceWindow =
  | { kind: "once"; probes: string[]; tags: string[]; reason?: string | undefined; startMs: number; endMs: number }
  | { kind: "weekly"; probes: string[]; tags: string[]; reason?: string | undefined; days: number[]; startMinute: number; durationMs: number; timeZone: string };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const MaintenanceWindow = MaintenanceWindowInput.transform((input, ctx): MaintenanceWindow => {
  const common = { probes: input.probes ?? [], tags: input.tags ?? [], reason: input.reason };
  if (common.probes.length === 0 && common.tags.length === 0) {
    ctx.addIssue({ code: "custom", path: ["probes"], message: "a maintenance window needs probes or tags" });
  }
  if (input.days) {
    const clock = CLOCK.exec(input.start);
    if (!clock) ctx.addIssue({ code: "custom", path: ["start"], message: "a weekly window starts at a wall-clock time \"HH:MM\" (e.g. \"02:00\")" });
    if (input.duration === undefined) ctx.addIssue({ code: "custom", path: ["duration"], message: "a weekly window needs a duration (e.g. \"1h\")" });
    else if (input.duration > 7 * 86_400_000) ctx.addIssue({ code: "custom", path: ["duration"], message: "must be at most 7d" });
    if (input.end !== undefined) ctx.addIssue({ code: "custom", path: ["end"], message: "a weekly window has a duration, not an end" });
    const timeZone = input.timeZone ?? "UTC";
    if (!isTimeZone(timeZone)) ctx.addIssue({ code: "custom", path: ["timeZone"], message: `"${timeZone}" is not an IANA time zone (e.g. "Europe/Paris")` });
    return {
      kind: "weekly", ...common,
      days: [...new Set(input.days.map((day) => DAYS.indexOf(day)))],
      startMinute: clock ? Number(clock[1]) * 60 + Number(clock[2]) : 0,
      durationMs: input.duration ?? 0,
      timeZone,
    };
  }
  const startMs = ISO_INSTANT.test(input.start) ? Date.parse(input.start) : Number.NaN;
  const endMs = input.end !== undefined && ISO_INSTANT.test(input.end) ? Date.parse(input.end) : Number.NaN;
  if (Number.isNaN(startMs)) ctx.addIssue({ code: "custom", path: ["start"], message: "must be an ISO instant with a zone (e.g. \"2025-07-01T02:00:00Z\"), or add days for a weekly window" });
  if (input.end === undefined) ctx.addIssue({ code: "custom", path: ["end"], message: "a one-off window needs an end (an ISO instant)" });
  else if (Number.isNaN(endMs)) ctx.addIssue({ code: "custom", path: ["end"], message: "must be an ISO instant with a zone (e.g. \"2025-07-01T03:00:00Z\")" });
  else if (!Number.isNaN(startMs) && endMs <= startMs) ctx.addIssue({ code: "custom", path: ["end"], message: "must be after start" });
  if (input.duration !== undefined || input.timeZone !== undefined) {
    ctx.addIssue({ code: "custom", path: [input.duration !== undefined ? "duration" : "timeZone"], message: "only weekly windows (with days) take duration and timeZone" });
  }
  return { kind: "once", ...common, startMs, endMs };
});

/** Latency objective: the share of runs that must finish within a bound, e.g. p95Ms: 200 = 95% within 200 ms. */
export const LatencyObjective = z
  .strictObject({
    /** Half of the runs within this many ms. Example: 100. */
    p50Ms: z.number().positive().optional(),
    /** 90% of runs within this many ms. */
    p90Ms: z.number().positive().optional(),
    /** 95% of runs within this many ms. Example: 200. */
    p95Ms: z.number().positive().optional(),
    /** 99% of runs within this many ms. Example: 800. */
    p99Ms: z.number().positive().optional(),
  })
  .refine((latency) => Object.values(latency).some((value) => value !== undefined), { error: "name at least one of p50Ms, p90Ms, p95Ms, p99Ms" });

/** A service-level objective over a rolling window, for some probes (by id or tag). */
export const Slo = z
  .strictObject({
    /** Probes it covers, by id. Example: ["api-health"]. At least one of probes or tags. */
    probes: z.array(Name).optional(),
    /** Probes it covers, by tag. Example: ["api"]. */
    tags: z.array(Name).optional(),
    /** Percent of runs that must not fail (degraded counts as available). Example: 99.9. */
    availability: z.number().gt(0).lt(100).optional(),
    /** Percent of runs within a latency bound. Example: { p95Ms: 200 }. */
    latency: LatencyObjective.optional(),
    /** Rolling window of the budget. Default "30d". Example: "7d". At least 3d (the slowest burn window), at most 90d. */
    window: Duration.prefault("30d"),
  })
  .superRefine((slo, ctx) => {
    if (!slo.probes?.length && !slo.tags?.length) ctx.addIssue({ code: "custom", path: ["probes"], message: "an SLO needs probes or tags" });
    if (slo.availability === undefined && slo.latency === undefined) ctx.addIssue({ code: "custom", path: ["availability"], message: "an SLO needs availability or latency" });
    if (slo.window < 3 * 86_400_000 || slo.window > 90 * 86_400_000) ctx.addIssue({ code: "custom", path: ["window"], message: "must be between 3d and 90d" });
  });
export type Slo = z.infer<typeof Slo>;

/** How long an undeliverable page is retried before it is dropped (and logged as lost). */
export const Delivery = z.strictObject({
  /** Give up on a page this long after it was due. Default "1h". Example: "6h". */
  expireAfter: Duration.prefault("1h"),
  /** First retry delay; doubles each try. Default "5s". */
  backoff: Duration.prefault("5s"),
  /** Longest wait between tries. Default "5m". */
  maxBackoff: Duration.prefault("5m"),
});
export type Delivery = z.infer<typeof Delivery>;

/** The `alerts` block: where pages go and when they are held back. */
export const Alerts = z.strictObject({
  /** Named channels. Default: { log: { type: "log" } }. Example: { oncall: { type: "sns", topicArn: "arn:aws:sns:…" } }. */
  channels: z.record(Name, Channel).default({ log: { type: "log", stream: "stderr" } }),
  /** Severity → channels (each also hears worse severities). Default: every channel hears everything. */
  routes: Routes.optional(),
  /** Maintenance windows. Default []. */
  maintenance: z.array(MaintenanceWindow).default([]),
  /** Service-level objectives with burn-rate alerts. Default []. */
  slos: z.array(Slo).default([]),
  /** Re-page an open incident this often. Default: never. Example: "30m". */
  remindEvery: Duration.optional(),
  /** Retry and expiry of undelivered pages. Default { expireAfter: "1h", backoff: "5s", maxBackoff: "5m" }. */
  delivery: Delivery.prefault({}),
});
export type Alerts = z.infer<typeof Alerts>;
export type AlertsInput = z.input<typeof Alerts>;

type Issue = { code: "custom"; path: PropertyKey[]; message: string };

/**
 * Cross-checks of the alerts block against the probes, for the config's superRefine: routes name
 * existing channels, maintenance windows and SLOs name existing probes and tags, and a pagerduty
 * webhook has a routing key. Returns every problem, paths relative to the config root. Reads its
 * input defensively: the superRefine also runs when other parts of the config failed to parse.
 */
export function alertsProblems(alerts: unknown, probes: unknown): Issue[] {
  if (!alerts || typeof alerts !== "object") return [];
  const block = alerts as { channels?: unknown; routes?: unknown; maintenance?: unknown; slos?: unknown };
  const issues: Issue[] = [];
  const probeList = (Array.isArray(probes) ? probes : []) as Array<{ id?: unknown; tags?: unknown } | null | undefined>;
  const ids = new Set(probeList.map((probe) => probe?.id).filter((id) => typeof id === "string"));
  const tags = new Set(probeList.flatMap((probe) => (Array.isArray(probe?.tags) ? probe.tags : [])));
  const strings = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const channels = block.channels && typeof block.channels === "object" ? (block.channels as Record<string, unknown>) : { log: {} };
  for (const [name, channel] of Object.entries(channels)) {
    const { type, format, routingKey } = (channel ?? {}) as { type?: unknown; format?: unknown; routingKey?: unknown };
    if (type === "webhook" && format === "pagerduty" && !routingKey) {
      issues.push({ code: "custom", path: ["alerts", "channels", name, "routingKey"], message: "a pagerduty webhook needs a routingKey" });
    }
  }
  const routes = (block.routes && typeof block.routes === "object" ? block.routes : {}) as Record<string, unknown>;
  for (const severity of SEVERITIES) {
    strings(routes[severity]).forEach((name, index) => {
      if (typeof name === "string" && !(name in channels)) {
        issues.push({ code: "custom", path: ["alerts", "routes", severity, index], message: `no channel named "${name}" (channels: ${Object.keys(channels).join(", ") || "none"})` });
      }
    });
  }
  for (const list of ["maintenance", "slos"] as const) {
    strings(block[list]).forEach((entry, at) => {
      const selector = (entry ?? {}) as { probes?: unknown; tags?: unknown };
      strings(selector.probes).forEach((id, index) => {
        if (typeof id === "string" && !ids.has(id)) issues.push({ code: "custom", path: ["alerts", list, at, "probes", index], message: `no probe with id "${id}"` });
      });
      strings(selector.tags).forEach((tag, index) => {
        if (typeof tag === "string" && !tags.has(tag)) issues.push({ code: "custom", path: ["alerts", list, at, "tags", index], message: `no probe has tag "${tag}"` });
      });
    });
  }
  return issues;
}
