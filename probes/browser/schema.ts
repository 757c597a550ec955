// The `browser` probe kind: a page loaded in headless Chromium, its load metrics, and an optional user journey.
import { z } from "zod";
import type { BrowserContext, Page } from "playwright-core";
import { Duration, Every, formatDuration } from "../../core/config/duration.ts";
import { ProbeBase, WebUrl } from "../../core/config/schema.ts";


/** A pair of limits on one metric: at or over `degraded` the run is degraded, at or over `fail` it fails. */
const limit = (unit: string, example: { degraded: number; fail: number }) =>
  z
    .strictObject({
      /** At or over this the run is "degraded". */
      degraded: z.number().positive().optional(),
      /** At or over this the run fails. */
      fail: z.number().positive().optional(),
    })
    .refine((l) => l.degraded === undefined || l.fail === undefined || l.degraded < l.fail, {
      error: `degraded must be lower than fail (e.g. { degraded: ${example.degraded}, fail: ${example.fail} }${unit})`,
      path: ["degraded"],
    });

const LOAD_DEFAULT = { degraded: 3000, fail: 10000 };
const TTI_DEFAULT = { degraded: 5000, fail: 15000 };

/**
 * Limits on the page's metrics. A metric the page does not report (no LCP on a blank page, no TTI
 * with the quiet window off) is not judged. A limit written in the config replaces its default whole.
 */
export const BrowserThresholds = z.strictObject({
  /** The load event, ms from navigation start. Default { degraded: 3000, fail: 10000 }. Example: { degraded: 2000, fail: 8000 }. */
  loadMs: limit(" ms", LOAD_DEFAULT).default(LOAD_DEFAULT),
  /** Time to interactive, ms. Default { degraded: 5000, fail: 15000 }. Example: { degraded: 3800, fail: 7300 }. */
  ttiMs: limit(" ms", TTI_DEFAULT).default(TTI_DEFAULT),
  /** Largest contentful paint, ms. No default. Example: { degraded: 2500, fail: 4000 }. */
  lcpMs: limit(" ms", { degraded: 2500, fail: 4000 }).optional(),
  /** First contentful paint, ms. No default. Example: { degraded: 1800, fail: 3000 }. */
  fcpMs: limit(" ms", { degraded: 1800, fail: 3000 }).optional(),
  /** Time to first byte of the document, ms. No default. Example: { degraded: 800, fail: 1800 }. */
  ttfbMs: limit(" ms", { degraded: 800, fail: 1800 }).optional(),
  /** Total blocking time, ms. No default. Example: { degraded: 200, fail: 600 }. */
  tbtMs: limit(" ms", { degraded: 200, fail: 600 }).optional(),
  /** Cumulative layout shift, unitless. No default. Example: { degraded: 0.1, fail: 0.25 }. */
  cls: limit("", { degraded: 0.1, fail: 0.25 }).optional(),
});
export type BrowserThresholds = z.infer<typeof BrowserThresholds>;

/** "0" or "off" turns the quiet window off; any other value is a duration. */
const QuietWindow = z.union([z.literal("0"), z.literal("off"), Duration]).transform((value) => (value === "0" || value === "off" ? 0 : value));

/** The page size the probe renders at. */
export const Viewport = z.strictObject({
  /** CSS pixels. Example: 1280. */
  width: z.int().min(200).max(7680),
  /** CSS pixels. Example: 720. */
  height: z.int().min(200).max(4320),
});
export type Viewport = z.infer<typeof Viewport>;

/** What a journey script is given: the loaded page, its context, and `step` to time and name each part. */
export interface JourneyTools {
  /** The page, already at `url` and measured. */
  page: Page;
  /** The probe's fresh context (for a second tab, cookies). Closed after the run. */
  context: BrowserContext;
  /** Runs one named part of the journey and times it; a throw fails the run with category "script" naming it. */
  step: <T>(name: string, body: () => Promise<T>) => Promise<T>;
}

/** A user journey: Playwright steps run on the page once it is loaded. */
export type JourneyScript = (tools: JourneyTools) => Promise<unknown>;

const Script = z.custom<JourneyScript>((value) => typeof value === "function", {
  error: "must be a function, e.g. async ({ page, step }) => { await step(\"log in\", async () => { … }) } (only a .ts or .js config can hold one)",
});

const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: "not a valid header name" });

export const BrowserProbe = ProbeBase.extend({
  kind: z.literal("browser"),
  /** The page to load; `${env:NAME}` allowed. Example: "https://acme.dev". */
  url: WebUrl,
  /** How often it runs. Default "5m". Example: "10m". */
  every: Every.prefault("5m"),
  /** Bound on one run: navigation, the quiet window and the journey together. Default "60s". Example: "30s". */
  timeout: Duration.prefault("60s"),
  /** Limits that turn the run degraded or failed. Default: loadMs 3000/10000, ttiMs 5000/15000. Example: { lcpMs: { degraded: 2500, fail: 4000 } }. */
  thresholds: BrowserThresholds.prefault({}),
  /**
   * How long the page must stay quiet (no long task, at most 2 requests in flight) for its time to
   * interactive to be known. "0" or "off" skips the wait: ttiMs is then not reported. Default "5s"
   * (Lighthouse's), or half the timeout when that is shorter (see `quietWindowOf`); the result's
   * `browser.quietWindowMs` says which was used. When written, must be shorter than timeout. Example: "2s".
   */
  quietWindow: QuietWindow.optional(),
  /** The page size. Default { width: 1280, height: 720 }. Example: { width: 390, height: 844 }. */
  viewport: Viewport.default({ width: 1280, height: 720 }),
  /**
   * Headers sent with every request to the page's own origin (never to third parties); values may
   * use `${env:NAME}` and are never stored or shown. Example: { authorization: "Bearer ${env:SITE_TOKEN}" }.
   */
  headers: z.record(HeaderName, z.string()).default({}),
  /** A CSS selector that must be visible before the page counts as loaded; if it never is, the run fails (category "assertion"). Example: "#app [data-ready]". */
  waitFor: z.string().min(1).optional(),
  /**
   * A user journey run after the page loaded, in a .ts config only. Example:
   * `async ({ page, step }) => { await step("log in", async () => { await page.fill("#user", "demo"); await page.click("text=Sign in"); }); }`.
   */
  script: Script.optional(),
}).superRefine((probe, ctx) => {
  // Only what the user wrote can be an error: the default adapts to the timeout instead.
  if (probe.quietWindow !== undefined && probe.quietWindow >= probe.timeout) {
    ctx.addIssue({
      code: "custom",
      path: ["quietWindow"],
      message: `must be shorter than timeout (${formatDuration(probe.timeout)}), or "0" to skip it`,
    });
  }
});
export type BrowserProbe = z.infer<typeof BrowserProbe>;

export { DEFAULT_QUIET_WINDOW_MS, quietWindowOf } from "./quiet-window.ts";
export type BrowserProbeInput = z.input<typeof BrowserProbe>;
