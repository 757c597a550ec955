// What the API reads of alerting: incidents, maintenance windows and SLO budgets. It never writes and never pages,
// so the API (a Lambda of its own on AWS) builds no pager and cannot change an alert state by reading it.
import type { IncidentReader } from "../result/incident.ts";
import type { MaintenanceWindow } from "./schema.ts";
import { MaintenanceCalendar } from "./maintenance.ts";
import { objectiveStatus, type ObjectiveStatus } from "./slo.ts";
import { burnEvidence } from "./evaluate.ts";
import type { AlertStore } from "./store.ts";
import { alertsOf, probeSpecs, type AlertingConfig } from "./rules.ts";

export interface SloStatus {
  probeId: string;
  objectives: ObjectiveStatus[];
}

export interface AlertReadView {
  /** Incidents newest first, for GET /v1/incidents and the status page. */
  incidents: IncidentReader;
  /** Error budget and burn rates of each objective of a probe (empty when it has no SLO); one read of its state. */
  sloStatus(probeId: string): Promise<SloStatus>;
  /** The maintenance window covering a probe at an instant (default now), for the status page and uptime math. */
  maintenance(probeId: string, at?: number): MaintenanceWindow | undefined;
}

export function createAlertReadView(deps: { config: AlertingConfig; store: Pick<AlertStore, "getState" | "list">; now: () => number }): AlertReadView {
  const { store, now } = deps;
  const specs = probeSpecs(deps.config);
  const calendar = new MaintenanceCalendar(alertsOf(deps.config).maintenance);
  return {
    incidents: { list: (query) => store.list(query) },

    async sloStatus(probeId) {
      const spec = specs.get(probeId);
      if (!spec || spec.objectives.length === 0) return { probeId, objectives: [] };
      // The stored state as is: pending effects are the evaluator's to finish, not a reader's.
      const stored = await store.getState(probeId);
      const at = now();
      const slo = stored?.state.slo;
      const counts = slo && slo.keys.join("|") === spec.objectives.map((objective) => objective.key).join("|") ? slo.counts : undefined;
      if (!counts) {
        return { probeId, objectives: spec.objectives.map((objective) => ({
          key: objective.key, label: objective.label, kind: objective.kind, target: objective.target, windowMs: objective.windowMs,
          total: 0, bad: 0, sli: undefined, budgetRemaining: 1, burnRates: { "5m": 0, "30m": 0, "1h": 0, "6h": 0, "3d": 0 }, alert: undefined,
        })) };
      }
      return { probeId, objectives: spec.objectives.map((_, index) => objectiveStatus(counts, spec.objectives, index, at, burnEvidence(spec))) };
    },

    maintenance(probeId, at) {
      const spec = specs.get(probeId);
      return spec ? calendar.active(spec, at ?? now()) : undefined;
    },
  };
}
