// The one composition root: from `{ client, tableName, config, env, now, log }` it builds the result store, the
// evaluator (alerting's write path), the outbox deliverer, the drill engine and the read view the API serves.
// `vigie start` and every Lambda handler call it, so the local process and the functions run the same code paths.
//
// Each part is built on first use: a handler that only reads (the API) touches `store` and `readView` and so builds
// no pager and nothing that writes alert state or pages.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ResultStore } from "../store/results-store.ts";
import { documentClient, resultStoreOn } from "./result-store-on.ts";
import { createDynamoAlertStore, type AlertStore } from "../alerting/store.ts";
import { createEvaluator, type Evaluator } from "../alerting/evaluator.ts";
import { createDeliverer, type Deliverer } from "../alerting/deliverer.ts";
import { createAlertReadView, type AlertReadView } from "../alerting/read-view.ts";
import { alertLogFromLines, alertsOf, type AlertingConfig, type AlertLog } from "../alerting/rules.ts";
import { buildPagers } from "../alerting/channels/index.ts";
import type { Pager } from "../alerting/channels/types.ts";

/** The parts of the parsed config the composition reads (structural: core does not import the probe registry). */
export interface RuntimeConfig extends AlertingConfig {
  project: string;
  probes: ReadonlyArray<AlertingConfig["probes"][number] & { regions: readonly string[] }>;
  store?: { retention: number } | undefined;
  drills?: readonly unknown[] | undefined;
}

/**
 * One step of a drill run, as the drill Lambda and Step Functions drive it: without `run` it starts a run of
 * `drillId`; with one it moves that run one step. The run's state is opaque here (the drill engine owns it). With
 * `failed` (why the last step failed: a Lambda timeout, a crash), the run is stopped as an error and cleaned up.
 * `execution` names the Step Functions execution driving it (its ARN): the run is recorded as that execution's, so
 * a retried or failed first step finds it, and a later execution can tell whether it is still driven. An answer
 * with no `run` and a wait means: start a run at the next step (the one this execution took over has ended).
 */
export interface DrillEngine {
  advance(input: { drillId: string; run?: unknown; failed?: string; execution?: string }): Promise<{ run?: unknown; next: { waitMs: number } | "done" }>;
}

/** What a drill engine is built from: the same table, clock and log as everything else. */
export interface DrillEngineContext {
  doc: DynamoDBDocumentClient;
  tableName: string;
  config: RuntimeConfig;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: (line: string) => void;
}

export interface ComposeInput {
  client: DynamoDBClient;
  tableName: string;
  config: RuntimeConfig;
  env: NodeJS.ProcessEnv;
  /** Epoch ms. */
  now: () => number;
  /** Takes whole lines (JSON objects from alerting). */
  log: (line: string) => void;
  /** Pagers by channel; default built from the config's channels (SNS, webhooks, logs) on first use of the deliverer. */
  pagers?: Record<string, Pager>;
  /** The SNS client for SNS channels (tests hand in a mocked one). */
  sns?: SNSClient;
  fetch?: typeof globalThis.fetch;
  /** Builds the drill engine; absent until drills exist (issue 11). */
  drillEngine?: (context: DrillEngineContext) => DrillEngine;
  /**
   * Subjects alerting watches beside the probes, with the same rules (a DR drill and its cleanup, say); the
   * caller builds them, since core does not know the drill kinds.
   */
  alertSubjects?: AlertingConfig["probes"];
  /** Whether the evaluator hands each enqueued page to the deliverer at once (it then builds pagers). Default true. */
  deliverInline?: boolean;
}

export interface Vigie {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly store: ResultStore;
  readonly alertStore: AlertStore;
  readonly evaluator: Evaluator;
  readonly deliverer: Deliverer;
  readonly readView: AlertReadView;
  /** Undefined until a drill engine factory is given. */
  readonly drills: DrillEngine | undefined;
  readonly alertLog: AlertLog;
  /** Names of the parts built so far (what a handler really constructed). */
  built(): string[];
  /**
   * The periodic work of the minute schedule on AWS: stale checks and reminders, the outbox, and folding closed days.
   * Returns how many pages went out and days were folded.
   */
  housekeeping(): Promise<{ delivered: number; folded: number }>;
}

export function composeVigie(input: ComposeInput): Vigie {
  const { config, tableName, now, log } = input;
  const built = new Set<string>();
  const cache = new Map<string, unknown>();
  function once<T>(name: string, build: () => T): T {
    if (!cache.has(name)) {
      cache.set(name, build());
      built.add(name);
    }
    return cache.get(name) as T;
  }
  const doc = documentClient(input.client);
  const alertLog = alertLogFromLines(log);
  const alertConfig: AlertingConfig = input.alertSubjects?.length ? { ...config, probes: [...config.probes, ...input.alertSubjects] } : config;
  const alerts = alertsOf(config);

  const vigie: Vigie = {
    doc,
    tableName,
    alertLog,
    get store() {
      return once("store", () => resultStoreOn({ doc, tableName, now, retentionMs: config.store?.retention }));
    },
    get alertStore() {
      return once("alertStore", () => createDynamoAlertStore({ doc, tableName }));
    },
    get deliverer() {
      return once("deliverer", () => {
        const pagers = input.pagers ?? buildPagers(alerts.channels, { env: input.env, ...(input.sns ? { sns: input.sns } : {}), ...(input.fetch ? { fetch: input.fetch } : {}) });
        return createDeliverer({ store: vigie.alertStore, alerts, pagers, now, log: alertLog });
      });
    },
    get evaluator() {
      return once("evaluator", () => {
        const inline = input.deliverInline ?? true;
        // The channel names come from the config, so an evaluator that leaves delivery to a schedule builds no pager.
        const channelNames = input.pagers ? Object.keys(input.pagers) : Object.keys(alerts.channels);
        return createEvaluator({
          config: alertConfig, store: vigie.alertStore, channelNames, now, log: alertLog,
          ...(inline ? { deliverSoon: (id: string) => vigie.deliverer.deliverSoon(id) } : {}),
        });
      });
    },
    get readView() {
      return once("readView", () => createAlertReadView({ config: alertConfig, store: vigie.alertStore, now }));
    },
    get drills() {
      const factory = input.drillEngine;
      return factory ? once("drills", () => factory({ doc, tableName, config, env: input.env, now, log })) : undefined;
    },
    built: () => [...built],
    async housekeeping() {
      const before = vigie.deliverer.sent;
      await vigie.evaluator.checkStale();
      await vigie.deliverer.drainOutbox();
      await vigie.deliverer.idle();
      const delivered = vigie.deliverer.sent - before;
      let folded = 0;
      for (const probe of config.probes) for (const region of probe.regions) folded += await vigie.store.foldClosedDays(probe.id, region);
      return { delivered, folded };
    },
  };
  return vigie;
}
