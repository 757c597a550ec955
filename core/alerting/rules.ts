// The alert rules every reader of a probe's health shares: its quorum, when it is stale, and its resolved policy.
// The evaluator (which pages) and the status model (which shows) both import them from here, so they cannot disagree.
import { defaultAlerts } from "./defaults.ts";
import type { Alerts } from "./schema.ts";
import { objectivesFor } from "./slo.ts";
import type { ProbeSpec } from "./evaluate.ts";

/** Missed intervals after which a probe's last result says nothing about now. */
export const STALE_INTERVALS = 3;

/** How long a probe (or one region of it) may stay silent before it is stale: 3 intervals plus the run's own time. */
export function staleAfterMs(probe: { every: number; timeout?: number | undefined }): number {
  return STALE_INTERVALS * probe.every + (probe.timeout ?? 0);
}

/** Failing regions needed to call a probe down: the configured quorum, else 2 when it runs in 2+ regions, else 1; never more than its regions. */
export function quorumOf(probe: { regions: readonly string[]; alert?: { quorum?: number | undefined } | undefined }): number {
  const regions = probe.regions.length;
  return Math.min(probe.alert?.quorum ?? (regions >= 2 ? 2 : 1), Math.max(regions, 1));
}

/** The parts of the parsed config alerting reads (structural, so core does not import the probe registry). */
export interface AlertingConfig {
  regions: readonly string[];
  probes: ReadonlyArray<{
    id: string;
    name?: string | undefined;
    every: number;
    /** Bound on one run, ms; part of the stale delay. Default 0. */
    timeout?: number | undefined;
    regions?: readonly string[] | undefined;
    tags?: readonly string[] | undefined;
    alert?: { severity: ProbeSpec["severity"]; after: number; recoverAfter: number; quorum?: number | undefined } | undefined;
  }>;
  alerts?: Alerts | undefined;
}

/** Resolves each probe's alert policy with its defaults (quorum by `quorumOf`). */
export function probeSpecs(config: AlertingConfig): Map<string, ProbeSpec> {
  const slos = config.alerts?.slos ?? [];
  return new Map(config.probes.map((probe) => {
    const regions = probe.regions ?? config.regions;
    const tags = probe.tags ?? [];
    const spec: ProbeSpec = {
      id: probe.id, name: probe.name, every: probe.every, timeout: probe.timeout ?? 0, regions, tags,
      severity: probe.alert?.severity ?? "high",
      after: probe.alert?.after ?? 2,
      recoverAfter: probe.alert?.recoverAfter ?? 2,
      quorum: quorumOf({ regions, alert: probe.alert }),
      objectives: objectivesFor({ id: probe.id, tags }, slos),
    };
    return [probe.id, spec];
  }));
}

/** The alerts section with its defaults when the config has none. */
export const alertsOf = (config: AlertingConfig): Alerts => config.alerts ?? defaultAlerts();

/** Logs of alerting: a message and fields. */
export interface AlertLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** An AlertLog over a function taking whole lines (as `vigie start`'s hook context `log` does): one JSON object a line. */
export function alertLogFromLines(write: (line: string) => void): AlertLog {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    write(JSON.stringify({ level, msg: message, module: "alerting", ...fields }));
  };
  return { info: line("info"), warn: line("warn"), error: line("error") };
}
