// Lambda entry of the browser runner (x86_64, Chromium from @sparticuz/chromium in the function's node_modules):
// like the HTTP runner, for browser probes. The browser starts on the first run and lives as long as the container.
import { createBrowserProvider } from "../probes/browser/index.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";
import { createRunnerHandler, type RunnerHandler } from "./runners.ts";

export const createBrowserRunnerHandler = (deps: LambdaDeps, extra: Parameters<typeof createRunnerHandler>[2] = {}): RunnerHandler =>
  // Lambda's only writable folder is /tmp: failure screenshots go there.
  createRunnerHandler("browser", deps, { browser: createBrowserProvider({ env: deps.env }), artifactsDir: "/tmp/vigie-artifacts", ...extra });

const built = once(() => createBrowserRunnerHandler(lambdaDeps(process.env)));
export const handler: RunnerHandler = (event, context) => built()(event, context);
