// The drill engine as Step Functions drives it: one `advance` per Lambda invocation, the run's state carried by the
// state machine from one invocation to the next and written to the table after every step (as `vigie start` does),
// the drill's lock held from the first step to the stored result. Built on the real engine (drills/): its store,
// kinds, `advance` and sweepers; the waiting between steps is the state machine's, not a process's.
//
// What `vigie start` does on start-up (recover, then sweep), an execution does at its first step, for its own drill:
// a run of the drill whose execution has ended (timed out, stopped, failed in Abandon) is taken over, stopped as
// interrupted and cleaned up by this execution, which then starts its own run; leftovers no run owns are deleted.
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { DrillResult } from "../core/result/index.ts";
import type { DrillEngine, DrillEngineContext } from "../core/runtime/index.ts";
// From the modules themselves, not the registry (drills/index.ts): it also exports the postgres kind's tools, which load pg.
import type { DrillClients } from "../drills/clients.ts";
import type { DrillConfig } from "../drills/config.ts";
import { advance, CLEANUP_GRACE_MS, newRun, stopRun } from "../drills/engine.ts";
import { DrillFault, DrillLockedError, UnknownDrillError } from "../drills/errors.ts";
import { resourceName, type DrillKind } from "../drills/kind.ts";
import { createDrillEngine, drillKinds } from "../drills/kinds.ts";
import type { RunState } from "../drills/run-state.ts";
import { checkRunState } from "../drills/run-state-check.ts";
import { arnRegion, awsClientOptions, perRegion } from "../core/runtime/aws-client-options.ts";

export interface DrillStepperOptions {
  /** The data folder of the postgres kind's local copies; default the Lambda's /tmp. */
  dataDir?: string;
  /** AWS clients of the cloud kinds (tests hand in mocked ones). */
  clients?: DrillClients;
  /**
   * Asks whether another execution still drives its run (DescribeExecution); serves every region when given. Else one
   * is built on first use per region, the execution's own (from its ARN): a drill's state machine is deployed in the
   * drill's region, not necessarily `clients.region` (the home region's).
   */
  sfn?: SFNClient;
  /** Called with each finished, stored result (alerting). */
  onResult?: (result: DrillResult) => Promise<void>;
  owner?: { host: string; pid: number };
}

type Step = { run?: RunState; next: { waitMs: number } | "done" };


