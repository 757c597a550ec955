// The browser half of the truth bench: vigie's FCP, LCP, TTI, TBT and CLS beside Lighthouse's (desktop,
// throttlingMethod "provided", the same Chromium binary) on pages with known behaviour. Prints, asserts nothing.
import http from "node:http";
import os from "node:os";
import type { AddressInfo } from "node:net";
import chromiumBinary from "@sparticuz/chromium";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import Trace from "lighthouse/core/gather/gatherers/trace.js";
import { chromiumPath } from "../probes/browser/chromium.ts";
import { BrowserProbe, createBrowserProvider } from "../probes/browser/index.ts";
import { runOnce, type RunnerDeps } from "../probes/index.ts";
import { noisePng } from "../test/fixtures/browser-pages.ts";

const page = (body: string, script = "") => `<!doctype html><html><head><meta charset="utf-8"><title>truth</title></head><body>${body}<script>${script}</script></body></html>`;
const busy = (ms: number) => `const s = performance.now(); while (performance.now() - s < ${ms}) {}`;

export const PAGES: Record<string, { title: string; html: string }> = {
  "/plain": { title: "a plain page", html: page("<h1>Plain</h1><p>Nothing else.</p>") },
  "/block": { title: "a 400 ms main-thread block after load", html: page("<h1>Block</h1>", `addEventListener("load", () => setTimeout(() => { ${busy(400)} }, 100));`) },
  "/tasks": { title: "three 150 ms tasks 300 ms apart", html: page("<h1>Tasks</h1>", `addEventListener("load", () => { for (const at of [100, 400, 700]) setTimeout(() => { ${busy(150)} }, at); });`) },
  "/lcp": { title: "an LCP image that arrives after 500 ms", html: page('<p>Loading…</p><img src="/image?delay=500" width="480" height="480">') },
  "/shift": { title: "a layout shift", html: page('<div id="gap" style="height:0"></div><p style="font-size:40px">Shifting text</p><p style="font-size:40px">More</p>', `addEventListener("load", () => setTimeout(() => { document.getElementById("gap").style.height = "300px"; }, 200));`) },
  "/long-lived": { title: "3 long-lived requests (SSE, long-poll, held)", html: page("<h1>Live</h1>", `new EventSource("/stream"); fetch("/hang?as=poll"); fetch("/hang?as=held");`) },
};

export interface PagesOptions {
  /** A script put at the top of every page's head (the diagnosis's own observers). */
  headScript?: string;
  /** Called with the body of each POST to /report and its `tag` query parameter. */
  onReport?: (tag: string, body: string) => void;
}

