// The dynamodb-pitr drill kind's config: restore a table to a point in time into a new table and check items.
import { z } from "zod";
import { AssertionOp } from "../../probes/http/schema.ts";
import { DrillBase, RestoreTo } from "../schema.ts";

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** An item check: GetItem by `key` on the copy, then one attribute compared like a probe assertion. */
export const ItemCheck = z.strictObject({
  /** The item's full primary key. Example: { pk: "user#1" } or { pk: "user#1", sk: "profile" }. */
  key: z.record(z.string(), z.union([z.string(), z.number()])).refine((key) => Object.keys(key).length >= 1 && Object.keys(key).length <= 2, { error: "must hold the partition key and, for a composite key, the sort key" }),
  /** Example: { attribute: "email", op: "exists" }. */
  expect: z.strictObject({ attribute: z.string().min(1), op: AssertionOp, target: Scalar.optional() })
    .refine((e) => e.op === "exists" || e.target !== undefined, { error: "target is required for every op but exists", path: ["target"] }),
});
export type ItemCheck = z.infer<typeof ItemCheck>;

export const DynamoDbPitrDrill = DrillBase.extend({
  kind: z.literal("dynamodb-pitr"),
  /** The table with point-in-time recovery on. */
  source: z.strictObject({ table: z.string().min(3).max(255) }),
  /** "latest" (LatestRestorableDateTime) or a duration before T0. Default "latest". */
  restoreTo: RestoreTo.default("latest"),
  /** AWS region of the table. Default: the SDK's (AWS_REGION). */
  region: z.string().optional(),
  validate: z.array(ItemCheck).default([]),
});
export type DynamoDbPitrDrill = z.infer<typeof DynamoDbPitrDrill>;
