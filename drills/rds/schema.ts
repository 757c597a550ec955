// The RDS drill kinds' config: restore an instance (point in time, or a snapshot) into a private, small copy.
import { z } from "zod";
import { DrillBase, RestoreTo, SqlCheck } from "../schema.ts";

const RdsCommon = DrillBase.extend({
  /** Where the copy goes: never public, deleted with SkipFinalSnapshot. */
  restore: z.strictObject({
    /** Default "db.t4g.micro". */
    instanceClass: z.string().min(1).default("db.t4g.micro"),
    /** A DB subnet group, e.g. "drills". */
    subnetGroup: z.string().min(1),
    /** VPC security group ids, e.g. ["sg-0abc"]. */
    securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]+$/, { error: "must be a security group id such as sg-0abc" })).min(1),
    /**
     * On AWS, the drill's Lambda runs in this subnet group's VPC and calls DynamoDB, RDS and Step Functions from there.
     * true: the stack adds the VPC endpoints for them (a DynamoDB gateway endpoint, RDS and Step Functions interface
     * endpoints; `vigie plan` prices them). false: the VPC reaches them already (a NAT gateway, or endpoints of its
     * own). Unset: `vigie plan` warns. Example: true.
     */
    vpcEndpoints: z.boolean().optional(),
  }),
  /** How vigie connects to the copy (PostgreSQL engines), TLS without certificate checks (the copy is private). */
  connect: z.strictObject({
    /** Default "postgres". */
    database: z.string().min(1).default("postgres"),
    user: z.string().min(1),
    /** Use ${env:NAME}: resolved at run time, never stored. */
    password: z.string().min(1),
  }),
  /** AWS region of the source. Default: the config's home region. */
  region: z.string().optional(),
  validate: z.array(SqlCheck).default([]),
  freshness: z.strictObject({ sql: z.string().min(1) }).optional(),
});

export const RdsPitrDrill = RdsCommon.extend({
  kind: z.literal("rds-pitr"),
  source: z.strictObject({ instance: z.string().min(1) }),
  /** "latest" (LatestRestorableTime) or a duration before T0. Default "latest". */
  restoreTo: RestoreTo.default("latest"),
});
export type RdsPitrDrill = z.infer<typeof RdsPitrDrill>;

export const RdsSnapshotDrill = RdsCommon.extend({
  kind: z.literal("rds-snapshot"),
  /** The newest automated snapshot of `instance`, or the one named. */
  source: z.strictObject({ instance: z.string().min(1), snapshot: z.string().min(1).optional() }),
});
export type RdsSnapshotDrill = z.infer<typeof RdsSnapshotDrill>;

export type RdsDrill = RdsPitrDrill | RdsSnapshotDrill;

export const AuroraPitrDrill = RdsCommon.extend({
  kind: z.literal("aurora-pitr"),
  /** The Aurora cluster to restore (then one instance is added to the copy). */
  source: z.strictObject({ cluster: z.string().min(1) }),
  /** "latest" (LatestRestorableTime) or a duration before T0. Default "latest". */
  restoreTo: RestoreTo.default("latest"),
});
export type AuroraPitrDrill = z.infer<typeof AuroraPitrDrill>;
