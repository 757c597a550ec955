// The drill kinds by name and the engine built from plain deps. Apart from the registry (drills/index.ts), which also
// exports the postgres kind's tools (its source cluster and heartbeats, which load `pg`): the drill Lambda imports this
// module, and each kind's code, `pg` included, loads on that kind's first step only.
import path from "node:path";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DrillResult } from "../core/result/index.ts";
import type { DrillClients } from "./clients.ts";
import type { DrillConfig } from "./config.ts";
import { createEngine, type DrillEngine } from "./engine.ts";
import type { DrillKind } from "./kind.ts";
import { createDrillStore } from "./store.ts";

export type DrillKindName = DrillConfig["kind"];

export type DrillKinds = { [K in DrillKindName]: DrillKind<Extract<DrillConfig, { kind: K }>> };

const STAGES = ["restore", "recover", "validate", "measure"] as const;

/**
 * A kind whose code (and its AWS SDK client or `pg`) is loaded on its first step: loading a config stays light, and a
 * drill Lambda loads the code of its own drill's kind only (each dynamic import is a chunk of its own when bundled).
 */
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
    postgres: lazyKind(async () => (await import("./postgres/run.ts")).postgresKind),
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
