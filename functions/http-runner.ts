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
 * timings (`connectMs` 8–10 ms on loopback in a fresh process without warm-up, `bench/truth-cold.ts`), so an
 * invocation that runs probes first awaits `warm` (default: `warmHttpStack`, loopback requests of our own), once per
 * container, bounded (runInvocation's `prepare`): the spread of starts, the deadline and the probes' clocks all come
 * after it. A failed warm-up is logged once and the probes run unwarmed.
 */
export function createHttpRunnerHandler(deps: RunnerDeps, extra: RunnerExtra & { warm?: () => Promise<void> } = {}): RunnerHandler {
  const { warm = warmHttpStack, ...rest } = extra;
  const warmed = once(() => Promise.resolve().then(warm).catch((error: unknown) => {
    deps.log(JSON.stringify({ level: "warn", msg: "HTTP warm-up failed: this container's first probes run unwarmed", error: (error as Error).message }));
  }));
  return createRunnerHandler("http", async (probe, base) => {
    // The invocation picks http probes only; anything else reaching here is a wiring fault of ours.
    if (probe.kind !== "http") throw new Error(`probe "${probe.id}" is a ${probe.kind} probe: the HTTP runner runs http probes only`);
    return runProbe(probe, runHttpAttempt, base);
  }, deps, { ...rest, prepare: warmed });
}

const built = once(() => createHttpRunnerHandler(runnerDeps("http", process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
