import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrowserProbe, createBrowserProvider, type BrowserProbeInput, type BrowserProvider } from "../../../probes/browser/index.ts";
import { MissingDependencyError, runOnce, type RunnerDeps } from "../../../probes/index.ts";
import { refusedPort, startPageServer, type PageServer } from "../../fixtures/browser-pages.ts";

let server: PageServer;
let other: PageServer;
let provider: BrowserProvider;
let artifactsDir: string;
let deps: RunnerDeps;

beforeAll(async () => {
  [server, other] = await Promise.all([startPageServer(), startPageServer()]);
  artifactsDir = await mkdtemp(path.join(os.tmpdir(), "vigie-browser-"));
  provider = createBrowserProvider({ concurrency: 2 });
  deps = { region: "local", now: Date.now, env: { SITE_TOKEN: "s3cret-token" }, browser: provider, artifactsDir };
  await provider.browser();
});

afterAll(async () => {
  await provider?.close();
  await Promise.all([server?.close(), other?.close()]);
  if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
});

/** Short quiet windows and timeouts keep the file fast; each test says what it needs beyond that. */
const probe = (input: Partial<BrowserProbeInput> & { url: string }) =>
  BrowserProbe.parse({ id: "page", kind: "browser", quietWindow: "300ms", timeout: "5s", ...input });

/** The next value a page reports through /mark, whether it already came or is still on its way. */
async function nextMark(before: number): Promise<Record<string, number>> {
  while (server.marks.length <= before) await once(server.events, "request");
  return server.marks[before]!;
}

