// Runs a browser probe once: a fresh context, the page loaded and measured, TTI waited for, the journey played, the verdict drawn.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { BrowserContext, BrowserContextOptions, CDPSession, Page, Request, Response } from "playwright-core";
import { formatDuration } from "../../core/config/duration-text.ts";
import { displayUrl, scrubber } from "../../core/config/secrets.ts";
import { resolveTarget, startNoiseMeter, type NoiseMeter, type ProbeDeps } from "../../core/runner/index.ts";
import type { AssertionResult, BrowserDetails, ProbeError, ProbeResult } from "../../core/result/index.ts";
import { capped, classifyNavigationError, firstLine, isBrowserGone, type Scrub } from "./errors.ts";
import {
  busySpans, cumulativeLayoutShift, findQuietWindow, OBSERVERS_SCRIPT, quietRequests, READ_SNAPSHOT, totalBlockingTime, waitForSettled,
  type PageRequest, type PageSnapshot,
} from "./metrics.ts";
import type { BrowserProvider } from "./provider.ts";
import { quietWindowOf } from "./quiet-window.ts";
import type { BrowserProbe, BrowserThresholds, JourneyTools } from "./schema.ts";

export interface BrowserDeps extends ProbeDeps {
  /** The shared browser; one context per run. */
  browser: BrowserProvider;
  /** Where failure screenshots go, e.g. ".vigie/artifacts". Created when first needed. */
  artifactsDir: string;
}

type Base = Pick<ProbeResult, "probeId" | "kind" | "region" | "startedAt">;
type Step = NonNullable<BrowserDetails["steps"]>[number];

/** Lists on a result stay short: a broken page can log thousands of the same error. */
const MAX_LISTED = 50;
/** How long after load the probe waits for the frames that show what loaded (and a first paint that has not come). */
const SETTLE_MS = 500;
/** The longest a failure screenshot may take. */
const SCREENSHOT_BUDGET_MS = 1000;
/**
 * What a run may spend past its timeout on reporting (the last snapshot, the screenshot, closing):
 * a timed-out run ends well within a second of its timeout.
 */
const OVERTIME_MS = 600;

const round = (ms: number) => Math.max(0, Math.round(ms * 10) / 10);
const roundOrNull = (ms: number | null) => (ms === null ? null : round(ms));
const epochNow = () => performance.timeOrigin + performance.now();
const LATE = Symbol("late");

/** Waits for `promise` at most `ms`; a promise left behind has its rejection swallowed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof LATE> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), Math.max(0, ms));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface ResolvedPage {
  url: string;
  origin: string;
  headers: Record<string, string>;
  credentials?: { username: string; password: string };
  /** Scrubs this run's secrets from a text, before any cut. */
  scrub: Scrub;
}

/** The page to load: the probe's target, with URL credentials answered to its origin only (never sent in the URL). */
function resolvePage(probe: BrowserProbe, env: NodeJS.ProcessEnv, secrets: Set<string>): { ok: true; page: ResolvedPage } | { ok: false; error: ProbeError } {
  const resolved = resolveTarget(probe, env, secrets);
  if (!resolved.ok) return resolved;
  const { url, headers, credentials } = resolved.target;
  return { ok: true, page: { url: url.href, origin: url.origin, headers, ...(credentials ? { credentials } : {}), scrub: scrubber(secrets) } };
}

/** What the page did while we watched: requests in flight (for the quiet window), errors, failed sub-requests. */
class PageLog {
  readonly jsErrors: string[] = [];
  readonly failedRequests: BrowserDetails["failedRequests"] = [];
  /** Times in epoch ms on this process's clock. */
  private readonly requests = new Map<Request, PageRequest>();
  private watching = true;
  private ended = 0;
  private wake: (() => void) | undefined;

