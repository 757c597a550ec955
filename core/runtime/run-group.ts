// One invocation of a regional runner: runs a frequency group's probes concurrently under a bound, each started at
// its place in a short spread window (the local scheduler's phase, scaled), and never one that cannot finish in time.
import pLimit from "p-limit";
import type { ProbeResult } from "../result/probe-result.ts";
import { internalFailure } from "../runner/run-probe.ts";
import { offsetFor } from "../schedule/scheduler.ts";

export interface GroupProbe {
  id: string;
  kind: string;
  every: number;
  timeout: number;
  retries: { count: number };
}

export interface RunGroupDeps<P extends GroupProbe> {
  region: string;
  run(probe: P): Promise<ProbeResult>;
  now: () => number;
  /** Waits (the spread); tests hand in a fake. */
  sleep(ms: number): Promise<void>;
  /** Probes running at once. Default DEFAULT_CONCURRENCY. */
  concurrency?: number;
  /** Starts are spread over this window, ms, by each probe's scheduler offset. Default DEFAULT_SPREAD_MS; 0 starts all at once. */
  spreadMs?: number;
  /** Epoch ms by which every run must be over (the Lambda's deadline less the time to store the results). */
  deadline: number;
}

/** HTTP runs are I/O: a group of this many runs at once, so its invocation lasts about as long as its slowest probe. */
export const DEFAULT_CONCURRENCY = 64;

/** Starts are spread over this window, ms (a burst of 64 connections at once is what a target's rate limit sees). */
export const DEFAULT_SPREAD_MS = 1_000;

/** The longest a probe's run may take: every try, each bounded by its timeout. */
export const runBudgetMs = (probe: GroupProbe) => probe.timeout * (probe.retries.count + 1);

/** Runs the group; a run that crashes, or cannot finish before the deadline, is a failed result (category internal). */
export async function runGroup<P extends GroupProbe>(probes: readonly P[], deps: RunGroupDeps<P>): Promise<ProbeResult[]> {
  const limit = pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY);
  const spread = deps.spreadMs ?? DEFAULT_SPREAD_MS;
  const startedAt = deps.now();
  return Promise.all(probes.map(async (probe) => {
    const key = `${probe.id}@${deps.region}`;
    const delay = spread > 0 ? Math.floor((offsetFor(key, probe.every) / probe.every) * spread) : 0;
    const wait = startedAt + delay - deps.now();
    if (wait > 0) await deps.sleep(wait);
    return limit(async () => {
      const at = deps.now();
      if (at + runBudgetMs(probe) > deps.deadline) {
        return internalFailure(probe, deps.region, at, new Error(`not started: ${Math.round((deps.deadline - at) / 1000)}s left in the invocation, the run may take ${Math.round(runBudgetMs(probe) / 1000)}s`));
      }
      try {
        return await deps.run(probe);
      } catch (error) {
        return internalFailure(probe, deps.region, at, error);
      }
    });
  }));
}
