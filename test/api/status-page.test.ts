import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser, Page } from "playwright-core";
import { createApp, type ApiDeps } from "../../api/index.ts";
import type { DrillResult, DrillRunReader, Incident, ProbeResult } from "../../core/result/index.ts";
import type { ResultStore } from "../../core/store/index.ts";
import { runOnce, HttpProbe } from "../../probes/index.ts";
import { launchChromium } from "../../probes/browser/chromium.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { makeResult, minuteResults } from "../fixtures/results.ts";
import {
  ALERTING_SCENARIO, MAINTENANCE_INCIDENT, OPEN_INCIDENT, RESOLVED_INCIDENT, SECRET, STATUS_NOW, STATUS_PROBES, fakeAlerting, fakeIncidents,
  seedStatusStore,
} from "../fixtures/status-data.ts";
import { refusedPort, startHttpTarget, type Target } from "../fixtures/targets.ts";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
const ARTIFACTS = "test/artifacts";

let dynamo: TestDynamo;
let store: ResultStore;
let browser: Browser;
const servers: ServerType[] = [];
const targets: Target[] = [];
/** Only "Checkout API": everything up. */
let healthyUrl: string;
/** Checkout and Search: Search degraded in one region, a resolved incident. */
let degradedUrl: string;
/** All three: Orders down in both regions, with a down, a maintenance, a burn-rate and a stale incident open. */
let outageUrl: string;
/** The same history, with Orders in a maintenance window and SLO budgets on Checkout and Search. */
let maintenanceUrl: string;
/** Two probes whose targets failed for real: refused on a closed port, and a 503 with a hostile status text and body. */
let hostileUrl: string;
const hostile = { port: 0, refusedPort: 0, words: ["db-primary.internal", "5432", "pwned", "ECONNREFUSED", "503", "Service Unavailable"] };

const listen = async (deps: Omit<ApiDeps, "store" | "apiKeys">) => {
  const app = createApp({ store, apiKeys: [], secrets: [SECRET], title: "Acme", now: () => STATUS_NOW, ...deps });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
};

const BURN_INCIDENT: Incident = {
  id: "inc-broken-burn", probeId: "broken", kind: "burn-rate", severity: "low", regions: ["us-east-1", "eu-west-1"],
  startedAt: new Date(STATUS_NOW - 4 * 60_000).toISOString(), objective: "availability 99.9% over 30d",
};
const STALE_INCIDENT: Incident = {
  id: "inc-slow-stale", probeId: "slow", kind: "stale", severity: "low", regions: ["eu-west-1"], startedAt: new Date(STATUS_NOW - 3 * 60_000).toISOString(),
};