/** The composition's drill engine factory: `createDrillEngine` on the same doc, table, config, clock and log. */
export function drillStepper(context: DrillEngineContext, options: DrillStepperOptions = {}): DrillEngine {
  const drills = (context.config.drills ?? []) as readonly DrillConfig[];
  const dataDir = options.dataDir ?? path.join(tmpdir(), "vigie");
  const engine = createDrillEngine({
    doc: context.doc, tableName: context.tableName, config: { drills }, dataDir, env: context.env, now: context.now, log: context.log,
    ...(options.clients ? { clients: options.clients } : {}),
  });
  const { store } = engine;
  const { log, now } = context;
  const kinds = drillKinds(options.clients) as Record<string, DrillKind<DrillConfig>>;
  const ctx = { now, dataDir: path.resolve(dataDir), env: context.env, log };
  const host = options.owner ?? { host: hostname(), pid: process.pid };
  // One client per region of the executions it asks about (a drill's machine is in the drill's region), loaded when a
  // run of the drill is found at an execution's first step, which is rare: not at every cold start.
  const sfnFor = perRegion<Promise<SFNClient>>(options.sfn && Promise.resolve(options.sfn), options.clients?.region, (region) =>
    import("@aws-sdk/client-sfn").then(({ SFNClient }) => new SFNClient(awsClientOptions(region))));
  const drillOf = (drillId: string) => {
    const drill = drills.find((d) => d.id === drillId);
    if (!drill) throw new UnknownDrillError(`no drill "${drillId}" in the config${drills.length ? ` (drills: ${drills.map((d) => d.id).join(", ")})` : ""}`);
    return drill;
  };
  const kindOf = (run: RunState) => {
    const kind = kinds[run.kind];
    if (!kind) throw new TypeError(`drill step: no drill kind "${run.kind}"`);
    return kind;
  };
  const runsOf = async (drillId: string) => (await store.activeRuns()).filter((run) => run.drillId === drillId);

  /** Why the run's driver is gone, or undefined while it may still be driving it (or we cannot tell). */
  async function driverGone(run: RunState, at: number): Promise<string | undefined> {
    const execution = run.owner.execution;
    if (!execution) return at > run.deadline ? `its driver (pid ${run.owner.pid} on ${run.owner.host}) let it pass its deadline` : undefined;
    try {
      const { DescribeExecutionCommand } = await import("@aws-sdk/client-sfn");
      const { status } = await (await sfnFor(arnRegion(execution))).send(new DescribeExecutionCommand({ executionArn: execution }));
      return status === "RUNNING" ? undefined : `the execution driving it (${execution}) is ${status ?? "?"}`;
    } catch (error) {
      if ((error as Error).name === "ExecutionDoesNotExist") return `the execution driving it (${execution}) no longer exists`;
      // Unsure is alive: a run is never taken from a driver that may still be stepping it (its lock expires anyway).
      log(`drill ${run.drillId}: run ${run.runId}: cannot tell whether ${execution} still drives it (${(error as Error).name}: ${(error as Error).message}); leaving it`);
      return undefined;
    }
  }

  /** One step of the run, stored; at its end the result is stored, the run deleted and the lock freed. */
  async function step(run: RunState): Promise<Step> {
    const { run: next, next: then } = await advance(run, { kind: kindOf(run), drill: drills.find((d) => d.id === run.drillId), ctx });
    await store.putRun(next);
    if (!("done" in then)) return { run: next, next: { waitMs: then.wait } };
    await store.putResult(then.done);
    await store.deleteRun(next);
    await store.unlock(next.drillId, next.runId);
    await options.onResult?.(then.done).catch((error: unknown) => log(`drill ${next.drillId}: alerting failed: ${(error as Error).message}`));
    // A run taken over from a dead execution is done: this execution goes on to the run it was started for.
    return next.owner.tookOverFrom ? { next: { waitMs: 0 } } : { run: next, next: "done" };
  }

  /** The last step failed outside the engine (a Lambda timeout, a crash): the run stops as an error, then cleans up. */
  async function abandon(given: RunState, failed: string): Promise<Step> {
    log(`drill ${given.drillId}: run ${given.runId}: a step failed (${failed}); stopping the run and cleaning up`);
    // The failed step may have stored a newer state (a resource recorded) before it died: the table's wins.
    const run = (await store.activeRuns()).find((stored) => stored.runId === given.runId) ?? given;
    if (run.phase !== "run") return { run, next: { waitMs: 30_000 } }; // a run already cleaning up just tries again
    const stopped = stopRun(run, kindOf(run).stages, now(), "error", new DrillFault("internal", `a drill step failed: ${failed}`));
    await store.putRun(stopped);
    return { run: stopped, next: { waitMs: 0 } };
  }

  /** Takes the drill's lock for `run`; a lock whose run is no longer in the table (a driver died freeing it) is replaced. */
  async function lockFor(run: RunState, at: number): Promise<void> {
    try {
      await store.lock(run.drillId, run.runId, at, run.deadline + 60_000);
    } catch (error) {
      if (!(error instanceof DrillLockedError)) throw error;
      // A run is stored before it takes the lock and deleted just before freeing it: a holder not in the table is stale.
      if ((await runsOf(run.drillId)).some((other) => other.runId === error.holder.runId)) throw error;
      log(`drill ${run.drillId}: the lock of run ${error.holder.runId} outlived its run; replacing it`);
      await store.unlock(run.drillId, error.holder.runId);
      await store.lock(run.drillId, run.runId, at, run.deadline + 60_000);
    }
  }

  /** The first step of an execution: go on with its own run, take over a dead one, or sweep and start a new run. */
  async function start(drillId: string, execution: string | undefined): Promise<Step> {
    const drill = drillOf(drillId);
    const at = now();
    const runs = (await runsOf(drillId)).sort((a, b) => a.createdAt - b.createdAt);
    // This execution's run already (the first step's answer was lost and Step Functions called it again): go on.
    const own = execution ? runs.find((run) => run.owner.execution === execution) : undefined;
    if (own) return step(own);
    const me = { ...host, ...(execution ? { execution } : {}) };
    for (const run of runs) {
      const why = await driverGone(run, at);
      if (!why) continue;
      log(`drill ${drillId}: run ${run.runId} was left unfinished: ${why}; this execution cleans it up, then starts its own`);
      const taken = { ...run, owner: { ...me, tookOverFrom: run.owner.execution ?? `pid ${run.owner.pid} on ${run.owner.host}` } };
      const stopped = stopRun(taken, kindOf(run).stages, at, "interrupted", new DrillFault("internal", `interrupted: ${why}`));
      await store.putRun(stopped);
      // Its lock (if it still holds it) lasts through the cleanup, so no new run starts meanwhile.
      await store.lock(drillId, run.runId, at, Math.max(run.deadline, at) + CLEANUP_GRACE_MS + 60_000).catch((error: unknown) => {
        if (!(error instanceof DrillLockedError)) throw error;
      });
      return { run: stopped, next: { waitMs: 0 } };
    }
    // Copies no run owns (a cleanup that failed, a run whose record is gone) go before a new copy is made.
    const live = new Set((await store.activeRuns()).map((run) => resourceName(run.drillId, run.runId)));
    try {
      const report = await kinds[drill.kind]?.sweep?.(ctx, live, [drill]);
      for (const id of report?.removed ?? []) log(`drill ${drillId}: sweeper: removed leftover ${id}`);
      for (const { id, why } of report?.refused ?? []) log(`drill ${drillId}: sweeper: left ${id} alone: ${why}`);
    } catch (error) {
      log(`drill ${drillId}: sweeping leftovers failed (${(error as Error).name}: ${(error as Error).message}); the run goes on`);
    }
    const run = newRun(drill, at, me);
    // Stored before the lock is taken, so a failed first step finds its run by the execution, and a lock whose run
    // is not in the table is known to be stale (lockFor).
    await store.putRun(run);
    try {
      await lockFor(run, at);
    } catch (error) {
      await store.deleteRun(run);
      throw error;
    }
    return step(run);
  }

  return {
    async advance({ drillId, run: given, failed, execution }) {
      if (given === undefined) {
        if (failed === undefined) return start(drillId, execution);
        // The first step failed: if it stored its run, that run is this execution's to clean up; else nothing is ours.
        const own = execution ? (await runsOf(drillId)).find((run) => run.owner.execution === execution) : undefined;
        if (!own) throw new Error(`drill ${drillId}: the run did not start: ${failed}`);
        return abandon(own, failed);
      }
      let run: RunState;
      try {
        run = checkRunState<RunState>(given);
      } catch (error) {
        throw new TypeError(`drill step: the run state handed back by the state machine is not a run: ${(error as Error).message}`, { cause: error });
      }
      if (run.drillId !== drillId) throw new TypeError(`drill step: the run belongs to drill "${run.drillId}", not "${drillId}"`);
      return failed !== undefined ? abandon(run, failed) : step(run);
    },
  };
}
