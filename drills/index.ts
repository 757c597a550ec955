// The registry of drill kinds (the config union and a kind per name) and the engine built from plain deps.
import path from "node:path";
import { z } from "zod";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DrillResult } from "../core/result/index.ts";
import { PostgresDrill, postgresKind, startHeartbeats, startSourceCluster } from "./postgres/index.ts";
import { createEngine, type DrillEngine } from "./engine.ts";
import type { DrillKind } from "./kind.ts";
import { createDrillStore, type DrillStore } from "./store.ts";
import { AuroraPitrDrill, RdsPitrDrill, RdsSnapshotDrill } from "./rds/schema.ts";
import { DynamoDbPitrDrill } from "./dynamodb/schema.ts";
import type { DrillClients } from "./clients.ts";

import { DrillConfig } from "./config.ts";
export { DrillConfig };
export type DrillKindName = DrillConfig["kind"];

export type DrillKinds = { [K in DrillKindName]: DrillKind<Extract<DrillConfig, { kind: K }>> };

const STAGES = ["restore", "recover", "validate", "measure"] as const;

/** A kind whose code (and AWS SDK) is loaded on its first step, so loading a config stays light. */
function lazyKind<D>(load: () => Promise<DrillKind<D>>): DrillKind<D> {
  let loaded: Promise<DrillKind<D>> | undefined;
  const kind = () => (loaded ??= load());
  return {
    stages: STAGES,
    step: async (stage, drill, run, ctx) => (await kind()).step(stage, drill, run, ctx),
    cleanup: async (drill, run, ctx) => (await kind()).cleanup(drill, run, ctx),
    sweep: async (ctx, live, drills) => (await (await kind()).sweep?.(ctx, live, drills)) ?? { removed: [], refused: [] },
  };
}

/** The kind of each name, over the given clients. */
export function drillKinds(clients: DrillClients = {}): DrillKinds {
  return {
    postgres: postgresKind,
    "rds-pitr": lazyKind(async () => (await import("./rds/run.ts")).rdsKind(clients)),
    "rds-snapshot": lazyKind(async () => (await import("./rds/run.ts")).rdsKind(clients)),
    "aurora-pitr": lazyKind(async () => (await import("./rds/aurora.ts")).auroraKind(clients)),
    "dynamodb-pitr": lazyKind(async () => (await import("./dynamodb/run.ts")).dynamoDbKind(clients)),
  };
}

/** The kinds with default clients (stage names, the postgres kind). */
export const kinds: DrillKinds = drillKinds();

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
  /** AWS clients for the cloud kinds (tests pass mocked ones). */
  clients?: DrillClients;
}

/** The drill engine on the shared table, from plain deps (the composition root and `vigie drill` build it so). */
export function createDrillEngine(deps: DrillEngineDeps): DrillEngine {
  const doc = deps.doc ?? (deps.client ? DynamoDBDocumentClient.from(deps.client, { marshallOptions: { removeUndefinedValues: true } }) : undefined);
  if (!doc) throw new TypeError("createDrillEngine needs a client or a doc");
  return createEngine<DrillConfig>({
    store: createDrillStore({ doc, tableName: deps.tableName }),
    drills: deps.config.drills,
    kinds: drillKinds(deps.clients) as Record<string, DrillKind<DrillConfig>>,
    ctx: { now: deps.now ?? Date.now, dataDir: path.resolve(deps.dataDir), env: deps.env ?? process.env, log: deps.log ?? (() => {}) },
    onResult: deps.onResult,
    owner: deps.owner,
    sleep: deps.sleep,
  });
}

export { startHeartbeats };
export type { Heartbeats } from "./postgres/index.ts";
export { PostgresDrill, RdsPitrDrill, RdsSnapshotDrill, AuroraPitrDrill, DynamoDbPitrDrill, startSourceCluster };
export type { SourceCluster } from "./postgres/index.ts";
export { advance, newRun, resultOf, stopRun, cleanupReserve, createEngine, humanMs, CLEANUP_GRACE_MS } from "./engine.ts";
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
export type { DrillClients } from "./clients.ts";
