// What a drill kind implements: its stages, one step at a time, and a cleanup that only deletes what the run made.
import type { AssertionResult, DrillResource } from "../core/result/index.ts";
import type { DrillFault } from "./errors.ts";
import type { RunState } from "./run-state.ts";

export interface KindContext {
  now: () => number;
  /** The data folder; local copies live only under its `drills/`. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** What one step of a stage did. */
export type StepResult = {
  /** Merged into the run's kind state. */
  data?: Record<string, unknown>;
  /** Added to what cleanup must delete (recorded before the step that fills them). */
  resources?: DrillResource[];
  validation?: AssertionResult[];
  /** When the copy accepted connections and passed every check (epoch ms). */
  readyAt?: number;
  restorePoint?: string | null;
  newestData?: string | null;
  rpoFrom?: number;
  detail?: string;
} & (
  | { status: "done" }
  /** The stage is not finished: call again after `ms`. */
  | { status: "wait"; ms: number }
  /** The stage failed. With `fatal: false` the run goes on to its next stage (a failed check still measures RPO). */
  | { status: "failed"; fault: DrillFault; fatal?: boolean }
);

export interface CleanupReport {
  ok: boolean;
  /** What was left behind and why, when not ok; what is still going, with retryAfterMs. */
  message?: string;
  /** Deletion is under way and must be looked at again after this long (e.g. a cluster waits for its instance). */
  retryAfterMs?: number;
}

export interface SweepReport {
  removed: string[];
  refused: Array<{ id: string; why: string }>;
}

export interface DrillKind<D> {
  /** Stage names in order, e.g. ["restore", "recover", "validate", "measure"]. */
  stages: readonly string[];
  step(stage: string, drill: D, run: RunState, ctx: KindContext): Promise<StepResult>;
  /** Stops and deletes everything the run created, after checking each resource's name and tags. */
  cleanup(drill: D | undefined, run: RunState, ctx: KindContext): Promise<CleanupReport>;
  /**
   * Removes leftovers of `drills` (this kind's drills in the config) that no run in `live` owns. A kind whose copies
   * live outside the process's data folder (AWS) also leaves alone a copy whose run may still be going elsewhere.
   */
  sweep?(ctx: KindContext, live: ReadonlySet<string>, drills: readonly D[]): Promise<SweepReport>;
}

/** The name of everything a run creates. */
export const resourceName = (drillId: string, runId: string) => `vigie-drill-${drillId}-${runId}`;
/** The drill and run a resource name was made from, or undefined for a name vigie did not make (a run id has no dash). */
export function parseResourceName(name: string): { drillId: string; runId: string } | undefined {
  const match = /^vigie-drill-([a-z0-9][a-z0-9-]*)-([0-9a-z]+)$/.exec(name);
  return match ? { drillId: match[1]!, runId: match[2]! } : undefined;
}

/** When a run was created (epoch ms), read back from its id (base-36 ms and 6 hex digits, drills/engine.ts newRun). */
export function runCreatedAt(runId: string): number | undefined {
  if (runId.length <= 6) return undefined;
  const at = Number.parseInt(runId.slice(0, -6), 36);
  return Number.isFinite(at) ? at : undefined;
}

/** The tags everything a run creates carries. */
export const resourceTags = (drillId: string, runId: string) => ({ "vigie:drill": drillId, "vigie:run": runId });
