// Page metrics: the observers put into every page before it loads, and the Lighthouse arithmetic (TTI, TBT, CLS) on what they saw.

/** Times in ms since the page's navigation start (its `performance.timeOrigin`). */
export interface PageSnapshot {
  /** `performance.timeOrigin`: epoch ms of the navigation start, to line up times seen outside the page. */
  timeOrigin: number;
  /** `performance.now()` when the snapshot was taken. */
  now: number;
  ttfb: number | null;
  fcp: number | null;
  lcp: number | null;
  domContentLoaded: number | null;
  load: number | null;
  /** Long tasks (over 50 ms on the main thread) as [start, end]. */
  longTasks: Array<[number, number]>;
  /** Layout shifts without recent input, as [start, value]. */
  shifts: Array<[number, number]>;
}

/**
 * The observers, as source text: a function serialised by a bundler may carry helpers the page does
 * not have, text does not. They are registered at document start, before any script of the page, in
 * the top frame only (long tasks and paints of the page are what a visitor waits on).
 */
export const OBSERVERS_SCRIPT = String.raw`(() => {
  if (window.top !== window) return;
  const key = Symbol.for("vigie.metrics");
  if (window[key]) return;
  const state = { fcp: null, lcp: null, lcpSize: 0, longTasks: [], shifts: [] };
  // Settling looks again as soon as a paint is reported: these entries come a frame after the paint,
  // usually just after that frame's callbacks, so waiting for the next frame to look costs 16 ms.
  const waitingForPaint = new Set();
  const painted = () => waitingForPaint.forEach((wake) => wake());
  const handlers = {
    "paint": (e) => {
      if (e.name !== "first-contentful-paint") return;
      state.fcp = e.startTime;
      painted();
    },
    "largest-contentful-paint": (e) => { state.lcp = e.startTime; state.lcpSize = e.size; painted(); },
    "longtask": (e) => { state.longTasks.push([e.startTime, e.startTime + e.duration]); },
    "layout-shift": (e) => { if (!e.hadRecentInput) state.shifts.push([e.startTime, e.value]); },
  };
  const observers = [];
  for (const type of Object.keys(handlers)) {
    try {
      const observer = new PerformanceObserver((list) => list.getEntries().forEach(handlers[type]));
      observer.observe({ type, buffered: true });
      observers.push([observer, handlers[type]]);
    } catch {}
  }
  const settle = (ms) => {
    // Content present at load is painted in a frame after it (an image once decoded) and its LCP
    // entry comes with a later one, further off when the machine is busy. So: at least two frames
    // and a first paint, and while a loaded image larger than the current LCP is on screen, more
    // frames (up to 12 once the images are decoded) until its entry arrives. Images Chrome would
    // not count (low entropy) end at the cap. Frames are counted from load, not from the decode:
    // an image's own entry is what says it was painted, and waiting two frames past the decode
    // cost a whole frame (16 ms) on every page with an image.
    return new Promise((resolve) => {
      const loaded = Array.from(document.images).filter((image) => image.complete && image.naturalWidth > 0);
      const visibleArea = (image) => {
        const r = image.getBoundingClientRect();
        const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
        const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
        return Math.min(w * h, image.naturalWidth * image.naturalHeight);
      };
      const lcpPending = () => loaded.some((image) => visibleArea(image) > state.lcpSize);
      let frames = 0;
      let decoded = false;
      let framesDecoded = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        waitingForPaint.delete(check);
        setTimeout(() => resolve(state.fcp !== null), 0);
      };
      const check = () => { if (frames >= 2 && state.fcp !== null && (framesDecoded >= 12 || !lcpPending())) finish(); };
      setTimeout(finish, ms);
      waitingForPaint.add(check);
      const frame = () => {
        frames++;
        if (decoded) framesDecoded++;
        for (const [observer, handle] of observers) observer.takeRecords().forEach(handle);
        check();
        if (!done && framesDecoded < 12) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      Promise.all(loaded.map((image) => image.decode().catch(() => undefined))).then(() => { decoded = true; });
    });
  };
  // Settling starts at the load event itself, not when the runner hears of it a few ms later.
  let settledAtLoad = null;
  addEventListener("load", () => { settledAtLoad = settle(500); }, { once: true });
  const positive = (value) => (typeof value === "number" && value > 0 ? value : null);
  Object.defineProperty(window, key, {
    value: {
      settled(ms) {
        return settledAtLoad ?? settle(ms);
      },
      read() {
        // Entries queued since the last callback are handed over now, so a snapshot misses none.
        for (const [observer, handle] of observers) observer.takeRecords().forEach(handle);
        const nav = performance.getEntriesByType("navigation")[0];
        return {
          timeOrigin: performance.timeOrigin,
          now: performance.now(),
          ttfb: nav ? positive(nav.responseStart) : null,
          fcp: state.fcp,
          lcp: state.lcp,
          domContentLoaded: nav ? positive(nav.domContentLoadedEventEnd) : null,
          load: nav ? positive(nav.loadEventEnd) || positive(nav.loadEventStart) : null,
          longTasks: state.longTasks.slice(),
          shifts: state.shifts.slice(),
        };
      },
    },
  });
})();`;

