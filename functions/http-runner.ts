// Lambda entry of the HTTP runner, deployed in each probe region: a scheduled invocation runs one frequency group
// (this region's HTTP probes sharing an `every`) and stores the results in the home table, or queues them;
// `{ mode: "test" }` (from `vigie test --remote`) runs the probes now and returns their results unstored.
// Its probes come validated from the deploy (core/plan/runner-group.ts), so nothing here loads the config's schema.
import { runProbe } from "../core/runner/run-probe.ts";
import { runHttpAttempt } from "../probes/http/run.ts";
import { warmHttpStack } from "../probes/http/warm.ts";
import { once } from "./once.ts";
import { runnerDeps, type RunnerDeps } from "./runner-deps.ts";
import { createRunnerHandler, type RunnerExtra, type RunnerHandler } from "./runners.ts";

/**
 * The HTTP runner's handler. A fresh container's first probe would pay Node's one-off costs of a first request in its
 * timings (`connectMs` 8–10 ms on loopback, `bench/truth-cold.ts` without warm-up), so the first probe a container
 * runs waits for `warm` (default: `warmHttpStack`, loopback requests of our own), once; the probes' own clocks start
 * after it. An invocation that runs no probe does not warm.
 */
export function createHttpRunnerHandler(deps: RunnerDeps, extra: RunnerExtra & { warm?: () => Promise<void> } = {}): RunnerHandler {
  const { warm = warmHttpStack, ...rest } = extra;
  // A failed warm-up (no loopback, say) leaves the probes to run unwarmed rather than not at all.
  const warmed = once(() => warm().catch(() => undefined));
  return createRunnerHandler("http", async (probe, base) => {
    // The invocation picks http probes only; anything else reaching here is a wiring fault of ours.
    if (probe.kind !== "http") throw new Error(`probe "${probe.id}" is a ${probe.kind} probe: the HTTP runner runs http probes only`);
    await warmed();
    return runProbe(probe, runHttpAttempt, base);
  }, deps, rest);
}

const built = once(() => createHttpRunnerHandler(runnerDeps("http", process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