describe("browser probe, page load", () => {
  it("passes a plain page and reports its paint and load metrics", async () => {
    const result = await runOnce(probe({ url: server.url("/") }), deps);
    expect(result).toMatchObject({ probeId: "page", kind: "browser", region: "local", outcome: "pass", assertions: [] });
    const b = result.browser!;
    expect(b.status).toBe(200);
    for (const metric of [b.ttfbMs, b.fcpMs, b.lcpMs, b.domContentLoadedMs, b.loadMs, b.ttiMs]) expect(metric).toBeGreaterThan(0);
    expect(b.ttfbMs!).toBeLessThanOrEqual(b.domContentLoadedMs!);
    expect(b.domContentLoadedMs!).toBeLessThanOrEqual(b.loadMs!);
    expect(b).toMatchObject({ tbtMs: 0, cls: 0, jsErrors: [], failedRequests: [] });
    expect(b.screenshot).toBeUndefined();
  });

  it("fits the default quiet window to a short timeout and says in the result which it used", async () => {
    const short = BrowserProbe.parse({ id: "page", kind: "browser", url: server.url("/"), timeout: "2s" });
    const result = await runOnce(short, deps);
    expect(result.outcome).toBe("pass");
    expect(result.browser).toMatchObject({ quietWindowMs: 1_000, ttiMs: expect.any(Number) });
    expect((await runOnce(probe({ url: server.url("/") }), deps)).browser?.quietWindowMs).toBe(300);
  });

  it("puts TTI at the end of a 300 ms main-thread block after load, within 50 ms", async () => {
    const before = server.marks.length;
    const result = await runOnce(probe({ url: server.url("/block"), quietWindow: "500ms" }), deps);
    const { blockEnd } = await nextMark(before);
    const b = result.browser!;
    expect(result.outcome).toBe("pass");
    expect(Math.abs(b.ttiMs! - blockEnd!)).toBeLessThanOrEqual(50);
    expect(b.tbtMs!).toBeGreaterThanOrEqual(200);
    // One 300 ms task is 250 ms of blocking; a loaded machine may stretch it or add a short task, not double it.
    expect(b.tbtMs!).toBeLessThanOrEqual(450);
    // It waited for the quiet window after the block, and not much longer.
    expect(result.durationMs).toBeGreaterThanOrEqual(blockEnd! + 500 - 50);
    // …and not for a second window: a loaded machine adds scheduling delay, not another 500 ms window and more.
    expect(result.durationMs).toBeLessThan(blockEnd! + 500 + 1_500);
  });

  it("reports no TTI and does not wait when the quiet window is off", async () => {
    const result = await runOnce(probe({ url: server.url("/block"), quietWindow: "0" }), deps);
    expect(result.outcome).toBe("pass");
    expect(result.browser!.ttiMs).toBeNull();
    expect(result.browser!.fcpMs).toBeGreaterThan(0);
    // The default window is 5 s: a run that waited for it could not end this soon, even on a loaded machine.
    expect(result.durationMs).toBeLessThan(2_500);
  });

  it("gets a TTI on a page that holds three GET requests open for good (SSE, long-poll, held), as Lighthouse does", async () => {
    const result = await runOnce(probe({ url: server.url("/long-lived"), quietWindow: "300ms" }), deps);
    expect(result.error).toBeUndefined();
    expect(result.outcome).toBe("pass");
    const b = result.browser!;
    expect(b.ttiMs).not.toBeNull();
    // Nothing but the open requests stood in the way: TTI is where the quiet window could first open.
    expect(b.ttiMs).toBe(Math.max(b.fcpMs!, b.domContentLoadedMs!));
  });

  it("reports the LCP of an image that arrives after a known delay", async () => {
    const result = await runOnce(probe({ url: server.url("/lcp") }), deps);
    const b = result.browser!;
    expect(b.fcpMs!).toBeLessThan(400);
    expect(b.lcpMs!).toBeGreaterThanOrEqual(400);
    expect(b.lcpMs!).toBeLessThan(400 + 300);
  });

  it("lists the errors a page throws without failing the run", async () => {
    const result = await runOnce(probe({ url: server.url("/throws") }), deps);
    expect(result.outcome).toBe("pass");
    expect(result.browser!.jsErrors).toEqual(["Error: boom from the fixture"]);
  });

  it("keeps a huge error message short, so the result stays small", async () => {
    const result = await runOnce(probe({ url: server.url("/throws-huge") }), deps);
    expect(result.browser!.jsErrors).toHaveLength(1);
    expect(result.browser!.jsErrors[0]!.length).toBeLessThanOrEqual(501);
    expect(JSON.stringify(result).length).toBeLessThan(10_000);
  });

  it("lists a sub-resource answered 404", async () => {
    const result = await runOnce(probe({ url: server.url("/missing-asset") }), deps);
    expect(result.outcome).toBe("pass");
    expect(result.browser!.failedRequests).toEqual([{ url: server.url("/nope.png"), status: 404 }]);
  });

  it("measures layout shift", async () => {
    const result = await runOnce(probe({ url: server.url("/shift"), quietWindow: "400ms" }), deps);
    expect(result.browser!.cls!).toBeGreaterThan(0.05);
  });
});

