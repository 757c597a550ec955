// A stored DrillResult read back by the API (/v1/status shows each drill's last run), checked without the schema
// library: the API's cold start loads no zod (core/result/drill-result.ts builds the schema on the lists here). The
// drill engine that wrote it built it to the schema; this refuses a record of another shape, naming the field.
import { isNumber, isObject, isOneOf } from "../config/json-object.ts";

export const DRILL_OUTCOMES = ["pass", "fail", "error", "interrupted"] as const;
export const DRILL_ERROR_CATEGORIES = ["config", "backup", "restore", "recover", "validate", "cleanup", "permission", "timeout", "internal"] as const;
export const STAGE_OUTCOMES = ["pass", "fail", "skipped"] as const;
export const CLEANUP_OUTCOMES = ["done", "failed", "pending"] as const;

/** A stage record of a run or result (core/result's DrillStage). */
export const isDrillStage = (stage: unknown): boolean => isObject(stage) && typeof stage.name === "string" && typeof stage.startedAt === "string"
  && isNumber(stage.durationMs) && isOneOf(STAGE_OUTCOMES, stage.outcome) && (stage.detail === undefined || typeof stage.detail === "string");

/** A validation check of a run or result (core/result's AssertionResult). */
export const isCheck = (check: unknown): boolean => isObject(check) && typeof check.description === "string" && typeof check.passed === "boolean"
  && (check.durationMs === undefined || isNumber(check.durationMs));

/** Something a run created (core/result's DrillResource). */
export const isDrillResource = (resource: unknown): boolean => isObject(resource) && typeof resource.kind === "string" && typeof resource.id === "string";

/** Why a run failed (core/result's DrillError). */
export const isDrillError = (error: unknown): boolean => isObject(error) && isOneOf(DRILL_ERROR_CATEGORIES, error.category) && typeof error.message === "string";

/** The result's fields, checked as the schema would (a TypeError naming the first wrong field); `T` is core/result's DrillResult. */
export function checkDrillResult<T>(value: unknown): T {
  const refuse = (what: string): never => {
    throw new TypeError(`not a drill result: ${what}`);
  };
  if (!isObject(value)) return refuse("not an object");
  for (const field of ["drillId", "kind", "runId", "startedAt", "finishedAt"] as const) if (typeof value[field] !== "string") refuse(`${field} must be a string`);
  if (!isOneOf(DRILL_OUTCOMES, value.outcome)) refuse(`outcome ${JSON.stringify(value.outcome)} is not one of ${DRILL_OUTCOMES.join(", ")}`);
  const { objectives, achieved, cleanup, error } = value;
  if (!isObject(objectives) || !isNumber(objectives.rtoMs) || !isNumber(objectives.rpoMs)) refuse("objectives must hold rtoMs and rpoMs");
  if (!isObject(achieved)) return refuse("achieved must be an object");
  for (const field of ["rtoMs", "rpoMs"] as const) if (achieved[field] !== null && !isNumber(achieved[field])) refuse(`achieved.${field} must be a number or null`);
  for (const field of ["restorePoint", "newestData"] as const) if (achieved[field] !== null && typeof achieved[field] !== "string") refuse(`achieved.${field} must be a string or null`);
  if (!Array.isArray(value.stages)) refuse("stages must be a list");
  (value.stages as unknown[]).forEach((stage, index) => {
    if (!isDrillStage(stage)) refuse(`stages[${index}] must hold a name, startedAt, durationMs and outcome`);
  });
  if (!Array.isArray(value.validation) || !value.validation.every(isCheck)) refuse("validation must be a list of checks with a description and passed");
  if (!isObject(cleanup) || !isOneOf(CLEANUP_OUTCOMES, cleanup.outcome) || !Array.isArray(cleanup.resources) || !cleanup.resources.every(isDrillResource)) {
    refuse("cleanup must hold an outcome and resources of a kind and an id");
  }
  if (error !== undefined && !isDrillError(error)) refuse("error must hold a known category and a message");
  return value as T;
}
