// The RDS drill kinds: rds-pitr and rds-snapshot.
export { RdsPitrDrill, RdsSnapshotDrill } from "./schema.ts";
export type { RdsDrill } from "./schema.ts";
export { rdsKind } from "./run.ts";
export { AuroraPitrDrill } from "./schema.ts";
export { auroraKind } from "./aurora.ts";
