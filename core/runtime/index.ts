// The runtime: one composition root for `vigie start` and the Lambdas, and what runs on each schedule.
export { composeVigie } from "./compose.ts";
export type { ComposeInput, DrillEngine, DrillEngineContext, RuntimeConfig, Vigie } from "./compose.ts";
export { runGroup, runBudgetMs, DEFAULT_CONCURRENCY, DEFAULT_SPREAD_MS } from "./run-group.ts";
export type { GroupProbe, RunGroupDeps } from "./run-group.ts";
export { storeOrQueue, resultMessages, MAX_MESSAGE_BYTES } from "./result-sink.ts";
export type { EnqueueResults, SinkOutcome } from "./result-sink.ts";
export { parseRunnerEvent, runInvocation, groupProbes, STORE_RESERVE_MS } from "./runner-invocation.ts";
export type { InvocationDeps, InvocationOutcome, RunnerContext, RunnerProbe } from "./runner-invocation.ts";
export { evaluateStreamBatch, resultOfImage, RUN_INSERT_FILTER } from "./stream-records.ts";
export type { StreamImage, StreamRecord } from "./stream-records.ts";
export { advanceDrill, drillStateMachine, waitSecondsOf } from "./drill-steps.ts";
export type { DrillStep } from "./drill-steps.ts";
