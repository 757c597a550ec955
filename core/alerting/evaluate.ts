// The alert state machine, pure: (state, result | tick) → (next state, incident upserts, pages). No I/O, no clock.
//
// Per region: failing after `after` consecutive fails, recovered after `recoverAfter` consecutive
// non-fails; degraded after `after` consecutive non-passes, recovered after `recoverAfter` passes.
// Per probe: down when failing regions ≥ quorum, else degraded when degraded regions ≥ quorum.
// Down and degraded are one ladder (at most one of them open): escalating closes the degraded
// incident without a resolve page and opens a down one. Stale and burn-rate incidents stand apart.
import type { ProbeError, ProbeResult } from "../result/probe-result.ts";
import type { Incident, IncidentKind } from "../result/incident.ts";
import type { AlertSeverity } from "./schema.ts";
import { SEVERITIES, severityRank } from "./severity.ts";
import { staleAfterMs } from "./rules.ts";
import { burnAlerts, countRun, emptyCounts, isBad, type BurnEvidence, type SloCounts, type SloObjective } from "./slo.ts";

/** What the evaluator needs to know about one probe, resolved from config with defaults applied. */
export interface ProbeSpec {
  id: string;
  name?: string | undefined;
  /** Interval in ms; no result for `staleAfterMs` (3× this plus the timeout) opens a stale incident. */
  every: number;
  /** Bound on one run, ms (0 when unknown). */
  timeout?: number | undefined;
  regions: readonly string[];
  tags: readonly string[];
  severity: AlertSeverity;
  after: number;
  recoverAfter: number;
  quorum: number;
  objectives: readonly SloObjective[];
}

export interface RegionState {
  /** Consecutive fails / non-fails / non-passes / passes, ending with the latest run. */
  failStreak: number;
  nonFailStreak: number;
  badStreak: number;
  passStreak: number;
  failing: boolean;
  degraded: boolean;
  /** startedAt (epoch ms) of the newest run applied; older or equal runs are duplicates. */
  lastRunAt: number;
  /** When the current bad streak began, and its first error. */
  streakStartedAt?: number | undefined;
  streakError?: ProbeError | undefined;
}

/** An incident as alerting stores it: the shared model plus how it was paged. */
export interface AlertIncident extends Incident {
  probeName?: string | undefined;
  /** Opened during maintenance: recorded, not paged while a window covers the probe (paged when it outlives the window). */
  maintenance: boolean;
  /** Whether the open page went out (so the resolve page goes out too). */
  paged: boolean;
  /** Burn-rate incidents: the objective, e.g. "availability 99.9% over 30d". */
  objective?: string | undefined;
  /** When it was last paged (open or reminder), epoch ms. */
  lastPagedAt?: number | undefined;
  reminders: number;
  /** Set when an escalation closed it (degraded → down): no resolve page was sent for it. */
  supersededBy?: string | undefined;
  /** Set when it resolved for another reason than the probe recovering, e.g. "the probe was removed from the config". */
  resolvedBecause?: string | undefined;
}

export interface ProbeAlertState {
  probeId: string;
  /** When this state was created, epoch ms: the stale clock's start before any result. */
  since: number;
  /** When a result was last applied, epoch ms (evaluator clock). */
  lastResultAt?: number | undefined;
  regions: Record<string, RegionState>;
  /** Open incidents by slot: "ladder" (down/degraded), "stale", "burn:<objective>:page|ticket". */
  open: Record<string, AlertIncident>;
  slo?: { keys: string[]; counts: SloCounts } | undefined;
}

export type PageEvent = "open" | "resolve" | "remind";

export interface Page {
  /** Deterministic: `<incident id>:<event>` (reminders add their number); the outbox key. */
  id: string;
  event: PageEvent;
  incident: AlertIncident;
  /** When it became due, epoch ms. */
  at: number;
}

export interface Transition {
  state: ProbeAlertState;
  /** Incident records to upsert (opened, updated or resolved). */
  incidents: AlertIncident[];
  pages: Page[];
}

export function initialState(probeId: string, now: number): ProbeAlertState {
  return { probeId, since: now, regions: {}, open: {} };
}

function freshRegion(): RegionState {
  return { failStreak: 0, nonFailStreak: 0, badStreak: 0, passStreak: 0, failing: false, degraded: false, lastRunAt: 0 };
}

