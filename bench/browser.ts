// Browser probe figures: overhead over a bare page.goto, throughput on one reused browser, TTI accuracy. Prints, asserts nothing.
import os from "node:os";
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import { BrowserProbe, createBrowserProvider, type BrowserProvider } from "../probes/browser/index.ts";
import { runOnce, type RunnerDeps } from "../probes/index.ts";
import { startPageServer, type PageServer } from "../test/fixtures/browser-pages.ts";

const OVERHEAD_PAIRS = 30;
const THROUGHPUT_PROBES = 40;
const TTI_RUNS = 10;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fixed = (value: number, digits = 1) => value.toFixed(digits);

const loadProbe = (url: string) => BrowserProbe.parse({ id: "bench", kind: "browser", url, quietWindow: "0", timeout: "30s" });

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** What the probe is measured against: the same page in a fresh context on the same browser, no metrics. */
async function bareGoto(provider: BrowserProvider, url: string): Promise<void> {
  const context = await (await provider.browser()).newContext();
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: "load" });
  } finally {
    await context.close();
  }
}

async function overhead(provider: BrowserProvider, deps: RunnerDeps, server: PageServer, path: string) {
  const url = server.url(path);
  const probe = loadProbe(url);
  for (let i = 0; i < 3; i++) {
    await bareGoto(provider, url);
    await runOnce(probe, deps);
  }
  const bare: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < OVERHEAD_PAIRS; i++) {
    // Interleaved, and the order flipped every pair, so neither side always runs on a warmer browser.
    const first = i % 2 === 0;
    const a = first ? await timed(() => bareGoto(provider, url)) : 0;
    const b = await timed(async () => {
      const result = await runOnce(probe, deps);
      if (result.outcome !== "pass") throw new Error(`bench probe did not pass: ${JSON.stringify(result.error)}`);
    });
    const c = first ? a : await timed(() => bareGoto(provider, url));
    bare.push(c);
    ours.push(b);
    ratios.push(b / c);
  }
  console.log(
    `overhead ${path.padEnd(15)} bare goto median ${fixed(median(bare))} ms · probe median ${fixed(median(ours))} ms · ` +
      `median of pair ratios ${fixed(median(ratios), 3)} (ratio of medians ${fixed(median(ours) / median(bare), 3)}; goal ≤ 1.15)`,
  );
}

async function throughput(provider: BrowserProvider, deps: RunnerDeps, server: PageServer, concurrency: number) {
  const probe = loadProbe(server.url("/typical"));
  const limit = pLimit(concurrency);
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: THROUGHPUT_PROBES }, () => limit(() => runOnce(probe, deps))));
  const elapsed = performance.now() - start;
  const passed = results.filter((r) => r.outcome === "pass").length;
  console.log(`throughput concurrency ${concurrency}: ${fixed((THROUGHPUT_PROBES / elapsed) * 60_000, 0)} page-load probes/minute (${passed}/${THROUGHPUT_PROBES} passed, ${fixed(elapsed / 1000, 2)} s)`);
}

async function ttiAccuracy(deps: RunnerDeps, server: PageServer) {
  const probe = BrowserProbe.parse({ id: "bench-tti", kind: "browser", url: server.url("/block"), quietWindow: "500ms", timeout: "10s" });
  const errors: number[] = [];
  for (let i = 0; i < TTI_RUNS; i++) {
    const before = server.marks.length;
    const result = await runOnce(probe, deps);
    // The page reports its block's end by beacon; it may land a moment after the probe is done.
    for (let wait = 0; server.marks.length === before && wait < 20; wait++) await new Promise((resolve) => setTimeout(resolve, 25));
    const blockEnd = server.marks.at(-1)?.blockEnd;
    if (result.browser?.ttiMs == null || blockEnd === undefined || server.marks.length === before) {
      console.log(`tti run ${i}: no measurement (${result.error?.message ?? "no block end reported"})`);
      continue;
    }
    errors.push(result.browser.ttiMs - blockEnd);
  }
  const absolute = errors.map(Math.abs);
  console.log(
    `tti accuracy over ${errors.length} runs (300 ms block ending ~400 ms after navigation): measured minus true block end ` +
      `median ${fixed(median(errors))} ms, max |error| ${fixed(Math.max(...absolute))} ms`,
  );
}

export async function main() {
  console.log(`node ${process.version} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "unknown"}) · load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const server = await startPageServer();
  const provider = createBrowserProvider({ concurrency: 4 });
  const deps: RunnerDeps = { region: "bench", now: Date.now, env: process.env, browser: provider, artifactsDir: os.tmpdir() };
  try {
    const launch = await timed(() => provider.browser());
    console.log(`chromium ${(await provider.browser()).version()} launched in ${fixed(launch, 0)} ms`);
    await overhead(provider, deps, server, "/");
    await overhead(provider, deps, server, "/typical");
    await overhead(provider, deps, server, "/typical-remote");
    await throughput(provider, deps, server, 1);
    await throughput(provider, deps, server, 4);
    await ttiAccuracy(deps, server);
  } finally {
    await provider.close();
    await server.close();
  }
}

await main();
