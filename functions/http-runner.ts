// Lambda entry of the HTTP runner, deployed in each probe region: a scheduled invocation runs one frequency group
// (this region's HTTP probes sharing an `every`) and stores the results in the home table, or queues them;
// `{ mode: "test" }` (from `vigie test --remote`) runs the probes now and returns their results unstored.
// Its probes come validated from the deploy (core/plan/runner-group.ts), so nothing here loads the config's schema.
import { runProbe } from "../core/runner/run-probe.ts";
import { runHttpAttempt } from "../probes/http/run.ts";
import { once } from "./once.ts";
import { runnerDeps, type RunnerDeps } from "./runner-deps.ts";
import { createRunnerHandler, type RunnerExtra, type RunnerHandler } from "./runners.ts";

export const createHttpRunnerHandler = (deps: RunnerDeps, extra?: RunnerExtra): RunnerHandler =>
  createRunnerHandler("http", (probe, base) => {
    // The invocation picks http probes only; anything else reaching here is a wiring fault of ours.
    if (probe.kind !== "http") throw new Error(`probe "${probe.id}" is a ${probe.kind} probe: the HTTP runner runs http probes only`);
    return runProbe(probe, runHttpAttempt, base);
  }, deps, extra);

const built = once(() => createHttpRunnerHandler(runnerDeps("http", process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
