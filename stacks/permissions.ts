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
 * What a drill Lambda may delete: only resources tagged `vigie:drill` (condition key) or named `vigie-drill-*`.
 * Used once drills deploy (issue 11); kept here so the rule lives with the rest of the stack's IAM.
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
