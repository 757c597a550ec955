// Alerting: incidents from results across regions, severity routes, pages through SNS / webhooks / logs, maintenance and SLOs.
export { createAlerting } from "./create-alerting.ts";
export type { Alerting, AlertingDeps } from "./create-alerting.ts";
export { createEvaluator } from "./evaluator.ts";
export type { Evaluator, EvaluatorDeps } from "./evaluator.ts";
export { createDeliverer, PAGE_EXPIRED } from "./deliverer.ts";
export type { Deliverer, DelivererDeps } from "./deliverer.ts";
export { createAlertReadView } from "./read-view.ts";
export type { AlertReadView, SloStatus } from "./read-view.ts";
export { probeSpecs, alertLogFromLines, alertsOf, quorumOf, staleAfterMs, STALE_INTERVALS } from "./rules.ts";
export type { AlertingConfig, AlertLog } from "./rules.ts";
export { AlertingError } from "./errors.ts";
export { createDynamoAlertStore, createMemoryAlertStore } from "./store.ts";
export type { AlertStore, OutboxItem, OutboxStatus, Effects, StoredState } from "./store.ts";
export { applyRemoval, applyResult, applyTick, burnEvidence, initialState, REMOVED_FROM_CONFIG } from "./evaluate.ts";
export type { AlertIncident, Page, PageEvent, ProbeAlertState, ProbeSpec, RegionState, Transition } from "./evaluate.ts";
export { MaintenanceCalendar } from "./maintenance.ts";
export { burnAlerts, objectivesFor, objectiveStatus } from "./slo.ts";
export type { BurnEvidence, ObjectiveStatus, SloObjective, BurnWindow } from "./slo.ts";
export {
  Alerts, Channel, SnsChannel, WebhookChannel, LogChannel, Routes, MaintenanceWindow, Slo, Delivery, AlertSeverity,
  SEVERITIES, alertsProblems,
} from "./schema.ts";
export type { AlertsInput } from "./schema.ts";
export { buildPagers, channelsFor, createLogPager, createSnsPager, createWebhookPager, snsSubject, webhookBody, pageSummary } from "./channels/index.ts";
export type { Pager, SendResult } from "./channels/index.ts";
