// The browser half of the truth bench: vigie's FCP, LCP, TTI, TBT and CLS beside Lighthouse's (desktop,
// throttlingMethod "provided", the same Chromium binary) on pages with known behaviour. Prints, asserts nothing.
import http from "node:http";
import type { AddressInfo } from "node:net";
import chromiumBinary from "@sparticuz/chromium";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import { chromiumPath } from "../probes/browser/chromium.ts";
import { BrowserProbe, createBrowserProvider } from "../probes/browser/index.ts";
import { runOnce, type RunnerDeps } from "../probes/index.ts";
import { noisePng } from "../test/fixtures/browser-pages.ts";

const page = (body: string, script = "") => `<!doctype html><html><head><meta charset="utf-8"><title>truth</title></head><body>${body}<script>${script}</script></body></html>`;
const busy = (ms: number) => `const s = performance.now(); while (performance.now() - s < ${ms}) {}`;

const PAGES: Record<string, { title: string; html: string }> = {
  "/plain": { title: "a plain page", html: page("<h1>Plain</h1><p>Nothing else.</p>") },
  "/block": { title: "a 400 ms main-thread block after load", html: page("<h1>Block</h1>", `addEventListener("load", () => setTimeout(() => { ${busy(400)} }, 100));`) },
  "/tasks": { title: "three 150 ms tasks 300 ms apart", html: page("<h1>Tasks</h1>", `addEventListener("load", () => { for (const at of [100, 400, 700]) setTimeout(() => { ${busy(150)} }, at); });`) },
  "/lcp": { title: "an LCP image that arrives after 500 ms", html: page('<p>Loading…</p><img src="/image?delay=500" width="480" height="480">') },
  "/shift": { title: "a layout shift", html: page('<div id="gap" style="height:0"></div><p style="font-size:40px">Shifting text</p><p style="font-size:40px">More</p>', `addEventListener("load", () => setTimeout(() => { document.getElementById("gap").style.height = "300px"; }, 200));`) },
  "/long-lived": { title: "3 long-lived requests (SSE, long-poll, held)", html: page("<h1>Live</h1>", `new EventSource("/stream"); fetch("/hang?as=poll"); fetch("/hang?as=held");`) },
};

async function startPages() {
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
    const known = PAGES[url.pathname];
    if (!known) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(known.html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { for (const res of open) res.destroy(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

interface Metrics { fcp: number | null; lcp: number | null; tti: number | null; tbt: number | null; cls: number | null }

const median = (values: Array<number | null>) => {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function lighthouseRun(url: string, port: number): Promise<Metrics> {
  const config = { ...desktopConfig, settings: { ...desktopConfig.settings, throttlingMethod: "provided" as const, onlyCategories: ["performance"], maxWaitForLoad: 15_000 } };
  const result = await lighthouse(url, { port, output: "json", logLevel: "error" }, config);
  const audit = (id: string) => (result?.lhr.audits[id]?.numericValue ?? null) as number | null;
  return { fcp: audit("first-contentful-paint"), lcp: audit("largest-contentful-paint"), tti: audit("interactive"), tbt: audit("total-blocking-time"), cls: audit("cumulative-layout-shift") };
}

export async function browserVsLighthouse(runs: number): Promise<void> {
  const pages = await startPages();
  const executable = await chromiumPath();
  const flags = [...new Set([...chromiumBinary.args.filter((flag) => flag !== "--single-process"), "--headless", "--no-sandbox", "--disable-gpu"])];
  const chrome = await chromeLauncher.launch({ chromePath: executable, chromeFlags: flags });
  const provider = createBrowserProvider({ concurrency: 1 });
  const deps: RunnerDeps = { region: "bench", now: Date.now, env: {}, browser: provider, artifactsDir: "/tmp/vigie-truth-artifacts" };
  console.log(`\n## browser metrics: vigie beside Lighthouse ${(await import("lighthouse/package.json", { with: { type: "json" } })).default.version} (desktop, throttlingMethod "provided", the same Chromium: ${executable})`);
  console.log(`(medians of ${runs} runs each, interleaved; ms except CLS; vigie quiet window 5 s as Lighthouse's)\n`);
  console.log("| page | FCP vigie / LH | LCP vigie / LH | TTI vigie / LH | TBT vigie / LH | CLS vigie / LH | largest |vigie − LH| (ms) |\n|---|---|---|---|---|---|---|");
  try {
    for (const [path, { title }] of Object.entries(PAGES)) {
      const url = `${pages.origin}${path}`;
      const ours: Metrics[] = [];
      const theirs: Metrics[] = [];
      const probe = BrowserProbe.parse({ id: "truth", kind: "browser", url, timeout: "30s", viewport: { width: 1350, height: 940 } });
      for (let i = 0; i < runs; i++) {
        const result = await runOnce(probe, deps);
        const b = result.browser;
        ours.push({ fcp: b?.fcpMs ?? null, lcp: b?.lcpMs ?? null, tti: b?.ttiMs ?? null, tbt: b?.tbtMs ?? null, cls: b?.cls ?? null });
        theirs.push(await lighthouseRun(url, chrome.port));
      }
      const keys = ["fcp", "lcp", "tti", "tbt", "cls"] as const;
      const pair = (key: (typeof keys)[number]) => [median(ours.map((m) => m[key])), median(theirs.map((m) => m[key]))] as const;
      const show = (v: number | null, digits: number) => (v === null ? "–" : v.toFixed(digits));
      const cells = keys.map((key) => pair(key)).map(([a, b], i) => `${show(a, keys[i] === "cls" ? 3 : 0)} / ${show(b, keys[i] === "cls" ? 3 : 0)}`);
      const gaps = keys.filter((k) => k !== "cls").map((k) => pair(k)).filter(([a, b]) => a !== null && b !== null).map(([a, b]) => Math.abs(a! - b!));
      console.log(`| ${title} | ${cells.join(" | ")} | ${gaps.length ? Math.max(...gaps).toFixed(0) : "–"} |`);
    }
  } finally {
    await provider.close();
    chrome.kill();
    await pages.close();
  }
}
