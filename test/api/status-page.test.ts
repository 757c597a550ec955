import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser } from "playwright-core";
import { createApp } from "../../api/index.ts";
import { launchChromium } from "../../probes/browser/chromium.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { makeResult } from "../fixtures/results.ts";
import {
  ALERTING_SCENARIO, MAINTENANCE_INCIDENT, OPEN_INCIDENT, RESOLVED_INCIDENT, SECRET, STATUS_NOW, STATUS_PROBES, fakeAlerting, fakeIncidents,
  seedStatusStore,
} from "../fixtures/status-data.ts";

let dynamo: TestDynamo;
let server: ServerType;
let alertingServer: ServerType;
let browser: Browser;
let url: string;
/** The same history, with "broken" in a maintenance window and SLO budgets on "healthy" and "slow". */
let alertingUrl: string;

const listen = (fetch: (request: Request) => Response | Promise<Response>) => new Promise<ServerType>((resolve) => {
  const s = serve({ fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
});
const urlOf = (s: ServerType) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  const store = await seedStatusStore(dynamo);
  const app = createApp({ store, probes: STATUS_PROBES, apiKeys: [], secrets: [SECRET], incidents: fakeIncidents(), title: "Acme", now: () => STATUS_NOW });
  server = await listen(app.fetch);
  url = urlOf(server);
  // A run of "healthy" inside a window, today: counted apart, shown in its day's bar title.
  await store.write([makeResult({ probeId: "healthy", region: "eu-west-1", startedAt: new Date(STATUS_NOW - 3 * 3_600_000).toISOString(), outcome: "fail", maintenance: true })]);
  const alertingApp = createApp({
    store, probes: STATUS_PROBES, apiKeys: [], secrets: [SECRET], title: "Acme", now: () => STATUS_NOW, alerting: fakeAlerting(ALERTING_SCENARIO),
    incidents: fakeIncidents([OPEN_INCIDENT, MAINTENANCE_INCIDENT, RESOLVED_INCIDENT]),
  });
  alertingServer = await listen(alertingApp.fetch);
  alertingUrl = urlOf(alertingServer);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => alertingServer?.close(resolve));
  await dynamo?.close();
});

describe("status page", () => {
  it("shows a healthy, a degraded and a down probe in words, with regions, bars, p95 and incidents", async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(url);

    await expect(page.title()).resolves.toBe("Acme status");
    expect(await page.getByRole("status").innerText()).toContain("Major outage");
    const card = (name: string) => page.locator("article", { has: page.getByRole("heading", { name }) });
    expect(await card("Checkout API").locator(".probe-state").innerText()).toContain("Operational");
    expect(await card("Search API").locator(".probe-state").innerText()).toContain("Degraded");
    expect(await card("Orders API").locator(".probe-state").innerText()).toContain("Down");
    expect(await card("Search API").getByRole("list", { name: "Regions" }).innerText()).toMatch(/us-east-1: degraded[\s\S]*eu-west-1: up/);
    expect(await card("Checkout API").locator(".facts").innerText()).toMatch(/p95 \d+ ms/);

    // 90 bars, each with the day's uptime as its title.
    const bars = card("Orders API").locator("svg rect");
    expect(await bars.count()).toBe(90);
    expect(await bars.nth(85).locator("title").textContent()).toMatch(/^2025-03-06: 50\.00% up \(120 runs, 60 failed/);
    expect(await bars.nth(0).locator("title").textContent()).toMatch(/no data/);
    expect(await card("Orders API").getByRole("img").getAttribute("aria-label")).toMatch(/uptime over 90 days/);

    const incidents = await page.locator("section", { has: page.getByRole("heading", { name: "Incidents" }) }).innerText();
    expect(incidents).toContain("Orders API: down (ongoing)");
    expect(incidents).toContain("Search API: degraded (resolved)");
    expect(await page.content()).not.toContain(SECRET);
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute("content")).toBe("30");
    // No external asset: the page is the only request.
    expect(requests).toEqual([url]);

    mkdirSync("test/artifacts", { recursive: true });
    await page.screenshot({ path: "test/artifacts/status-page.png", fullPage: true });
    await page.close();
  });

  it("fits a phone screen without sideways scrolling", async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
    await page.goto(url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: "test/artifacts/status-page-phone.png", fullPage: true });
    await page.close();
  });

  it("shows a probe in maintenance in words and icon with its reason, error budgets, a fast burn and maintenance incidents", async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(alertingUrl);
    const card = (name: string) => page.locator("article", { has: page.getByRole("heading", { name }) });

    // "Orders API" is down but under maintenance: the overall state is that of the rest.
    expect(await page.getByRole("status").innerText()).toContain("Some systems degraded");
    expect(await page.locator("header").innerText()).toContain("Under scheduled maintenance: Orders API.");
    const orders = card("Orders API");
    const state = orders.locator(".probe-state");
    expect(await state.innerText()).toMatch(/^\S+ Maintenance$/);
    expect(await state.locator('span[aria-hidden="true"]').innerText()).not.toBe("");
    expect(await orders.innerText()).toContain("Under scheduled maintenance: Orders database upgrade.");
    expect(await orders.getByRole("list", { name: "Service level objectives" }).count()).toBe(0);

    const budgets = (name: string) => card(name).getByRole("list", { name: "Service level objectives" }).getByRole("listitem").allInnerTexts();
    expect(await budgets("Checkout API")).toEqual(["Error budget 72 % left (availability 99.9% over 30d)"]);
    const search = await budgets("Search API");
    // Each burn is said in words after an icon (hidden from screen readers).
    expect(search[0]).toMatch(/^Error budget 15 % left \(availability 99\.9% over 30d\) · \S Burning fast: 20× the sustainable rate over the last hour$/);
    expect(search[1]).toMatch(/^Error budget spent \(p95 ≤ 200 ms over 30d\) · \S Burning slowly: 1\.1× the sustainable rate over 3 days$/);

    const today = card("Checkout API").locator("svg rect").nth(89).locator("title");
    expect(await today.textContent()).toMatch(/^2025-03-10: 100% up \(240 runs, 0 failed, 0 degraded; 1 run in maintenance, not counted\)$/);

    const incidents = await page.locator("section", { has: page.getByRole("heading", { name: "Incidents" }) }).innerText();
    expect(incidents).toMatch(/Orders API: down \(ongoing\) · critical · us-east-1 · during scheduled maintenance/);
    expect(incidents).toContain("Orders API: down (ongoing) · critical · us-east-1, eu-west-1\n");
    expect(await page.content()).not.toContain(SECRET);
    expect(requests).toEqual([alertingUrl]);
    await page.screenshot({ path: "test/artifacts/status-page-maintenance.png", fullPage: true });
    await page.close();

    const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
    await phone.goto(alertingUrl);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: "test/artifacts/status-page-maintenance-phone.png", fullPage: true });
    await phone.close();
  });
});
