// The browser probe kind: schema, runner and the shared browser.
export { BrowserProbe, BrowserThresholds, Viewport, quietWindowOf, DEFAULT_QUIET_WINDOW_MS } from "./schema.ts";
export type { BrowserProbeInput, JourneyScript, JourneyTools } from "./schema.ts";
export { runBrowserAttempt } from "./run.ts";
export type { BrowserDeps } from "./run.ts";
export { createBrowserProvider, BrowserProviderError } from "./provider.ts";
export type { BrowserProvider, BrowserProviderOptions } from "./provider.ts";
export { launchChromium, chromiumPath } from "./chromium.ts";
export type { ChromiumOptions } from "./chromium.ts";
