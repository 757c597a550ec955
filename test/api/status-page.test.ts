import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser } from "playwright-core";
import { createApp } from "../../api/index.ts";
import { launchChromium } from "../../probes/browser/chromium.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { SECRET, STATUS_NOW, STATUS_PROBES, fakeIncidents, seedStatusStore } from "../fixtures/status-data.ts";

let dynamo: TestDynamo;
let server: ServerType;
let browser: Browser;
let url: string;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  const store = await seedStatusStore(dynamo);
  const app = createApp({ store, probes: STATUS_PROBES, apiKeys: [], secrets: [SECRET], incidents: fakeIncidents(), title: "Acme", now: () => STATUS_NOW });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
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
});
