import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { BrowserProbe, createBrowserProvider, launchChromium, type BrowserProvider } from "../../../probes/browser/index.ts";
import { runOnce, type RunnerDeps } from "../../../probes/index.ts";
import { startPageServer, type PageServer } from "../../fixtures/browser-pages.ts";

let server: PageServer;
let provider: BrowserProvider;
let deps: RunnerDeps;
let launches = 0;

beforeAll(async () => {
  server = await startPageServer();
  provider = createBrowserProvider({
    concurrency: 2,
    launch: () => {
      launches++;
      return launchChromium();
    },
  });
  deps = { region: "local", now: Date.now, env: {}, browser: provider, artifactsDir: mkdtempSync(join(tmpdir(), "vigie-provider-")) };
});

afterAll(async () => {
  await provider?.close();
  await server?.close();
});

const probe = (path: string, timeout = "5s") => BrowserProbe.parse({ id: "page", kind: "browser", url: server.url(path), quietWindow: "0", timeout });

/** Kills the browser's own process, as the OOM killer would. */
async function killBrowser(browser: Browser): Promise<void> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send("SystemInfo.getProcessInfo")) as { processInfo: Array<{ type: string; id: number }> };
  const pid = processInfo.find((p) => p.type === "browser")!.id;
  const gone = new Promise<void>((resolve) => browser.once("disconnected", () => resolve()));
  process.kill(pid, "SIGKILL");
  await gone;
}

describe("browser provider", () => {
  it("launches one browser lazily and shares it between probes", async () => {
    expect(launches).toBe(0);
    const results = await Promise.all([runOnce(probe("/"), deps), runOnce(probe("/"), deps), runOnce(probe("/"), deps)]);
    expect(results.map((r) => r.outcome)).toEqual(["pass", "pass", "pass"]);
    expect(launches).toBe(1);
  });

  it("keeps at most `concurrency` contexts open", async () => {
    const browser = await provider.browser();
    let entered = 0;
    let most = 0;
    let bothIn!: () => void;
    const gate = new Promise<void>((resolve) => (bothIn = resolve));
    // The first body waits for a second one to be inside too: two run at once, and never more.
    const watch = () =>
      provider.withContext({}, async () => {
        entered++;
        most = Math.max(most, browser.contexts().length);
        if (entered >= 2) bothIn();
        await gate;
      });
    await Promise.all([watch(), watch(), watch(), watch(), watch()]);
    expect(entered).toBe(5);
    expect(most).toBe(2);
  });

  it("reports a browser killed mid-run as category browser, and the next probe still works", async () => {
    const browser = await provider.browser();
    const loading = new Promise<void>((resolve) => {
      const onRequest = (path: string) => {
        if (path !== "/hang") return;
        server.events.off("request", onRequest);
        resolve();
      };
      server.events.on("request", onRequest);
    });
    const pending = runOnce(probe("/never", "10s"), deps);
    // Once the page is loading (its image request hangs), the browser is killed under it.
    await loading;
    await killBrowser(browser);
    const killed = await pending;
    expect(killed.outcome).toBe("fail");
    expect(killed.error?.category).toBe("browser");
    expect(killed.durationMs).toBeLessThan(5000);

    const next = await runOnce(probe("/"), deps);
    expect(next.outcome).toBe("pass");
    expect(launches).toBe(2);
    expect(await provider.browser()).not.toBe(browser);
  });

  it("relaunches when the browser died between probes", async () => {
    await killBrowser(await provider.browser());
    const result = await runOnce(probe("/"), deps);
    expect(result.outcome).toBe("pass");
    expect(launches).toBe(3);
  });
});

describe("browser provider failures", () => {
  it("turns a browser that will not start into a failed run with category browser", async () => {
    const broken = createBrowserProvider({ launch: () => launchChromium({ executablePath: "/nonexistent/chromium" }) });
    try {
      const result = await runOnce(probe("/"), { ...deps, browser: broken });
      expect(result.outcome).toBe("fail");
      expect(result.error?.category).toBe("browser");
      expect(result.error?.message).toMatch(/^could not launch Chromium: /);
    } finally {
      await broken.close();
    }
  });

  it("refuses new work once closed", async () => {
    const closing = createBrowserProvider();
    await closing.close();
    await expect(closing.browser()).rejects.toMatchObject({ name: "BrowserProviderError", code: "CLOSED" });
    const result = await runOnce(probe("/"), { ...deps, browser: closing });
    expect(result.error).toEqual({ category: "browser", message: "the browser provider is closed" });
  });
});
