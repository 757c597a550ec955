// Lambda entry of the browser runner (x86_64, Chromium from @sparticuz/chromium in the function's node_modules):
// like the HTTP runner, for browser probes. The browser starts on the first run and lives as long as the container.
// Its group comes from the config bundled with it, parsed at cold start (as the home functions do), not from a JSON
// file: a probe's journey (`script`) is a function. Beside Chromium's start, the parse is a small part of a cold start.
import { runnerGroup } from "../core/plan/runner-group.ts";
import { runProbe } from "../core/runner/run-probe.ts";
import { Config } from "../index.ts";
import rawConfig from "../vigie.config.ts";
import { createBrowserProvider, type BrowserProvider } from "../probes/browser/provider.ts";
import { runBrowserAttempt } from "../probes/browser/run.ts";
import { once } from "./once.ts";
import { runnerDepsIn, type RunnerDeps } from "./runner-deps.ts";
import { createRunnerHandler, type RunnerExtra, type RunnerHandler } from "./runners.ts";

export function createBrowserRunnerHandler(deps: RunnerDeps, extra: RunnerExtra & { browser?: BrowserProvider } = {}): RunnerHandler {
  const { browser, ...rest } = extra;
  // Lambda's only writable folder is /tmp: failure screenshots go there.
  const shared = { browser: browser ?? createBrowserProvider({ env: deps.env }), artifactsDir: "/tmp/vigie-artifacts" };
  return createRunnerHandler("browser", (probe, base) => {
    if (probe.kind !== "browser") throw new Error(`probe "${probe.id}" is a ${probe.kind} probe: the browser runner runs browser probes only`);
    return runProbe(probe, runBrowserAttempt, { ...base, ...shared });
  }, deps, rest);
}

/** The browser probes of the config bundled with this entry, journey scripts included. */
export const browserRunnerGroup = (raw: unknown = rawConfig) => runnerGroup(Config.parse(raw), "browser");

const built = once(() => createBrowserRunnerHandler(runnerDepsIn(browserRunnerGroup(), process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
