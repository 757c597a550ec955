// The drill engine: `advance` moves a persisted run one step (a stage step, or cleanup), and a driver loops it,
// holding the drill's lock and writing the state after every step, so any process can pick a run up again.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { formatDuration } from "../core/config/duration-text.ts";
import type { DrillResult, DrillStage } from "../core/result/index.ts";
import { DrillFault, UnknownDrillError } from "./errors.ts";
import type { CleanupReport, DrillKind, KindContext, StepResult, SweepReport } from "./kind.ts";
import { resourceName } from "./kind.ts";
import type { RunState } from "./run-state.ts";
import { RUN_STATE_VERSION } from "./run-state-check.ts";
import type { DrillStore } from "./store.ts";

/** The parts of a drill's config the engine reads, whatever its kind. */
export interface DrillCommon {
  id: string;
  kind: string;
  every: number;
  timeout: number;
  objectives: { rto: number; rpo: number };
}

export interface AdvanceDeps<D extends DrillCommon> {
  kind: DrillKind<D>;
  /** Undefined when the drill left the config while a run was in progress: the run is only cleaned up. */
  drill: D | undefined;
  ctx: KindContext;
}

export type Next = { wait: number } | { done: DrillResult };

/** How long past its deadline a cleanup that is still deleting things may keep going before it counts as failed. */
export const CLEANUP_GRACE_MS = 15 * 60_000;

/** Time kept back from a run's deadline for its cleanup: a tenth of the timeout, at most a minute. */
export const cleanupReserve = (timeoutMs: number) => Math.min(timeoutMs / 10, 60_000);

const iso = (ms: number) => new Date(ms).toISOString();
/** 41.2 s, 850 ms, 12.5m: how a person reads a measured time. */
export const humanMs = (ms: number) => (ms < 1_000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(Math.round(ms)));
const seconds = humanMs;

/** A new run, before its first step. The id sorts by creation time and names everything the run creates. */
export function newRun(drill: DrillCommon, at: number, owner: RunState["owner"]): RunState {
  const runId = `${at.toString(36)}${randomBytes(3).toString("hex")}`;
  return {
    v: RUN_STATE_VERSION, drillId: drill.id, kind: drill.kind, runId, owner, createdAt: at, t0: null,
    deadline: at + drill.timeout, phase: "run", stage: 0, stageStartedAt: null, stages: [], validation: [],
    readyAt: null, restorePoint: null, newestData: null, rpoFrom: null, resources: [], outcome: null, error: null,
    cleanup: { outcome: "pending" }, data: {}, result: null,
  };
}

function stageRecord(name: string, startedAt: number, at: number, outcome: DrillStage["outcome"], detail?: string): DrillStage {
  return { name, startedAt: iso(startedAt), durationMs: Math.max(0, at - startedAt), outcome, ...(detail ? { detail } : {}) };
}

/** Ends the run's work now (failure, timeout, interruption): the stage in progress fails, the rest are skipped. */
export function stopRun(run: RunState, stages: readonly string[], at: number, outcome: "error" | "interrupted", fault: DrillFault): RunState {
  if (run.phase !== "run") return run;
  const name = stages[run.stage] ?? "?";
  const records = [...run.stages];
  if (run.stageStartedAt !== null) records.push(stageRecord(name, run.stageStartedAt, at, "fail", fault.message));
  for (const skipped of stages.slice(run.stageStartedAt !== null ? run.stage + 1 : run.stage)) records.push(stageRecord(skipped, at, at, "skipped"));
  return {
    ...run, phase: "cleanup", stages: records, stageStartedAt: null, outcome,
    error: run.error ?? { category: fault.category, message: `${name}: ${fault.message}` },
  };
}

function merge(run: RunState, step: StepResult): RunState {
  return {
    ...run,
    data: step.data ? { ...run.data, ...step.data } : run.data,
    resources: step.resources ? [...run.resources, ...step.resources.filter((r) => !run.resources.some((o) => o.kind === r.kind && o.id === r.id))] : run.resources,
    validation: step.validation ?? run.validation,
    readyAt: step.readyAt ?? run.readyAt,
    restorePoint: step.restorePoint !== undefined ? step.restorePoint : run.restorePoint,
    newestData: step.newestData !== undefined ? step.newestData : run.newestData,
    rpoFrom: step.rpoFrom ?? run.rpoFrom,
  };
}