/** Runs the probe for real against its target, as of a minute before STATUS_NOW, and stores it in both regions. */
async function storeRealRun(id: string, url: string): Promise<ProbeResult> {
  const probe = HttpProbe.parse({ id, kind: "http", url, timeout: "5s" });
  const result = await runOnce(probe, { region: "us-east-1", now: Date.now, env: {} });
  const startedAt = new Date(STATUS_NOW - 60_000).toISOString();
  await store.write(["us-east-1", "eu-west-1"].map((region) => ({ ...result, probeId: id, region, startedAt })));
  return result;
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = await seedStatusStore(dynamo);
  // A run of "healthy" inside a window, today: counted apart, shown in its day's detail.
  await store.write([makeResult({ probeId: "healthy", region: "eu-west-1", startedAt: new Date(STATUS_NOW - 3 * 3_600_000).toISOString(), outcome: "fail", maintenance: true })]);
  browser = await launchChromium();

  const [checkout, search] = STATUS_PROBES;
  healthyUrl = await listen({ probes: [checkout!], incidents: fakeIncidents([]) });
  degradedUrl = await listen({ probes: [checkout!, search!], incidents: fakeIncidents([RESOLVED_INCIDENT]) });
  outageUrl = await listen({ probes: STATUS_PROBES, incidents: fakeIncidents([OPEN_INCIDENT, MAINTENANCE_INCIDENT, BURN_INCIDENT, STALE_INCIDENT, RESOLVED_INCIDENT]) });
  maintenanceUrl = await listen({
    probes: STATUS_PROBES, alerting: fakeAlerting(ALERTING_SCENARIO), incidents: fakeIncidents([MAINTENANCE_INCIDENT, RESOLVED_INCIDENT]),
  });

  const target = await startHttpTarget((_req, res) => {
    res.writeHead(503, "db-primary.internal:5432 unreachable", { "content-type": "text/html" });
    res.end(`<script>alert("pwned")</script> Service Unavailable`);
  });
  targets.push(target);
  hostile.port = target.port;
  hostile.refusedPort = await refusedPort();
  const refused = await storeRealRun("refused", `http://127.0.0.1:${hostile.refusedPort}/health`);
  const failing = await storeRealRun("failing", `${target.url}/health?secret=${SECRET}`);
  // The raw errors do hold what must not be shown: the test would prove nothing otherwise.
  expect(`${refused.error?.message} ${failing.error?.message}`).toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  expect(failing.error?.message).toMatch(/db-primary\.internal|503/);
  const openOn = (probeId: string, result: ProbeResult): Incident => ({
    id: `inc-${probeId}`, probeId, kind: "down", severity: "critical", regions: ["us-east-1", "eu-west-1"],
    startedAt: new Date(STATUS_NOW - 60_000).toISOString(), firstError: result.error!,
  });
  hostileUrl = await listen({
    probes: [
      { id: "refused", name: "Login", kind: "http", every: 60_000, timeout: 5_000, regions: ["us-east-1", "eu-west-1"] },
      { id: "failing", name: "Payments", kind: "http", every: 60_000, timeout: 5_000, regions: ["us-east-1", "eu-west-1"] },
    ],
    incidents: fakeIncidents([openOn("refused", refused), openOn("failing", failing)]),
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  for (const target of targets) await target.close();
  await dynamo?.close();
});

async function open(url: string, viewport = { width: 1280, height: 900 }, options: { colorScheme?: "light" | "dark"; timezoneId?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme: options.colorScheme ?? "light", timezoneId: options.timezoneId ?? "UTC" });
  const page = await context.newPage();
  page.on("close", () => void context.close().catch(() => {}));
  await page.goto(url);
  return page;
}

/** axe-core's WCAG 2.2 A/AA violations, each as "rule: target, target". */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async (tags) => {
    const result = await (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }> } })
      .axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  }, WCAG_22_AA);
  return violations;
}

const sectionText = (page: Page, heading: string) => page.locator("section", { has: page.getByRole("heading", { name: heading, exact: true }) }).innerText();

