// SLO arithmetic: per-probe good/bad counts in minute and hour rings, error budget and multi-window burn rates.
//
// Counts live in the probe's alert state (no reads of raw runs), so one result costs a few array
// writes and one burn check about 175 additions per objective. Windows are bucket-aligned: the
// 5 m / 30 m / 1 h windows sum minute buckets, the 6 h / 3 d / budget windows sum hour buckets
// including the current, partial hour, so a "6 h" window spans between 5 and 6 hours.
import type { ProbeResult } from "../result/probe-result.ts";
import { latencyMs } from "../result/latency.ts";
import type { Slo } from "./schema.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const MINUTES_KEPT = 60;

export interface SloObjective {
  /** Stable key within a probe, e.g. "availability" or "latency-p95-200" (part of incident ids). */
  key: string;
  /** A person's words, e.g. "availability 99.9% over 30d". */
  label: string;
  kind: "availability" | "latency";
  /** Share of runs that must be good, 0..1. */
  target: number;
  /** Latency objectives: a run slower than this is bad. */
  thresholdMs?: number | undefined;
  windowMs: number;
}

/** Counts kept in the alert state; plain arrays so the state is JSON. Index i of `bad` is objective i. */
export interface SloCounts {
  /** Epoch minute / hour of the newest bucket. */
  minute: number;
  hour: number;
  minuteTotal: number[];
  minuteBad: number[][];
  hourTotal: number[];
  hourBad: number[][];
  /**
   * By region, then by objective: start times (epoch ms, newest first) of its latest bad runs, as
   * many as the probe's `after`. Says which regions a burn comes from (see `BurnEvidence`).
   * Absent in states written before it existed: filled by the next bad runs.
   */
  recentBad?: Record<string, number[][]> | undefined;
}

/**
 * What a burn-rate alert needs besides the rates, from the probe's schedule and alert policy.
 *
 * Synthetic probes make few runs, and a window can hold far fewer than the schedule implies (a
 * young history, a restart after a pause, an hourly probe): over one run, one failure is a 1000×
 * burn. So each window's run count is taken as at least what the schedule makes in it, and a pair
 * fires only when `quorum` regions each had `after` bad runs within its long window: the same
 * evidence the down rule asks for, without asking that they be consecutive.
 */
export interface BurnEvidence {
  /** Runs the probe makes per hour across its regions (regions × 1 h / every). */
  runsPerHour: number;
  /** The probe's regions: bad runs from a region it no longer runs in are not evidence. */
  regions: readonly string[];
  quorum: number;
  after: number;
}

export type BurnWindow = "5m" | "30m" | "1h" | "6h" | "3d";

export interface ObjectiveStatus {
  key: string;
  label: string;
  kind: "availability" | "latency";
  target: number;
  windowMs: number;
  total: number;
  bad: number;
  /** Good share over the window, or undefined with no runs. */
  sli: number | undefined;
  /** Error budget left over the window: 1 = untouched, 0 = spent, below 0 = overspent. */
  budgetRemaining: number;
  burnRates: Record<BurnWindow, number>;
  /** "page" when the 14.4×(1h&5m) or 6×(6h&30m) pair fires, "ticket" when 1×(3d&6h) does. */
  alert: "page" | "ticket" | undefined;
}

const LATENCY_KEYS = [["p50Ms", 50], ["p90Ms", 90], ["p95Ms", 95], ["p99Ms", 99]] as const;

/**
 * A percentage as the fraction the user meant: 99.9 → 0.999, where `99.9 / 100` is 0.9990000000000001. Shifting
 * the decimal point in the number's own text keeps its digits, so what /v1/status serves is what the user wrote.
 */
export function percentToFraction(percent: number): number {
  const [digits, exponent = "0"] = String(percent).split("e");
  return Number(`${digits}e${Number(exponent) - 2}`);
}