/** The DrillResult of a run whose cleanup has run. */
export function resultOf(run: RunState, drill: Pick<DrillCommon, "objectives"> | undefined, finishedAt: number): DrillResult {
  const objectives = { rtoMs: drill?.objectives.rto ?? 0, rpoMs: drill?.objectives.rpo ?? 0 };
  const t0 = run.t0;
  const allPassed = run.validation.every((check) => check.passed);
  const rtoMs = t0 !== null && run.readyAt !== null && allPassed ? run.readyAt - t0 : null;
  const rpoMs = t0 !== null && run.newestData !== null ? (run.rpoFrom ?? t0) - Date.parse(run.newestData) : null;
  let outcome = run.outcome;
  let error = run.error;
  if (!outcome) {
    const missed: string[] = [];
    if (rtoMs === null) missed.push("the copy never passed every check");
    else if (rtoMs > objectives.rtoMs) missed.push(`RTO ${seconds(rtoMs)} over its objective of ${seconds(objectives.rtoMs)}`);
    if (rpoMs === null) missed.push("RPO could not be measured");
    else if (rpoMs > objectives.rpoMs) missed.push(`RPO ${seconds(rpoMs)} over its objective of ${seconds(objectives.rpoMs)}`);
    outcome = missed.length === 0 && allPassed ? "pass" : "fail";
    if (outcome === "fail") error ??= { category: "validate", message: missed.join("; ") };
  }
  if (run.cleanup.outcome === "failed") {
    const message = `cleanup failed, left behind: ${run.cleanup.message ?? "unknown"}`;
    error = error ? { category: "cleanup", message: `${message} (and ${error.category}: ${error.message})` } : { category: "cleanup", message };
    if (outcome !== "interrupted") outcome = "error";
  }
  return {
    drillId: run.drillId, kind: run.kind, runId: run.runId,
    startedAt: iso(t0 ?? run.createdAt), finishedAt: iso(finishedAt), outcome, objectives,
    achieved: { rtoMs, rpoMs, restorePoint: run.restorePoint, newestData: run.newestData },
    stages: run.stages, validation: run.validation,
    cleanup: { outcome: run.cleanup.outcome, resources: run.resources },
    ...(error ? { error } : {}),
  };
}

/**
 * One step of a run: a step of its current stage, or its cleanup. Returns the state to persist and either how long
 * to wait before the next call or the finished DrillResult. Nothing is kept in memory between calls.
 */
