// The latency a run stands for, apart from the result schema: the store computes it on the runners' write path,
// which loads no schema library.
import type { ProbeResult } from "./probe-result.ts";

/**
 * The latency a run stands for in percentiles and latency SLOs: an HTTP run's total time, a page's load time
 * (not the run's whole duration, which includes waiting for a quiet window or a journey), else the duration.
 */
export function latencyMs(result: Pick<ProbeResult, "durationMs" | "http" | "browser">): number {
  return result.browser?.loadMs ?? result.http?.timings.totalMs ?? result.durationMs;
}
