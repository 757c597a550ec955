// Which part of a Lighthouse run makes the page paint later than under vigie (the browser half of the truth bench
// found ≈ 20–30 ms on FCP with the filmstrip already off). Lighthouse's own config settings and artifact list,
// varied one at a time on the same browser, interleaved with vigie over CDP on that browser. Prints, asserts nothing.
// `npx tsx bench/truth-lighthouse-setup.ts` (TRUTH_BROWSER_N runs per variant, default 7).
import os from "node:os";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import { chromiumPath } from "../probes/browser/chromium.ts";
import { BrowserProbe } from "../probes/browser/index.ts";
import { runOnce, type RunnerDeps } from "../probes/index.ts";
import { comparisonBrowsers, lighthouseConfig, median, PAGES, startPages, TraceWithoutFilmstrip, type Metrics } from "./truth-browser.ts";


/** Lighthouse without its filmstrip, running the whole performance category (every audit that needs no screenshot). */
function wholeCategory(extra: Record<string, unknown>) {
  const settings = { ...desktopConfig.settings, throttlingMethod: "provided" as const, onlyCategories: ["performance"], maxWaitForLoad: 15_000 };
  return {
    ...desktopConfig,
    settings: { ...settings, skipAudits: ["screenshot-thumbnails", "final-screenshot", "speed-index", "metrics"], ...extra },
    artifacts: [{ id: "Trace", gatherer: TraceWithoutFilmstrip }],
  };
}
/** The bench's like-with-like Lighthouse (filmstrip off, the five metrics' audits only), with settings changed. */
const metricsOnly = (extra: Record<string, unknown>) => {
  const base = lighthouseConfig(false);
  return { ...base, settings: { ...base.settings, ...extra } };
};

const SKIP = { skipAboutBlank: true, disableStorageReset: true };
const VARIANTS: Record<string, () => object> = {
  "LH, filmstrip off, whole performance category": () => wholeCategory({}),
  "LH, filmstrip off, whole category, skipAboutBlank + disableStorageReset": () => wholeCategory(SKIP),
  "LH, filmstrip off, the metrics' audits only (the bench's)": () => metricsOnly({}),
  "LH, filmstrip off, metrics only, skipAboutBlank + disableStorageReset": () => metricsOnly(SKIP),
};

const runs = Number(process.env.TRUTH_BROWSER_N ?? 7);
const only = (process.env.TRUTH_PAGES ?? "/plain,/block").split(",");
const pages = await startPages();
const { chrome, provider, shared, deps } = await comparisonBrowsers(await chromiumPath());
try {
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; medians of ${runs}, interleaved; ms`);
  for (const path of only) {
    const url = `${pages.origin}${path}`;
    const probe = BrowserProbe.parse({ id: "truth", kind: "browser", url, timeout: "30s", viewport: { width: 1350, height: 940 } });
    const vigie = async (): Promise<Metrics> => {
      const b = (await runOnce(probe, { ...deps, browser: shared as RunnerDeps["browser"] })).browser;
      return { fcp: b?.fcpMs ?? null, lcp: b?.lcpMs ?? null, tti: b?.ttiMs ?? null, tbt: b?.tbtMs ?? null, cls: b?.cls ?? null };
    };
    const lh = (config: object) => async (): Promise<Metrics> => {
      const result = await lighthouse(url, { port: chrome.port, output: "json", logLevel: "error" }, config as never);
      const audit = (id: string) => (result?.lhr.audits[id]?.numericValue ?? null) as number | null;
      return { fcp: audit("first-contentful-paint"), lcp: audit("largest-contentful-paint"), tti: audit("interactive"), tbt: audit("total-blocking-time"), cls: audit("cumulative-layout-shift") };
    };
    const names = ["vigie on Lighthouse's browser", ...Object.keys(VARIANTS)];
    const measures = [vigie, ...Object.values(VARIANTS).map((make) => lh(make()))];
    const seen: Metrics[][] = measures.map(() => []);
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < measures.length; k++) {
        const which = (i + k) % measures.length;
        seen[which]!.push(await measures[which]!());
      }
    }
    console.log(`\n${PAGES[path]!.title}`);
    for (const [i, name] of names.entries()) {
      const m = (key: keyof Metrics) => median(seen[i]!.map((s) => s[key]));
      const fcps = seen[i]!.map((s) => s.fcp).filter((v): v is number => v !== null).sort((a, b) => a - b);
      console.log(`  ${name.padEnd(72)} FCP ${m("fcp")?.toFixed(0)} (min ${fcps[0]?.toFixed(0)}, max ${fcps.at(-1)?.toFixed(0)})  LCP ${m("lcp")?.toFixed(0)}  TTI ${m("tti")?.toFixed(0)}  TBT ${m("tbt")?.toFixed(0)}`);
    }
  }
  console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
} finally {
  await provider.close();
  await shared.close();
  chrome.kill();
  await pages.close();
}