export async function advance<D extends DrillCommon>(run: RunState, deps: AdvanceDeps<D>): Promise<{ run: RunState; next: Next }> {
  const { kind, drill, ctx } = deps;
  const at = ctx.now();
  if (run.phase === "finished") {
    if (!run.result) throw new DrillFault("internal", `run ${run.runId} is finished but has no result`);
    return { run, next: { done: run.result } };
  }
  if (run.phase === "run") {
    if (!drill) return { run: stopRun(run, kind.stages, at, "interrupted", new DrillFault("config", "the drill is no longer in the config")), next: { wait: 0 } };
    const workDeadline = run.deadline - cleanupReserve(drill.timeout);
    if (at >= workDeadline) {
      const fault = new DrillFault("timeout", `the run's ${formatDuration(drill.timeout)} timeout came (cleanup keeps the last ${formatDuration(cleanupReserve(drill.timeout))})`);
      return { run: stopRun(run, kind.stages, at, "error", fault), next: { wait: 0 } };
    }
    const name = kind.stages[run.stage]!;
    let current: RunState = run.stageStartedAt === null ? { ...run, stageStartedAt: at, t0: run.t0 ?? at } : run;
    let step: StepResult;
    try {
      step = await kind.step(name, drill, current, ctx);
    } catch (error) {
      const fault = error instanceof DrillFault ? error : new DrillFault("internal", (error as Error).message ?? String(error), { cause: error });
      step = { status: "failed", fault };
    }
    current = merge(current, step);
    const after = ctx.now();
    if (step.status === "wait") return { run: current, next: { wait: Math.max(0, Math.min(step.ms, workDeadline - after)) } };
    if (step.status === "failed" && step.fatal !== false) {
      return { run: stopRun(current, kind.stages, after, "error", step.fault), next: { wait: 0 } };
    }
    const record = stageRecord(name, current.stageStartedAt!, after, step.status === "done" ? "pass" : "fail", step.status === "failed" ? step.fault.message : step.detail);
    const last = current.stage + 1 >= kind.stages.length;
    current = {
      ...current, stages: [...current.stages, record], stageStartedAt: null, stage: current.stage + 1, phase: last ? "cleanup" : "run",
      ...(step.status === "failed" ? { error: current.error ?? { category: step.fault.category, message: `${name}: ${step.fault.message}` } } : {}),
    };
    return { run: current, next: { wait: 0 } };
  }
  // Cleanup: always, whatever happened before; its time is not part of RTO. It may take several steps (a
  // cluster can only go once its instance has), up to CLEANUP_GRACE_MS past the deadline.
  const cleanupStart = run.stageStartedAt ?? at;
  let report: CleanupReport;
  try {
    report = await kind.cleanup(drill, run, ctx);
  } catch (error) {
    report = { ok: false, message: (error as Error).message };
  }
  const finishedAt = ctx.now();
  if (report.retryAfterMs !== undefined) {
    if (finishedAt < run.deadline + CLEANUP_GRACE_MS) return { run: { ...run, stageStartedAt: cleanupStart }, next: { wait: report.retryAfterMs } };
    report = { ok: false, message: `still being deleted ${formatDuration(CLEANUP_GRACE_MS)} past the deadline: ${report.message ?? "?"}` };
  }
  const cleaned: RunState = {
    ...run,
    stageStartedAt: null,
    stages: [...run.stages, stageRecord("cleanup", cleanupStart, finishedAt, report.ok ? "pass" : "fail", report.ok ? undefined : report.message)],
    cleanup: report.ok ? { outcome: "done" } : { outcome: "failed", message: report.message ?? "unknown" },
  };
  const result = resultOf(cleaned, drill, finishedAt);
  return { run: { ...cleaned, phase: "finished", result }, next: { done: result } };
}

export interface DriveOptions {
  signal?: AbortSignal | undefined;
  /** Called with the state after every step (the CLI draws stages from it); a promise it returns is awaited. */
  onProgress?: ((run: RunState) => void | Promise<void>) | undefined;
}

export interface EngineDeps<D extends DrillCommon> {
  store: DrillStore;
  drills: readonly D[];
  kinds: Record<string, DrillKind<D>>;
  ctx: KindContext;
  /** Called with each finished result once it is stored (alerting). */
  onResult?: ((result: DrillResult) => Promise<void>) | undefined;
  owner?: RunState["owner"];
  /** How the driver waits between steps. Default: a timer, cut short by the abort signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const timerSleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  if (ms <= 0 || signal?.aborted) return resolve();
  const timer = setTimeout(done, ms);
  function done() {
    clearTimeout(timer);
    signal?.removeEventListener("abort", done);
    resolve();
  }
  signal?.addEventListener("abort", done, { once: true });
});

export interface DrillEngine {
  /** Runs one drill now to its end (cleanup included); throws DrillLockedError while another run holds its lock. */
  run(drillId: string, options?: DriveOptions): Promise<DrillResult>;
  /** Cleans up and records as interrupted every run whose driver is gone (died on this host, or past its deadline). */
  recover(): Promise<DrillResult[]>;
  /** Removes leftovers no run owns (after `recover`). */
  sweep(): Promise<SweepReport>;
  store: DrillStore;
  drills: readonly DrillCommon[];
}

