// Alerting: incidents from results across regions, severity routes, pages through SNS / webhooks / logs, maintenance and SLOs.
export { createAlerting, probeSpecs, alertLogFromLines, AlertingError, PAGE_EXPIRED } from "./create-alerting.ts";
export type { Alerting, AlertingConfig, AlertingDeps, AlertLog, SloStatus } from "./create-alerting.ts";
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
