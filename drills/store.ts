// Drill runs in the shared table: the per-drill lock, runs in progress (state after every step), finished results.
//
// Keys (core/store/table.ts has the rest of the layout):
//   DRILLLOCK                  sk {drillId}                 the lock: runId, since, expiresAtMs (conditional put)
//   DRILLRUN                   sk {drillId}#{runId}         a run in progress: `data` = RunState JSON, `v`
//   DRILLRESULT#{drillId}      sk {startedAt}#{runId}       a finished run: `data` = DrillResult JSON, `v`
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DrillResult } from "../core/result/index.ts";
import { createDrillResultReader, DRILL_RESULT_VERSION, parseRecord, resultPk, type DrillRunPage } from "./drill-results.ts";
import { DrillLockedError } from "./errors.ts";
import type { RunState } from "./run-state.ts";
import { checkRunState, RUN_STATE_VERSION } from "./run-state-check.ts";

export { DRILL_RESULT_VERSION };
export type { DrillRunPage };
const LOCK_PK = "DRILLLOCK";
const RUN_PK = "DRILLRUN";

export interface DrillStore {
  /** Takes the drill's lock for `runId` until `expiresAtMs`, or throws DrillLockedError while another run holds it. */
  lock(drillId: string, runId: string, at: number, expiresAtMs: number): Promise<void>;
  /** Releases the lock if `runId` still holds it. */
  unlock(drillId: string, runId: string): Promise<void>;
  putRun(run: RunState): Promise<void>;
  deleteRun(run: Pick<RunState, "drillId" | "runId">): Promise<void>;
  /** Every run in progress (or left unfinished by a process that died). */
  activeRuns(): Promise<RunState[]>;
  putResult(result: DrillResult): Promise<void>;
  listResults(query: { drillId: string; limit: number; cursor?: string | undefined }): Promise<DrillRunPage>;
  lastResult(drillId: string): Promise<DrillResult | undefined>;
}

export function createDrillStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): DrillStore {
  const { doc, tableName: TableName } = deps;
  const results = createDrillResultReader(deps);
  return {
    async lock(drillId, runId, at, expiresAtMs) {
      try {
        await doc.send(new PutCommand({
          TableName,
          Item: { pk: LOCK_PK, sk: drillId, runId, since: new Date(at).toISOString(), expiresAtMs },
          ConditionExpression: "attribute_not_exists(pk) OR expiresAtMs < :at OR runId = :runId",
          ExpressionAttributeValues: { ":at": at, ":runId": runId },
        }));
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
        const held = await doc.send(new GetCommand({ TableName, Key: { pk: LOCK_PK, sk: drillId }, ConsistentRead: true }));
        throw new DrillLockedError(drillId, { runId: String(held.Item?.runId ?? "?"), since: String(held.Item?.since ?? "?") });
      }
    },
    async unlock(drillId, runId) {
      try {
        await doc.send(new DeleteCommand({
          TableName, Key: { pk: LOCK_PK, sk: drillId }, ConditionExpression: "runId = :runId", ExpressionAttributeValues: { ":runId": runId },
        }));
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
      }
    },
    async putRun(run) {
      await doc.send(new PutCommand({ TableName, Item: { pk: RUN_PK, sk: `${run.drillId}#${run.runId}`, v: RUN_STATE_VERSION, data: JSON.stringify(run) } }));
    },
    async deleteRun(run) {
      await doc.send(new DeleteCommand({ TableName, Key: { pk: RUN_PK, sk: `${run.drillId}#${run.runId}` } }));
    },
    async activeRuns() {
      const runs: RunState[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(new QueryCommand({
          TableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": RUN_PK }, ConsistentRead: true, ExclusiveStartKey: start,
        }));
        for (const item of page.Items ?? []) runs.push(parseRecord((value) => checkRunState<RunState>(value), item, RUN_STATE_VERSION, "drill run"));
        start = page.LastEvaluatedKey;
      } while (start);
      return runs;
    },
    async putResult(result) {
      await doc.send(new PutCommand({
        TableName,
        Item: { pk: resultPk(result.drillId), sk: `${result.startedAt}#${result.runId}`, v: DRILL_RESULT_VERSION, data: JSON.stringify(result) },
      }));
    },
    listResults: (query) => results.listResults(query),
    lastResult: (drillId) => results.lastResult(drillId),
  };
}