  constructor(page: Page, scrub: Scrub) {
    const isDocument = (request: Request) => {
      try {
        return request.isNavigationRequest() && request.frame().parentFrame() === null;
      } catch {
        return false;
      }
    };
    const finished = (request: Request) => {
      const entry = this.requests.get(request);
      if (entry && entry.end === null) entry.end = epochNow();
      this.ended++;
      this.wake?.();
    };
    page.on("request", (request) => {
      this.requests.set(request, { start: epochNow(), end: null, method: request.method(), url: request.url() });
    });
    page.on("requestfinished", finished);
    page.on("requestfailed", (request) => {
      const entry = this.requests.get(request);
      if (entry) entry.failed = true;
      finished(request);
      if (!this.watching || isDocument(request)) return;
      this.listFailed({ url: capped(displayUrl(request.url()), scrub), error: request.failure()?.errorText ?? "failed" });
    });
    page.on("response", (response: Response) => {
      const entry = this.requests.get(response.request());
      if (entry) entry.status = response.status();
      if (!this.watching || response.status() < 400 || isDocument(response.request())) return;
      this.listFailed({ url: capped(displayUrl(response.url()), scrub), status: response.status() });
    });
    page.on("pageerror", (error) => {
      if (this.watching && this.jsErrors.length < MAX_LISTED) this.jsErrors.push(firstLine(`${error.name}: ${error.message}`, scrub));
    });
  }

  private listFailed(entry: BrowserDetails["failedRequests"][number]) {
    if (this.failedRequests.length < MAX_LISTED) this.failedRequests.push(entry);
  }

  /** Stops listing errors: what the context's closing aborts is not the page's fault. */
  stop() {
    this.watching = false;
  }

  /** The requests, timed on the page's clock. */
  onPageClock(timeOrigin: number): PageRequest[] {
    return [...this.requests.values()].map((r) => ({ ...r, start: r.start - timeOrigin, end: r.end === null ? null : r.end - timeOrigin }));
  }

  pending(): string[] {
    return [...this.requests.entries()].filter(([, r]) => r.end === null).map(([request]) => request.url());
  }

  /** How many requests have ended so far: a mark for `endAfter`. */
  endedSoFar(): number {
    return this.ended;
  }

  /** Resolves when more than `mark` requests have ended: at once if that already happened. */
  endAfter(mark: number): Promise<void> {
    if (this.ended > mark) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/**
 * Reads the observers' snapshot over a CDP session of its own: Playwright's `evaluate` first injects
 * its utility script into the page, which costs more than the read itself.
 */
class SnapshotReader {
  constructor(
    private readonly page: Page,
    private readonly session: CDPSession,
  ) {}

  /** The snapshot, or undefined when the page does not answer within `ms` (busy, gone, navigated). */
  async read(ms: number, options: { settleMs?: number } = {}): Promise<PageSnapshot | undefined> {
    if (this.page.isClosed() || ms <= 0) return undefined;
    const settle = options.settleMs ?? 0;
    const expression = settle > 0 ? `Promise.resolve(${waitForSettled(settle)}).then(() => ${READ_SNAPSHOT})` : READ_SNAPSHOT;
    const reply = await within(this.session.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }), ms).catch(() => undefined);
    if (reply === undefined || reply === LATE || reply.exceptionDetails) return undefined;
    return (reply.result.value ?? undefined) as PageSnapshot | undefined;
  }
}

/**
 * Waits until the page has stayed quiet for the probe's window, and no longer: each look says when
 * the window could close at the earliest, and the next look is then (or when a request ends).
 * Gives up as soon as the window could no longer close before the deadline.
 */
async function waitForInteractive(reader: SnapshotReader, log: PageLog, quietWindow: number, remaining: () => number): Promise<{ snapshot: PageSnapshot | undefined; tti: number | null }> {
  let last: PageSnapshot | undefined;
  for (;;) {
    const mark = log.endedSoFar();
    const snap = await reader.read(remaining());
    if (!snap) return { snapshot: last, tti: null };
    last = snap;
    const from = snap.fcp ?? snap.domContentLoaded ?? 0;
    // Requests held open longer than the quiet window (SSE, long-polls, beacons) stop counting then.
    const counted = quietRequests(log.onPageClock(snap.timeOrigin), snap.now, quietWindow);
    const verdict = findQuietWindow({
      from,
      floor: snap.domContentLoaded ?? 0,
      longTasks: snap.longTasks,
      busy: busySpans(counted.requests),
      window: quietWindow,
      now: snap.now,
    });
    if (verdict.settled) return { snapshot: snap, tti: verdict.tti };
    const left = remaining();
    if (left <= 0) return { snapshot: snap, tti: null };
    // Look again when the window could close or an open request turns long-lived, whichever comes first;
    // busy now, also as soon as a request ends.
    const busyNow = verdict.earliestAt === null;
    const times = [verdict.earliestAt, counted.reconsiderAt].filter((at): at is number => at !== null).map((at) => at - snap.now);
    const next = Math.min(Infinity, ...times);
    if (!busyNow && next > left) return { snapshot: snap, tti: null };
    await within(busyNow ? log.endAfter(mark) : new Promise<void>(() => {}), Math.ceil(Math.min(next, left)) + 1);
  }
}