describe("status page during an outage", () => {
  it("names what is affected first, then ongoing incidents, services and history, one public entry per outage in plain words", async () => {
    const page = await open(outageUrl);
    await expect(page.title()).resolves.toBe("Acme status");
    const banner = await page.getByRole("status").innerText();
    expect(banner).toContain("Major outage");
    expect(banner).toContain("Orders API is returning errors in 2 of 2 regions · for 8 min");
    expect(banner).toContain("Search API is slow in 1 of 2 regions");

    const headings = await page.getByRole("heading", { level: 2 }).allInnerTexts();
    expect(headings).toEqual(["Ongoing incidents", "Services", "Past incidents"]);
    const ongoing = await sectionText(page, "Ongoing incidents");
    // The down incident, the one opened in the maintenance window and the burn-rate alert are one outage; stale is not public.
    expect(ongoing.match(/Orders API/g)).toHaveLength(1);
    expect(ongoing).toMatch(/Orders API: errors\s*\S?\s*ongoing\s+In eu-west-1 and us-east-1 · since 10 Mar 12:22 UTC · for 8 min/);
    expect(ongoing).not.toMatch(/Search API|burn|stale|critical/i);
    const past = await sectionText(page, "Past incidents");
    expect(past).toMatch(/Search API: slow\s*\S?\s*resolved\s+In us-east-1 · 9 Mar 06:30 UTC to 9 Mar 07:30 UTC · lasted 1 h/);

    const card = (name: string) => page.locator("article", { has: page.getByRole("heading", { name }) });
    expect(await card("Checkout API").locator(".probe-state").innerText()).toContain("Operational");
    expect(await card("Search API").locator(".probe-state").innerText()).toContain("Degraded");
    expect(await card("Orders API").locator(".probe-state").innerText()).toContain("Down");
    expect(await card("Checkout API").locator(".facts").innerText()).toMatch(/p95 \d+ ms/);

    const html = await page.content();
    expect(html).not.toContain(SECRET);
    expect(html).not.toMatch(/HTTP 500|connection refused|orders\.example/);
    // No forced refresh: nothing reloads the page but the visitor, or the script (paused by the first link).
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    expect(await page.locator("link[rel=alternate]").evaluateAll((links) => links.map((l) => `${l.getAttribute("type")} ${l.getAttribute("href")}`)))
      .toEqual(["application/atom+xml feed.atom", "application/feed+json feed.json"]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/status-page-outage-1280x900.png` });
    await page.screenshot({ path: `${ARTIFACTS}/status-page-outage-1280-full.png`, fullPage: true });
    await page.close();

    const phone = await open(outageUrl, { width: 375, height: 812 });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: `${ARTIFACTS}/status-page-outage-375x812.png` });
    await phone.screenshot({ path: `${ARTIFACTS}/status-page-outage-375-full.png`, fullPage: true });
    await phone.close();
  });

  it("lets every day of every probe be reached by Tab, in order after the pause link and before the feed links", async () => {
    const page = await open(outageUrl);
    const summaries = await page.locator("summary").allTextContents();
    expect(summaries).toHaveLength(3 * 90);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      document.addEventListener("focusin", (event) => seen.push(`${(event.target as Element).tagName}:${(event.target as Element).textContent}`));
    });
    for (let i = 0; i < summaries.length + 3; i++) await page.keyboard.press("Tab");
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen).toEqual(["A:Pause auto-refresh", ...summaries.map((s) => `SUMMARY:${s}`), "A:Atom feed", "A:JSON feed"]);

    // Enter on a day opens what a screen reader then reads: its date, uptime, checks and the outage of that day.
    await page.locator("summary", { hasText: "10 Mar" }).last().focus();
    await page.keyboard.press("Enter");
    const today = page.locator("details[open]");
    expect(await today.count()).toBe(1);
    expect(await today.locator("summary").textContent()).toBe("10 Mar: 95.83% up, degraded");
    expect(await today.locator("div").innerText()).toMatch(/^Mon 10 Mar 2025 · 95\.83% up · 240 checks: 10 failed, 0 degraded \(0\.00%\)\nErrors since 12:22 UTC$/);
    expect(await today.locator("div").isVisible()).toBe(true);
    // Tapping another day closes this one (one name for all days).
    await page.locator("summary", { hasText: "6 Mar" }).last().click();
    expect(await page.locator("details[open] summary").allTextContents()).toEqual(["6 Mar: 50.00% up, outage"]);
    await page.close();
  });

  it("draws every kind of day at 3:1 against the page, light and dark, with a glyph beside the colour", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await open(maintenanceUrl, undefined, { colorScheme });
      const contrasts = await page.evaluate(() => {
        const rgb = (text: string) => (text.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const luminance = (text: string) => {
          const [r, g, b] = rgb(text).map((v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        const ratio = (a: string, b: string) => { const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x); return (hi! + 0.05) / (lo! + 0.05); };
        const background = getComputedStyle(document.body).backgroundColor;
        const out: Record<string, { fill: number; glyph: string; glyphContrast: number }> = {};
        for (const letter of ["u", "m", "x", "n"]) {
          // Up is the stylesheet's default: those days carry no class.
          const summary = document.querySelector(letter === "u" ? "details:not([class]) summary" : `details.${letter} summary`);
          if (!summary) throw new Error(`no day drawn as ${letter}`);
          const style = getComputedStyle(summary, "::before");
          const fill = letter === "n" ? style.borderTopColor : style.backgroundColor;
          out[letter] = { fill: ratio(fill, background), glyph: style.content, glyphContrast: letter === "n" ? 99 : ratio(style.color, fill) };
        }
        return out;
      });
      for (const [letter, { fill, glyphContrast }] of Object.entries(contrasts)) {
        expect(fill, `${colorScheme} ${letter}`).toBeGreaterThanOrEqual(3);
        expect(glyphContrast, `${colorScheme} ${letter} glyph`).toBeGreaterThanOrEqual(3);
      }
      // Degraded and outage days carry a glyph; a day without data is an outline, not a filled square.
      expect(contrasts.m!.glyph).toContain("!");
      expect(contrasts.x!.glyph).toContain("✕");
      await page.close();
    }
  });

  // axe-core runs every rule tagged WCAG 2.0–2.2 A/AA, target-size (24 px) and meta-refresh among them.
  it.each(["healthy", "degraded", "outage", "maintenance", "paused"])("has no WCAG 2.2 A/AA violation when %s", async (name) => {
    const url = { healthy: healthyUrl, degraded: degradedUrl, outage: outageUrl, maintenance: maintenanceUrl, paused: `${outageUrl}?refresh=0` }[name]!;
    const page = await open(url);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it("has no WCAG 2.2 A/AA violation in dark mode on a phone with a day open", async () => {
    const dark = await open(outageUrl, { width: 375, height: 812 }, { colorScheme: "dark" });
    await dark.locator("summary", { hasText: "6 Mar" }).first().click();
    expect(await axeViolations(dark), "dark, phone, a day open").toEqual([]);
    await dark.close();
  });

  it("shows no host, port, status text or message of a target that failed for real", async () => {
    const page = await open(hostileUrl);
    const html = await page.content();
    for (const word of [...hostile.words, "127.0.0.1", `:${hostile.port}`, `:${hostile.refusedPort}`, SECRET]) expect(html, word).not.toContain(word);
    expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).toBeUndefined();
    const banner = await page.getByRole("status").innerText();
    expect(banner).toContain("Login is not responding in 2 of 2 regions · for 1 min");
    expect(banner).toContain("Payments is returning errors in 2 of 2 regions · for 1 min");
    for (const feed of ["feed.atom", "feed.json"]) {
      // The feed's own links name the host it is served from; what it says of the outage must name none.
      const text = (await (await fetch(new URL(feed, hostileUrl))).text()).replaceAll(new URL(hostileUrl).host, "host");
      for (const word of [...hostile.words, "127.0.0.1", SECRET]) expect(text, `${feed}: ${word}`).not.toContain(word);
    }
    await page.close();
  });
});

describe("incident feeds", () => {
  it("serves an Atom feed that parses, linked from the page, listing an outage with its start and end", async () => {
    const page = await open(outageUrl);
    const hrefs = await page.locator("link[rel=alternate]").evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
    expect(hrefs).toEqual([`${outageUrl}feed.atom`, `${outageUrl}feed.json`]);
    const response = await fetch(hrefs[0]!);
    expect(response.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const atom = await response.text();
    // Parsed by the browser's XML parser: any well-formedness error yields a <parsererror> document.
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "application/xml");
      const ns = "http://www.w3.org/2005/Atom";
      const child = (el: Element, name: string) => Array.from(el.children).filter((c) => c.namespaceURI === ns && c.localName === name);
      const root = doc.documentElement;
      return {
        errors: doc.getElementsByTagName("parsererror").length,
        root: `${root.namespaceURI} ${root.localName}`,
        feed: ["id", "title", "updated", "author"].map((name) => child(root, name).length),
        self: child(root, "link").find((l) => l.getAttribute("rel") === "self")?.getAttribute("href"),
        entries: child(root, "entry").map((entry) => ({
          id: child(entry, "id")[0]?.textContent,
          title: child(entry, "title")[0]?.textContent,
          published: child(entry, "published")[0]?.textContent,
          updated: child(entry, "updated")[0]?.textContent,
          content: child(entry, "content")[0]?.textContent,
        })),
      };
    }, atom);
    expect(parsed).toMatchObject({ errors: 0, root: "http://www.w3.org/2005/Atom feed", feed: [1, 1, 1, 1], self: `${outageUrl}feed.atom` });
    expect(parsed.entries.map((e) => e.title)).toEqual(["Orders API: errors (ongoing)", "Search API: slow (resolved)"]);
    const resolved = parsed.entries[1]!;
    expect(resolved).toMatchObject({ published: RESOLVED_INCIDENT.startedAt, updated: RESOLVED_INCIDENT.resolvedAt });
    expect(resolved.content).toBe("Search API: slow in us-east-1 from 9 Mar 06:30 UTC to 9 Mar 07:30 UTC (lasted 1 h).");
    expect(resolved.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(atom).not.toMatch(/HTTP 500|connection refused|burn|stale/i);
    await page.close();
  });
});

describe("status page refresh and time zones", () => {
  it("updates in place without losing focus or the open day, and pauses with ?refresh=0", async () => {
    let now = STATUS_NOW;
    const url = await listen({ probes: STATUS_PROBES, incidents: fakeIncidents([OPEN_INCIDENT, RESOLVED_INCIDENT]), now: () => now, statusCacheMs: 0 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC" });
    const page = await context.newPage();
    await page.clock.install({ time: STATUS_NOW });
    await page.goto(url);
    expect(await page.getByRole("status").innerText()).toContain("for 5 min");
    const day = page.locator("summary", { hasText: "6 Mar" }).nth(1);
    await day.click();
    await page.evaluate(() => window.scrollTo(0, 300));
    expect(await page.evaluate(() => window.scrollY)).toBe(300);
    now += 3 * 60_000;
    const refreshed = page.evaluate(() => new Promise((resolve) => document.addEventListener("status-refreshed", resolve, { once: true })));
    await page.clock.runFor(30_000);
    await refreshed;
    expect(await page.getByRole("status").innerText()).toContain("for 8 min");
    expect(await page.evaluate(() => `${document.activeElement?.tagName}:${document.activeElement?.textContent}`)).toBe("SUMMARY:6 Mar: 50.00% up, outage");
    expect(await page.locator("details[open] summary").allTextContents()).toEqual(["6 Mar: 50.00% up, outage"]);
    expect(await page.evaluate(() => window.scrollY)).toBe(300);
    await context.close();

    const paused = await open(`${url}?refresh=0`);
    expect(await paused.locator("body").getAttribute("data-refresh")).toBe("0");
    expect(await paused.getByRole("link").first().innerText()).toBe("Resume");
    expect(await paused.content()).not.toContain("http-equiv");
    await paused.close();
  });

  it("adds the visitor's local time beside UTC where the browser names a zone", async () => {
    const paris = await open(outageUrl, undefined, { timezoneId: "Europe/Paris" });
    expect(await paris.locator("#updated").innerText()).toMatch(/^Updated 2025-03-10 12:30:00 UTC \(.*(13:30|01:30 PM).*\)$/);
    expect(await sectionText(paris, "Ongoing incidents")).toMatch(/since 10 Mar 12:22 UTC \(.*(13:22|01:22 PM).*\)/);
    await paris.close();
    const utc = await open(outageUrl);
    expect(await utc.locator(".local").count()).toBe(0);
    await utc.close();
  });
});

describe("status page with recovery drills", () => {
  const run = (runId: string, startedAt: string, outcome: DrillResult["outcome"], rpoMs: number | null): DrillResult => ({
    drillId: "orders-db", kind: "postgres", runId, startedAt, finishedAt: startedAt, outcome,
    objectives: { rtoMs: 600_000, rpoMs: 60_000 },
    achieved: { rtoMs: rpoMs === null ? null : 41_200, rpoMs, restorePoint: null, newestData: null },
    stages: [], validation: [],
    cleanup: { outcome: "done", resources: [{ kind: "directory", id: "/srv/vigie/drills/vigie-drill-orders-db-x" }] },
    ...(outcome === "pass" ? {} : { error: { category: "restore" as const, message: "pg_ctl: could not start server on db-primary.internal:5432" } }),
  });
  const runs = [
    run("r1", new Date(STATUS_NOW - 3 * 86_400_000).toISOString(), "error", null),
    run("r2", new Date(STATUS_NOW - 2 * 86_400_000).toISOString(), "fail", 90_000),
    run("r3", new Date(STATUS_NOW - 86_400_000).toISOString(), "pass", 3_100),
  ];
  const drillRuns: DrillRunReader = {
    listResults: async ({ drillId, limit }) => ({ items: drillId === "orders-db" ? [...runs].reverse().slice(0, limit) : [] }),
    lastResult: async (drillId) => (drillId === "orders-db" ? runs.at(-1) : undefined),
  };

  it("says in plain words whether each drill restored in time, charts its runs, and has no WCAG 2.2 A/AA violation", async () => {
    const url = await listen({ probes: STATUS_PROBES, incidents: fakeIncidents([OPEN_INCIDENT]), drills: ["orders-db", "sessions"], drillRuns });
    const page = await open(url);
    const section = await sectionText(page, "Recovery drills");
    expect(section).toMatch(/orders-db\s+9 Mar 12:30 UTC\s+✓ Restored within its objectives\s+41\.2 s \(objective 10 min\)\s+3\.1 s \(objective 1 min\)/);
    expect(section).toMatch(/sessions\s+not run yet\s+no data/);
    const drillsSection = page.locator("section", { has: page.getByRole("heading", { name: "Recovery drills", exact: true }) });
    expect(await drillsSection.locator("figure svg").count()).toBe(2);
    const html = await page.content();
    expect(html).not.toMatch(/db-primary|5432|pg_ctl|\/srv\/vigie/);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
