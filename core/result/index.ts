// The result model shared by runners, store, API and reporters.
export {
  ProbeResult, ProbeError, ErrorCategory, Outcome, AssertionResult, HttpTimings, HttpDetails,
  BrowserDetails, CertificateInfo, Attempt,
} from "./probe-result.ts";
