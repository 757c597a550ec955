// The persisted state of one drill run: everything `advance` needs to take the next step, in any process. Read back, a
// state is checked by hand (drills/run-state-check.ts, on the same lists), so the drill Lambda loads no zod.
import { z } from "zod";
import { AssertionResult, DrillError, DrillOutcome, DrillResource, DrillResult, DrillStage } from "../core/result/index.ts";
import { CLEANUP_OUTCOMES } from "../core/result/drill-result-check.ts";
import { RUN_PHASES, RUN_STATE_VERSION } from "./run-state-check.ts";

export { checkRunState, RUN_STATE_VERSION } from "./run-state-check.ts";

export const RunState = z.object({
  v: z.literal(RUN_STATE_VERSION),
  drillId: z.string(),
  kind: z.string(),
  runId: z.string(),
  /**
   * Who drives it: a run whose owner died on this host is interrupted at once on restart. On AWS, `execution` is the
   * Step Functions execution driving it (its ARN), and `tookOverFrom` names the driver it was taken over from when
   * that one was gone (functions/drill-engine.ts).
   */
  owner: z.object({ host: z.string(), pid: z.number(), execution: z.string().optional(), tookOverFrom: z.string().optional() }),
  createdAt: z.number(),
  /** T0, epoch ms: set when the first stage starts. */
  t0: z.number().nullable(),
  /** Nothing may run past it, cleanup included. */
  deadline: z.number(),
  phase: z.enum(RUN_PHASES),
  /** Index into the kind's stages of the stage in progress. */
  stage: z.number(),
  stageStartedAt: z.number().nullable(),
  stages: z.array(DrillStage),
  validation: z.array(AssertionResult),
  readyAt: z.number().nullable(),
  restorePoint: z.string().nullable(),
  newestData: z.string().nullable(),
  /** The instant RPO is measured from when it is not T0 (restoreTo in the past). */
  rpoFrom: z.number().nullable(),
  resources: z.array(DrillResource),
  /** Set once the run's fate is known before cleanup (a failure, a timeout, an interruption). */
  outcome: DrillOutcome.nullable(),
  error: DrillError.nullable(),
  cleanup: z.object({ outcome: z.enum(CLEANUP_OUTCOMES), message: z.string().optional() }),
  /** The kind's own state (folders, ports, pids). */
  data: z.record(z.string(), z.unknown()),
  result: DrillResult.nullable(),
});
export type RunState = z.infer<typeof RunState>;