function details(snap: PageSnapshot | undefined, log: PageLog, tti: number | null, extra: Partial<BrowserDetails> = {}): BrowserDetails {
  const fcp = snap?.fcp ?? null;
  const measuredUntil = tti ?? snap?.now ?? null;
  return {
    ttfbMs: roundOrNull(snap?.ttfb ?? null),
    fcpMs: roundOrNull(fcp),
    lcpMs: roundOrNull(snap?.lcp ?? null),
    domContentLoadedMs: roundOrNull(snap?.domContentLoaded ?? null),
    loadMs: roundOrNull(snap?.load ?? null),
    ttiMs: roundOrNull(tti),
    tbtMs: snap && fcp !== null && measuredUntil !== null ? round(totalBlockingTime(snap.longTasks, fcp, measuredUntil)) : null,
    cls: snap ? Math.round(cumulativeLayoutShift(snap.shifts) * 10_000) / 10_000 : null,
    jsErrors: [...log.jsErrors],
    failedRequests: [...log.failedRequests],
    ...extra,
  };
}

const METRICS: Array<{ key: keyof BrowserThresholds; label: string; value: (b: BrowserDetails) => number | null; unit: string }> = [
  { key: "loadMs", label: "load", value: (b) => b.loadMs, unit: " ms" },
  { key: "ttiMs", label: "time to interactive", value: (b) => b.ttiMs, unit: " ms" },
  { key: "lcpMs", label: "largest contentful paint", value: (b) => b.lcpMs, unit: " ms" },
  { key: "fcpMs", label: "first contentful paint", value: (b) => b.fcpMs, unit: " ms" },
  { key: "ttfbMs", label: "time to first byte", value: (b) => b.ttfbMs, unit: " ms" },
  { key: "tbtMs", label: "total blocking time", value: (b) => b.tbtMs, unit: " ms" },
  { key: "cls", label: "cumulative layout shift", value: (b) => b.cls, unit: "" },
];

/** The thresholds crossed, worst level first; every crossing is named, not just the first. */
function judgeThresholds(thresholds: BrowserThresholds, browser: BrowserDetails): { outcome: "pass" } | { outcome: "degraded" | "fail"; error: ProbeError } {
  const crossed = { fail: [] as string[], degraded: [] as string[] };
  for (const metric of METRICS) {
    const limit = thresholds[metric.key];
    const value = metric.value(browser);
    if (!limit || value === null) continue;
    const shown = metric.unit ? `${Math.round(value)}${metric.unit}` : `${value}`;
    for (const level of ["fail", "degraded"] as const) {
      const bound = limit[level];
      if (bound !== undefined && value >= bound) {
        crossed[level].push(`${metric.label} ${shown}, at or over the ${bound}${metric.unit} ${level} threshold`);
        break;
      }
    }
  }
  if (crossed.fail.length > 0) return { outcome: "fail", error: { category: "threshold", message: crossed.fail.join("; ") } };
  if (crossed.degraded.length > 0) return { outcome: "degraded", error: { category: "threshold", message: crossed.degraded.join("; ") } };
  return { outcome: "pass" };
}

