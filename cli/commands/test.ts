// `vigie test`: runs each selected probe once, now, concurrently with a bound, and reports like a test suite.
import pLimit from "p-limit";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { ProbeResult } from "../../core/result/index.ts";
import { createBrowserProvider } from "../../probes/browser/index.ts";
import { DEFAULT_ARTIFACTS_DIR, runOnce, type RunnerDeps } from "../../probes/index.ts";
import { startHttpIsolate, warmHttpStack } from "../../probes/http/index.ts";
import { internalFailure } from "../../core/runner/index.ts";
import { probeSecrets, sanitizeResult } from "../../core/store/index.ts";
import type { Probe } from "../../index.ts";
import type { CliIo } from "../io.ts";
import { loadForReport } from "../load.ts";
import { formatResult, formatSummary, painter } from "../reporters/table.ts";
import { testRemote, type LambdaFor } from "./test-remote.ts";

export interface TestOptions {
  config?: string | undefined;
  probe?: string[] | undefined;
  region?: string | undefined;
  reporter?: string | undefined;
  concurrency?: number | undefined;
  /** Run in the deployed runners of each region instead of here. */
  remote?: boolean | undefined;
  /** The deployed stage `--remote` invokes. Default "prod". */
  stage?: string | undefined;
  /** Lambda clients by region for `--remote` (tests hand in mocked ones). */
  lambdaFor?: LambdaFor | undefined;
}

/** The region label of a local run: the one asked for, else "local" (this machine is in no AWS region). */
export const LOCAL_REGION = "local";

export async function test(options: TestOptions, io: CliIo, extraDeps: Partial<RunnerDeps> = {}): Promise<number> {
  const loaded = await loadForReport(options, io);
  if (!loaded) return 2;
  const { config, reporter } = loaded;

  let probes: Probe[] = config.probes;
  const wanted = options.probe ?? [];
  const unknown = wanted.filter((id) => !probes.some((p) => p.id === id));
  if (unknown.length > 0) {
    io.stderr.write(`--probe: no probe with id ${unknown.map((id) => `"${id}"`).join(", ")} (known: ${probes.map((p) => p.id).join(", ") || "none"})\n`);
    return 2;
  }
  if (wanted.length > 0) probes = probes.filter((p) => wanted.includes(p.id));
  if (options.region !== undefined) {
    const region = options.region;
    const everywhere = new Set(config.probes.flatMap((p) => p.regions));
    if (!everywhere.has(region)) {
      io.stderr.write(`--region: no probe runs in "${region}" (regions in this config: ${[...everywhere].join(", ")})\n`);
      return 2;
    }
    probes = probes.filter((p) => p.regions.includes(region));
  }

  if (options.remote) {
    return testRemote(probes, { project: config.project, stage: options.stage ?? "prod", reporter, region: options.region }, io, options.lambdaFor);
  }

  // Chromium starts only when a selected probe needs it, and is closed whatever happens.
  const hasBrowser = probes.some((p) => p.kind === "browser");
  const hasHttp = probes.some((p) => p.kind === "http");
  const browser = !extraDeps.browser && hasBrowser ? createBrowserProvider({ env: io.env }) : undefined;
  // Beside a browser probe, this thread also drives Chromium, and an HTTP timestamp taken here is late by however
  // long that kept the loop busy: HTTP probes then run on a thread of their own, as in `vigie start` (which times
  // with the real clock, and cannot take a custom resolver across).
  const httpIsolate = hasHttp && hasBrowser && !extraDeps.httpIsolate && !extraDeps.lookup && io.now === Date.now ? startHttpIsolate() : undefined;
  const deps: RunnerDeps = {
    region: options.region ?? LOCAL_REGION,
    now: io.now,
    env: io.env,
    ...(browser ? { browser, artifactsDir: path.resolve(io.cwd, DEFAULT_ARTIFACTS_DIR) } : {}),
    ...(httpIsolate ? { httpIsolate } : {}),
    ...extraDeps,
  };
  // The first request of a process pays Node's start-up costs; a loopback request of our own pays them, not the first
  // target. The HTTP thread warms its own.
  if (hasHttp && !deps.httpIsolate) await warmHttpStack();
  const limit = pLimit(options.concurrency ?? 8);
  const started = performance.now();
  // A crash in our own code fails that probe only; header values and the like are scrubbed as the store does.
  const secrets = probeSecrets(probes, io.env);
  const pending = probes.map((probe) => limit(async () => {
    const startedAt = io.now();
    const result = await runOnce(probe, deps).catch((error: unknown) => internalFailure(probe, deps.region, startedAt, error));
    return sanitizeResult(result, secrets);
  }));

  const paint = painter(io.stdout, io.env);
  const idWidth = Math.max(8, ...probes.map((p) => p.id.length));
  const results: ProbeResult[] = [];
  try {
    // Printed in config order as soon as each is known, so the output is stable run to run.
    for (const next of pending) {
      const result = await next;
      results.push(result);
      io.stdout.write(reporter === "json" ? `${JSON.stringify(result)}\n` : `${formatResult(result, paint, idWidth)}\n`);
    }
  } finally {
    await Promise.allSettled(pending);
    await Promise.all([browser?.close(), httpIsolate?.close()]);
  }
  if (reporter === "table") {
    if (probes.length === 0) io.stdout.write("no probes selected\n");
    else io.stdout.write(`${formatSummary(results, performance.now() - started, paint)}\n`);
  }
  return results.some((r) => r.outcome === "fail") ? 1 : 0;
}
