// Shared pieces of the alerting tests: a config with two or three regions, results, a manual clock, a log that keeps lines.
import { Alerts, type AlertsInput } from "../../core/alerting/schema.ts";
import type { AlertingConfig, AlertLog } from "../../core/alerting/create-alerting.ts";
import type { ProbeResult } from "../../core/result/probe-result.ts";

export const T0 = Date.parse("2025-06-02T10:00:00Z");

export function clock(start = T0) {
  let current = start;
  return { now: () => current, advance: (ms: number) => { current += ms; return current; }, set: (ms: number) => { current = ms; } };
}

export function config(alerts: AlertsInput = {}, overrides: Partial<AlertingConfig["probes"][number]> = {}): AlertingConfig {
  return {
    regions: ["us-east-1", "eu-west-1", "ap-south-1"],
    probes: [{ id: "api-health", name: "API health", every: 60_000, tags: ["api"], alert: { severity: "critical", after: 2, recoverAfter: 2, quorum: 2 }, ...overrides }],
    alerts: Alerts.parse(alerts),
  };
}

export function result(region: string, outcome: ProbeResult["outcome"], at: number, probeId = "api-health"): ProbeResult {
  return {
    probeId, kind: "http", region, startedAt: new Date(at).toISOString(), durationMs: 42, outcome,
    ...(outcome === "pass" ? {} : { error: { category: "connect" as const, message: "connect ECONNREFUSED 127.0.0.1:1" } }),
    assertions: [],
  };
}

export function memoryLog() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> | undefined }> = [];
  const log: AlertLog = {
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
  };
  return { log, lines };
}
