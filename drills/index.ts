// The registry of drill kinds (the config union and a kind per name) and the engine built from plain deps.
import path from "node:path";
import { z } from "zod";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DrillResult } from "../core/result/index.ts";
import { PostgresDrill, postgresKind, startSourceCluster } from "./postgres/index.ts";
import { createEngine, type DrillEngine } from "./engine.ts";
import type { DrillKind } from "./kind.ts";
import { createDrillStore, type DrillStore } from "./store.ts";

export const DrillConfig = z.discriminatedUnion("kind", [PostgresDrill]);
export type DrillConfig = z.infer<typeof DrillConfig>;
export type DrillKindName = DrillConfig["kind"];

export const kinds: { [K in DrillKindName]: DrillKind<Extract<DrillConfig, { kind: K }>> } = {
  postgres: postgresKind,
};

export interface DrillEngineDeps {
  /** A DynamoDB client (or a document client) on the shared table. */
  client?: DynamoDBClient;
  doc?: DynamoDBDocumentClient;
  tableName: string;
  config: { drills: readonly DrillConfig[] };
  /** The data folder: local drill copies live under its `drills/`. */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  log?: (line: string) => void;
  /** Called with each finished, stored result (alerting plugs in here). */
  onResult?: (result: DrillResult) => Promise<void>;
  owner?: { host: string; pid: number };
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The drill engine on the shared table, from plain deps (the composition root and `vigie drill` build it so). */
export function createDrillEngine(deps: DrillEngineDeps): DrillEngine {
  const doc = deps.doc ?? (deps.client ? DynamoDBDocumentClient.from(deps.client, { marshallOptions: { removeUndefinedValues: true } }) : undefined);
  if (!doc) throw new TypeError("createDrillEngine needs a client or a doc");
  return createEngine<DrillConfig>({
    store: createDrillStore({ doc, tableName: deps.tableName }),
    drills: deps.config.drills,
    kinds: kinds as Record<string, DrillKind<DrillConfig>>,
    ctx: { now: deps.now ?? Date.now, dataDir: path.resolve(deps.dataDir), env: deps.env ?? process.env, log: deps.log ?? (() => {}) },
    onResult: deps.onResult,
    owner: deps.owner,
    sleep: deps.sleep,
  });
}

export { PostgresDrill, startSourceCluster };
export type { SourceCluster } from "./postgres/index.ts";
export { advance, newRun, resultOf, stopRun, cleanupReserve, createEngine, humanMs } from "./engine.ts";
export type { DrillEngine, DrillCommon, DriveOptions, Next } from "./engine.ts";
export { createDrillStore, DRILL_RESULT_VERSION } from "./store.ts";
export type { DrillStore, DrillRunPage } from "./store.ts";
export { RunState } from "./run-state.ts";
export type { RunState as DrillRunState } from "./run-state.ts";
export { resourceName, resourceTags } from "./kind.ts";
export type { DrillKind, KindContext, StepResult, SweepReport, CleanupReport } from "./kind.ts";
export { DrillFault, DrillLockedError, UnknownDrillError, DrillRecordError } from "./errors.ts";
export { SqlCheck, DrillBase } from "./schema.ts";
export { drillAlertSubjects, drillAlertResults, cleanupSubject } from "./alerting.ts";
