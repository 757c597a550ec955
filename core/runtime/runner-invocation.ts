// What one invocation of a regional runner does: pick its probes (this kind, this region, this frequency group, or the
// ones `vigie test --remote` names), run them as a group, and store the results in the home table or queue them.
import { notADuration, parseDuration } from "../config/duration-text.ts";
import type { ProbeResult } from "../result/probe-result.ts";
import { sanitizeResult } from "../store/sanitize.ts";
import type { ResultStore } from "../store/results-store.ts";
import { runGroup, type GroupProbe } from "./run-group.ts";
import { storeOrQueue, type EnqueueResults, type SinkOutcome } from "./result-sink.ts";

export type RunnerEvent = { mode: "scheduled"; every: number } | { mode: "test"; probes?: string[] | undefined };

/**
 * A runner's input: the schedule's `{ every }` (its frequency group), or `{ mode: "test", probes? }`; else a clear
 * error. Checked by hand, not with the config's schema library: this is on the runners' cold path (see
 * core/plan/runner-group.ts), and the probe ids a test names are checked against the deployed group anyway.
 */
export function parseRunnerEvent(event: unknown): RunnerEvent {
  const problems: string[] = [];
  let parsed: RunnerEvent | undefined;
  if (typeof event !== "object" || event === null || Array.isArray(event)) problems.push("event: must be an object");
  else {
    const { mode = "scheduled", every, probes, ...rest } = event as Record<string, unknown>;
    const extra = (key: string) => problems.push(`${key}: not a key of a ${String(mode)} event`);
    Object.keys(rest).forEach(extra);
    if (mode === "test") {
      if (every !== undefined) extra("every");
      if (probes !== undefined && !(Array.isArray(probes) && probes.every((id) => typeof id === "string" && id !== ""))) problems.push("probes: must be a list of probe ids");
      parsed = { mode, ...(probes !== undefined ? { probes: probes as string[] } : {}) };
    } else if (mode === "scheduled") {
      if (probes !== undefined) extra("probes");
      const ms = typeof every === "string" ? parseDuration(every) : undefined;
      if (typeof every !== "string") problems.push("every: must be a duration string");
      else if (ms === undefined || ms <= 0) problems.push(`every: ${notADuration(every)}`);
      parsed = { mode, every: ms ?? 0 };
    } else problems.push(`mode: must be "scheduled" or "test", not ${JSON.stringify(mode)}`);
  }
  if (parsed && problems.length === 0) return parsed;
  throw new Error(`runner event refused: ${problems.join("; ")} (expected { every: "1m" } or { mode: "test", probes?: [...] })`);
}

export interface RunnerProbe extends GroupProbe {
  regions: readonly string[];
}

/** What the Lambda runtime tells a handler about its time. */
export interface RunnerContext {
  getRemainingTimeInMillis?: () => number;
}

export interface InvocationDeps<P extends RunnerProbe> {
  probes: readonly P[];
  kind: string;
  region: string;
  run(probe: P): Promise<ProbeResult>;
  store: Pick<ResultStore, "write">;
  enqueue: EnqueueResults;
  /** Secret values to scrub from stored results. */
  secrets: readonly string[];
  /** Whether a probe is in a maintenance window at an instant: such runs are stored marked. */
  inMaintenance(probeId: string, at: number): boolean;
  now: () => number;
  sleep(ms: number): Promise<void>;
  log: (line: string) => void;
  concurrency?: number;
  spreadMs?: number;
  /**
   * Work to finish before the first probe of an invocation that runs any (the HTTP runner's warm-up), awaited for
   * `PREPARE_MAX_MS` at most and never past the deadline: the spread of starts and the deadline's checks come after it.
   */
  prepare?: () => Promise<void>;
}

export type InvocationOutcome =
  | ({ mode: "scheduled"; region: string; ran: number } & SinkOutcome)
  | { mode: "test"; region: string; results: ProbeResult[] };

