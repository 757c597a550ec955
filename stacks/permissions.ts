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

/**
 * What a drill Lambda does besides deleting: keep its runs, lock and results in the table and page through alerting
 * (as the evaluator does), and restore, describe and tag copies. Restores and describes name no resource (RDS checks a
 * restore against its source and its target, which the run names at run time); only deletes are fenced, below.
 */
export function drillPermissions(arns: { table: unknown; indexes: unknown; topic: unknown }): Statement[] {
  return [
    { actions: [...READ_ACTIONS, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], resources: [arns.table, arns.indexes] },
    { actions: ["sns:Publish"], resources: [arns.topic] },
    {
      actions: [
        "rds:RestoreDBInstanceToPointInTime", "rds:RestoreDBInstanceFromDBSnapshot", "rds:RestoreDBClusterToPointInTime", "rds:CreateDBInstance",
        "rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots", "rds:AddTagsToResource", "rds:ListTagsForResource",
        "dynamodb:RestoreTableToPointInTime", "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:TagResource", "dynamodb:ListTagsOfResource",
      ],
      resources: ["*"],
    },
  ];
}

/** A restored DynamoDB copy is written by the restore and read by the checks: only tables named `vigie-drill-*`. */
export function drillCopyPermissions(account: { partition: string; region: string; accountId: string }): Statement[] {
  return [{
    actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
    resources: [`arn:${account.partition}:dynamodb:${account.region}:${account.accountId}:table/vigie-drill-*`],
  }];
}

/**
 * What a drill Lambda may delete: only resources tagged `vigie:drill` (condition key) or named `vigie-drill-*`.
 * Attached to every drill Lambda's role (stacks/index.ts).
 */
export function drillDeletePermissions(account: { partition: string; region: string; accountId: string }): Statement[] {
  const arn = (service: string, resource: string) => `arn:${account.partition}:${service}:${account.region}:${account.accountId}:${resource}`;
  return [
    {
      actions: ["rds:DeleteDBInstance", "rds:DeleteDBCluster", "dynamodb:DeleteTable"],
      resources: ["*"],
      conditions: [{ test: "StringLike", variable: "aws:ResourceTag/vigie:drill", values: ["*"] }],
    },
    {
      actions: ["rds:DeleteDBInstance", "rds:DeleteDBCluster", "dynamodb:DeleteTable"],
      resources: [arn("rds", "db:vigie-drill-*"), arn("rds", "cluster:vigie-drill-*"), arn("dynamodb", "table/vigie-drill-*")],
    },
  ];
}