/** The expression that reads a snapshot in the page. */
export const READ_SNAPSHOT = `window[Symbol.for("vigie.metrics")] ? window[Symbol.for("vigie.metrics")].read() : null`;

/** Waits in the page for two frames after now and a first contentful paint, at most `ms`; true when it painted. */
export const waitForSettled = (ms: number) =>
  `window[Symbol.for("vigie.metrics")] ? window[Symbol.for("vigie.metrics")].settled(${Math.max(0, Math.round(ms))}) : false`;

/** Lighthouse's quiet window tolerates this many requests in flight. */
export const QUIET_MAX_REQUESTS = 2;

export interface QuietInput {
  /** Where the search for a quiet window starts: FCP (or DOMContentLoaded when nothing painted). */
  from: number;
  /** TTI is never earlier than this (DOMContentLoaded end, as Lighthouse and the TTI polyfill do). */
  floor: number;
  longTasks: ReadonlyArray<readonly [number, number]>;
  /** Spans with more than QUIET_MAX_REQUESTS requests in flight; an open one ends at Infinity. */
  busy: ReadonlyArray<readonly [number, number]>;
  /** How long the page has to stay quiet, ms (positive). */
  window: number;
  /** The page's clock now. */
  now: number;
}

/** Either TTI is known, or the earliest moment it could be (null while the network is busy now). */
export type QuietVerdict = { settled: true; tti: number; quietFrom: number } | { settled: false; earliestAt: number | null };

const overlaps = (span: readonly [number, number], from: number, to: number) => span[0] < to && span[1] > from;

/**
 * Time to interactive per Lighthouse: the first window of `window` ms after FCP with no long task
 * and at most two requests in flight (of those `quietRequests` counts); TTI is the end of the last
 * long task before it (or FCP).
 * A window can only open at FCP or where a long task or a busy span ends, so those are the only
 * candidates; the first that holds up to `now` decides, or says when to look again.
 */
export function findQuietWindow(input: QuietInput): QuietVerdict {
  const ends = [...input.longTasks, ...input.busy].map((span) => span[1]).filter((end) => end > input.from && Number.isFinite(end));
  const candidates = [input.from, ...ends].sort((a, b) => a - b);
  const obstacles = [...input.longTasks, ...input.busy];
  for (const start of candidates) {
    const end = start + input.window;
    const seenUntil = Math.min(end, input.now);
    if (obstacles.some((span) => overlaps(span, start, seenUntil))) continue;
    if (end > input.now) {
      // Quiet so far: the answer is due at `end`, unless something happens before then.
      const busyNow = input.busy.some((span) => !Number.isFinite(span[1]));
      return { settled: false, earliestAt: busyNow ? null : end };
    }
    const before = input.longTasks.filter((task) => task[1] <= start).map((task) => task[1]);
    return { settled: true, tti: Math.max(input.from, input.floor, ...before), quietFrom: start };
  }
  return { settled: false, earliestAt: null };
}

