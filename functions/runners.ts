// What the HTTP and browser runner entries share: the invocation's deps from the Lambda's, for one probe kind.
import { setTimeout as sleep } from "node:timers/promises";
import { parseRunnerEvent, runInvocation, type InvocationDeps, type RunnerContext } from "../core/runtime/index.ts";
import { probeSecrets } from "../core/store/index.ts";
import type { ProbeResult } from "../core/result/index.ts";
import type { Probe } from "../index.ts";
import type { LambdaDeps } from "./lambda-deps.ts";

export type RunnerHandler = (event: unknown, context?: RunnerContext) => ReturnType<typeof runInvocation>;

/** Runs one probe of the runner's kind from this region (each entry passes its own kind's runner only). */
export type RunOne = (probe: Probe, base: { region: string; now: () => number; env: NodeJS.ProcessEnv }) => Promise<ProbeResult>;

export type RunnerExtra = Partial<Pick<InvocationDeps<Probe>, "concurrency" | "spreadMs" | "sleep">>;

export function createRunnerHandler(kind: Probe["kind"], runOne: RunOne, deps: LambdaDeps, extra: RunnerExtra = {}): RunnerHandler {
  const { config, vigie, region } = deps;
  const { concurrency, spreadMs, sleep: wait } = extra;
  const invocation: InvocationDeps<Probe> = {
    probes: config.probes, kind, region,
    run: (probe) => runOne(probe, { region, now: deps.now, env: deps.env }),
    store: vigie.store, enqueue: deps.enqueue, secrets: probeSecrets(config.probes, deps.env),
    inMaintenance: (probeId, at) => vigie.readView.maintenance(probeId, at) !== undefined,
    now: deps.now, sleep: wait ?? ((ms) => sleep(ms)), log: deps.log,
    ...(concurrency !== undefined ? { concurrency } : {}), ...(spreadMs !== undefined ? { spreadMs } : {}),
  };
  return async (event, context) => runInvocation(parseRunnerEvent(event), invocation, context);
}
