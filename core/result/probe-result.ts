// ProbeResult: what one run of one probe produced. A down target is a result like any other.
import { z } from "zod";
import { ERROR_CATEGORIES, OUTCOMES } from "./probe-result-check.ts";

export const ErrorCategory = z.enum(ERROR_CATEGORIES);
export type ErrorCategory = z.infer<typeof ErrorCategory>;

export const Outcome = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof Outcome>;

export const ProbeError = z.object({ category: ErrorCategory, message: z.string() });
export type ProbeError = z.infer<typeof ProbeError>;

export const AssertionResult = z.object({
  description: z.string(),
  passed: z.boolean(),
  actual: z.unknown().optional(),
  /** How long evaluating it really took, ms: set for `matches`, which may be costly. */
  durationMs: z.number().optional(),
});
export type AssertionResult = z.infer<typeof AssertionResult>;

/**
 * Where an HTTP run's time went, in ms. The phases partition the total: blocked + dns + connect + tls +
 * ttfb + download = total, exactly (to the microsecond), summed over every hop of a redirect chain.
 */
export const HttpTimings = z.object({
  /** Our own time before a connection was attempted (building the request; between redirect hops), as HAR's `blocked`. Absent on results stored before it existed. */
  blockedMs: z.number().optional(),
  /** Resolving the host name; 0 for an IP address. */
  dnsMs: z.number(),
  /** The TCP handshake: connection attempt to connected socket. */
  connectMs: z.number(),
  /** The TLS handshake: connected socket to secure session; 0 over plain HTTP. */
  tlsMs: z.number(),
  /**
   * Waiting for the server: connection ready (after TLS) to the response's first byte reaching the client, as HAR's `wait`.
   * Not the browser's `ttfbMs`, which runs from navigation start and includes DNS, TCP and TLS.
   */
  ttfbMs: z.number(),
  /** The response's first byte to its last, as they reach the client (before its HTTP parser reads them). */
  downloadMs: z.number(),
  /** The whole run: the sum of the phases above. */
  totalMs: z.number(),
  /**
   * The measurement's own error bar: the longest event-loop stall in this process while the run went on
   * (any timestamp above may be late by up to this much). High means a busy prober, not a slow target.
   */
  noiseMs: z.number().optional(),
});
export type HttpTimings = z.infer<typeof HttpTimings>;

export const CertificateInfo = z.object({
  subject: z.string(),
  issuer: z.string(),
  validTo: z.string(),
  daysToExpiry: z.number(),
});
export type CertificateInfo = z.infer<typeof CertificateInfo>;

export const HttpDetails = z.object({
  status: z.number(),
  bytes: z.number(),
  timings: HttpTimings,
  /** Redirects followed before the final response. */
  redirects: z.number().optional(),
  /** The certificate of the final hop, when it was HTTPS. */
  certificate: CertificateInfo.optional(),
});
export type HttpDetails = z.infer<typeof HttpDetails>;

export const BrowserDetails = z.object({
  /**
   * Navigation start to the document's first response byte (Navigation Timing `responseStart`, Lighthouse's TTFB):
   * includes DNS, TCP and TLS. Not the HTTP probe's `timings.ttfbMs`, which starts once the connection is ready.
   */
  ttfbMs: z.number().nullable(),
  fcpMs: z.number().nullable(),
  lcpMs: z.number().nullable(),
  domContentLoadedMs: z.number().nullable(),
  loadMs: z.number().nullable(),
  ttiMs: z.number().nullable(),
  tbtMs: z.number().nullable(),
  cls: z.number().nullable(),
  jsErrors: z.array(z.string()),
  failedRequests: z.array(z.object({ url: z.string(), status: z.number().optional(), error: z.string().optional() })),
  steps: z.array(z.object({ name: z.string(), durationMs: z.number(), passed: z.boolean(), error: z.string().optional() })).optional(),
  screenshot: z.string().optional(),
  /** The HTTP status of the page's document, when one arrived. */
  status: z.number().optional(),
  /** The quiet window the run used for TTI, ms (0: off): the probe's own, or the default fitted to its timeout. */
  quietWindowMs: z.number().optional(),
  /** The longest event-loop stall in this process during the run, ms: the error bar of what the runner timed itself. */
  noiseMs: z.number().optional(),
});
export type BrowserDetails = z.infer<typeof BrowserDetails>;

/** One try of a probe that retries; the result's own fields describe the last one. */
export const Attempt = z.object({
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: Outcome,
  error: ProbeError.optional(),
});
export type Attempt = z.infer<typeof Attempt>;

export const ProbeResult = z.object({
  probeId: z.string(),
  kind: z.string(),
  region: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: Outcome,
  error: ProbeError.optional(),
  http: HttpDetails.optional(),
  browser: BrowserDetails.optional(),
  assertions: z.array(AssertionResult),
  /** True when the run fell in a maintenance window: kept, but left out of uptime, SLOs and pages. */
  maintenance: z.boolean().optional(),
  /** Every try, when the probe retried (more than one). */
  attempts: z.array(Attempt).optional(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;