/** Plays the journey against what is left of the timeout, timing and naming each step. */
async function playJourney(probe: BrowserProbe, page: Page, context: BrowserContext, remaining: () => number, scrub: Scrub): Promise<{ steps: Step[]; error?: ProbeError }> {
  const steps: Step[] = [];
  const open = new Set<Step>();
  const step: JourneyTools["step"] = async (name, body) => {
    const entry: Step = { name, durationMs: 0, passed: false };
    steps.push(entry);
    open.add(entry);
    const began = performance.now();
    try {
      const value = await body();
      entry.passed = true;
      return value;
    } catch (error) {
      entry.error ??= firstLine((error as Error).message ?? String(error), scrub);
      throw error;
    } finally {
      entry.durationMs = round(performance.now() - began);
      open.delete(entry);
    }
  };
  // Playwright's own waits end with the probe's deadline, so a step cannot outlive it by much.
  page.setDefaultTimeout(Math.max(1, remaining()));
  page.setDefaultNavigationTimeout(Math.max(1, remaining()));
  const outcome = await within(
    Promise.resolve().then(() => probe.script!({ page, context, step })).then(() => undefined, (error: unknown) => ({ error })),
    remaining(),
  );
  if (outcome === LATE) {
    const running = [...open].at(-1);
    for (const entry of open) entry.error ??= "still running at the deadline";
    const where = running ? ` in step "${running.name}"` : "";
    return { steps, error: { category: "timeout", message: `journey timed out after ${formatDuration(probe.timeout)}${where}` } };
  }
  if (outcome === undefined) return { steps };
  const thrown = outcome.error as Error;
  if (isBrowserGone(thrown, page)) return { steps, error: { category: "browser", message: `the browser went away during the journey: ${firstLine(thrown.message ?? String(thrown), scrub)}` } };
  const failed = steps.find((s) => !s.passed && s.error !== undefined && !open.has(s));
  const message = firstLine(thrown?.message ?? String(thrown), scrub);
  return {
    steps,
    error: { category: "script", message: failed ? `step "${failed.name}" failed: ${failed.error}` : `journey failed outside any step: ${message}` },
  };
}

async function screenshot(page: Page, probe: BrowserProbe, startedAt: string, dir: string, budget: number): Promise<string | undefined> {
  if (page.isClosed() || budget < 50) return undefined;
  const file = path.join(dir, `${probe.id}-${startedAt.replace(/[:.]/g, "-")}.png`);
  try {
    await mkdir(dir, { recursive: true });
    const taken = await within(page.screenshot({ path: file, timeout: budget, animations: "allow", caret: "initial" }), budget + 50);
    return taken === LATE ? undefined : file;
  } catch {
    return undefined;
  }
}

function contextOptions(probe: BrowserProbe, target: ResolvedPage): BrowserContextOptions {
  return {
    viewport: probe.viewport,
    // A service worker would serve requests where the page log cannot see them.
    serviceWorkers: "block",
    ...(target.credentials ? { httpCredentials: { ...target.credentials, origin: target.origin } } : {}),
  };
}

