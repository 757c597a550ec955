// Why Lighthouse's FCP differs from vigie's: the truth bench's pages, each also telling what it saw itself
// (its paint timing entry, when it painted and when that frame was presented, its first animation frames),
// loaded five ways in turn on the same Chromium binary (DIAG_WAYS picks some, e.g. "vigie@LH,LH,LH+film"):
//   bare     a blank tab in a fresh context sent one Page.navigate over CDP, nothing else attached (meant as an
//            untouched baseline; on this headless build such a tab's first frame comes late, so it is none);
//   vigie    a vigie browser probe (its own Playwright-launched browser, as users run it);
//   vigie@LH the same probe on the browser Lighthouse drives (connected over CDP);
//   LH       Lighthouse (desktop, "provided") without its filmstrip (the screenshot trace category), running only the
//            five metrics' audits (the truth bench's like-with-like Lighthouse);
//   LH+film  Lighthouse as shipped.
// `npx tsx bench/truth-diagnose.ts`; DIAG_N runs per page (default 7), DIAG_PAGES e.g. "/plain,/shift". Prints, asserts nothing.
import os from "node:os";
import { chromiumPath } from "../probes/browser/chromium.ts";
import { BrowserProbe } from "../probes/browser/index.ts";
import { runOnce, type RunnerDeps } from "../probes/index.ts";
import { comparisonBrowsers, lighthouseRun, median, PAGES, startPages } from "./truth-browser.ts";

/** What the page saw itself, beaconed to /report a little after load. */
interface PageReport {
  /** The paint timing entry's startTime: what vigie reports as fcpMs. */
  fcp: number | null;
  /** When the frame holding the first contentful paint was painted (rendering update), and presented. */
  paintTime: number | null;
  presentationTime: number | null;
  /** The first animation frame's time. */
  firstFrame: number | null;
  responseStart: number;
  /** The rest of the page's navigation timing: where, between the request and load, a later timeline comes from. */
  responseEnd: number;
  domContentLoaded: number;
  loadEventStart: number;
  innerWidth: number;
}

const REPORTER = String.raw`(() => {
  const rec = { fcp: null, paintTime: null, presentationTime: null, firstFrame: null };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === "first-contentful-paint") Object.assign(rec, { fcp: e.startTime, paintTime: e.paintTime ?? null, presentationTime: e.presentationTime ?? null });
  }).observe({ type: "paint", buffered: true });
  requestAnimationFrame((t) => { rec.firstFrame = t; });
  addEventListener("load", () => setTimeout(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    Object.assign(rec, { responseStart: nav.responseStart, responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventStart, loadEventStart: nav.loadEventStart, innerWidth });
    navigator.sendBeacon("/report" + location.search, JSON.stringify(rec));
  }, 50));
})();`;

const N = Number(process.env.DIAG_N ?? 7);
const chosen = (process.env.DIAG_PAGES ?? Object.keys(PAGES).join(",")).split(",");

const reports = new Map<string, PageReport>();
const arrived = new Map<string, () => void>();
const pages = await startPages({
  headScript: REPORTER,
  onReport: (tag, body) => {
    // The first report only: Lighthouse's back/forward-cache check loads the page again after its trace.
    if (reports.has(tag)) return;
    reports.set(tag, JSON.parse(body) as PageReport);
    arrived.get(tag)?.();
  },
});
const reportOf = (tag: string) =>
  new Promise<PageReport | undefined>((resolve) => {
    if (reports.has(tag)) return resolve(reports.get(tag));
    const timer = setTimeout(() => resolve(undefined), 5000);
    arrived.set(tag, () => {
      clearTimeout(timer);
      resolve(reports.get(tag));
    });
  });

const executable = await chromiumPath();
const { chrome, provider, deps, shared } = await comparisonBrowsers(executable);
const sharedDeps: RunnerDeps = { ...deps, browser: shared };

