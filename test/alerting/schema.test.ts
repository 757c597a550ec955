import { describe, expect, it } from "vitest";
import { Config } from "../../index.ts";
import { problemsOf } from "../../core/config/load.ts";
import type { AlertingConfig } from "../../core/alerting/create-alerting.ts";

function problems(input: unknown): string[] {
  const parsed = Config.safeParse(input);
  return parsed.success ? [] : problemsOf(parsed.error, Config).map((problem) => `${problem.path}: ${problem.message}`);
}

const probes = [
  { id: "api-health", kind: "http", url: "http://127.0.0.1:4780/health", tags: ["api"] },
  { id: "orders-db", kind: "http", url: "http://127.0.0.1:4780/db", tags: ["db"], regions: ["us-east-1"] },
];

describe("the alerts block of the config", () => {
  it("accepts channels, routes, maintenance windows, SLOs and reminders, with defaults", () => {
    const parsed = Config.parse({
      project: "acme", regions: ["us-east-1", "eu-west-1"], probes,
      alerts: {
        channels: {
          oncall: { type: "sns", topicArn: "arn:aws:sns:us-east-1:123456789012:vigie-pages" },
          slack: { type: "webhook", url: "https://hooks.slack.com/services/${env:SLACK_HOOK}", format: "slack" },
          pd: { type: "webhook", url: "https://events.pagerduty.com/v2/enqueue", format: "pagerduty", routingKey: "${env:PD_KEY}" },
          log: { type: "log" },
        },
        routes: { critical: ["pd", "oncall"], high: ["slack"], low: ["log"] },
        maintenance: [
          { tags: ["db"], days: ["sun"], start: "02:00", duration: "1h", timeZone: "Europe/Paris", reason: "vacuum" },
          { probes: ["api-health"], start: "2025-07-01T02:00:00Z", end: "2025-07-01T03:00:00+00:00" },
        ],
        slos: [{ tags: ["api"], availability: 99.9, latency: { p95Ms: 200 } }],
        remindEvery: "30m",
      },
    });
    // The parsed config is what `vigie start` hands to createAlerting, as is.
    const forAlerting: AlertingConfig = parsed;
    expect(forAlerting.probes).toHaveLength(2);
    expect(parsed.alerts?.channels.slack).toMatchObject({ format: "slack", timeout: 5_000 });
    expect(parsed.alerts?.maintenance[0]).toMatchObject({ kind: "weekly", days: [0], startMinute: 120, durationMs: 3_600_000, timeZone: "Europe/Paris" });
    expect(parsed.alerts?.slos[0]!.window).toBe(30 * 86_400_000);
    expect(parsed.alerts?.remindEvery).toBe(1_800_000);
    expect(parsed.alerts?.delivery).toEqual({ expireAfter: 3_600_000, backoff: 5_000, maxBackoff: 300_000 });
  });

  it("reports every mistake with its path", () => {
    expect(problems({
      project: "acme", regions: ["us-east-1", "eu-west-1"],
      probes: [...probes, { id: "lonely", kind: "http", url: "http://127.0.0.1:1/", regions: ["us-east-1"], alert: { quorum: 2 } }],
      alerts: {
        channels: {
          oncall: { type: "sns", topicArn: "not-an-arn" },
          pd: { type: "webhook", url: "https://events.pagerduty.com/v2/enqueue", format: "pagerduty" },
          bad: { type: "webhook", url: "ftp://example.com" },
        },
        routes: { critical: ["pagerduty"] },
        maintenance: [
          { tags: ["nope"], days: ["sun"], start: "2am", timeZone: "Mars/Olympus" },
          { probes: ["ghost"], start: "2025-07-01T03:00:00Z", end: "2025-07-01T02:00:00Z" },
        ],
        slos: [{ tags: ["api"] }, { probes: ["api-health"], availability: 100 }],
        remindEvery: "soon",
      },
    })).toEqual(expect.arrayContaining([
      "alerts.channels.oncall.topicArn: must be an SNS topic ARN (e.g. \"arn:aws:sns:us-east-1:123456789012:vigie-pages\")",
      "alerts.channels.bad.url: Invalid URL: the scheme must be http or https, not ftp",
      "alerts.channels.pd.routingKey: a pagerduty webhook needs a routingKey",
      "alerts.routes.critical[0]: no channel named \"pagerduty\" (channels: oncall, pd, bad)",
      "alerts.maintenance[0].start: a weekly window starts at a wall-clock time \"HH:MM\" (e.g. \"02:00\")",
      "alerts.maintenance[0].duration: a weekly window needs a duration (e.g. \"1h\")",
      "alerts.maintenance[0].timeZone: \"Mars/Olympus\" is not an IANA time zone (e.g. \"Europe/Paris\")",
      "alerts.maintenance[0].tags[0]: no probe has tag \"nope\"",
      "alerts.maintenance[1].end: must be after start",
      "alerts.maintenance[1].probes[0]: no probe with id \"ghost\"",
      "alerts.slos[0].availability: an SLO needs availability or latency",
      "alerts.remindEvery: \"soon\" is not a duration (use e.g. \"250ms\", \"10s\", \"1m\", \"1h\", \"1d\")",
      "probes[2].alert.quorum: must be at most the probe's region count (1)",
    ]));
  });

  it("is optional: a config without alerts is valid", () => {
    expect(problems({ project: "acme", probes })).toEqual([]);
  });
});

it("refuses credentials in a webhook URL, which fetch could never send", () => {
  const parsed = Config.safeParse({
    project: "acme",
    probes: [{ id: "api", kind: "http", url: "https://api.acme.dev/" }],
    alerts: { channels: { hook: { type: "webhook", url: "https://user:${env:HOOK_PW}@hooks.acme.dev/x" } } },
  });
  expect(parsed.success).toBe(false);
  expect(parsed.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)).toEqual([
    "alerts.channels.hook.url: must not hold credentials (user:password@): send them in headers, e.g. authorization",
  ]);
});
