// Least-privilege IAM for each function, as plain statements (no SST globals, so tests check them directly).
// Runners and the queue consumer may only write results (and read back what a late result refolds) and queue them;
// the API only reads; the evaluator and housekeeping read and write alert items and publish to the stack's topic.

export interface Statement {
  actions: string[];
  resources: unknown[];
  effect?: "allow" | "deny";
  conditions?: Array<{ test: string; variable: string; values: string[] }>;
}

/** What the store's write path calls: batch puts of runs, rollup updates, state puts, and queries to refold a late day. */
export const RESULT_WRITE_ACTIONS = ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"];
/** What the read paths call. */
export const READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query"];

/** `tableArn` and `${tableArn}/index/*` (GSI1 queries). */
export const tableAndIndexes = (tableArn: unknown, indexArn: unknown) => [tableArn, indexArn];

export function runnerPermissions(arns: { table: unknown; queue: unknown }): Statement[] {
  return [
    { actions: RESULT_WRITE_ACTIONS, resources: [arns.table] },
    { actions: ["sqs:SendMessage"], resources: [arns.queue] },
  ];
}

export function queueConsumerPermissions(arns: { table: unknown }): Statement[] {
  return [{ actions: RESULT_WRITE_ACTIONS, resources: [arns.table] }];
}

export function apiPermissions(arns: { table: unknown; indexes: unknown }): Statement[] {
  return [{ actions: READ_ACTIONS, resources: [arns.table, arns.indexes] }];
}

/** Evaluator and housekeeping: alert state, incidents and outbox (conditional puts and updates), folding days, paging. */
export function alertingPermissions(arns: { table: unknown; indexes: unknown; topic: unknown }): Statement[] {
  return [
    { actions: [...READ_ACTIONS, "dynamodb:PutItem", "dynamodb:UpdateItem"], resources: [arns.table, arns.indexes] },
    { actions: ["sns:Publish"], resources: [arns.topic] },
  ];
}

/** Where ARNs are made: the account and partition of the stack. */
export interface Account { partition: string; accountId: string }

/** The parts of a drill's plan its IAM is made from (core/plan DrillPlan). */
export interface DrillAccess {
  id: string;
  kind: string;
  region: string;
  source: { instance?: string | undefined; snapshot?: string | undefined; cluster?: string | undefined; table?: string | undefined };
  vpc?: { subnetGroup: string } | undefined;
}

const tagIs = (scope: "RequestTag" | "ResourceTag", drillId: string) => ({ test: "StringEquals", variable: `aws:${scope}/vigie:drill`, values: [drillId] });

/**
 * The whole policy of one drill's Lambda, scoped to that drill: its runs, lock and results in the table (and alert
 * items: it alerts as the evaluator does, leaving delivery to housekeeping), the executions of its own state machine
 * (DescribeExecution: is a run's driver still running), and the kind's own actions on its source and on copies named
 * `vigie-drill-<drill>-*` (the one prefix its copies and no other drill's have: run ids hold no dash). Where the
 * service takes the condition, a copy must be created with the tag `vigie:drill=<drill>` (aws:RequestTag) and may be
 * deleted only while it carries it (aws:ResourceTag), on top of the name.
 *
 * Every ARN but the table's is in the drill's region: its source and copies are there, and so are its state machine
 * and Lambda (the stack deploys a drill in its own region). What cannot be narrowed, and why: RDS Describe* are granted on every instance/cluster/snapshot ARN of the drill's
 * account and region (`db:*`, `cluster:*`, `snapshot:*`) because the sweeper lists them all (their filters take exact
 * ids only, no prefix); dynamodb:ListTables supports no resource-level permission (`*`). Option and parameter groups
 * (`og:*`, `pg:*`, `cluster-pg:*`), which a restore may attach its copy to, are the account's and region's.
 */
