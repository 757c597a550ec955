// The RDS drill kinds: rds-pitr and rds-snapshot.
export { RdsPitrDrill, RdsSnapshotDrill } from "./schema.ts";
export type { RdsDrill } from "./schema.ts";
export { rdsKind } from "./run.ts";