describe("browser probe, failures", () => {
  it("honours the timeout within 1 s on a page that never finishes loading, and keeps a screenshot", async () => {
    const started = performance.now();
    const result = await runOnce(probe({ url: server.url("/never"), timeout: "2s", quietWindow: "0" }), deps);
    const wall = performance.now() - started;
    expect(result.outcome).toBe("fail");
    expect(result.error).toEqual({ category: "timeout", message: `timed out after 2s waiting for the load event (1 request still loading, e.g. ${server.url("/hang")})` });
    expect(wall).toBeGreaterThanOrEqual(2000);
    expect(wall).toBeLessThan(4000);
    expect(result.durationMs).toBeLessThan(4000);
    // What it got to before the deadline is still reported.
    expect(result.browser!.fcpMs).toBeGreaterThan(0);
    expect(result.browser!.loadMs).toBeNull();
    expect(existsSync(result.browser!.screenshot!)).toBe(true);
    expect(path.dirname(result.browser!.screenshot!)).toBe(artifactsDir);
  });

  it("names a pending request whose URL holds terminal escapes without decoding them into control characters", async () => {
    const result = await runOnce(probe({ url: server.url("/never-hostile"), timeout: "1s", quietWindow: "0" }), deps);
    expect(result.error?.category).toBe("timeout");
    expect(result.error?.message).toContain("/hang/%1B]0;pwned%07%1B[2J%0D%0A✓ pass%C2%9B2J");
    expect(JSON.stringify(result)).not.toMatch(/\\u00(0[0-8bcef]|1[0-9a-f]|7f|[89][0-9a-f])/);
    expect(result.error?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("honours the timeout within 1 s when the document itself never arrives", async () => {
    const started = performance.now();
    const result = await runOnce(probe({ url: server.url("/hang"), timeout: "1s", quietWindow: "0" }), deps);
    expect(result.error?.category).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("fails with category connect on a refused port", async () => {
    const port = await refusedPort();
    const result = await runOnce(probe({ url: `http://127.0.0.1:${port}/` }), deps);
    expect(result.outcome).toBe("fail");
    expect(result.error).toEqual({ category: "connect", message: `connection refused by 127.0.0.1:${port} (net::ERR_CONNECTION_REFUSED)` });
  });

  it("fails with category http when the document answers 500", async () => {
    const result = await runOnce(probe({ url: server.url("/status/500") }), deps);
    expect(result.error).toEqual({ category: "http", message: "the page answered 500" });
    expect(result.browser!.status).toBe(500);
    expect(existsSync(result.browser!.screenshot!)).toBe(true);
  });

  it("turns crossed thresholds into degraded or fail, naming every metric crossed", async () => {
    const degraded = await runOnce(probe({ url: server.url("/lcp"), thresholds: { lcpMs: { degraded: 100, fail: 5000 } } }), deps);
    expect(degraded.outcome).toBe("degraded");
    expect(degraded.error?.category).toBe("threshold");
    expect(degraded.error?.message).toMatch(/^largest contentful paint \d+ ms, at or over the 100 ms degraded threshold$/);
    expect(degraded.browser!.screenshot).toBeUndefined();

    const failed = await runOnce(probe({ url: server.url("/lcp"), thresholds: { loadMs: { fail: 100 }, lcpMs: { fail: 100 } } }), deps);
    expect(failed.outcome).toBe("fail");
    expect(failed.error?.message).toMatch(/^load \d+ ms, at or over the 100 ms fail threshold; largest contentful paint \d+ ms, at or over the 100 ms fail threshold$/);
    expect(existsSync(failed.browser!.screenshot!)).toBe(true);
  });

  it("waits for a selector, and fails with category assertion when it never shows", async () => {
    const shown = await runOnce(probe({ url: server.url("/late-ready"), waitFor: "#ready" }), deps);
    expect(shown.outcome).toBe("pass");
    expect(shown.assertions).toEqual([{ description: 'selector "#ready" visible', passed: true }]);

    const missing = await runOnce(probe({ url: server.url("/"), waitFor: "#nowhere", timeout: "1s", quietWindow: "0" }), deps);
    expect(missing.error).toEqual({ category: "assertion", message: '"#nowhere" was not visible within the 1s timeout' });
    expect(missing.durationMs).toBeLessThan(2000);
  });

  it("refuses to run without a browser provider: a wiring fault, not a failed run", async () => {
    const { browser: _unused, ...withoutBrowser } = deps;
    await expect(runOnce(probe({ url: server.url("/") }), withoutBrowser)).rejects.toThrow(MissingDependencyError);
  });
});

describe("browser probe, journeys", () => {
  it("times and names each step", async () => {
    const result = await runOnce(
      probe({
        url: server.url("/shop"),
        quietWindow: "0",
        script: async ({ page, step }) => {
          await step("add to cart", () => page.click("#add"));
          await step("see the cart", () => page.locator("#cart", { hasText: "1 item" }).waitFor());
        },
      }),
      deps,
    );
    expect(result.outcome).toBe("pass");
    expect(result.browser!.steps).toEqual([
      { name: "add to cart", durationMs: expect.any(Number), passed: true },
      { name: "see the cart", durationMs: expect.any(Number), passed: true },
    ]);
  });

  it("fails with category script naming the step when the second step fails", async () => {
    const result = await runOnce(
      probe({
        url: server.url("/shop"),
        quietWindow: "0",
        script: async ({ page, step }) => {
          await step("add to cart", () => page.click("#add"));
          await step("pay", () => page.click("#pay", { timeout: 200 }));
          await step("never reached", async () => undefined);
        },
      }),
      deps,
    );
    expect(result.outcome).toBe("fail");
    expect(result.error?.category).toBe("script");
    expect(result.error?.message).toMatch(/^step "pay" failed: page\.click: Timeout 200ms exceeded\.$/);
    expect(result.browser!.steps!.map((s) => [s.name, s.passed])).toEqual([["add to cart", true], ["pay", false]]);
    expect(existsSync(result.browser!.screenshot!)).toBe(true);
  });

  it("stops a journey at the probe's timeout, naming the step it was in", async () => {
    const started = performance.now();
    const result = await runOnce(
      probe({
        url: server.url("/shop"),
        quietWindow: "0",
        timeout: "1s",
        script: async ({ page, step }) => {
          await step("wait for a text that never comes", () => page.waitForFunction("document.title === 'never'", undefined, { timeout: 0 }));
        },
      }),
      deps,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.error).toEqual({ category: "timeout", message: 'journey timed out after 1s in step "wait for a text that never comes"' });
  });

  it("leaks no cookie from one probe into the next", async () => {
    const reloading = probe({
      url: server.url("/cookie"),
      quietWindow: "0",
      script: async ({ page, step }) => {
        await step("reload", () => page.reload());
      },
    });
    const seenBefore = server.seen.length;
    const first = await runOnce(reloading, deps);
    const second = await runOnce(reloading, deps);
    expect([first.outcome, second.outcome]).toEqual(["pass", "pass"]);
    const cookies = server.seen.slice(seenBefore).filter((r) => r.path === "/cookie").map((r) => r.cookie);
    // Each probe: a first visit with no cookie, then its own reload with the cookie it was just given.
    expect(cookies).toEqual([undefined, "session=abc123", undefined, "session=abc123"]);
  });
});

describe("browser probe, secrets", () => {
  it("sends headers to the page's own origin only, and scrubs their values from the result", async () => {
    const seenBefore = { here: server.seen.length, there: other.seen.length };
    const headers = { authorization: "Bearer ${env:SITE_TOKEN}" };
    const mixed = await runOnce(probe({ url: `${server.url("/with-third-party")}?other=${encodeURIComponent(other.origin)}`, headers }), deps);
    expect(mixed.outcome).toBe("pass");
    expect(server.seen.slice(seenBefore.here).find((r) => r.path === "/with-third-party")?.authorization).toBe("Bearer s3cret-token");
    expect(other.seen.slice(seenBefore.there).map((r) => r.authorization)).toEqual([undefined]);

    const echoed = await runOnce(probe({ url: server.url("/echo-secret"), headers }), deps);
    expect(echoed.browser!.jsErrors).toEqual(["Error: token was [redacted]"]);
    expect(JSON.stringify(echoed)).not.toContain("s3cret-token");
  });

  it("scrubs a secret a page echoes across the 500-character cut of its text", async () => {
    const headers = { authorization: "Bearer ${env:SITE_TOKEN}" };
    // "Error: " and 480–496 x's put the token's start just before the cut.
    for (const at of [480, 490]) {
      const echoed = await runOnce(probe({ url: server.url(`/echo-secret-late?at=${at}`), headers, quietWindow: "0" }), deps);
      expect(echoed.browser!.jsErrors).toHaveLength(1);
      expect(JSON.stringify(echoed), `at ${at}`).not.toContain("s3cr");
    }
  });

  it("fails with category internal when a variable is not set", async () => {
    const result = await runOnce(probe({ url: server.url("/"), headers: { authorization: "Bearer ${env:NOT_SET_ANYWHERE}" } }), deps);
    expect(result.error).toEqual({ category: "internal", message: "environment variable NOT_SET_ANYWHERE not set" });
  });
});
