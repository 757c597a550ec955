// DrillResult: what one run of one DR drill produced — its objectives, what it achieved, each stage, and its cleanup.
import { z } from "zod";
import { AssertionResult } from "./probe-result.ts";
import { CLEANUP_OUTCOMES, DRILL_ERROR_CATEGORIES, DRILL_OUTCOMES, STAGE_OUTCOMES } from "./drill-result-check.ts";

export const DrillOutcome = z.enum(DRILL_OUTCOMES);
export type DrillOutcome = z.infer<typeof DrillOutcome>;

export const DrillErrorCategory = z.enum(DRILL_ERROR_CATEGORIES);
export type DrillErrorCategory = z.infer<typeof DrillErrorCategory>;

export const DrillError = z.object({ category: DrillErrorCategory, message: z.string() });
export type DrillError = z.infer<typeof DrillError>;

export const DrillStage = z.object({
  name: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: z.enum(STAGE_OUTCOMES),
  detail: z.string().optional(),
});
export type DrillStage = z.infer<typeof DrillStage>;

/** Something a run created: `{ kind: "directory", id: "/…/drills/vigie-drill-orders-db-m1abc" }`. */
export const DrillResource = z.object({ kind: z.string(), id: z.string() });
export type DrillResource = z.infer<typeof DrillResource>;

export const DrillResult = z.object({
  drillId: z.string(),
  kind: z.string(),
  runId: z.string(),
  /** T0: the instant the drill started restoring ("the primary is lost now"). */
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: DrillOutcome,
  objectives: z.object({ rtoMs: z.number(), rpoMs: z.number() }),
  achieved: z.object({
    /** T_ready − T0; null when the copy never became ready and valid. */
    rtoMs: z.number().nullable(),
    /** (T0, or the restoreTo instant) − newestData; null when unmeasured. */
    rpoMs: z.number().nullable(),
    /** What the engine says it restored to (PostgreSQL: pg_last_xact_replay_timestamp()). */
    restorePoint: z.string().nullable(),
    /** Newest committed data found in the copy. */
    newestData: z.string().nullable(),
  }),
  stages: z.array(DrillStage),
  validation: z.array(AssertionResult),
  cleanup: z.object({ outcome: z.enum(CLEANUP_OUTCOMES), resources: z.array(DrillResource) }),
  error: DrillError.optional(),
});
export type DrillResult = z.infer<typeof DrillResult>;

/** How the API and status page read drill results, whoever stores them. */
export interface DrillRunReader {
  listResults(query: { drillId: string; limit: number; cursor?: string | undefined }): Promise<{ items: DrillResult[]; cursor?: string }>;
  lastResult(drillId: string): Promise<DrillResult | undefined>;
}
