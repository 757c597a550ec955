// The registry of probe kinds: the config union and a runner per kind.
import { runProbe } from "../core/runner/index.ts";
import type { ProbeResult } from "../core/result/index.ts";
import { HttpProbe, runHttpAttempt, type HttpDeps, type HttpIsolate } from "./http/index.ts";
import { BrowserProbe, runBrowserAttempt, type BrowserDeps } from "./browser/index.ts";
import { ProbeConfig, type ProbeKind } from "./schema.ts";

export { ProbeConfig };
export type { ProbeKind };

/**
 * Everything any runner may need; each kind reads its own part. Browser probes need `browser`. With
 * `httpIsolate`, HTTP probes run on its thread (unless a custom `lookup` is given, which cannot cross threads).
 */
export type RunnerDeps = HttpDeps & Partial<Pick<BrowserDeps, "browser" | "artifactsDir">> & { httpIsolate?: HttpIsolate };

/** Where failure screenshots go when the caller names no folder. */
export const DEFAULT_ARTIFACTS_DIR = ".vigie/artifacts";

/** A runner was called without what its kind needs: a wiring fault of ours, not a failed run. */
export class MissingDependencyError extends Error {
  override name = "MissingDependencyError";
  readonly code = "MISSING_DEPENDENCY";
}

type Runners = { [K in ProbeKind]: (probe: Extract<ProbeConfig, { kind: K }>, deps: RunnerDeps) => Promise<ProbeResult> };

export const runners: Runners = {
  http: (probe, deps) => (deps.httpIsolate && !deps.lookup ? deps.httpIsolate.run(probe, deps) : runProbe(probe, runHttpAttempt, deps)),
  browser: async (probe, deps) => {
    if (!deps.browser) throw new MissingDependencyError(`probe "${probe.id}" is a browser probe but no browser provider was given (deps.browser)`);
    return runProbe(probe, runBrowserAttempt, { ...deps, browser: deps.browser, artifactsDir: deps.artifactsDir ?? DEFAULT_ARTIFACTS_DIR });
  },
};

/** Runs one probe once, whatever its kind. */
export function runOnce(probe: ProbeConfig, deps: RunnerDeps): Promise<ProbeResult> {
  const run = runners[probe.kind] as (probe: ProbeConfig, deps: RunnerDeps) => Promise<ProbeResult>;
  return run(probe, deps);
}

export { HttpProbe, BrowserProbe };