export function createEngine<D extends DrillCommon>(deps: EngineDeps<D>): DrillEngine {
  const { store, ctx } = deps;
  const owner = deps.owner ?? { host: hostname(), pid: process.pid };
  const sleep = deps.sleep ?? timerSleep;
  const byId = new Map(deps.drills.map((drill) => [drill.id, drill]));
  const kindOf = (name: string) => {
    const kind = deps.kinds[name];
    if (!kind) throw new DrillFault("config", `no drill kind "${name}"`);
    return kind;
  };

  /** Steps a run to its end, persisting after every step. */
  async function drive(start: RunState, options: DriveOptions = {}): Promise<DrillResult> {
    const kind = kindOf(start.kind);
    const drill = byId.get(start.drillId);
    let run = start;
    for (;;) {
      if (options.signal?.aborted && run.phase === "run") {
        const why = String((options.signal.reason as Error | undefined)?.message ?? options.signal.reason ?? "aborted");
        run = stopRun(run, kind.stages, ctx.now(), "interrupted", new DrillFault("internal", `interrupted (${why})`));
        await store.putRun(run);
        await options.onProgress?.(run);
      }
      const { run: next, next: then } = await advance(run, { kind, drill, ctx });
      run = next;
      await store.putRun(run);
      await options.onProgress?.(run);
      if ("done" in then) {
        await store.putResult(then.done);
        await store.deleteRun(run);
        await store.unlock(run.drillId, run.runId);
        await deps.onResult?.(then.done).catch((error: unknown) => ctx.log(`drill ${run.drillId}: alerting failed: ${(error as Error).message}`));
        return then.done;
      }
      await sleep(then.wait, options.signal);
    }
  }

  const ownerGone = (run: RunState, at: number) =>
    at > run.deadline || (run.owner.host === owner.host && run.owner.pid !== owner.pid && !pidAlive(run.owner.pid));

  return {
    store,
    drills: deps.drills,
    async run(drillId, options = {}) {
      const drill = byId.get(drillId);
      if (!drill) throw new UnknownDrillError(`no drill "${drillId}" in the config${deps.drills.length ? ` (drills: ${deps.drills.map((d) => d.id).join(", ")})` : ""}`);
      kindOf(drill.kind);
      const at = ctx.now();
      const run = newRun(drill, at, owner);
      // The lock outlives the deadline a little, so a crashed run's lock frees itself even if no one recovers it.
      await store.lock(drill.id, run.runId, at, run.deadline + 60_000);
      let latest = run;
      try {
        await store.putRun(run);
        return await drive(run, { ...options, onProgress: (state) => { latest = state; return options.onProgress?.(state); } });
      } catch (error) {
        // Our own fault (the store failed, say): what the run made is still deleted, and the lock freed if we can.
        if (latest.phase !== "finished") {
          const report = await kindOf(drill.kind).cleanup(drill, latest, ctx).catch((e: unknown) => ({ ok: false, message: (e as Error).message }));
          ctx.log(`drill ${drill.id}: run ${run.runId} failed (${(error as Error).message}); cleanup ${report.ok ? "done" : `failed: ${report.message ?? "?"}`}`);
        }
        await store.unlock(drill.id, run.runId).catch(() => {});
        throw error;
      }
    },
    async recover() {
      const at = ctx.now();
      const results: DrillResult[] = [];
      for (const run of await store.activeRuns()) {
        if (!ownerGone(run, at)) continue;
        const kind = kindOf(run.kind);
        ctx.log(`drill ${run.drillId}: run ${run.runId} was left unfinished by pid ${run.owner.pid}; cleaning it up`);
        const stopped = stopRun(run, kind.stages, at, "interrupted", new DrillFault("internal", `interrupted: the process running it (pid ${run.owner.pid} on ${run.owner.host}) stopped`));
        results.push(await drive(stopped));
      }
      return results;
    },
    async sweep() {
      const live = new Set((await store.activeRuns()).map((run) => resourceName(run.drillId, run.runId)));
      const report: SweepReport = { removed: [], refused: [] };
      // Only the kinds in use, each for its own drills: a postgres-only config never reaches for AWS credentials.
      for (const name of new Set(deps.drills.map((drill) => drill.kind))) {
        const swept = await deps.kinds[name]?.sweep?.(ctx, live, deps.drills.filter((drill) => drill.kind === name));
        report.removed.push(...(swept?.removed ?? []));
        report.refused.push(...(swept?.refused ?? []));
      }
      for (const id of report.removed) ctx.log(`drill sweeper: removed leftover ${id}`);
      for (const { id, why } of report.refused) ctx.log(`drill sweeper: left ${id} alone: ${why}`);
      return report;
    },
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