/** One visit in a fresh context: everything after the context exists. */
async function visit(probe: BrowserProbe, deps: BrowserDeps, target: ResolvedPage, context: BrowserContext, noise: NoiseMeter): Promise<ProbeResult> {
  const began = performance.now();
  const startedAt = new Date(deps.now()).toISOString();
  const base: Base = { probeId: probe.id, kind: "browser", region: deps.region, startedAt };
  const deadline = began + probe.timeout;
  const remaining = () => Math.max(0, deadline - performance.now());
  const overtime = () => Math.max(0, deadline + OVERTIME_MS - performance.now());

  await context.addInitScript({ content: OBSERVERS_SCRIPT });
  if (Object.keys(target.headers).length > 0) {
    // Routed, not set on the context: the page's own origin gets the headers, third parties do not.
    await context.route(
      (url) => url.origin === target.origin,
      (route) => route.continue({ headers: { ...route.request().headers(), ...target.headers } }),
    );
  }
  const page = await context.newPage();
  const log = new PageLog(page, target.scrub);
  const quietWindow = quietWindowOf(probe);
  const reader = new SnapshotReader(page, await context.newCDPSession(page));

  const finish = async (
    outcome: ProbeResult["outcome"],
    browser: BrowserDetails,
    error?: ProbeError,
    assertions: AssertionResult[] = [],
  ): Promise<ProbeResult> => {
    log.stop();
    let shot: string | undefined;
    if (outcome === "fail" && error?.category !== "browser") {
      shot = await screenshot(page, probe, startedAt, deps.artifactsDir, Math.min(SCREENSHOT_BUDGET_MS, overtime() - 100));
    }
    return {
      ...base,
      durationMs: round(performance.now() - began),
      outcome,
      ...(error ? { error } : {}),
      browser: { ...browser, jsErrors: [...log.jsErrors], failedRequests: [...log.failedRequests], quietWindowMs: quietWindow, ...(shot ? { screenshot: shot } : {}), noiseMs: noise.read() },
      assertions,
    };
  };

  let status: number | undefined;
  try {
    const response = await page.goto(target.url, { waitUntil: "load", timeout: Math.max(1, remaining()) });
    status = response?.status();
  } catch (thrown) {
    const error = classifyNavigationError(thrown as Error, {
      url: target.url,
      timeout: probe.timeout,
      pending: log.pending(),
      browserGone: isBrowserGone(thrown as Error, page),
      scrub: target.scrub,
    });
    // A page that timed out still has what it got to (first byte, paint); an error page has nothing of ours.
    const snap = error.category === "timeout" ? await reader.read(Math.min(200, overtime())) : undefined;
    return finish("fail", details(snap, log, null), error);
  }
  const statusField = status === undefined ? {} : { status };

  if (status !== undefined && status >= 400) {
    const snap = await reader.read(Math.min(remaining(), 1000));
    return finish("fail", details(snap, log, null, statusField), { category: "http", message: `the page answered ${status}` });
  }

  const assertions: AssertionResult[] = [];
  if (probe.waitFor) {
    const description = `selector ${JSON.stringify(probe.waitFor)} visible`;
    try {
      await page.locator(probe.waitFor).first().waitFor({ state: "visible", timeout: Math.max(1, remaining()) });
      assertions.push({ description, passed: true });
    } catch (thrown) {
      assertions.push({ description, passed: false });
      const snap = await reader.read(Math.min(remaining(), 250));
      const error: ProbeError = isBrowserGone(thrown as Error, page)
        ? { category: "browser", message: `the browser went away waiting for ${JSON.stringify(probe.waitFor)}` }
        : { category: "assertion", message: `${JSON.stringify(probe.waitFor)} was not visible within the ${formatDuration(probe.timeout)} timeout` };
      return finish("fail", details(snap, log, null, statusField), error, assertions);
    }
  }

  // What loaded is painted a frame after load and its LCP reported a frame later; a light page may
  // not have painted at all yet. The first look waits for that, every later one is immediate.
  let snap = await reader.read(remaining(), { settleMs: Math.min(SETTLE_MS, remaining()) });
  let tti: number | null = null;
  if (snap && quietWindow > 0) ({ snapshot: snap, tti } = await waitForInteractive(reader, log, quietWindow, remaining));
  const measured = details(snap, log, tti, statusField);
  if (!snap) {
    const gone = page.isClosed() || !context.browser()?.isConnected();
    const error: ProbeError = gone
      ? { category: "browser", message: "the page or browser went away after load" }
      : { category: "timeout", message: `the page's main thread stayed busy past the ${formatDuration(probe.timeout)} timeout` };
    return finish("fail", measured, error, assertions);
  }
  if (quietWindow > 0 && tti === null) {
    return finish("fail", measured, {
      category: "timeout",
      message: `not interactive in time: no ${formatDuration(quietWindow)} quiet window (no long task, at most 2 GET requests in flight) could end within the ${formatDuration(probe.timeout)} timeout`,
    }, assertions);
  }

  if (probe.script) {
    const journey = await playJourney(probe, page, context, remaining, target.scrub);
    const withSteps = { ...measured, steps: journey.steps };
    if (journey.error) return finish("fail", withSteps, journey.error, assertions);
    const verdict = judgeThresholds(probe.thresholds, withSteps);
    return finish(verdict.outcome, withSteps, verdict.outcome === "pass" ? undefined : verdict.error, assertions);
  }
  const verdict = judgeThresholds(probe.thresholds, measured);
  return finish(verdict.outcome, measured, verdict.outcome === "pass" ? undefined : verdict.error, assertions);
}

export async function runBrowserAttempt(probe: BrowserProbe, deps: BrowserDeps, secrets: Set<string>): Promise<ProbeResult> {
  const failedBefore = (error: ProbeError): ProbeResult => ({
    probeId: probe.id, kind: "browser", region: deps.region, startedAt: new Date(deps.now()).toISOString(),
    durationMs: 0, outcome: "fail", error, assertions: [],
  });
  const resolved = resolvePage(probe, deps.env, secrets);
  if (!resolved.ok) return failedBefore(resolved.error);
  // The page measures its own metrics; what this process times (request spans for the quiet window,
  // step durations) is as late as its event loop was busy.
  const noise = startNoiseMeter();
  try {
    return await deps.browser.withContext(contextOptions(probe, resolved.page), (context) => visit(probe, deps, resolved.page, context, noise));
  } catch (thrown) {
    // The browser would not start, or died between probes: the run failed, the runner did not.
    return failedBefore({ category: "browser", message: firstLine((thrown as Error).message ?? String(thrown), resolved.page.scrub) });
  } finally {
    noise.stop();
  }
}
