// Lambda entry of the browser runner (x86_64, Chromium from @sparticuz/chromium in the function's node_modules):
// like the HTTP runner, for browser probes. The browser starts on the first run and lives as long as the container.
// Its group comes, as the HTTP runner's, from the JSON the deploy validated and put beside the bundle; a journey
// (`script`) is a function, which JSON cannot carry, so each is taken from the config bundled with this entry, by probe
// id. Nothing here parses the config: its cold start loads no schema library.
import { loadRunnerGroup, runnerDepsIn, type RunnerDeps } from "./runner-deps.ts";
import { withBundledCode, RUNNER_GROUP_FILE } from "../core/plan/runner-group.ts";
import { runProbe } from "../core/runner/run-probe.ts";
import rawConfig from "../vigie.config.ts";
import { createBrowserProvider, type BrowserProvider } from "../probes/browser/provider.ts";
import { runBrowserAttempt } from "../probes/browser/run.ts";
import { once } from "./once.ts";
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

/** The browser probes of the group file beside the bundle, each journey script taken from the config bundled with it. */
export function browserRunnerGroup(env: NodeJS.ProcessEnv, raw: unknown = rawConfig) {
  return withBundledCode(loadRunnerGroup("browser", env, { bundledCode: true }), raw, `the browser runner's ${RUNNER_GROUP_FILE} and its bundled config`);
}

const built = once(() => createBrowserRunnerHandler(runnerDepsIn(browserRunnerGroup(process.env), process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
