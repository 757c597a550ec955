// Errors of the drill engine: a run that cannot go on (with the DrillResult category it maps to), and a refused run.
import type { DrillErrorCategory } from "../core/result/index.ts";

/** A fault that ends a stage: it becomes the run's `error` with this category. */
export class DrillFault extends Error {
  override readonly name = "DrillFault";
  constructor(readonly category: DrillErrorCategory, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Another run of the same drill holds its lock: this one is refused, not queued. */
export class DrillLockedError extends Error {
  override readonly name = "DrillLockedError";
  readonly code = "DRILL_LOCKED";
  constructor(readonly drillId: string, readonly holder: { runId: string; since: string }) {
    super(`drill "${drillId}" is already running (run ${holder.runId}, since ${holder.since}); one run of a drill at a time`);
  }
}

/** A drill id that is not in the config. */
export class UnknownDrillError extends Error {
  override readonly name = "UnknownDrillError";
  readonly code = "UNKNOWN_DRILL";
}

/** A stored drill record vigie cannot read (newer version, or damaged). */
export class DrillRecordError extends Error {
  override readonly name = "DrillRecordError";
  readonly code = "BAD_RECORD";
}