/** Total blocking time: the part over 50 ms of each long task, clipped to [FCP, TTI] as Lighthouse does. */
export function totalBlockingTime(longTasks: ReadonlyArray<readonly [number, number]>, fcp: number, until: number): number {
  let total = 0;
  for (const [start, end] of longTasks) {
    const clipped = Math.min(end, until) - Math.max(start, fcp);
    if (clipped > 50) total += clipped - 50;
  }
  return total;
}

/**
 * Cumulative layout shift as Chrome reports it since 2021: the largest session window (shifts less
 * than 1 s apart, a window at most 5 s long).
 */
export function cumulativeLayoutShift(shifts: ReadonlyArray<readonly [number, number]>): number {
  let largest = 0;
  let current = 0;
  let windowStart = -Infinity;
  let previous = -Infinity;
  for (const [at, value] of [...shifts].sort((a, b) => a[0] - b[0])) {
    if (at - previous >= 1000 || at - windowStart >= 5000) {
      current = 0;
      windowStart = at;
    }
    current += value;
    previous = at;
    largest = Math.max(largest, current);
  }
  return largest;
}

/** A request the page made, on the page's clock, as the runner saw it. */
export interface PageRequest {
  start: number;
  /** When it finished or failed; null while it is still in flight. */
  end: number | null;
  method: string;
  url: string;
  /** The response status, once headers arrived. */
  status?: number;
  failed?: boolean;
}

/** The requests that count for network quiet, and when the answer may change without any request ending. */
export interface QuietRequests {
  requests: Array<{ start: number; end: number | null }>;
  /** When a request still in flight will have been open long enough to be left out as long-lived; null if none will. */
  reconsiderAt: number | null;
}

/**
 * Which requests count for network quiet, as Lighthouse does in practice: its TTI keeps only GET
 * requests that finished without failing and with a status under 400, and leaves WebSockets and data
 * URLs out altogether, so SSE streams, long-polls and beacons held open never block it. Lighthouse
 * decides once its trace has ended; a live probe cannot wait for that, so a request still in flight
 * counts as in flight until it has been open for `longLivedAfter` ms (the quiet window) and is then
 * left out as long-lived. A request that is merely slow counts again once it finishes.
 */
export function quietRequests(requests: ReadonlyArray<PageRequest>, now: number, longLivedAfter: number): QuietRequests {
  const counted: QuietRequests["requests"] = [];
  let reconsiderAt: number | null = null;
  for (const r of requests) {
    if (r.method !== "GET" || !/^https?:/i.test(r.url) || r.failed || (r.status !== undefined && r.status >= 400)) continue;
    if (r.end !== null) {
      counted.push({ start: r.start, end: r.end });
      continue;
    }
    const longLivedAt = r.start + longLivedAfter;
    if (longLivedAt <= now) continue;
    counted.push({ start: r.start, end: null });
    reconsiderAt = Math.min(reconsiderAt ?? Infinity, longLivedAt);
  }
  return { requests: counted, reconsiderAt };
}

/** Spans with more than QUIET_MAX_REQUESTS requests in flight, from request starts and ends on one clock. */
export function busySpans(requests: ReadonlyArray<{ start: number; end: number | null }>): Array<[number, number]> {
  const events = requests.flatMap((r) => [
    { at: r.start, delta: 1 },
    { at: r.end ?? Infinity, delta: -1 },
  ]);
  // At one instant ends go first: a request handed over to the next is not two in flight.
  events.sort((a, b) => (a.at === b.at ? 0 : a.at - b.at) || a.delta - b.delta);
  const spans: Array<[number, number]> = [];
  let inFlight = 0;
  let busySince: number | undefined;
  for (const event of events) {
    inFlight += event.delta;
    if (inFlight > QUIET_MAX_REQUESTS && busySince === undefined) busySince = event.at;
    if (inFlight <= QUIET_MAX_REQUESTS && busySince !== undefined) {
      spans.push([busySince, event.at]);
      busySince = undefined;
    }
  }
  if (busySince !== undefined) spans.push([busySince, Infinity]);
  return spans;
}
