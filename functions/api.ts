// Lambda entry for the results API and status page: the same Hono app as `vigie start`, over the stack's table.
// It reads only: the composition builds the result store and the alert read view, no evaluator and no pager.
import { handle } from "hono/aws-lambda";
import { apiKeysFrom, createApp } from "../api/index.ts";
import { probeSecrets } from "../core/store/index.ts";
import { createDrillResultReader } from "../drills/drill-results.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";

export function createApiHandler(deps: Pick<LambdaDeps, "config" | "vigie" | "env" | "now">) {
  const { config, vigie, env } = deps;
  return handle(createApp({
    store: vigie.store,
    probes: config.probes,
    // Drill runs are read from the same table the drill Lambda writes them to (reading needs no drill code).
    drills: config.drills.map((drill) => drill.id),
    drillRuns: createDrillResultReader({ doc: vigie.doc, tableName: vigie.tableName }),
    apiKeys: apiKeysFrom(env),
    secrets: probeSecrets(config.probes, env),
    incidents: vigie.readView.incidents,
    alerting: vigie.readView,
    title: config.project,
    now: deps.now,
    publicIncidents: config.statusPage?.incidents,
  }));
}

const built = once(() => createApiHandler(lambdaDeps(process.env)));
export const handler: ReturnType<typeof createApiHandler> = (event, context) => built()(event, context);
