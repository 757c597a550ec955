// The table's document client and result store, built alike by the composition root and by the regional runners'
// lighter deps (functions/runner-deps.ts), which load nothing of alerting: one place for their options.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createResultStore, type ResultStore } from "../store/results-store.ts";

/** The document client on the table: undefined attributes are left out, as every stored record expects. */
export const documentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** The result store on the table, with the config's raw-run retention (ms) when it sets one. */
export const resultStoreOn = (input: { doc: DynamoDBDocumentClient; tableName: string; now: () => number; retentionMs?: number | undefined }): ResultStore =>
  createResultStore({ doc: input.doc, tableName: input.tableName, now: input.now, ...(input.retentionMs !== undefined ? { retention: { runsMs: input.retentionMs } } : {}) });
