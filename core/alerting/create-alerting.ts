// Alerting as one object, for one process (`vigie start`, tests, benches): the evaluator, the outbox deliverer and the
// read view over one store. On AWS the three run in different functions; core/runtime/compose.ts builds each alone.
import type { ProbeResult } from "../result/probe-result.ts";
import type { MaintenanceWindow } from "./schema.ts";
import type { AlertIncident } from "./evaluate.ts";
import type { AlertStore } from "./store.ts";
import { buildPagers, type PagerDeps } from "./channels/index.ts";
import type { Pager } from "./channels/types.ts";
import { alertLogFromLines, alertsOf, probeSpecs, type AlertingConfig, type AlertLog } from "./rules.ts";
import { createDeliverer } from "./deliverer.ts";
import { createEvaluator } from "./evaluator.ts";
import { createAlertReadView, type SloStatus } from "./read-view.ts";
import type { IncidentReader } from "../result/incident.ts";

export interface AlertingDeps extends PagerDeps {
  config: AlertingConfig;
  store: AlertStore;
  /** Pagers by channel name; default: built from `config.alerts.channels`. Tests pass their own. */
  pagers?: Record<string, Pager>;
  /** The clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Uniform in [0, 1), for retry jitter. Default Math.random; tests pin it. */
  random?: () => number;
  log?: AlertLog;
}

export interface Alerting {
  /** Evaluates one stored result; resolves once the state and any incident are written (pages go out in the background). */
  onResult(result: ProbeResult): Promise<void>;
  /**
   * Opens stale incidents, sends reminders and held-back pages, retries due pages. Call every few seconds.
   * The first call also resolves the open incidents of probes no longer in the config.
   */
  tick(): Promise<void>;
  /** Incidents newest first, for GET /v1/incidents and the status page. */
  incidents: IncidentReader;
  /** Error budget and burn rates of each objective of a probe (empty when it has no SLO). */
  sloStatus(probeId: string): Promise<SloStatus>;
  /** The maintenance window covering a probe at an instant (default now), for the status page and uptime math. */
  maintenance(probeId: string, at?: number): MaintenanceWindow | undefined;
  /** Sends every page due now; returns how many were delivered. */
  drainOutbox(): Promise<number>;
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>;
  /** Waits for deliveries in flight; later calls do nothing. */
  stop(): Promise<void>;
}

function jsonLog(stream: Pick<NodeJS.WriteStream, "write">): AlertLog {
  return alertLogFromLines((line) => stream.write(`${line}\n`));
}

export function createAlerting(deps: AlertingDeps): Alerting {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? jsonLog(deps.stderr ?? process.stderr);
  const alerts = alertsOf(deps.config);
  const pagers = deps.pagers ?? buildPagers(alerts.channels, deps);
  const deliverer = createDeliverer({ store: deps.store, alerts, pagers, now, log, ...(deps.random ? { random: deps.random } : {}) });
  const evaluator = createEvaluator({
    config: deps.config, store: deps.store, channelNames: Object.keys(pagers), deliverSoon: deliverer.deliverSoon, now, log,
  });
  const view = createAlertReadView({ config: deps.config, store: deps.store, now });
  return {
    onResult: (result) => evaluator.onResult(result),
    async tick() {
      await evaluator.checkStale();
      await deliverer.drainOutbox();
    },
    incidents: view.incidents,
    sloStatus: view.sloStatus,
    maintenance: view.maintenance,
    drainOutbox: deliverer.drainOutbox,
    idle: deliverer.idle,
    async stop() {
      evaluator.stop();
      await deliverer.idle();
    },
  };
}

export { AlertingError } from "./errors.ts";
export { PAGE_EXPIRED } from "./deliverer.ts";
export { probeSpecs, alertLogFromLines };
export type { AlertingConfig, AlertLog, SloStatus, AlertIncident };
