// The status read model: per probe and region state, uptime windows, latency and daily bars, from rollups only.
//
// Its cost is bounded whatever the history: per probe × region one Query of ≤ 24 hour rollups (the 24 h window,
// which holds all of today) and one of ≤ 89 day rollups (kept a few minutes between refreshes), plus one Query for
// every current
// state, and with alerting one read of its state per probe (SLO counts). Raw runs are never read. Runs inside
// a maintenance window are counted apart in the rollups, so uptime and latency here leave them out as read.
// `createStatusReader` caches the model briefly and refreshes it in the background.
import pLimit from "p-limit";
import { quorumOf, staleAfterMs, type ObjectiveStatus } from "../core/alerting/index.ts";
import type { DrillRunReader, Incident, IncidentReader } from "../core/result/index.ts";
import { mergeRollups, newestState, percentiles, type Percentiles, type RegionState, type ResultStore, type Rollup } from "../core/store/index.ts";

export type ProbeState = "up" | "degraded" | "down" | "unknown" | "maintenance";

/**
 * What the API reads of alerting (core/alerting's `createAlerting(...)` result fits it as is): the maintenance
 * window covering a probe, and its SLO error budgets and burn rates.
 */
export interface AlertingView {
  /** The window covering the probe at `at` (epoch ms, default now), or undefined outside any. */
  maintenance(probeId: string, at?: number): { reason?: string | undefined } | undefined;
  /** Every objective of the probe (empty without SLOs); one read of the probe's alert state. */
  sloStatus(probeId: string): Promise<{ objectives: ObjectiveStatus[] }>;
}

/** One SLO objective of a probe as the API shows it. */
export interface SloView {
  /** Stable within the probe, e.g. "availability-99.9-30d". */
  key: string;
  /** A person's words, e.g. "availability 99.9% over 30d". */
  label: string;
  kind: "availability" | "latency";
  /** Share of runs that must be good, 0..1 (0.999). */
  target: number;
  /** The rolling window, days. */
  windowDays: number;
  /** Good share over the window, 0..1; null without runs. */
  sli: number | null;
  /** Error budget left: 1 untouched, 0 spent, below 0 overspent. */
  budgetRemaining: number;
  /** How many times faster than sustainable the budget burns, per window. */
  burnRates: ObjectiveStatus["burnRates"];
  /** "page" on a fast burn (14.4× over 1 h and 5 min, or 6× over 6 h and 30 min), "ticket" on a slow one (1× over 3 d and 6 h). */
  alert: "page" | "ticket" | null;
}

/** What the API needs to know of a configured probe. */
export interface StatusProbe {
  id: string;
  name?: string | undefined;
  kind: string;
  /** Interval, ms. */
  every: number;
  timeout: number;
  regions: readonly string[];
  alert?: { quorum?: number | undefined } | undefined;
}

/** A region tells what its last run says; maintenance is a probe's state, never a region's. */
export type RegionProbeState = Exclude<ProbeState, "maintenance">;

export interface RegionStatus {
  region: string;
  state: RegionProbeState;
  lastRunAt: string | null;
  lastOutcome: RegionState["outcome"] | null;
  lastDurationMs: number | null;
  /** Why the last run was not a pass (already free of secrets). */
  error?: { category: string; message: string };
}

export interface DayBucket {
  /** "2025-01-02" (UTC). */
  date: string;
  runs: number;
  pass: number;
  degraded: number;
  fail: number;
  /** (pass + degraded) / runs; null on a day without runs. */
  uptime: number | null;
  /** Runs inside a maintenance window that day, left out of every other count. */
  maintenance: number;
}

export const UPTIME_WINDOWS = ["24h", "7d", "30d", "90d"] as const;
export type UptimeWindow = (typeof UPTIME_WINDOWS)[number];

export interface ProbeStatus {
  id: string;
  name: string;
  kind: string;
  state: ProbeState;
  regions: RegionStatus[];
  /** Share of runs that were up (pass or degraded), 0..1; null without runs in the window. */
  uptime: Record<UptimeWindow, number | null>;
  /** Over the last 24 h, all regions, runs that got an answer; ms. */
  latency: Percentiles;
  /** The last 90 days, oldest first, all regions together. */
  days: DayBucket[];
  /** Present while a maintenance window covers the probe (its state is then "maintenance"). */
  maintenance?: { reason?: string };
  /** Its SLO objectives; empty without SLOs or without alerting. */
  slo: SloView[];
}