export async function startPages(options: PagesOptions = {}) {
  const image = noisePng(480);
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/image") {
      setTimeout(() => res.writeHead(200, { "content-type": "image/png", "cache-control": "no-store" }).end(image), Number(url.searchParams.get("delay") ?? 0));
      return;
    }
    if (url.pathname === "/stream" || url.pathname === "/hang") {
      if (url.pathname === "/stream") res.writeHead(200, { "content-type": "text/event-stream" }).write(": open\n\n");
      open.add(res);
      res.on("close", () => open.delete(res));
      return;
    }
    if (url.pathname === "/report" && req.method === "POST") {
      let body = "";
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
        options.onReport?.(url.searchParams.get("tag") ?? "", body);
        res.end();
      });
      return;
    }
    const known = PAGES[url.pathname];
    if (!known) return res.writeHead(404).end();
    const html = options.headScript ? known.html.replace("</title>", `</title><script>${options.headScript}</script>`) : known.html;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { for (const res of open) res.destroy(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface Metrics { fcp: number | null; lcp: number | null; tti: number | null; tbt: number | null; cls: number | null }

export const median = (values: Array<number | null>) => {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The trace category of Lighthouse's filmstrip: a JPEG of every frame, taken by the compositor as the frame is drawn. */
const SCREENSHOT_CATEGORY = "disabled-by-default-devtools.screenshot";

/**
 * Lighthouse's own trace gatherer, without its filmstrip. The compositor captures every frame as it is
 * drawn while that category is on, which delays the frame's presentation: the page's own paint timing
 * entry (presentationTime − paintTime) shows ≈ 6–8 ms without it and ≈ 20–30 ms with it, on this headless
 * software-rendered Chromium. FCP and LCP are presentation times, so Lighthouse as shipped reports the
 * delay its own filmstrip caused (bench/truth-diagnose.ts shows it). Nothing else in the trace changes.
 */
export class TraceWithoutFilmstrip extends Trace {
  override async startSensitiveInstrumentation(context: Parameters<Trace["startSensitiveInstrumentation"]>[0]) {
    const categories = Trace.getDefaultTraceCategories().filter((category) => category !== SCREENSHOT_CATEGORY);
    await context.driver.defaultSession.sendCommand("Page.enable");
    await context.driver.defaultSession.sendCommand("Tracing.start", { categories: categories.join(","), options: "sampling-frequency=10000" });
  }
}

/** The audits of the five metrics the bench compares. */
export const METRIC_AUDITS = ["first-contentful-paint", "largest-contentful-paint", "interactive", "total-blocking-time", "cumulative-layout-shift"];

/**
 * Lighthouse as shipped (desktop, "provided"), or measuring like with like: its filmstrip off, and only the five
 * metrics' audits, so that it gathers only what they are computed from (its trace and DevTools log). The performance
 * category's other audits need more instrumentation of the page while it loads (precise JS coverage, every script's
 * source, …), which made it paint 10–25 ms later still (bench/truth-lighthouse-setup.ts varies these one at a time).
 * The metrics themselves are Lighthouse's own computations from its own trace either way.
 */
export function lighthouseConfig(filmstrip: boolean) {
  const settings = { ...desktopConfig.settings, throttlingMethod: "provided" as const, onlyCategories: ["performance"], maxWaitForLoad: 15_000 };
  if (filmstrip) return { ...desktopConfig, settings };
  return {
    ...desktopConfig,
    settings: { ...settings, onlyCategories: undefined, onlyAudits: METRIC_AUDITS },
    // A class, not `{ implementation }`: merged over the default entry (a path string), only a function replaces it.
    artifacts: [{ id: "Trace", gatherer: TraceWithoutFilmstrip }],
  };
}

export async function lighthouseRun(url: string, port: number, filmstrip: boolean): Promise<Metrics> {
  const result = await lighthouse(url, { port, output: "json", logLevel: "error" }, lighthouseConfig(filmstrip));
  const audit = (id: string) => (result?.lhr.audits[id]?.numericValue ?? null) as number | null;
  return { fcp: audit("first-contentful-paint"), lcp: audit("largest-contentful-paint"), tti: audit("interactive"), tbt: audit("total-blocking-time"), cls: audit("cumulative-layout-shift") };
}

/** The Chromium Lighthouse drives: vigie's binary with the flags @sparticuz/chromium sets, through chrome-launcher. */
export function launchForLighthouse(executable: string) {
  const flags = [...new Set([...chromiumBinary.args.filter((flag) => flag !== "--single-process"), "--headless", "--no-sandbox", "--disable-gpu"])];
  return chromeLauncher.launch({ chromePath: executable, chromeFlags: flags });
}

/**
 * The browsers the comparison uses: Chromium launched for Lighthouse (chrome-launcher), vigie's own provider
 * (Playwright's launch) with the runner deps on it, and a provider connected over CDP to Lighthouse's browser, so
 * vigie also runs on the very browser Lighthouse drives (chrome-launcher's flags, not Playwright's).
 */
export async function comparisonBrowsers(executable: string) {
  const chrome = await launchForLighthouse(executable);
  const provider = createBrowserProvider({ concurrency: 1 });
  const deps: RunnerDeps = { region: "bench", now: Date.now, env: {}, browser: provider, artifactsDir: "/tmp/vigie-truth-artifacts" };
  const { chromium } = await import("playwright-core");
  const shared = createBrowserProvider({ concurrency: 1, launch: () => chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`) });
  return { chrome, provider, deps, shared };
}

export async function browserVsLighthouse(runs: number): Promise<void> {
  const pages = await startPages();
  const executable = await chromiumPath();
  const { chrome, provider, deps, shared } = await comparisonBrowsers(executable);
  const version = (await import("lighthouse/package.json", { with: { type: "json" } })).default.version;
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(" ");
  console.log(`\n## browser metrics: vigie beside Lighthouse ${version} (desktop, throttlingMethod "provided", the same Chromium: ${executable})`);
  console.log(`(medians of ${runs} runs each, the four interleaved in turn; ms except CLS; vigie quiet window 5 s as Lighthouse's. Each cell:`);
  console.log(` vigie on Lighthouse's browser / Lighthouse with its filmstrip off and only the five metrics' audits (like with like) — then vigie on its own browser / Lighthouse as shipped; load average ${load()})\n`);
  console.log("| page | FCP | LCP | TTI | TBT | CLS | largest \\|vigie − LH\\|, same browser, no filmstrip (ms) |");
  console.log("|---|---|---|---|---|---|---|");
  try {
    for (const [path, { title }] of Object.entries(PAGES)) {
      const url = `${pages.origin}${path}`;
      const probe = BrowserProbe.parse({ id: "truth", kind: "browser", url, timeout: "30s", viewport: { width: 1350, height: 940 } });
      const vigie = (on: RunnerDeps["browser"]) => async (): Promise<Metrics> => {
        const b = (await runOnce(probe, { ...deps, browser: on })).browser;
        return { fcp: b?.fcpMs ?? null, lcp: b?.lcpMs ?? null, tti: b?.ttiMs ?? null, tbt: b?.tbtMs ?? null, cls: b?.cls ?? null };
      };
      const measures = [vigie(shared), () => lighthouseRun(url, chrome.port, false), vigie(provider), () => lighthouseRun(url, chrome.port, true)];
      const seen: Metrics[][] = measures.map(() => []);
      for (let i = 0; i < runs; i++) {
        // Each run starts with a different one of the four, so none always runs right after another.
        for (let k = 0; k < measures.length; k++) {
          const which = (i + k) % measures.length;
          seen[which]!.push(await measures[which]!());
        }
      }
      const keys = ["fcp", "lcp", "tti", "tbt", "cls"] as const;
      const medians = (key: (typeof keys)[number]) => seen.map((list) => median(list.map((m) => m[key])));
      const show = (v: number | null, digits: number) => (v === null ? "–" : v.toFixed(digits));
      const cells = keys.map((key) => {
        const [sameVigie, sameLh, ownVigie, shippedLh] = medians(key).map((v) => show(v, key === "cls" ? 3 : 0));
        return `${sameVigie} / ${sameLh} — ${ownVigie} / ${shippedLh}`;
      });
      const gaps = keys.filter((k) => k !== "cls").map((k) => medians(k)).filter((m) => m[0] !== null && m[1] !== null).map((m) => Math.abs(m[0]! - m[1]!));
      console.log(`| ${title} | ${cells.join(" | ")} | ${gaps.length ? Math.max(...gaps).toFixed(0) : "–"} |`);
    }
    console.log(`\n(load average at the end: ${load()})`);
  } finally {
    await provider.close();
    await shared.close();
    chrome.kill();
    await pages.close();
  }
}
