// The drill kinds' config union, schema only: loading it pulls in no drill code, database driver or AWS SDK.
import { z } from "zod";
import { PostgresDrill } from "./postgres/schema.ts";
import { AuroraPitrDrill, RdsPitrDrill, RdsSnapshotDrill } from "./rds/schema.ts";
import { DynamoDbPitrDrill } from "./dynamodb/schema.ts";

export const DrillConfig = z.discriminatedUnion("kind", [PostgresDrill, RdsPitrDrill, RdsSnapshotDrill, AuroraPitrDrill, DynamoDbPitrDrill]);
export type DrillConfig = z.infer<typeof DrillConfig>;
