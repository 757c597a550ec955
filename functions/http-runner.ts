// Lambda entry of the HTTP runner, deployed in each probe region: a scheduled invocation runs one frequency group
// (this region's HTTP probes sharing an `every`) and stores the results in the home table, or queues them;
// `{ mode: "test" }` (from `vigie test --remote`) runs the probes now and returns their results unstored.
import { runProbe } from "../core/runner/index.ts";
import { runHttpAttempt } from "../probes/http/index.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";
import { createRunnerHandler, type RunnerExtra, type RunnerHandler } from "./runners.ts";

export const createHttpRunnerHandler = (deps: LambdaDeps, extra?: RunnerExtra): RunnerHandler =>
  createRunnerHandler("http", (probe, base) => {
    // The invocation picks http probes only; anything else reaching here is a wiring fault of ours.
    if (probe.kind !== "http") throw new Error(`probe "${probe.id}" is a ${probe.kind} probe: the HTTP runner runs http probes only`);
    return runProbe(probe, runHttpAttempt, base);
  }, deps, extra);

const built = once(() => createHttpRunnerHandler(lambdaDeps(process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