/** The objectives that apply to a probe, from every SLO naming it or one of its tags. */
export function objectivesFor(probe: { id: string; tags: readonly string[] }, slos: readonly Slo[]): SloObjective[] {
  const objectives: SloObjective[] = [];
  const days = (ms: number) => `${Math.round(ms / 86_400_000)}d`;
  for (const slo of slos) {
    const applies = (slo.probes ?? []).includes(probe.id) || (slo.tags ?? []).some((tag) => probe.tags.includes(tag));
    if (!applies) continue;
    if (slo.availability !== undefined) {
      objectives.push({ key: `availability-${slo.availability}-${days(slo.window)}`, label: `availability ${slo.availability}% over ${days(slo.window)}`, kind: "availability", target: percentToFraction(slo.availability), windowMs: slo.window });
    }
    for (const [name, percent] of LATENCY_KEYS) {
      const bound = slo.latency?.[name];
      if (bound === undefined) continue;
      objectives.push({ key: `latency-p${percent}-${bound}-${days(slo.window)}`, label: `p${percent} ≤ ${bound} ms over ${days(slo.window)}`, kind: "latency", target: percentToFraction(percent), thresholdMs: bound, windowMs: slo.window });
    }
  }
  // Two SLOs may state the same objective (by id and by tag); count it once.
  return objectives.filter((objective, index) => objectives.findIndex((other) => other.key === objective.key) === index);
}

export function emptyCounts(objectives: readonly SloObjective[], now: number): SloCounts {
  const hours = Math.max(...objectives.map((objective) => Math.ceil(objective.windowMs / HOUR)), 72);
  return {
    minute: Math.floor(now / MINUTE),
    hour: Math.floor(now / HOUR),
    minuteTotal: new Array(MINUTES_KEPT).fill(0),
    minuteBad: objectives.map(() => new Array(MINUTES_KEPT).fill(0)),
    hourTotal: new Array(hours).fill(0),
    hourBad: objectives.map(() => new Array(hours).fill(0)),
  };
}

/** Moves a ring's head to `index`, zeroing skipped buckets; returns the new head. */
function roll(head: number, index: number, rings: number[][]): number {
  if (index <= head) return head;
  const size = rings[0]!.length;
  for (let i = Math.max(head + 1, index - size + 1); i <= index; i++) for (const ring of rings) ring[i % size] = 0;
  return index;
}

/**
 * Counts one run (mutates `counts`): whether it was bad for each objective. Runs older than a ring
 * are left out of it. `from` names the run's region and how many bad-run times to keep for it (the probe's `after`).
 */
export function countRun(counts: SloCounts, objectives: readonly SloObjective[], at: number, bad: readonly boolean[], from?: { region: string; keep: number }): void {
  if (from && bad.some(Boolean)) {
    const byObjective = ((counts.recentBad ??= {})[from.region] ??= []);
    objectives.forEach((_, i) => {
      if (!bad[i]) return;
      const times = byObjective[i] ?? [];
      byObjective[i] = [...times, at].sort((a, b) => b - a).slice(0, Math.max(1, from.keep));
    });
    for (let i = 0; i < objectives.length; i++) byObjective[i] ??= [];
  }
  const minute = Math.floor(at / MINUTE);
  const hour = Math.floor(at / HOUR);
  counts.minute = roll(counts.minute, minute, [counts.minuteTotal, ...counts.minuteBad]);
  counts.hour = roll(counts.hour, hour, [counts.hourTotal, ...counts.hourBad]);
  if (counts.minute - minute < MINUTES_KEPT) {
    const slot = minute % MINUTES_KEPT;
    counts.minuteTotal[slot]! += 1;
    objectives.forEach((_, i) => { if (bad[i]) counts.minuteBad[i]![slot]! += 1; });
  }
  const size = counts.hourTotal.length;
  if (counts.hour - hour < size) {
    const slot = hour % size;
    counts.hourTotal[slot]! += 1;
    objectives.forEach((_, i) => { if (bad[i]) counts.hourBad[i]![slot]! += 1; });
  }
}

/** Whether a run is bad for an objective. */
export function isBad(objective: SloObjective, run: Pick<ProbeResult, "outcome" | "durationMs" | "http" | "browser">): boolean {
  if (objective.kind === "availability") return run.outcome === "fail";
  return run.outcome === "fail" || latencyMs(run) > objective.thresholdMs!;
}

