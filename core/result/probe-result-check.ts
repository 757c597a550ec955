// A stored ProbeResult read back on a hot path, checked without the schema library: the evaluator's cold start loads no
// zod (core/result/probe-result.ts builds the schema on the lists here). It checks what alerting reads from a result
// (ids, start, outcome, error, durations); the runner that wrote it built it to the schema.
import { isNumber, isObject, isOneOf } from "../config/json-object.ts";

/** A run's outcomes (DESIGN.md's ProbeResult). */
export const OUTCOMES = ["pass", "degraded", "fail"] as const;
/** Why a run was not a pass (DESIGN.md's ProbeResult). */
export const ERROR_CATEGORIES = ["timeout", "dns", "connect", "tls", "http", "assertion", "threshold", "browser", "script", "internal"] as const;

export class ProbeResultShapeError extends TypeError {
  override name = "ProbeResultShapeError";
  readonly code = "result_invalid";
}

/**
 * The fields of a result alerting reads, checked: returns the value typed as a result, or throws naming the first field
 * that is wrong. `T` is the caller's result type (core/result's ProbeResult).
 */
export function checkProbeResult<T>(value: unknown): T {
  const refuse = (what: string): never => {
    throw new ProbeResultShapeError(`not a probe result: ${what}`);
  };
  if (!isObject(value)) return refuse("not an object");
  for (const field of ["probeId", "kind", "region", "startedAt"] as const) if (typeof value[field] !== "string") refuse(`${field} must be a string`);
  if (Number.isNaN(Date.parse(value.startedAt as string))) refuse(`startedAt ${JSON.stringify(value.startedAt)} is not an instant`);
  if (!isNumber(value.durationMs)) refuse("durationMs must be a number");
  if (!isOneOf(OUTCOMES, value.outcome)) refuse(`outcome ${JSON.stringify(value.outcome)} is not one of ${OUTCOMES.join(", ")}`);
  const error = value.error;
  if (error !== undefined && !(isObject(error) && isOneOf(ERROR_CATEGORIES, error.category) && typeof error.message === "string")) refuse("error must hold a known category and a message");
  if (!Array.isArray(value.assertions)) refuse("assertions must be a list");
  if (value.maintenance !== undefined && typeof value.maintenance !== "boolean") refuse("maintenance must be a boolean");
  const http = value.http;
  if (http !== undefined && !(isObject(http) && isObject(http.timings) && isNumber(http.timings.totalMs))) refuse("http.timings.totalMs must be a number");
  const browser = value.browser;
  if (browser !== undefined && !(isObject(browser) && (browser.loadMs === null || isNumber(browser.loadMs)))) refuse("browser.loadMs must be a number or null");
  return value as T;
}
