// What the public sees of incidents: one entry per outage of a probe, in plain words, with nothing from the target.
//
// Alerting may record several incidents for one outage (degraded escalating to down, a burn-rate alert beside the
// down one, one opened inside a maintenance window and one after it). The public page, the Atom feed and the JSON
// feed show one entry for each stretch of time a probe had a problem: overlapping incidents of a probe are merged,
// and only the kinds the config makes public count (down and degraded by default; burn-rate and stale are about
// our budgets and our probes, not about what a visitor can use). An entry never carries an error message, a host,
// a port, a URL or a status text: only a category a visitor understands.
import type { ErrorCategory, Incident, IncidentKind } from "../../core/result/index.ts";
import type { ProbeStatus } from "../status-model.ts";

/** Incident kinds shown publicly when the config says nothing. */
export const DEFAULT_PUBLIC_INCIDENTS: readonly IncidentKind[] = ["down", "degraded"];

/** What a visitor is told went wrong. */
export type Symptom = "not responding" | "errors" | "slow" | "down" | "degraded" | "elevated errors" | "not checked";

const SENTENCE: Record<Symptom, string> = {
  "not responding": "is not responding",
  errors: "is returning errors",
  slow: "is slow",
  down: "is down",
  degraded: "is degraded",
  "elevated errors": "has more errors than usual",
  "not checked": "is not being checked",
};

/** "is not responding", for "Orders API is not responding". */
export const sentenceOf = (symptom: Symptom) => SENTENCE[symptom];

/** Why a run failed, as a visitor would say it. */
export function symptomOf(level: "down" | "degraded", category: ErrorCategory | string | undefined): Symptom {
  switch (category) {
    case "timeout": case "dns": case "connect": case "tls": return "not responding";
    case "http": case "assertion": case "browser": case "script": case "internal": return "errors";
    case "threshold": return "slow";
    // A degraded run without a reason is a slow one (thresholds are what make a run degraded).
    default: return level === "degraded" ? "slow" : "down";
  }
}

export interface Outage {
  /** The id of its first incident: stable while later incidents join it. */
  id: string;
  probeId: string;
  probeName: string;
  /** The worst level reached. */
  level: "down" | "degraded";
  symptom: Symptom;
  /** Regions that had the problem, sorted. */
  regions: string[];
  startedAt: string;
  /** Absent while it goes on. */
  resolvedAt?: string;
  /** Until `resolvedAt`, or until now while it goes on. */
  durationMs: number;
  /** Every incident of it opened inside a maintenance window. */
  maintenance: boolean;
}

const levelOf = (kind: IncidentKind): "down" | "degraded" => (kind === "down" ? "down" : "degraded");

function symptomOfIncident(incident: Incident): Symptom {
  if (incident.kind === "burn-rate") return "elevated errors";
  if (incident.kind === "stale") return "not checked";
  return symptomOf(incident.kind, incident.firstError?.category);
}

/**
 * Public outages, newest first: incidents of the given kinds, of configured probes only (an unknown id says
 * nothing to a visitor), overlapping ones of a probe merged into one.
 */
export function publicOutages(incidents: readonly Incident[], probes: readonly Pick<ProbeStatus, "id" | "name">[], now: number, kinds: readonly IncidentKind[] = DEFAULT_PUBLIC_INCIDENTS): Outage[] {
  const names = new Map(probes.map((probe) => [probe.id, probe.name]));
  const byProbe = new Map<string, Incident[]>();
  const seen = new Set<string>();
  for (const incident of incidents) {
    if (!kinds.includes(incident.kind) || !names.has(incident.probeId) || seen.has(incident.id)) continue;
    seen.add(incident.id);
    byProbe.set(incident.probeId, [...(byProbe.get(incident.probeId) ?? []), incident]);
  }
  const outages: Outage[] = [];
  for (const [probeId, list] of byProbe) {
    list.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    let group: Incident[] = [];
    let groupEnd = -Infinity;
    const flush = () => {
      if (group.length > 0) outages.push(merge(probeId, names.get(probeId)!, group, now));
      group = [];
    };
    for (const incident of list) {
      const start = Date.parse(incident.startedAt);
      const end = incident.resolvedAt ? Date.parse(incident.resolvedAt) : Infinity;
      if (start > groupEnd) flush();
      group.push(incident);
      groupEnd = group.length === 1 ? end : Math.max(groupEnd, end);
    }
    flush();
  }
  return outages.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || a.probeName.localeCompare(b.probeName));
}

function merge(probeId: string, probeName: string, group: readonly Incident[], now: number): Outage {
  const first = group[0]!;
  const level = group.some((i) => levelOf(i.kind) === "down") ? "down" : "degraded";
  // The symptom of the latest incident at the worst level: how the outage shows now, or showed at its end.
  const worst = group.findLast((i) => levelOf(i.kind) === level)!;
  const open = group.some((i) => !i.resolvedAt);
  const start = Date.parse(first.startedAt);
  const resolvedAt = open ? undefined : new Date(Math.max(...group.map((i) => Date.parse(i.resolvedAt!)))).toISOString();
  return {
    id: first.id,
    probeId,
    probeName,
    level,
    symptom: symptomOfIncident(worst),
    regions: [...new Set(group.flatMap((i) => i.regions))].sort(),
    startedAt: first.startedAt,
    ...(resolvedAt ? { resolvedAt } : {}),
    durationMs: (resolvedAt ? Date.parse(resolvedAt) : now) - start,
    maintenance: group.every((i) => i.maintenance === true),
  };
}

/** One line of the banner: a probe affected now, what is wrong, where, and for how long. */
export interface Affected {
  probeId: string;
  name: string;
  level: "down" | "degraded";
  symptom: Symptom;
  /** Regions with the problem now, of `of`; 0 when only an open incident (no live region) says so. */
  regions: number;
  of: number;
  /** How long it has lasted, when an open incident says since when. */
  forMs?: number;
  /** Its regions look fine again, but its outage is not closed yet (alerting waits for a few good checks). */
  recovering?: true;
}

/**
 * Probes affected now, worst first: every probe down or degraded by its live state (in words from its regions'
 * last errors), and every probe with an open public outage while its regions already look fine again.
 */
export function affectedNow(probes: readonly ProbeStatus[], outages: readonly Outage[]): Affected[] {
  const open = new Map(outages.filter((o) => !o.resolvedAt).map((o) => [o.probeId, o]));
  const affected: Affected[] = [];
  for (const probe of probes) {
    const outage = open.get(probe.id);
    if (probe.state === "maintenance") continue;
    const bad = probe.regions.filter((r) => r.state === "down" || r.state === "degraded");
    const live = probe.state === "down" || probe.state === "degraded";
    if (!live && !outage) continue;
    const level = live ? (probe.state as "down" | "degraded") : outage!.level;
    const down = bad.filter((r) => r.state === "down");
    // The open outage's words when there is one, so the banner and the incident below it say the same thing.
    const symptom = outage?.level === level ? outage.symptom : symptomOf(level, (down[0] ?? bad[0])?.error?.category ?? (down.length === 0 ? "threshold" : undefined));
    affected.push({
      probeId: probe.id, name: probe.name, level, symptom, regions: bad.length, of: probe.regions.length,
      ...(outage ? { forMs: outage.durationMs } : {}),
      ...(probe.state === "up" ? { recovering: true as const } : {}),
    });
  }
  return affected.sort((a, b) => (a.level === b.level ? 0 : a.level === "down" ? -1 : 1));
}