export interface DrillStatus {
  id: string;
  /** The last finished run: what it achieved against its objectives, and when (no messages: nothing secret). */
  lastRun: {
    runId: string;
    startedAt: string;
    finishedAt: string;
    outcome: string;
    objectives: { rtoMs: number; rpoMs: number };
    achieved: { rtoMs: number | null; rpoMs: number | null };
    errorCategory: string | null;
  } | null;
  /** The last 30 runs, oldest first, for the status page's chart (left out of /v1/status). */
  recent?: Array<{ startedAt: string; outcome: string; rtoMs: number | null; rpoMs: number | null }>;
}

export interface StatusModel {
  generatedAt: string;
  /**
   * Present (true) while the first model is still being read, as just after `vigie start` with thousands of
   * probes: every probe then shows as "unknown", with no uptime or latency yet.
   */
  warming?: true;
  state: ProbeState;
  probes: ProbeStatus[];
  openIncidents: Incident[];
  recentIncidents: Incident[];
  drills: DrillStatus[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);
const round5 = (value: number) => Math.round(value * 100_000) / 100_000;
const ratio = (up: number, runs: number) => (runs === 0 ? null : round5(up / runs));

export function regionState(state: RegionState | undefined, probe: StatusProbe, now: number): RegionProbeState {
  if (!state) return "unknown";
  // Past the evaluator's stale delay the last result says nothing about now.
  if (now - Date.parse(state.startedAt) > staleAfterMs(probe)) return "unknown";
  return state.outcome === "pass" ? "up" : state.outcome === "degraded" ? "degraded" : "down";
}

/** Down when at least `quorum` regions are down; degraded when any region is down or degraded. */
export function probeState(regions: readonly RegionProbeState[], quorum: number): RegionProbeState {
  const down = regions.filter((s) => s === "down").length;
  if (down > 0 && down >= Math.min(quorum, regions.length)) return "down";
  if (down > 0 || regions.includes("degraded")) return "degraded";
  if (regions.every((s) => s === "unknown")) return "unknown";
  return "up";
}

/** The worst state of the probes not in maintenance; "maintenance" when every probe is. */
export function overallState(all: readonly ProbeState[]): ProbeState {
  const states = all.filter((s) => s !== "maintenance");
  if (states.length === 0 && all.length > 0) return "maintenance";
  if (states.includes("down")) return "down";
  if (states.includes("degraded")) return "degraded";
  if (states.length === 0 || states.every((s) => s === "unknown")) return "unknown";
  return "up";
}

interface RegionHistory {
  hours: Rollup[];
  /** Every day with data in the window; today merged from hours. */
  days: Map<string, Rollup>;
}

/**
 * Folded day rollups change only when a closed day is (re)folded, so the reader keeps them a few minutes and
 * each refresh reads just the hours. Keyed by probe, region and day range.
 */
export interface FoldedDaysCache {
  /** By probe and region: one entry each, for the day range it was read for. */
  entries: Map<string, { at: number; range: string; days: Rollup[] }>;
  ttlMs: number;
}

export const createFoldedDaysCache = (ttlMs = 300_000): FoldedDaysCache => ({ entries: new Map(), ttlMs });

async function foldedDays(store: ResultStore, probeId: string, region: string, from: string, to: string, now: number, cache?: FoldedDaysCache): Promise<Rollup[]> {
  const key = `${probeId}#${region}`;
  const range = `${from}#${to}`;
  const hit = cache?.entries.get(key);
  if (hit && hit.range === range && now - hit.at < cache!.ttlMs) return hit.days;
  const days = await store.days(probeId, region, from, to);
  // Just after midnight the last day may not be folded yet (`vigie start` folds closed days every 15 minutes).
  if (days.at(-1)?.key !== to) {
    const hours = await store.hours(probeId, region, `${to}T00`, `${to}T23`);
    if (hours.length > 0) days.push(mergeRollups(to, hours));
  }
  // A new day range replaces the old one: the map holds one entry per probe × region (a scan of the map per
  // probe to find older ranges cost O(probes²) a refresh: seconds at 10,000 probes).
  cache?.entries.set(key, { at: now, range, days });
  return days;
}

/** One probe × region's rollups: ≤ 24 hours and ≤ 89 folded days (yesterday from its hours until it is folded). */
export async function regionHistory(store: ResultStore, probeId: string, region: string, now: number, dayCount = 90, cache?: FoldedDaysCache): Promise<RegionHistory> {
  const today = dayKey(now);
  const yesterday = dayKey(now - DAY);
  const [hours, folded] = await Promise.all([
    store.hours(probeId, region, hourKey(now - 23 * HOUR), hourKey(now)),
    dayCount > 1 ? foldedDays(store, probeId, region, dayKey(now - (dayCount - 1) * DAY), yesterday, now, cache) : Promise.resolve([]),
  ]);
  const days = new Map(folded.map((day) => [day.key, day]));
  const ofToday = hours.filter((hour) => hour.key.startsWith(today));
  if (ofToday.length > 0) days.set(today, mergeRollups(today, ofToday));
  return { hours, days };
}

/** The day keys of the `dayCount` days up to `now`, oldest first. */
export const dayKeysUpTo = (now: number, dayCount: number) => Array.from({ length: dayCount }, (_, i) => dayKey(now - (dayCount - 1 - i) * DAY));

/** The days of a window, and one empty bucket per day that every probe without runs that day can share. */
export interface DayGrid {
  dates: string[];
  empty: DayBucket[];
}

export const dayGrid = (now: number, dayCount: number): DayGrid => {
  const dates = dayKeysUpTo(now, dayCount);
  return { dates, empty: dates.map((date) => ({ date, runs: 0, pass: 0, degraded: 0, fail: 0, uptime: null, maintenance: 0 })) };
};

/**
 * Daily buckets over the regions' histories. A `grid` (from dayGrid) may be passed when many probes are bucketed
 * at once: 90 dates made per probe cost seconds at 10,000 probes, and 90 bucket objects per probe (most of them
 * empty) about a hundred MB; days without runs are the grid's shared empty buckets (a model is never mutated).
 */
export function dayBuckets(histories: readonly RegionHistory[], now: number, dayCount: number, grid?: DayGrid): DayBucket[] {
  const { dates, empty } = grid ?? dayGrid(now, dayCount);
  return dates.map((date, i) => {
    const found = histories.flatMap((h) => h.days.get(date) ?? []);
    if (found.length === 0) return empty[i]!;
    const day = mergeRollups(date, found);
    return {
      date, runs: day.runs, pass: day.pass, degraded: day.degraded, fail: day.fail,
      uptime: ratio(day.pass + day.degraded, day.runs), maintenance: day.maintenance,
    };
  });
}

const WINDOW_DAYS: Record<Exclude<UptimeWindow, "24h">, number> = { "7d": 7, "30d": 30, "90d": 90 };

export interface StatusDeps {
  store: ResultStore;
  probes: readonly StatusProbe[];
  drills?: readonly string[];
  /** Where drill results come from; without it every drill shows no run. */
  drillRuns?: DrillRunReader | undefined;
  incidents?: IncidentReader | undefined;
  /** Maintenance windows and SLOs; without it no probe is in maintenance and none has SLOs. */
  alerting?: AlertingView | undefined;
  now: () => number;
  /** Keeps folded days between refreshes; without it every refresh reads them. */
  foldedDays?: FoldedDaysCache;
}

async function sloViews(alerting: AlertingView, probeId: string): Promise<SloView[]> {
  const { objectives } = await alerting.sloStatus(probeId);
  return objectives.map((objective) => ({
    key: objective.key,
    label: objective.label,
    kind: objective.kind,
    target: objective.target,
    windowDays: round5(objective.windowMs / DAY),
    sli: objective.sli === undefined ? null : round5(objective.sli),
    budgetRemaining: round5(objective.budgetRemaining),
    burnRates: Object.fromEntries(Object.entries(objective.burnRates).map(([window, rate]) => [window, round5(rate)])) as SloView["burnRates"],
    alert: objective.alert ?? null,
  }));
}

export async function computeStatus(deps: StatusDeps): Promise<StatusModel> {
  const now = deps.now();
  const limit = pLimit(16);
  // A probe × region gets its marker in the same store write that creates its first hour rollup, so one without a
  // marker has no rollups either: its history is not read (a fresh start with many probes reads nothing). Its last
  // result is the newer of the marker's state and the last run its hours record (read below anyway).
  const states = await deps.store.markers();
  const ran = new Set(states.map((s) => `${s.probeId}#${s.region}`));
  const noHistory: RegionHistory = { hours: [], days: new Map() };
  const grid = dayGrid(now, 90);
  const [incidents, probes, drills] = await Promise.all([
    // Open ones asked for apart: an incident open for weeks must not drop off behind 50 newer resolved ones.
    deps.incidents
      ? Promise.all([deps.incidents.list({ status: "open", limit: 200 }), deps.incidents.list({ status: "resolved", limit: 50 })])
        .then(([open, resolved]) => ({ items: [...open.items, ...resolved.items] }))
      : Promise.resolve({ items: [] as Incident[] }),
    Promise.all(deps.probes.map(async (probe): Promise<Omit<ProbeStatus, "regions" | "state" | "maintenance"> & { histories: RegionHistory[] }> => {
      const [histories, slo] = await Promise.all([
        Promise.all(probe.regions.map((region) => (ran.has(`${probe.id}#${region}`)
          ? limit(() => regionHistory(deps.store, probe.id, region, now, 90, deps.foldedDays))
          : noHistory))),
        deps.alerting ? limit(() => sloViews(deps.alerting!, probe.id)) : Promise.resolve([]),
      ]);
      const hours = mergeRollups("24h", histories.flatMap((h) => h.hours));
      // Probes with no history at all share the grid's list of empty days.
      const days = histories.every((h) => h.days.size === 0) ? grid.empty : dayBuckets(histories, now, 90, grid);
      const windowUptime = (count: number) => {
        const recent = days.slice(-count);
        const runs = recent.reduce((sum, d) => sum + d.runs, 0);
        return ratio(recent.reduce((sum, d) => sum + d.pass + d.degraded, 0), runs);
      };
      return {
        id: probe.id,
        name: probe.name ?? probe.id,
        kind: probe.kind,
        uptime: {
          "24h": ratio(hours.pass + hours.degraded, hours.runs),
          "7d": windowUptime(WINDOW_DAYS["7d"]),
          "30d": windowUptime(WINDOW_DAYS["30d"]),
          "90d": windowUptime(WINDOW_DAYS["90d"]),
        },
        latency: percentiles(hours.histogram),
        days,
        slo,
        histories,
      };
    })),
    Promise.all((deps.drills ?? []).map(async (id): Promise<DrillStatus> => {
      const runs = deps.drillRuns ? (await deps.drillRuns.listResults({ drillId: id, limit: 30 })).items : [];
      const last = runs[0];
      return {
        recent: runs.map((r) => ({ startedAt: r.startedAt, outcome: r.outcome, rtoMs: r.achieved.rtoMs, rpoMs: r.achieved.rpoMs })).reverse(),
        id,
        lastRun: last ? {
          runId: last.runId, startedAt: last.startedAt, finishedAt: last.finishedAt, outcome: last.outcome, objectives: last.objectives,
          achieved: { rtoMs: last.achieved.rtoMs, rpoMs: last.achieved.rpoMs }, errorCategory: last.error?.category ?? null,
        } : null,
      };
    })),
  ]);
  const byKey = new Map(states.map((s) => [`${s.probeId}#${s.region}`, s]));
  const statuses: ProbeStatus[] = probes.map(({ histories, ...status }, index) => {
    const probe = deps.probes[index]!;
    const regions = probe.regions.map((region, r): RegionStatus => {
      const last = newestState(byKey.get(`${probe.id}#${region}`), histories[r]!.hours);
      return {
        region,
        state: regionState(last, probe, now),
        lastRunAt: last?.startedAt ?? null,
        lastOutcome: last?.outcome ?? null,
        lastDurationMs: last?.durationMs ?? null,
        ...(last?.error ? { error: { category: last.error.category, message: last.error.message } } : {}),
      };
    });
    const window = deps.alerting?.maintenance(probe.id, now);
    if (window) {
      return { ...status, state: "maintenance", regions, maintenance: window.reason === undefined ? {} : { reason: window.reason } };
    }
    return { ...status, state: probeState(regions.map((r) => r.state), quorumOf(probe)), regions };
  });
  const open = incidents.items.filter((incident) => !incident.resolvedAt);
  const recent = incidents.items.filter((incident) => incident.resolvedAt && now - Date.parse(incident.resolvedAt) < 7 * DAY);
  return {
    generatedAt: new Date(now).toISOString(),
    state: overallState(statuses.map((s) => s.state)),
    probes: statuses,
    openIncidents: open,
    recentIncidents: recent,
    drills,
  };
}

export interface StatusReader {
  read(): Promise<StatusModel>;
}

/** The model while the first one is read: every probe "unknown", nothing counted yet, and `warming: true`. */
export function warmingStatus(deps: Pick<StatusDeps, "probes" | "drills" | "now">): StatusModel {
  const now = deps.now();
  return {
    generatedAt: new Date(now).toISOString(),
    warming: true,
    state: "unknown",
    probes: deps.probes.map((probe) => ({
      id: probe.id,
      name: probe.name ?? probe.id,
      kind: probe.kind,
      state: "unknown",
      regions: probe.regions.map((region) => ({ region, state: "unknown", lastRunAt: null, lastOutcome: null, lastDurationMs: null })),
      uptime: { "24h": null, "7d": null, "30d": null, "90d": null },
      latency: { p50: null, p95: null, p99: null },
      // No daily bars yet: 90 empty buckets per probe would only cost memory while nothing is known.
      days: [],
      slo: [],
    })),
    openIncidents: [],
    recentIncidents: [],
    drills: (deps.drills ?? []).map((id) => ({ id, lastRun: null })),
  };
}

/**
 * Serves the model from a cache at most `cacheMs` old; past that, the first reader gets the cached model and a
 * refresh starts in the background (one at a time), so no request waits on rollup queries but the very first.
 * With `warmupMs`, not even that one waits longer: past it, it gets the warming model (see warmingStatus).
 */
export function createStatusReader(input: StatusDeps & { cacheMs?: number; warmupMs?: number | undefined }): StatusReader {
  const cacheMs = input.cacheMs ?? 5_000;
  const deps: StatusDeps = cacheMs > 0 ? { foldedDays: createFoldedDaysCache(), ...input } : input;
  let cached: { model: StatusModel; at: number } | undefined;
  let refreshing: Promise<StatusModel> | undefined;
  let warming: StatusModel | undefined;
  /** How long the last refresh took: a model that takes long to read is read less often (see read). */
  let lastRefreshMs = 0;
  const refresh = () => {
    const started = Date.now();
    refreshing ??= computeStatus(deps)
      .then((model) => {
        lastRefreshMs = Date.now() - started;
        cached = { model, at: deps.now() };
        warming = undefined;
        return model;
      })
      .finally(() => { refreshing = undefined; });
    return refreshing;
  };
  return {
    async read() {
      if (!cached && input.warmupMs !== undefined) {
        const first = refresh();
        if (warming) {
          // Someone already waited the warm-up out: the model is still being read.
          first.catch(() => {});
          return warming;
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), input.warmupMs); });
        const model = await Promise.race([first, late]).finally(() => clearTimeout(timer));
        if (model) return model;
        first.catch(() => {});
        // One warming model for the whole wait, so its renderings are made once.
        warming ??= warmingStatus(deps);
        return warming;
      }
      if (!cached || cacheMs <= 0) return refresh();
      // At most every cacheMs, and no more than a quarter of the time spent refreshing: with 10,000 probes a
      // refresh takes seconds of queries, and back-to-back refreshes would starve the runs and the writer.
      if (deps.now() - cached.at >= Math.max(cacheMs, 3 * lastRefreshMs)) void refresh().catch(() => {});
      return cached.model;
    },
  };
}
