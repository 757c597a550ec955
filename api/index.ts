// The results API and status page.
export { createApp } from "./app.ts";
export type { ApiDeps } from "./app.ts";
export { apiKeysFrom, keyMatches } from "./auth.ts";
export { computeStatus, createStatusReader, createFoldedDaysCache, probeState, regionState, overallState, UPTIME_WINDOWS } from "./status-model.ts";
export type {
  StatusModel, StatusProbe, ProbeStatus, RegionStatus, RegionProbeState, DayBucket, ProbeState, StatusReader, FoldedDaysCache,
  AlertingView, SloView,
} from "./status-model.ts";
export { renderStatusPage } from "./status-page.tsx";
export type { StatusPageOptions } from "./status-page.tsx";
export { publicOutages, DEFAULT_PUBLIC_INCIDENTS } from "./status-page/outages.ts";
export type { Outage } from "./status-page/outages.ts";
export { atomFeed, jsonFeed } from "./feeds.ts";
export { openApiDocument } from "./openapi.ts";
