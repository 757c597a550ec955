// The drill engine as Step Functions drives it: one `advance` per Lambda invocation, the run's state carried by the
// state machine from one invocation to the next and written to the table after every step (as `vigie start` does),
// the drill's lock held from the first step to the stored result. Built on the real engine (drills/): its store,
// kinds and `advance`; the waiting between steps is the state machine's, not a process's.
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import type { DrillResult } from "../core/result/index.ts";
import type { DrillEngine, DrillEngineContext } from "../core/runtime/index.ts";
import { advance, createDrillEngine, DrillFault, drillKinds, newRun, RunState, stopRun, UnknownDrillError, type DrillClients, type DrillConfig, type DrillKind } from "../drills/index.ts";

export interface DrillStepperOptions {
  /** The data folder of the postgres kind's local copies; default the Lambda's /tmp. */
  dataDir?: string;
  /** AWS clients of the cloud kinds (tests hand in mocked ones). */
  clients?: DrillClients;
  /** Called with each finished, stored result (alerting). */
  onResult?: (result: DrillResult) => Promise<void>;
  owner?: { host: string; pid: number };
}

/** The composition's drill engine factory: `createDrillEngine` on the same doc, table, config, clock and log. */
export function drillStepper(context: DrillEngineContext, options: DrillStepperOptions = {}): DrillEngine {
  const drills = (context.config.drills ?? []) as readonly DrillConfig[];
  const dataDir = options.dataDir ?? path.join(tmpdir(), "vigie");
  const engine = createDrillEngine({
    doc: context.doc, tableName: context.tableName, config: { drills }, dataDir, env: context.env, now: context.now, log: context.log,
    ...(options.clients ? { clients: options.clients } : {}),
  });
  const { store } = engine;
  const kinds = drillKinds(options.clients) as Record<string, DrillKind<DrillConfig>>;
  const ctx = { now: context.now, dataDir: path.resolve(dataDir), env: context.env, log: context.log };
  const owner = options.owner ?? { host: hostname(), pid: process.pid };
  const drillOf = (drillId: string) => {
    const drill = drills.find((d) => d.id === drillId);
    if (!drill) throw new UnknownDrillError(`no drill "${drillId}" in the config${drills.length ? ` (drills: ${drills.map((d) => d.id).join(", ")})` : ""}`);
    return drill;
  };

  return {
    async advance({ drillId, run: given, failed }) {
      let run: RunState;
      // A first step that failed has no run of its own (the lock was held, say): nothing here is ours to stop.
      if (failed !== undefined && given === undefined) throw new Error(`drill ${drillId}: the run did not start: ${failed}`);
      if (given === undefined) {
        // The first step: a new run, under the drill's lock (a run still going makes this execution fail, saying so).
        const drill = drillOf(drillId);
        const at = context.now();
        run = newRun(drill, at, owner);
        await store.lock(drill.id, run.runId, at, run.deadline + 60_000);
        await store.putRun(run);
      } else {
        const parsed = RunState.safeParse(given);
        if (!parsed.success) throw new TypeError(`drill step: the run state handed back by the state machine is not a run: ${parsed.error.issues[0]?.message ?? "?"}`);
        run = parsed.data;
        if (run.drillId !== drillId) throw new TypeError(`drill step: the run belongs to drill "${run.drillId}", not "${drillId}"`);
      }
      const kind = kinds[run.kind];
      if (!kind) throw new TypeError(`drill step: no drill kind "${run.kind}"`);
      if (failed !== undefined) {
        // The last step failed outside the engine (a Lambda timeout, a crash): the run stops as an error, then the
        // loop goes on with its cleanup. A run already cleaning up just tries again.
        context.log(`drill ${run.drillId}: run ${run.runId}: a step failed (${failed}); stopping the run and cleaning up`);
        // The failed step may have stored a newer state (a resource recorded) before it died: the table's wins.
        run = (await store.activeRuns()).find((stored) => stored.runId === run.runId) ?? run;
        if (run.phase === "run") {
          run = stopRun(run, kind.stages, context.now(), "error", new DrillFault("internal", `a drill step failed: ${failed}`));
          await store.putRun(run);
          return { run, next: { waitMs: 0 } };
        }
        return { run, next: { waitMs: 30_000 } };
      }
      // A drill that left the config mid-run is only cleaned up (the engine's rule).
      const { run: next, next: then } = await advance(run, { kind, drill: drills.find((d) => d.id === run.drillId), ctx });
      await store.putRun(next);
      if ("done" in then) {
        await store.putResult(then.done);
        await store.deleteRun(next);
        await store.unlock(next.drillId, next.runId);
        await options.onResult?.(then.done).catch((error: unknown) => context.log(`drill ${next.drillId}: alerting failed: ${(error as Error).message}`));
        return { run: next, next: "done" };
      }
      return { run: next, next: { waitMs: then.wait } };
    },
  };
}
