// What the HTTP and browser runner entries share: the invocation's deps from the runner's, for one probe kind.
import { setTimeout as sleep } from "node:timers/promises";
import { parseRunnerEvent, runInvocation, type InvocationDeps, type RunnerContext } from "../core/runtime/runner-invocation.ts";
import { probeSecrets } from "../core/store/sanitize.ts";
import type { ProbeResult } from "../core/result/probe-result.ts";
import type { Probe } from "../index.ts";
import type { RunnerDeps } from "./runner-deps.ts";

export type RunnerHandler = (event: unknown, context?: RunnerContext) => ReturnType<typeof runInvocation>;

/** Runs one probe of the runner's kind from this region (each entry passes its own kind's runner only). */
export type RunOne = (probe: Probe, base: { region: string; now: () => number; env: NodeJS.ProcessEnv }) => Promise<ProbeResult>;

export type RunnerExtra = Partial<Pick<InvocationDeps<Probe>, "concurrency" | "spreadMs" | "sleep" | "prepare">>;

export function createRunnerHandler(kind: Probe["kind"], runOne: RunOne, deps: RunnerDeps, extra: RunnerExtra = {}): RunnerHandler {
  const { group, region } = deps;
  const { concurrency, spreadMs, sleep: wait, prepare } = extra;
  const invocation: InvocationDeps<Probe> = {
    probes: group.probes, kind, region,
    run: (probe) => runOne(probe, { region, now: deps.now, env: deps.env }),
    store: deps.store, enqueue: deps.enqueue, secrets: probeSecrets(group.probes, deps.env),
    inMaintenance: deps.inMaintenance,
    now: deps.now, sleep: wait ?? ((ms) => sleep(ms)), log: deps.log,
    ...(concurrency !== undefined ? { concurrency } : {}), ...(spreadMs !== undefined ? { spreadMs } : {}),
    ...(prepare ? { prepare } : {}),
  };
  return async (event, context) => runInvocation(parseRunnerEvent(event), invocation, context);
}
