// Lambda entry of the browser runner (x86_64, Chromium from @sparticuz/chromium in the function's node_modules):
// like the HTTP runner, for browser probes. The browser starts on the first run and lives as long as the container.
import { createBrowserProvider } from "../probes/browser/index.ts";
import { runOnce, type RunnerDeps } from "../probes/index.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";
import { createRunnerHandler, type RunnerExtra, type RunnerHandler } from "./runners.ts";

export function createBrowserRunnerHandler(deps: LambdaDeps, extra: RunnerExtra & Partial<Pick<RunnerDeps, "browser">> = {}): RunnerHandler {
  const { browser, ...rest } = extra;
  // Lambda's only writable folder is /tmp: failure screenshots go there.
  const shared = { browser: browser ?? createBrowserProvider({ env: deps.env }), artifactsDir: "/tmp/vigie-artifacts" };
  return createRunnerHandler("browser", (probe, base) => runOnce(probe, { ...base, ...shared }), deps, rest);
}

const built = once(() => createBrowserRunnerHandler(lambdaDeps(process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
