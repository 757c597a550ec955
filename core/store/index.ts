// The results store on the DynamoDB API, and the embedded server that stands in for DynamoDB locally.
export { ensureTable, TTL_ATTRIBUTE, GSI1 } from "./table.ts";
export { startEmbeddedDynamo } from "./dynalite.ts";
export type { EmbeddedDynamo } from "./dynalite.ts";