/** Sum of the last `count` buckets ending at `nowIndex` that the ring still holds. */
function sumRing(ring: readonly number[], head: number, nowIndex: number, count: number): number {
  const size = ring.length;
  let sum = 0;
  const from = Math.max(nowIndex - count + 1, head - size + 1);
  const to = Math.min(nowIndex, head);
  for (let i = from; i <= to; i++) sum += ring[i % size]!;
  return sum;
}

function burn(bad: number, total: number, target: number): number {
  return total === 0 ? 0 : bad / total / (1 - target);
}

/** Burn rates, budget and alert tier of one objective at `now`. */
export function objectiveStatus(counts: SloCounts, objectives: readonly SloObjective[], index: number, now: number, evidence: BurnEvidence): ObjectiveStatus {
  return assess(counts, objectives, index, now, evidence).status;
}

/** Which burn-rate alerts of one objective fire at `now`: the page pair and, apart from it, the ticket pair. */
export function burnAlerts(counts: SloCounts, objectives: readonly SloObjective[], index: number, now: number, evidence: BurnEvidence): { page: boolean; ticket: boolean } {
  const { page, ticket } = assess(counts, objectives, index, now, evidence);
  return { page, ticket };
}

function assess(counts: SloCounts, objectives: readonly SloObjective[], index: number, now: number, evidence: BurnEvidence): { status: ObjectiveStatus; page: boolean; ticket: boolean } {
  const objective = objectives[index]!;
  const minute = Math.floor(now / MINUTE);
  const hour = Math.floor(now / HOUR);
  // A window of n buckets starts at the start of the (n-1)th bucket before the current one.
  const minutesFrom = (n: number) => (minute - n + 1) * MINUTE;
  const hoursFrom = (n: number) => (hour - n + 1) * HOUR;
  const expected = (from: number) => (evidence.runsPerHour * Math.max(0, now - from)) / HOUR;
  const byMinutes = (n: number) => burn(sumRing(counts.minuteBad[index]!, counts.minute, minute, n), Math.max(sumRing(counts.minuteTotal, counts.minute, minute, n), expected(minutesFrom(n))), objective.target);
  const byHours = (n: number) => burn(sumRing(counts.hourBad[index]!, counts.hour, hour, n), Math.max(sumRing(counts.hourTotal, counts.hour, hour, n), expected(hoursFrom(n))), objective.target);
  const burnRates = { "5m": byMinutes(5), "30m": byMinutes(30), "1h": byMinutes(60), "6h": byHours(6), "3d": byHours(72) };
  const regionsBadSince = (from: number) => evidence.regions.filter((region) => {
    const times = counts.recentBad?.[region]?.[index] ?? [];
    return times.length >= evidence.after && times[evidence.after - 1]! >= from;
  }).length;
  const evidenced = (from: number) => regionsBadSince(from) >= evidence.quorum;
  const windowHours = Math.ceil(objective.windowMs / HOUR);
  const total = sumRing(counts.hourTotal, counts.hour, hour, windowHours);
  const bad = sumRing(counts.hourBad[index]!, counts.hour, hour, windowHours);
  const allowed = (1 - objective.target) * total;
  const page = (burnRates["1h"] >= 14.4 && burnRates["5m"] >= 14.4 && evidenced(minutesFrom(60)))
    || (burnRates["6h"] >= 6 && burnRates["30m"] >= 6 && evidenced(hoursFrom(6)));
  const ticket = burnRates["3d"] >= 1 && burnRates["6h"] >= 1 && evidenced(hoursFrom(72));
  const status: ObjectiveStatus = {
    key: objective.key,
    label: objective.label,
    kind: objective.kind,
    target: objective.target,
    windowMs: objective.windowMs,
    total,
    bad,
    sli: total === 0 ? undefined : (total - bad) / total,
    budgetRemaining: total === 0 ? 1 : 1 - bad / allowed,
    burnRates,
    alert: page ? "page" : ticket ? "ticket" : undefined,
  };
  return { status, page, ticket };
}
