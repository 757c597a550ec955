// Severities, without the schema library: alerting's evaluator and pagers rank them at run time, and the home
// functions load no schema at cold start (core/alerting/schema.ts builds the config's enum from this list).

/** Severities, worst first: critical = outage or data-loss risk, high = degradation, medium = trend, low = optimisation. */
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;

/** Rank of a severity: 0 for critical … 3 for low. */
export function severityRank(severity: (typeof SEVERITIES)[number]): number {
  return SEVERITIES.indexOf(severity);
}