export function drillPermissions(drill: DrillAccess, account: Account, machine: { machineName: string }, arns: { table: unknown; indexes: unknown }): Statement[] {
  const arn = (service: string, resource: string) => `arn:${account.partition}:${service}:${drill.region}:${account.accountId}:${resource}`;
  const copies = `vigie-drill-${drill.id}-*`;
  const statements: Statement[] = [
    // The table's own ARN (the home region's, wherever the drill is).
    { actions: [...READ_ACTIONS, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], resources: [arns.table, arns.indexes] },
    // The state machine is deployed in the drill's region, beside its Lambda (stacks/index.ts).
    { actions: ["states:DescribeExecution"], resources: [arn("states", `execution:${machine.machineName}:*`)] },
  ];
  const db = (name: string) => arn("rds", `db:${name}`);
  const cluster = (name: string) => arn("rds", `cluster:${name}`);
  const subnetGroup = drill.vpc ? [arn("rds", `subgrp:${drill.vpc.subnetGroup}`)] : [];
  const groups = [arn("rds", "og:*"), arn("rds", "pg:*")];
  if (drill.kind === "rds-pitr" || drill.kind === "rds-snapshot") {
    const source = drill.kind === "rds-pitr"
      ? { actions: ["rds:RestoreDBInstanceToPointInTime"], resources: [db(drill.source.instance!)] }
      // A named snapshot, or the source's automated ones (named rds:<instance>-<date>).
      : { actions: ["rds:RestoreDBInstanceFromDBSnapshot"], resources: [arn("rds", `snapshot:${drill.source.snapshot ?? `rds:${drill.source.instance}-*`}`)] };
    statements.push(
      { actions: source.actions, resources: [...source.resources, db(copies), ...subnetGroup, ...groups], conditions: [tagIs("RequestTag", drill.id)] },
      // RDS checks tagging on create as a tagging action of its own.
      { actions: ["rds:AddTagsToResource"], resources: [db(copies)], conditions: [tagIs("RequestTag", drill.id)] },
      { actions: ["rds:DescribeDBInstances", ...(drill.kind === "rds-snapshot" ? ["rds:DescribeDBSnapshots"] : [])], resources: [db("*"), ...(drill.kind === "rds-snapshot" ? [arn("rds", "snapshot:*")] : [])] },
    );
  } else if (drill.kind === "aurora-pitr") {
    statements.push(
      { actions: ["rds:RestoreDBClusterToPointInTime"], resources: [cluster(drill.source.cluster!), cluster(copies), ...subnetGroup, arn("rds", "cluster-pg:*"), arn("rds", "og:*")], conditions: [tagIs("RequestTag", drill.id)] },
      { actions: ["rds:CreateDBInstance"], resources: [db(copies), cluster(copies), ...subnetGroup, ...groups], conditions: [tagIs("RequestTag", drill.id)] },
      { actions: ["rds:AddTagsToResource"], resources: [db(copies), cluster(copies)], conditions: [tagIs("RequestTag", drill.id)] },
      { actions: ["rds:DescribeDBClusters", "rds:DescribeDBInstances"], resources: [cluster("*"), db("*")] },
    );
  } else if (drill.kind === "dynamodb-pitr") {
    const table = (name: string) => arn("dynamodb", `table/${name}`);
    statements.push(
      { actions: ["dynamodb:RestoreTableToPointInTime"], resources: [table(drill.source.table!), table(copies)] },
      { actions: ["dynamodb:DescribeContinuousBackups"], resources: [table(drill.source.table!)] },
      // The restore writes the copy with the caller's item permissions; the checks read it (GetItem).
      { actions: ["dynamodb:DescribeTable", "dynamodb:ListTagsOfResource", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"], resources: [table(copies)] },
      // The restore takes no tags: the copy is tagged once ACTIVE, with this drill's tag only.
      { actions: ["dynamodb:TagResource"], resources: [table(copies)], conditions: [tagIs("RequestTag", drill.id)] },
      { actions: ["dynamodb:ListTables"], resources: ["*"] },
    );
  }
  return [...statements, ...drillDeletePermissions(drill, account)];
}

/**
 * What a drill Lambda may delete: only its own drill's copies, named `vigie-drill-<drill>-*` AND tagged
 * `vigie:drill=<drill>` (aws:ResourceTag). No other function may delete a database or a table.
 */
export function drillDeletePermissions(drill: Pick<DrillAccess, "id" | "kind" | "region">, account: Account): Statement[] {
  const arn = (service: string, resource: string) => `arn:${account.partition}:${service}:${drill.region}:${account.accountId}:${resource}`;
  const copies = `vigie-drill-${drill.id}-*`;
  const fenced = (actions: string[], resources: string[]): Statement => ({ actions, resources, conditions: [tagIs("ResourceTag", drill.id)] });
  switch (drill.kind) {
    case "rds-pitr":
    case "rds-snapshot":
      return [fenced(["rds:DeleteDBInstance"], [arn("rds", `db:${copies}`)])];
    case "aurora-pitr":
      return [fenced(["rds:DeleteDBInstance"], [arn("rds", `db:${copies}`)]), fenced(["rds:DeleteDBCluster"], [arn("rds", `cluster:${copies}`)])];
    case "dynamodb-pitr":
      return [fenced(["dynamodb:DeleteTable"], [arn("dynamodb", `table/${copies}`)])];
    default:
      return [];
  }
}
