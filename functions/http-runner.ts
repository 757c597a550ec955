// Lambda entry of the HTTP runner, deployed in each probe region: a scheduled invocation runs one frequency group
// (this region's HTTP probes sharing an `every`) and stores the results in the home table, or queues them;
// `{ mode: "test" }` (from `vigie test --remote`) runs the probes now and returns their results unstored.
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";
import { createRunnerHandler, type RunnerHandler } from "./runners.ts";

export const createHttpRunnerHandler = (deps: LambdaDeps, extra?: Parameters<typeof createRunnerHandler>[2]): RunnerHandler => createRunnerHandler("http", deps, extra);

const built = once(() => createHttpRunnerHandler(lambdaDeps(process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
