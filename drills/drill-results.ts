// Finished drill runs in the shared table, as their readers (the API, the status page) see them: each record checked
// on read without the schema library (core/result/drill-result-check.ts), so the API loads no zod at cold start. The
// drill engine's store (drills/store.ts) writes them and reads them through this.
//   DRILLRESULT#{drillId}      sk {startedAt}#{runId}       a finished run: `data` = DrillResult JSON, `v`
import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { checkDrillResult } from "../core/result/drill-result-check.ts";
import type { DrillResult, DrillRunReader } from "../core/result/index.ts";
import { decodeCursor, encodeCursor } from "../core/store/cursor.ts";
import { DrillRecordError } from "./errors.ts";

export const DRILL_RESULT_VERSION = 1;
export const resultPk = (drillId: string) => `DRILLRESULT#${drillId}`;

export interface DrillRunPage { items: DrillResult[]; cursor?: string }

/** A stored record's `data`, of `version`, read by `read` (which throws on a value of another shape). */
export function parseRecord<T>(read: (value: unknown) => T, item: Record<string, unknown>, version: number, what: string): T {
  if (item.v !== version) throw new DrillRecordError(`${what} ${String(item.sk)} has version ${String(item.v)}; this vigie reads version ${version}`);
  let value: unknown;
  try {
    value = JSON.parse(String(item.data));
  } catch (error) {
    throw new DrillRecordError(`${what} ${String(item.sk)} is not JSON`, { cause: error });
  }
  try {
    return read(value);
  } catch (error) {
    throw new DrillRecordError(`${what} ${String(item.sk)} does not match its schema: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads finished drill runs, newest first. */
export function createDrillResultReader(deps: { doc: DynamoDBDocumentClient; tableName: string }): DrillRunReader {
  const { doc, tableName: TableName } = deps;
  const reader: DrillRunReader = {
    async listResults({ drillId, limit, cursor }): Promise<DrillRunPage> {
      const pk = resultPk(drillId);
      const page = await doc.send(new QueryCommand({
        TableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, ["pk", "sk"], { pk }) } : {}),
      }));
      const items = (page.Items ?? []).map((item) => parseRecord((value) => checkDrillResult<DrillResult>(value), item, DRILL_RESULT_VERSION, "drill result"));
      const next = encodeCursor(page.LastEvaluatedKey);
      return { items, ...(next ? { cursor: next } : {}) };
    },
    async lastResult(drillId) {
      return (await reader.listResults({ drillId, limit: 1 })).items[0];
    },
  };
  return reader;
}