/** The longest an invocation waits for `prepare`; past it, the probes run and a warning is logged. */
export const PREPARE_MAX_MS = 2_000;

/** Awaits `deps.prepare`, bounded by PREPARE_MAX_MS and the deadline (a real timer: a safety net, not pacing). */
async function prepared(deps: Pick<InvocationDeps<RunnerProbe>, "prepare" | "now" | "log">, deadline: number): Promise<void> {
  if (!deps.prepare) return;
  const budget = Math.max(0, Math.min(PREPARE_MAX_MS, deadline - deps.now()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), budget);
    timer.unref?.();
  });
  const outcome = await Promise.race([deps.prepare().then(() => "done" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") deps.log(JSON.stringify({ level: "warn", msg: `preparing the probes took over ${budget} ms: they run without waiting for it` }));
}

/** Time kept at the end of an invocation to store (or queue) the results. */
export const STORE_RESERVE_MS = 5_000;
const DEFAULT_REMAINING_MS = 60_000;
const MINUTE = 60_000;

/** The probes of a group: this kind, running in this region, every `every`. */
export function groupProbes<P extends RunnerProbe>(probes: readonly P[], kind: string, region: string, every: number): P[] {
  return probes.filter((probe) => probe.kind === kind && probe.every === every && probe.regions.includes(region));
}

export async function runInvocation<P extends RunnerProbe>(event: RunnerEvent, deps: InvocationDeps<P>, context?: RunnerContext): Promise<InvocationOutcome> {
  const start = deps.now();
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_REMAINING_MS;
  const deadline = start + remaining - STORE_RESERVE_MS;
  const group = { region: deps.region, run: deps.run, now: deps.now, sleep: deps.sleep, deadline, concurrency: deps.concurrency, spreadMs: deps.spreadMs };
  if (event.mode === "test") {
    const wanted = event.probes ? new Set(event.probes) : undefined;
    const unknown = event.probes?.filter((id) => !deps.probes.some((probe) => probe.id === id)) ?? [];
    if (unknown.length > 0) throw new Error(`no such probe in the deployed config: ${unknown.join(", ")}`);
    const probes = deps.probes.filter((probe) => probe.kind === deps.kind && (!wanted || wanted.has(probe.id)));
    if (probes.length > 0) await prepared(deps, deadline);
    const results = await runGroup(probes, { ...group, spreadMs: 0 });
    return { mode: "test", region: deps.region, results: results.map((result) => sanitizeResult(result, deps.secrets)) };
  }
  const probes = groupProbes(deps.probes, deps.kind, deps.region, event.every);
  // The finest schedule is one minute: a group every 30 s runs twice an invocation, at 0 and 30 s.
  const rounds = event.every < MINUTE && MINUTE % event.every === 0 ? MINUTE / event.every : 1;
  const outcome: SinkOutcome = { stored: 0, queued: 0 };
  let ran = 0;
  if (probes.length > 0) await prepared(deps, deadline);
  for (let round = 0; round < rounds; round++) {
    const wait = start + round * event.every - deps.now();
    if (wait > 0) await deps.sleep(wait);
    const results = (await runGroup(probes, group)).map((result) => {
      const marked = deps.inMaintenance(result.probeId, Date.parse(result.startedAt)) ? { ...result, maintenance: true } : result;
      return sanitizeResult(marked, deps.secrets);
    });
    ran += results.length;
    const timeoutMs = Math.max(1_000, Math.min(STORE_RESERVE_MS, start + remaining - deps.now() - 1_000));
    const sunk = await storeOrQueue(results, { store: deps.store, enqueue: deps.enqueue, timeoutMs });
    if (sunk.error) deps.log(JSON.stringify({ level: "warn", msg: "results queued: the table did not take them", queued: sunk.queued, error: sunk.error }));
    outcome.stored += sunk.stored;
    outcome.queued += sunk.queued;
    if (sunk.error) outcome.error = sunk.error;
  }
  return { mode: "scheduled", region: deps.region, ran, ...outcome };
}
