// The http probe kind: schema and runner.
export { HttpProbe, HttpAssertion, AssertionOp } from "./schema.ts";
export type { HttpProbeInput } from "./schema.ts";
export { runHttpAttempt, userAgent } from "./run.ts";
export type { HttpDeps } from "./run.ts";
export { warmHttpStack } from "./warm.ts";
export { startHttpIsolate, HttpIsolateError } from "./isolate.ts";
export type { HttpIsolate, IsolatedDeps } from "./isolate.ts";
