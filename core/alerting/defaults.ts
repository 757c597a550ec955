// The alerts block of a config that has none, as plain values: what `Alerts.parse({})` gives (test/alerting pins the
// two equal). Readers at cold start (the home Lambdas) take it from here, so they load no schema library for it.
import type { Alerts } from "./schema.ts";

/** The default alerts block: pages logged to stderr, no routes, windows or SLOs, undelivered pages retried for 1 h. */
export function defaultAlerts(): Alerts {
  return {
    channels: { log: { type: "log", stream: "stderr" } },
    maintenance: [],
    slos: [],
    delivery: { expireAfter: 3_600_000, backoff: 5_000, maxBackoff: 300_000 },
  };
}