function lowerSeverity(severity: AlertSeverity): AlertSeverity {
  return SEVERITIES[Math.min(severityRank(severity) + 1, SEVERITIES.length - 1)]!;
}

function incidentId(probeId: string, kind: IncidentKind, startedAt: number, suffix = ""): string {
  return `${probeId}_${kind}${suffix}_${startedAt.toString(36)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function clone(state: ProbeAlertState): ProbeAlertState {
  return {
    ...state,
    regions: Object.fromEntries(Object.entries(state.regions).map(([name, region]) => [name, { ...region }])),
    open: { ...state.open },
    slo: state.slo && {
      keys: state.slo.keys,
      counts: {
        ...state.slo.counts,
        minuteTotal: [...state.slo.counts.minuteTotal],
        minuteBad: state.slo.counts.minuteBad.map((ring) => [...ring]),
        hourTotal: [...state.slo.counts.hourTotal],
        hourBad: state.slo.counts.hourBad.map((ring) => [...ring]),
        recentBad: state.slo.counts.recentBad && Object.fromEntries(Object.entries(state.slo.counts.recentBad).map(([region, times]) => [region, times.map((list) => [...list])])),
      },
    },
  };
}

/** Opens or closes incidents on one slot; pages unless in maintenance. */
class Changes {
  readonly incidents: AlertIncident[] = [];
  readonly pages: Page[] = [];
  constructor(readonly state: ProbeAlertState, readonly maintenance: boolean) {}

  open(slot: string, incident: Omit<AlertIncident, "maintenance" | "paged" | "reminders">, at: number): void {
    const paged = !this.maintenance;
    const opened: AlertIncident = { ...incident, maintenance: this.maintenance, paged, reminders: 0, ...(paged ? { lastPagedAt: at } : {}) };
    this.state.open[slot] = opened;
    this.incidents.push(opened);
    if (paged) this.pages.push({ id: `${opened.id}:open`, event: "open", incident: opened, at });
  }

  resolve(slot: string, at: number, supersededBy?: string, because?: string): void {
    const open = this.state.open[slot];
    if (!open) return;
    delete this.state.open[slot];
    const startedMs = Date.parse(open.startedAt);
    const resolved: AlertIncident = {
      ...open, resolvedAt: iso(at), durationMs: Math.max(0, at - startedMs),
      ...(supersededBy ? { supersededBy } : {}), ...(because ? { resolvedBecause: because } : {}),
    };
    this.incidents.push(resolved);
    if (open.paged && !supersededBy) this.pages.push({ id: `${open.id}:resolve`, event: "resolve", incident: resolved, at });
  }

  update(slot: string, incident: AlertIncident): void {
    this.state.open[slot] = incident;
    this.incidents.push(incident);
  }

  /**
   * Sends the open page held back from incidents that opened during maintenance and are still open
   * now that no window covers the probe: an outage that outlives its window is an outage. Same page
   * id as an ordinary open page, so the outbox still sends it once.
   */
  pageHeldBack(at: number): void {
    if (this.maintenance) return;
    for (const [slot, incident] of Object.entries(this.state.open)) {
      if (incident.paged) continue;
      const paged: AlertIncident = { ...incident, paged: true, lastPagedAt: at };
      this.update(slot, paged);
      this.pages.push({ id: `${incident.id}:open`, event: "open", incident: paged, at });
    }
  }
}

function hasHeldBack(state: ProbeAlertState): boolean {
  return Object.values(state.open).some((incident) => !incident.paged);
}

function counted(spec: ProbeSpec, state: ProbeAlertState): Array<[string, RegionState]> {
  return spec.regions.flatMap((name) => (state.regions[name] ? [[name, state.regions[name]] as [string, RegionState]] : []));
}

/** The down/degraded ladder after a region changed. */
function evaluateLadder(spec: ProbeSpec, state: ProbeAlertState, changes: Changes, at: number): void {
  const regions = counted(spec, state);
  const failing = regions.filter(([, region]) => region.failing);
  const degraded = regions.filter(([, region]) => region.degraded);
  const level: "down" | "degraded" | undefined = failing.length >= spec.quorum ? "down" : degraded.length >= spec.quorum ? "degraded" : undefined;
  const open = state.open.ladder;
  const involved = level === "down" ? failing : degraded;
  if (open && open.kind === level) {
    // Same level: regions that joined are added to the record, without a page.
    const names = [...new Set([...open.regions, ...involved.map(([name]) => name)])].sort();
    if (names.length !== open.regions.length) changes.update("ladder", { ...open, regions: names });
    return;
  }
  if (!level) {
    changes.resolve("ladder", at);
    return;
  }
  const startedAt = Math.min(...involved.map(([, region]) => region.streakStartedAt ?? at));
  // Named by the transition, not the streak: one streak can escalate to down twice.
  const id = incidentId(spec.id, level, at);
  if (open) changes.resolve("ladder", at, open.kind === "degraded" && level === "down" ? id : undefined);
  const firstError = [...involved].sort(([, a], [, b]) => (a.streakStartedAt ?? at) - (b.streakStartedAt ?? at))[0]?.[1].streakError;
  changes.open("ladder", {
    id, probeId: spec.id, probeName: spec.name, kind: level,
    severity: level === "down" ? spec.severity : lowerSeverity(spec.severity),
    regions: involved.map(([name]) => name).sort(),
    startedAt: iso(startedAt),
    ...(firstError ? { firstError } : {}),
  }, at);
}

/** What a burn-rate alert of this probe needs besides the rates: its schedule and its down rule (see `BurnEvidence`). */
export function burnEvidence(spec: ProbeSpec): BurnEvidence {
  return { runsPerHour: (spec.regions.length * 3_600_000) / Math.max(spec.every, 1), regions: spec.regions, quorum: spec.quorum, after: spec.after };
}

/** Burn-rate incidents of every objective, at `at`. */
function evaluateBurn(spec: ProbeSpec, state: ProbeAlertState, changes: Changes, at: number): void {
  if (!state.slo) return;
  const evidence = burnEvidence(spec);
  spec.objectives.forEach((objective, index) => {
    const alerts = burnAlerts(state.slo!.counts, spec.objectives, index, at, evidence);
    for (const tier of ["page", "ticket"] as const) {
      const slot = `burn:${objective.key}:${tier}`;
      const firing = alerts[tier];
      if (firing && !state.open[slot]) {
        changes.open(slot, {
          id: incidentId(spec.id, "burn-rate", at, `-${tier}-${index}`), probeId: spec.id, probeName: spec.name, kind: "burn-rate",
          severity: tier === "page" ? spec.severity : "low",
          regions: [...spec.regions], startedAt: iso(at), objective: objective.label,
        }, at);
      } else if (!firing && state.open[slot]) changes.resolve(slot, at);
    }
  });
}

/**
 * Applies one result. `now` is the evaluator's clock (for staleness); `maintenance` says whether
 * the probe is in a maintenance window at the result's start. A result not newer than the last
 * one applied for its region is a duplicate: the state comes back unchanged, with no effects.
 */
export function applyResult(previous: ProbeAlertState, result: ProbeResult, spec: ProbeSpec, now: number, maintenance: boolean): Transition & { duplicate: boolean } {
  const runAt = Date.parse(result.startedAt);
  const known = previous.regions[result.region];
  if (known && runAt <= known.lastRunAt) return { state: previous, incidents: [], pages: [], duplicate: true };
  const state = clone(previous);
  const changes = new Changes(state, maintenance);
  const region = state.regions[result.region] ?? freshRegion();
  state.regions[result.region] = region;
  region.lastRunAt = runAt;
  state.lastResultAt = Math.max(state.lastResultAt ?? now, now);

  if (result.outcome !== "pass" && region.badStreak === 0) {
    region.streakStartedAt = runAt;
    region.streakError = result.error;
  }
  if (result.outcome === "fail") {
    region.failStreak += 1; region.nonFailStreak = 0; region.badStreak += 1; region.passStreak = 0;
  } else if (result.outcome === "degraded") {
    region.failStreak = 0; region.nonFailStreak += 1; region.badStreak += 1; region.passStreak = 0;
  } else {
    region.failStreak = 0; region.nonFailStreak += 1; region.badStreak = 0; region.passStreak += 1;
    region.streakStartedAt = undefined; region.streakError = undefined;
  }
  if (!region.failing && region.failStreak >= spec.after) region.failing = true;
  if (region.failing && region.nonFailStreak >= spec.recoverAfter) region.failing = false;
  if (!region.degraded && region.badStreak >= spec.after) region.degraded = true;
  if (region.degraded && region.passStreak >= spec.recoverAfter) region.degraded = false;

  // A result ends staleness whatever it says.
  changes.resolve("stale", Math.max(now, runAt));
  evaluateLadder(spec, state, changes, runAt);

  if (spec.objectives.length > 0) {
    const keys = spec.objectives.map((objective) => objective.key);
    if (!state.slo || state.slo.keys.join("|") !== keys.join("|")) state.slo = { keys, counts: emptyCounts(spec.objectives, runAt) };
    // Maintenance time is left out of SLO math.
    if (!maintenance) countRun(state.slo.counts, spec.objectives, runAt, spec.objectives.map((objective) => isBad(objective, result)), { region: result.region, keep: spec.after });
    evaluateBurn(spec, state, changes, runAt);
  } else if (state.slo) state.slo = undefined;
  changes.pageHeldBack(Math.max(now, runAt));

  return { state, incidents: changes.incidents, pages: changes.pages, duplicate: false };
}

/**
 * Time passing with no result: opens a stale incident when the probe has been silent for 3× its
 * interval, and sends reminders for incidents paged more than `remindEvery` ago. `changed` is
 * false when nothing happened (no write needed).
 *
 * `evaluatorStartedAt` is when this evaluator started: silence is counted from the last result or
 * from then, whichever is later. Results cannot arrive while vigie is stopped, so a restart after
 * a pause gives every probe a fresh 3 intervals instead of paging stale at once for all of them.
 */
export function applyTick(
  previous: ProbeAlertState, spec: ProbeSpec, now: number, maintenance: boolean, remindEvery: number | undefined, evaluatorStartedAt: number,
  held?: ReadonlyMap<string, number>,
): Transition & { changed: boolean } {
  // Results produced but not yet evaluated (waiting for the store) are heard: the probe is not silent, only the store.
  const heldAt = held && held.size > 0 ? Math.max(...held.values()) : undefined;
  const lastHeard = Math.max(previous.lastResultAt ?? previous.since, heldAt ?? -Infinity);
  const silentSince = Math.max(lastHeard, evaluatorStartedAt);
  const stale = now - silentSince >= staleAfterMs(spec) && !previous.open.stale;
  const reminders = remindEvery === undefined || maintenance
    ? []
    : Object.entries(previous.open).filter(([, incident]) => incident.paged && incident.lastPagedAt !== undefined && now - incident.lastPagedAt >= remindEvery);
  const heldBack = !maintenance && hasHeldBack(previous);
  if (!stale && reminders.length === 0 && !heldBack) return { state: previous, incidents: [], pages: [], changed: false };
  const state = clone(previous);
  const changes = new Changes(state, maintenance);
  for (const [slot, incident] of reminders) {
    const reminded: AlertIncident = { ...incident, lastPagedAt: now, reminders: incident.reminders + 1 };
    changes.update(slot, reminded);
    changes.pages.push({ id: `${incident.id}:remind:${reminded.reminders}`, event: "remind", incident: reminded, at: now });
  }
  if (stale) {
    const silent = spec.regions.filter((name) => Math.max(state.regions[name]?.lastRunAt ?? 0, held?.get(name) ?? 0) < now - staleAfterMs(spec));
    changes.open("stale", {
      id: incidentId(spec.id, "stale", now), probeId: spec.id, probeName: spec.name, kind: "stale",
      severity: spec.severity, regions: silent.length > 0 ? silent : [...spec.regions], startedAt: iso(now),
      firstError: { category: "internal", message: `no result for ${Math.round((now - lastHeard) / 1000)}s (interval ${Math.round(spec.every / 1000)}s)` },
    }, now);
  }
  changes.pageHeldBack(now);
  return { state, incidents: changes.incidents, pages: changes.pages, changed: true };
}

export const REMOVED_FROM_CONFIG = "the probe was removed from the config";

/**
 * A probe no longer in the config: nothing will ever resolve its open incidents, so they resolve
 * now, with a resolve page for each whose open was paged. `changed` is false when none was open.
 */
export function applyRemoval(previous: ProbeAlertState, now: number): Transition & { changed: boolean } {
  if (Object.keys(previous.open).length === 0) return { state: previous, incidents: [], pages: [], changed: false };
  const state = clone(previous);
  const changes = new Changes(state, false);
  for (const slot of Object.keys(previous.open)) changes.resolve(slot, now, undefined, REMOVED_FROM_CONFIG);
  return { state, incidents: changes.incidents, pages: changes.pages, changed: true };
}
