// The browser a runner process shares between its browser probes: launched on first use, relaunched after a crash, one fresh context per probe.
import pLimit from "p-limit";
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import { launchChromium } from "./chromium.ts";

/** Our own fault or the machine's: the browser could not be started, or the provider was closed. */
export class BrowserProviderError extends Error {
  override name = "BrowserProviderError";
  constructor(
    readonly code: "LAUNCH_FAILED" | "CLOSED",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface BrowserProvider {
  /**
   * Runs `use` with a context of its own (no cookie, cache or storage from any other probe),
   * once one of the provider's slots is free; the context is closed afterwards, whatever happened.
   */
  withContext<T>(options: BrowserContextOptions, use: (context: BrowserContext) => Promise<T>): Promise<T>;
  /** The browser now running, launched if none is (or the last one died). */
  browser(): Promise<Browser>;
  /** Closes the browser; later calls fail with code CLOSED. */
  close(): Promise<void>;
}

export interface BrowserProviderOptions {
  /** Starts a browser. Default: `launchChromium({ env })`. */
  launch?: () => Promise<Browser>;
  /** Where VIGIE_CHROMIUM is read when `launch` is the default. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Contexts open at once; more probes wait for a slot. Default 2. */
  concurrency?: number;
}

export function createBrowserProvider(options: BrowserProviderOptions = {}): BrowserProvider {
  const launch = options.launch ?? (() => launchChromium({ env: options.env ?? process.env }));
  const slots = pLimit(Math.max(1, options.concurrency ?? 2));
  let current: Promise<Browser> | undefined;
  let closed = false;

  const start = (): Promise<Browser> => {
    const launching = launch().then(
      (browser) => {
        // A crashed or killed browser is forgotten at once, so the next probe starts a new one.
        browser.once("disconnected", () => {
          if (current === launching) current = undefined;
        });
        return browser;
      },
      (error: unknown) => {
        if (current === launching) current = undefined;
        throw new BrowserProviderError("LAUNCH_FAILED", `could not launch Chromium: ${(error as Error).message.split("\n")[0]}`, { cause: error });
      },
    );
    current = launching;
    return launching;
  };

  const browser = async (): Promise<Browser> => {
    if (closed) throw new BrowserProviderError("CLOSED", "the browser provider is closed");
    const pending = current ?? start();
    const running = await pending;
    if (running.isConnected()) return running;
    // Died before its "disconnected" event reached us: start another, once.
    if (current === pending) current = undefined;
    return (current ??= start());
  };

  return {
    browser,
    withContext: (contextOptions, use) =>
      slots(async () => {
        const context = await (await browser()).newContext(contextOptions);
        try {
          return await use(context);
        } finally {
          await context.close().catch(() => undefined);
        }
      }),
    async close() {
      closed = true;
      const running = current;
      current = undefined;
      if (running) await running.then((b) => b.close(), () => undefined).catch(() => undefined);
    },
  };
}
