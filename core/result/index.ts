// The result model shared by runners, store, API and reporters.
export {
  ProbeResult, ProbeError, ErrorCategory, Outcome, AssertionResult, HttpTimings, HttpDetails,
  BrowserDetails, CertificateInfo, Attempt,
} from "./probe-result.ts";
export { latencyMs } from "./latency.ts";
export { Incident, IncidentKind } from "./incident.ts";
export type { IncidentReader } from "./incident.ts";
export { escapeControls, printable } from "./printable.ts";
export { DrillResult, DrillOutcome, DrillError, DrillErrorCategory, DrillStage, DrillResource } from "./drill-result.ts";
export type { DrillRunReader } from "./drill-result.ts";
