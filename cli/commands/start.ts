// `vigie start`: everything on one machine — embedded DynamoDB (dynalite) in --data, the scheduler and runners,
// the durable writer, and the results API with the status page, until SIGINT/SIGTERM.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createApp, apiKeysFrom, type AlertingView } from "../../api/index.ts";
import type { DrillResult, IncidentReader, ProbeResult } from "../../core/result/index.ts";
import { createDrillEngine, DrillLockedError, startHeartbeats, drillAlertResults, drillAlertSubjects, type DrillEngine } from "../../drills/index.ts";
import { createScheduler, type ScheduledJob, type Scheduler } from "../../core/schedule/index.ts";
import {
  createDurableWriter, ensureTable, probeSecrets, sanitizeResult, startEmbeddedDynamo,
  type DurableWriter, type ResultHook, type ResultStore,
} from "../../core/store/index.ts";
import { acquireDataLock } from "../../core/store/data-lock.ts";
import { createBrowserProvider } from "../../probes/browser/index.ts";
import { composeVigie, type Vigie } from "../../core/runtime/index.ts";
import { runOnce, type RunnerDeps } from "../../probes/index.ts";
import { startHttpIsolate, warmHttpStack } from "../../probes/http/index.ts";
import { internalFailure } from "../../core/runner/index.ts";
import type { Config } from "../../index.ts";
import type { CliIo } from "../io.ts";
import { loadForCommand } from "../load.ts";

export const DEFAULT_PORT = 8787;
export const DEFAULT_DATA_DIR = ".vigie";
export const TABLE_NAME = "vigie";

/** Periodic work run by the scheduler beside the probes (e.g. the evaluator's stale checks and page retries). */
export interface Tick {
  name: string;
  everyMs: number;
  run: (now: number) => Promise<void>;
}

/**
 * Where other modules plug into `vigie start`. The evaluator, for one:
 * `{ onResult: [alerting.onResult], ticks: [{ name: "alerting", everyMs: 5_000, run: () => alerting.tick() }],
 *    incidents: alerting.incidents, onStop: [() => alerting.stop()] }`.
 */
export interface StartHooks {
  /** Called in order with each result after it is stored (a hook that throws is logged). */
  onResult?: ResultHook[];
  ticks?: Tick[];
  /** Incidents for /v1/incidents, /v1/status and the status page. */
  incidents?: IncidentReader;
  /** Called on shutdown after the last result is stored, before the store closes. */
  onStop?: Array<() => Promise<void>>;
  /** Whether a probe is in a maintenance window at an instant; such runs are stored marked, out of uptime. */
  inMaintenance?: (probeId: string, at: number) => boolean;
  /** Maintenance windows and SLO budgets for /v1/status and the status page. */
  alerting?: AlertingView;
  /** Called with each finished drill run once it is stored. */
  onDrillResult?: Array<(result: DrillResult) => Promise<void>>;
}

/** What hooks are built from: the same table and clock `vigie start` uses. */
export interface HookContext {
  config: Config;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  now: () => number;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** The composition (store, evaluator, deliverer, read view) over this table and clock. */
  vigie: Vigie;
  /** Results produced but not yet stored and evaluated (the durable writer's), newest start per probe and region. */
  held: () => Map<string, Map<string, number>>;
}

export interface StartVigieOptions {
  /** 0 picks a free port. Default 8787. */
  port?: number;
  /** Default 127.0.0.1: the API is local unless asked otherwise. */
  host?: string;
  /** Folder for the database and the spool. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  now?: () => number;
  log?: (line: string) => void;
  hooks?: (context: HookContext) => StartHooks | Promise<StartHooks>;
  /** Extra runner dependencies (tests inject a resolver, the browser kind its launcher). */
  runnerDeps?: Partial<RunnerDeps>;
  /** How soon after start a drill with no run within its `every` runs (then it follows its schedule). Default 30 s. */
  drillCatchUpMs?: number;
  /**
   * Run HTTP probes on a thread of their own, away from Chromium, the store and the API (see probes/http/isolate.ts).
   * Default: true when the clock is the system's and no resolver is injected (neither can cross to the thread).
   */
  isolateHttp?: boolean;
}