/** A bare CDP client on the browser endpoint (Node's WebSocket): only Target commands, no domain enabled on the page. */
async function browserSession(port: number) {
  const { webSocketDebuggerUrl } = (await (await fetch(`http://127.0.0.1:${port}/json/version`)).json()) as { webSocketDebuggerUrl: string };
  const ws = new WebSocket(webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    if (message.id) pending.get(message.id)?.(message);
  };
  return {
    send: <T>(method: string, params: object = {}, sessionId?: string) =>
      new Promise<T>((resolve, reject) => {
        const at = ++id;
        pending.set(at, (message) => (message.error ? reject(new Error(message.error.message)) : resolve(message.result as T)));
        ws.send(JSON.stringify({ id: at, method, params, ...(sessionId ? { sessionId } : {}) }));
      }),
    close: () => ws.close(),
  };
}
const cdp = await browserSession(chrome.port);

type Row = { reported: number | null; page: PageReport | undefined };
const WAYS = (process.env.DIAG_WAYS?.split(",") ?? ["bare", "vigie", "vigie@LH", "LH", "LH+film"]) as Array<"bare" | "vigie" | "vigie@LH" | "LH" | "LH+film">;
let serial = 0;
const load = async (way: (typeof WAYS)[number], path: string): Promise<Row> => {
  const tag = `${way.replace(/\W/g, "-")}-${serial++}`;
  const url = `${pages.origin}${path}?tag=${tag}`;
  if (way === "bare") {
    const { browserContextId } = await cdp.send<{ browserContextId: string }>("Target.createBrowserContext");
    // A blank tab, then one Page.navigate, as vigie and Lighthouse load a page; no domain is enabled.
    const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", { url: "about:blank", browserContextId, width: 1350, height: 940 });
    const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
    await cdp.send("Page.navigate", { url }, sessionId);
    const page = await reportOf(tag);
    await cdp.send("Target.disposeBrowserContext", { browserContextId });
    return { reported: page?.fcp ?? null, page };
  }
  if (way === "vigie" || way === "vigie@LH") {
    const probe = BrowserProbe.parse({ id: "diag", kind: "browser", url, timeout: "30s", quietWindow: "1s", viewport: { width: 1350, height: 940 } });
    const result = await runOnce(probe, way === "vigie" ? deps : sharedDeps);
    return { reported: result.browser?.fcpMs ?? null, page: await reportOf(tag) };
  }
  const metrics = await lighthouseRun(url, chrome.port, way === "LH+film");
  return { reported: metrics.fcp, page: await reportOf(tag) };
};

const f = (v: number | null) => (v === null ? "–" : v.toFixed(1));
console.log(`FCP diagnosis: ${N} runs per page, the ways in turn; medians, ms from navigation start; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
console.log("| page | way | FCP reported | page's own FCP entry | painted at | presented − painted | first frame | responseStart | responseEnd | DOMContentLoaded | load |\n|---|---|---|---|---|---|---|---|---|---|---|");
try {
  for (const path of chosen) {
    const rows = new Map<string, Row[]>(WAYS.map((way) => [way, []]));
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < WAYS.length; k++) {
        const way = WAYS[(i + k) % WAYS.length]!;
        rows.get(way)!.push(await load(way, path));
      }
    }
    for (const way of WAYS) {
      const list = rows.get(way)!;
      const m = (pick: (row: Row) => number | null | undefined) => median(list.map((row) => pick(row) ?? null));
      const gap = (row: Row) => (row.page?.presentationTime != null && row.page.paintTime != null ? row.page.presentationTime - row.page.paintTime : null);
      console.log(`| ${path} | ${way} | ${f(m((r) => r.reported))} | ${f(m((r) => r.page?.fcp))} | ${f(m((r) => r.page?.paintTime))} | ${f(m(gap))} | ${f(m((r) => r.page?.firstFrame))} | ${f(m((r) => r.page?.responseStart))} | ${f(m((r) => r.page?.responseEnd))} | ${f(m((r) => r.page?.domContentLoaded))} | ${f(m((r) => r.page?.loadEventStart))} |`);
    }
  }
  console.log(`\n(load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; viewport width seen by the bare tab: ${[...reports.entries()].find(([tag]) => tag.startsWith("bare"))?.[1].innerWidth})`);
} finally {
  cdp.close();
  await provider.close();
  await shared.close();
  chrome.kill();
  await pages.close();
}
