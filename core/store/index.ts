// The results store on the DynamoDB API, and the embedded server that stands in for DynamoDB locally.
export { ensureTable, TTL_ATTRIBUTE, GSI1 } from "./table.ts";
export { startEmbeddedDynamo } from "./dynalite.ts";
export type { EmbeddedDynamo, EmbeddedDynamoOptions } from "./dynalite.ts";
export { isStoreUnavailable } from "./outage.ts";
export { acquireDataLock, DataLockError } from "./data-lock.ts";
export type { DataLock } from "./data-lock.ts";
export { createResultStore, mergeRollups, newestState, StoreError, DEFAULT_RETENTION } from "./results-store.ts";
export type { ResultStore, ResultStoreOptions, Retention, Rollup, RegionMarker, RegionState, RunPage, RunQuery } from "./results-store.ts";
export { bucketOf, bucketBounds, bucketValue, percentiles, quantile, mergeInto, GROWTH, MAX_BUCKET } from "./histogram.ts";
export type { Histogram, Percentiles } from "./histogram.ts";
export { createDurableWriter } from "./durable-writer.ts";
export type { DurableWriter, DurableWriterOptions, ResultHook, WriterStats } from "./durable-writer.ts";
export { sanitize, sanitizeResult, probeSecrets } from "./sanitize.ts";