export interface RunningVigie {
  url: string;
  port: number;
  store: ResultStore;
  writer: DurableWriter;
  scheduler: Scheduler;
  /** The drill engine, when the config has drills. */
  drills?: DrillEngine;
  /** Stops probing, waits for runs in progress, stores their results, then closes the API and the database. */
  stop(): Promise<void>;
}

export async function startVigie(config: Config, options: StartVigieOptions): Promise<RunningVigie> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // One process per data folder: a second one would share the database and the spool.
  const lock = acquireDataLock(dataDir);
  let dynamo: Awaited<ReturnType<typeof startEmbeddedDynamo>>;
  try {
    dynamo = await startEmbeddedDynamo({ path: path.join(dataDir, "db"), log });
  } catch (error) {
    lock.release();
    throw error;
  }
  await ensureTable(dynamo.client, TABLE_NAME);
  // The same composition the Lambdas use; parts are built when first used (the alerting hooks take theirs).
  const vigie = composeVigie({
    client: dynamo.client, tableName: TABLE_NAME, config, env: options.env, now, log, alertSubjects: drillAlertSubjects(config.drills, config.home),
  });
  const { doc, store } = vigie;
  const hooks = (await options.hooks?.({ config, client: dynamo.client, doc, tableName: TABLE_NAME, now, env: options.env, log, vigie, held: () => writer.held() })) ?? {};

  const secrets = probeSecrets(config.probes, options.env);
  const writer = createDurableWriter({ store, spoolPath: path.join(dataDir, "spool.jsonl"), onResult: hooks.onResult ?? [], log });
  // The database is back: the spooled backlog is stored now, not when the writer's backoff would have tried again.
  dynamo.onReopen(() => writer.retryNow());

  // Chromium starts on the first browser probe's first run (and again if it dies), and closes on stop.
  const browser = !options.runnerDeps?.browser && config.probes.some((p) => p.kind === "browser") ? createBrowserProvider({ env: options.env }) : undefined;
  const hasHttp = config.probes.some((p) => p.kind === "http");
  const httpIsolate = hasHttp && (options.isolateHttp ?? (now === Date.now && !options.runnerDeps?.lookup)) ? startHttpIsolate() : undefined;
  const runnerDeps = (region: string): RunnerDeps => ({
    region, now, env: options.env,
    ...(browser ? { browser, artifactsDir: path.join(dataDir, "artifacts") } : {}),
    ...(httpIsolate ? { httpIsolate } : {}),
    ...options.runnerDeps,
  }) as RunnerDeps;
  // The first request of a process pays Node's start-up costs; a loopback request of our own pays them, not the first
  // target (the HTTP thread warms itself).
  if (hasHttp && !httpIsolate) await warmHttpStack();
  const jobs: ScheduledJob[] = config.probes.flatMap((probe) =>
    probe.regions.map((region) => ({
      key: `${probe.id}@${region}`,
      everyMs: probe.every,
      run: async () => {
        const startedAt = now();
        let result: ProbeResult;
        try {
          result = await runOnce(probe, runnerDeps(region));
        } catch (error) {
          result = internalFailure(probe, region, startedAt, error);
        }
        if (hooks.inMaintenance?.(probe.id, startedAt)) result = { ...result, maintenance: true };
        writer.write(sanitizeResult(result, secrets));
      },
    })));
  // Drills: one run at a time per drill (the engine's lock), on their `every`; stopping interrupts them, cleaned up.
  const drillStop = new AbortController();
  const drills = config.drills.length === 0 ? undefined : createDrillEngine({
    client: dynamo.client, tableName: TABLE_NAME, config, dataDir, env: options.env, now, log, clients: { region: config.home },
    onResult: async (result) => {
      for (const hook of hooks.onDrillResult ?? []) await hook(result).catch((error: unknown) => log(`hook: drill result failed: ${(error as Error).message}`));
    },
  });
  const runDrill = async (id: string) => {
    if (drillStop.signal.aborted) return;
    let result: DrillResult;
    try {
      result = await drills!.run(id, { signal: drillStop.signal });
    } catch (error) {
      if (error instanceof DrillLockedError) return log(`drill ${id}: skipped: ${error.message}`);
      throw error;
    }
    log(`drill ${id}: ${result.outcome} (RTO ${result.achieved.rtoMs ?? "–"} ms, RPO ${result.achieved.rpoMs ?? "–"} ms)${result.error ? `: ${result.error.category}: ${result.error.message}` : ""}`);
  };
  for (const drill of config.drills) jobs.push({ key: `drill:${drill.id}`, everyMs: drill.every, run: () => runDrill(drill.id) });
  // Drills that measure freshness by heartbeat get theirs written into their source.
  const heartbeats = startHeartbeats(config.drills.filter((d) => d.kind === "postgres"), { env: options.env, log });
  const catchUps = new Set<Promise<void>>();
  const catchUpTimers: ReturnType<typeof setTimeout>[] = [];
  // Day rollups are folded from hour rollups once a day has closed (see core/store/results-store.ts).
  const foldDays = async () => {
    for (const probe of config.probes) for (const region of probe.regions) await store.foldClosedDays(probe.id, region);
  };
  const ticks: Tick[] = [{ name: "fold-days", everyMs: 15 * 60_000, run: foldDays }, ...(hooks.ticks ?? [])];
  for (const tick of ticks) jobs.push({ key: `tick:${tick.name}`, everyMs: tick.everyMs, run: () => tick.run(now()) });

  const scheduler = createScheduler(jobs, {
    now,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    onSkip: (key, slot) => log(`schedule: skipped ${key} at ${new Date(slot).toISOString()}: its previous run is still going`),
    onError: (key, error) => log(`schedule: ${key} failed: ${(error as Error).message}`),
  });

  const app = createApp({
    store, probes: config.probes, drills: config.drills.map((d) => d.id), drillRuns: drills?.store, apiKeys: apiKeysFrom(options.env), secrets, incidents: hooks.incidents, alerting: hooks.alerting,
    title: config.project, now, publicIncidents: config.statusPage?.incidents, statusWarmupMs: 500,
  });
  const host = options.host ?? "127.0.0.1";
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const listening = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host }, () => resolve(listening));
      listening.once("error", reject);
    });
  } catch (error) {
    // Nothing has run yet: undo what started (the database, the writer, the hooks) so the process can exit.
    await writer.close({ timeoutMs: 1_000 });
    for (const stop of hooks.onStop ?? []) await stop().catch(() => {});
    await browser?.close().catch(() => {});
    await httpIsolate?.close();
    await dynamo.close();
    lock.release();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  void foldDays().catch((error: unknown) => log(`store: folding days failed: ${(error as Error).message}`));
  if (drills) {
    // What a killed process left is cleaned up (and recorded as interrupted) before any new run.
    await drills.recover().catch((error: unknown) => log(`drills: recovering unfinished runs failed: ${(error as Error).message}`));
    await drills.sweep().catch((error: unknown) => log(`drills: sweeping leftovers failed: ${(error as Error).message}`));
    for (const drill of config.drills) {
      const last = await drills.store.lastResult(drill.id).catch(() => undefined);
      if (last && now() - Date.parse(last.startedAt) < drill.every) continue;
      catchUpTimers.push(setTimeout(() => {
        const running = runDrill(drill.id).catch((error: unknown) => log(`drill ${drill.id}: ${(error as Error).message}`)).finally(() => catchUps.delete(running));
        catchUps.add(running);
      }, options.drillCatchUpMs ?? 30_000));
    }
  }
  scheduler.start();

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/`,
    port,
    store,
    writer,
    scheduler,
    ...(drills ? { drills } : {}),
    stop() {
      stopping ??= (async () => {
        for (const timer of catchUpTimers) clearTimeout(timer);
        drillStop.abort(new Error("vigie is stopping"));
        await heartbeats.stop();
        await Promise.all([...catchUps]);
        await scheduler.stop();
        await browser?.close().catch(() => {});
        await httpIsolate?.close();
        const { pending } = await writer.close({ timeoutMs: 10_000 });
        if (pending > 0) log(`store: ${pending} result${pending === 1 ? "" : "s"} left in the spool for the next start`);
        for (const stop of hooks.onStop ?? []) await stop().catch((error: unknown) => log(`hook: stop failed: ${(error as Error).message}`));
        await new Promise<void>((resolve) => {
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => resolve());
        });
        await dynamo.close();
        lock.release();
      })();
      return stopping;
    },
  };
}

/**
 * The evaluator on the same table and clock: every stored result is evaluated, stale probes and due pages are
 * looked at every 5 s, incidents feed the API, and maintenance windows mark the runs they cover.
 */
export function alertingHooks(context: HookContext): StartHooks {
  const { evaluator, deliverer, readView } = context.vigie;
  return {
    onResult: [(result) => evaluator.onResult(result)],
    ticks: [{ name: "alerting", everyMs: 5_000, run: async () => {
      // Results waiting in the spool were produced: a store outage is not a silent probe.
      await evaluator.checkStale(context.held());
      await deliverer.drainOutbox();
    } }],
    incidents: readView.incidents,
    onStop: [async () => {
      evaluator.stop();
      await deliverer.idle();
    }],
    inMaintenance: (probeId, at) => readView.maintenance(probeId, at) !== undefined,
    alerting: readView,
    // A drill run is evaluated as results of the drill's subjects (composed into the evaluator's config).
    onDrillResult: [async (result) => { for (const r of drillAlertResults(result, context.config.home)) await evaluator.onResult(r); }],
  };
}

export interface StartOptions {
  config?: string | undefined;
  port?: number | undefined;
  data?: string | undefined;
}

/** How long after the first stop signal an echo of it is ignored: wrappers (npm, tsx) relay the one a terminal sent the group. */
const ECHO_MS = 2_000;

/**
 * Resolves when the process is asked to stop: SIGINT, SIGTERM, or `signal` aborted. From then on a repeated
 * signal is ignored for ECHO_MS (the same Ctrl-C relayed by a wrapper must not cut the drain short); a later one
 * forces the exit, leaving runs in flight unstored (spooled results are replayed at the next start).
 */
function stopRequested(io: CliIo, signal?: AbortSignal): { requested: Promise<string>; dispose(): void } {
  let dispose = () => {};
  const requested = new Promise<string>((resolve) => {
    let stoppingSince: number | undefined;
    const onSignal = (name: string) => {
      if (stoppingSince === undefined) {
        stoppingSince = Date.now();
        return resolve(name);
      }
      if (Date.now() - stoppingSince < ECHO_MS) return;
      io.stderr.write(`vigie: ${name} again: exiting now; runs in progress are lost, spooled results are replayed at the next start\n`);
      process.exit(130);
    };
    const onInt = () => onSignal("SIGINT");
    const onTerm = () => onSignal("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    signal?.addEventListener("abort", () => onSignal("abort"), { once: true });
    dispose = () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    };
  });
  return { requested, dispose };
}

export async function start(options: StartOptions, io: CliIo, extra: Omit<StartVigieOptions, "dataDir" | "env" | "port"> & { signal?: AbortSignal } = {}): Promise<number> {
  const config = await loadForCommand(options.config, io);
  if (!config) return 2;
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const dataDir = path.resolve(io.cwd, options.data ?? DEFAULT_DATA_DIR);
  // Listening before start-up begins: a stop signal that comes while it starts (or the instant it says it serves)
  // is a stop request like any other, honoured as soon as there is something to stop, never Node's default death.
  const stop = stopRequested(io, extra.signal);
  let running: RunningVigie;
  try {
    running = await startVigie(config, {
      hooks: alertingHooks, ...extra, log: extra.log ?? log, now: extra.now ?? io.now, dataDir, env: io.env, port: options.port ?? DEFAULT_PORT,
    });
  } catch (error) {
    stop.dispose();
    io.stderr.write(`start: ${(error as Error).message}\n`);
    return 1;
  }
  const schedules = config.probes.reduce((sum, probe) => sum + probe.regions.length, 0);
  const drillCount = config.drills.length ? `, ${config.drills.length} drill${config.drills.length === 1 ? "" : "s"}` : "";
  io.stdout.write(
    `vigie: ${config.project}, ${config.probes.length} probe${config.probes.length === 1 ? "" : "s"} on ${schedules} schedule${schedules === 1 ? "" : "s"}${drillCount}, data in ${dataDir}\n` +
    `vigie: status page and API on ${running.url}\n`,
  );
  const why = await stop.requested;
  io.stderr.write(`vigie: ${why}: finishing runs in progress and storing their results…\n`);
  await running.stop();
  stop.dispose();
  io.stderr.write(`vigie: stopped (${running.writer.stats.stored} results stored this run)\n`);
  return 0;
}
