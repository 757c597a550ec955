// The registry of drill kinds (the config union and a kind per name) and the engine built from plain deps.
import path from "node:path";
import { z } from "zod";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DrillResult } from "../core/result/index.ts";
import { PostgresDrill, postgresKind, startSourceCluster } from "./postgres/index.ts";
import { createEngine, type DrillEngine } from "./engine.ts";
import type { DrillKind } from "./kind.ts";
import { createDrillStore, type DrillStore } from "./store.ts";
import { RDSClient } from "@aws-sdk/client-rds";
import { AuroraPitrDrill, RdsPitrDrill, RdsSnapshotDrill, auroraKind, rdsKind } from "./rds/index.ts";
import { DynamoDbPitrDrill, dynamoDbKind } from "./dynamodb/index.ts";

export const DrillConfig = z.discriminatedUnion("kind", [PostgresDrill, RdsPitrDrill, RdsSnapshotDrill, AuroraPitrDrill, DynamoDbPitrDrill]);
export type DrillConfig = z.infer<typeof DrillConfig>;
export type DrillKindName = DrillConfig["kind"];

/** AWS clients the cloud kinds use; each is built (default credentials and region) only when a drill needs it. */
export interface DrillClients {
  rds?: RDSClient;
  dynamodb?: DynamoDBClient;
  /** Region for clients built here. Default: the AWS SDK's (AWS_REGION). */
  region?: string;
}

export type DrillKinds = { [K in DrillKindName]: DrillKind<Extract<DrillConfig, { kind: K }>> };

/** The kind of each name, over the given clients. */
export function drillKinds(clients: DrillClients = {}): DrillKinds {
  // One client per region a drill names (the given client serves every region: tests hand in a mocked one).
  const cache = new Map<string, RDSClient | DynamoDBClient>();
  const regionOf = (region?: string) => region ?? clients.region;
  const rdsClient = (region?: string) => clients.rds ?? (cache.get(`rds:${regionOf(region)}`) as RDSClient | undefined) ?? (() => {
    const made = new RDSClient(regionOf(region) ? { region: regionOf(region) } : {});
    cache.set(`rds:${regionOf(region)}`, made);
    return made;
  })();
  const dynamoClient = (region?: string) => clients.dynamodb ?? (cache.get(`ddb:${regionOf(region)}`) as DynamoDBClient | undefined) ?? (() => {
    const made = new DynamoDBClient(regionOf(region) ? { region: regionOf(region) } : {});
    cache.set(`ddb:${regionOf(region)}`, made);
    return made;
  })();
  const rdsKinds = rdsKind(rdsClient);
  return { postgres: postgresKind, "rds-pitr": rdsKinds, "rds-snapshot": rdsKinds, "aurora-pitr": auroraKind(rdsClient), "dynamodb-pitr": dynamoDbKind(dynamoClient) };
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

export { PostgresDrill, RdsPitrDrill, RdsSnapshotDrill, AuroraPitrDrill, DynamoDbPitrDrill, startSourceCluster };
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
