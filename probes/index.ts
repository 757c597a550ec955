// The registry of probe kinds: the config union and a runner per kind.
import { z } from "zod";
import { runProbe } from "../core/runner/index.ts";
import type { ProbeResult } from "../core/result/index.ts";
import { HttpProbe, runHttpAttempt, type HttpDeps } from "./http/index.ts";

export const ProbeConfig = z.discriminatedUnion("kind", [HttpProbe]);
export type ProbeConfig = z.infer<typeof ProbeConfig>;
export type ProbeKind = ProbeConfig["kind"];

/** Everything any runner may need; each kind reads its own part. */
export type RunnerDeps = HttpDeps;

type Runners = { [K in ProbeKind]: (probe: Extract<ProbeConfig, { kind: K }>, deps: RunnerDeps) => Promise<ProbeResult> };

export const runners: Runners = {
  http: (probe, deps) => runProbe(probe, runHttpAttempt, deps),
};

/** Runs one probe once, whatever its kind. */
export function runOnce(probe: ProbeConfig, deps: RunnerDeps): Promise<ProbeResult> {
  const run = runners[probe.kind] as (probe: ProbeConfig, deps: RunnerDeps) => Promise<ProbeResult>;
  return run(probe, deps);
}

export { HttpProbe };
