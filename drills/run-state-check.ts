// A run's state read back (from the table, or handed back by Step Functions to the drill Lambda), checked without the
// schema library: the drill Lambda's cold start loads no zod (drills/run-state.ts builds the schema on the lists here).
// The engine that wrote it built it to the schema; this refuses a state of another shape, naming the first wrong field.
import { isNumber, isObject, isOneOf } from "../core/config/json-object.ts";
import { checkDrillResult, CLEANUP_OUTCOMES, DRILL_OUTCOMES, isCheck, isDrillError, isDrillResource, isDrillStage } from "../core/result/drill-result-check.ts";

export const RUN_STATE_VERSION = 1;
export const RUN_PHASES = ["run", "cleanup", "finished"] as const;

const isNumberOrNull = (value: unknown) => value === null || isNumber(value);
const isStringOrNull = (value: unknown) => value === null || typeof value === "string";
const isOptionalString = (value: unknown) => value === undefined || typeof value === "string";

/** The state's fields, checked as the schema would (a TypeError naming the first wrong field); `T` is drills/run-state's RunState. */
export function checkRunState<T>(value: unknown): T {
  const refuse = (what: string): never => {
    throw new TypeError(`not a drill run: ${what}`);
  };
  if (!isObject(value)) return refuse("not an object");
  if (value.v !== RUN_STATE_VERSION) refuse(`v must be ${RUN_STATE_VERSION}`);
  for (const field of ["drillId", "kind", "runId"] as const) if (typeof value[field] !== "string") refuse(`${field} must be a string`);
  const { owner, cleanup } = value;
  if (!isObject(owner) || typeof owner.host !== "string" || !isNumber(owner.pid) || !isOptionalString(owner.execution) || !isOptionalString(owner.tookOverFrom)) {
    refuse("owner must hold a host and a pid");
  }
  for (const field of ["createdAt", "deadline", "stage"] as const) if (!isNumber(value[field])) refuse(`${field} must be a number`);
  for (const field of ["t0", "stageStartedAt", "readyAt", "rpoFrom"] as const) if (!isNumberOrNull(value[field])) refuse(`${field} must be a number or null`);
  for (const field of ["restorePoint", "newestData"] as const) if (!isStringOrNull(value[field])) refuse(`${field} must be a string or null`);
  if (!isOneOf(RUN_PHASES, value.phase)) refuse(`phase ${JSON.stringify(value.phase)} is not one of ${RUN_PHASES.join(", ")}`);
  if (!Array.isArray(value.stages) || !value.stages.every(isDrillStage)) refuse("stages must be a list of stages with a name, startedAt, durationMs and outcome");
  if (!Array.isArray(value.validation) || !value.validation.every(isCheck)) refuse("validation must be a list of checks with a description and passed");
  if (!Array.isArray(value.resources) || !value.resources.every(isDrillResource)) refuse("resources must be a list of a kind and an id each");
  if (value.outcome !== null && !isOneOf(DRILL_OUTCOMES, value.outcome)) refuse(`outcome ${JSON.stringify(value.outcome)} is not null or one of ${DRILL_OUTCOMES.join(", ")}`);
  if (value.error !== null && !isDrillError(value.error)) refuse("error must be null or hold a known category and a message");
  if (!isObject(cleanup) || !isOneOf(CLEANUP_OUTCOMES, cleanup.outcome) || !isOptionalString(cleanup.message)) refuse("cleanup must hold an outcome");
  if (!isObject(value.data)) refuse("data must be an object");
  if (value.result !== null) {
    try {
      checkDrillResult(value.result);
    } catch (error) {
      refuse(`result: ${(error as Error).message}`);
    }
  }
  return value as T;
}
