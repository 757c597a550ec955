// `vigie start`: everything on one machine — embedded DynamoDB (dynalite) in --data, the scheduler and runners,
// the durable writer, and the results API with the status page, until SIGINT/SIGTERM.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createApp, apiKeysFrom, type AlertingView } from "../../api/index.ts";
import type { IncidentReader, ProbeResult } from "../../core/result/index.ts";
import { createScheduler, type ScheduledJob, type Scheduler } from "../../core/schedule/index.ts";
import {
  createDurableWriter, createResultStore, ensureTable, probeSecrets, sanitizeResult, startEmbeddedDynamo,
  type DurableWriter, type ResultHook, type ResultStore,
} from "../../core/store/index.ts";
import { acquireDataLock } from "../../core/store/data-lock.ts";
import { createBrowserProvider } from "../../probes/browser/index.ts";
import { alertLogFromLines, createAlerting, createDynamoAlertStore } from "../../core/alerting/index.ts";
import { runOnce, type RunnerDeps } from "../../probes/index.ts";
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
}

export interface RunningVigie {
  url: string;
  port: number;
  store: ResultStore;
  writer: DurableWriter;
  scheduler: Scheduler;
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
  const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
  const retention = (config as { store?: { retention: number } }).store?.retention;
  const store = createResultStore({ doc, tableName: TABLE_NAME, now, ...(retention ? { retention: { runsMs: retention } } : {}) });
  const hooks = (await options.hooks?.({ config, client: dynamo.client, doc, tableName: TABLE_NAME, now, env: options.env, log })) ?? {};

  const secrets = probeSecrets(config.probes, options.env);
  const writer = createDurableWriter({ store, spoolPath: path.join(dataDir, "spool.jsonl"), onResult: hooks.onResult ?? [], log });

  // Chromium starts on the first browser probe's first run (and again if it dies), and closes on stop.
  const browser = !options.runnerDeps?.browser && config.probes.some((p) => p.kind === "browser") ? createBrowserProvider({ env: options.env }) : undefined;
  const runnerDeps = (region: string): RunnerDeps => ({
    region, now, env: options.env,
    ...(browser ? { browser, artifactsDir: path.join(dataDir, "artifacts") } : {}),
    ...options.runnerDeps,
  }) as RunnerDeps;
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
    store, probes: config.probes, apiKeys: apiKeysFrom(options.env), secrets, incidents: hooks.incidents, alerting: hooks.alerting,
    title: config.project, now, statusWarmupMs: 500,
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
    await dynamo.close();
    lock.release();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  void foldDays().catch((error: unknown) => log(`store: folding days failed: ${(error as Error).message}`));
  scheduler.start();

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/`,
    port,
    store,
    writer,
    scheduler,
    stop() {
      stopping ??= (async () => {
        await scheduler.stop();
        await browser?.close().catch(() => {});
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
  const alerting = createAlerting({
    config: context.config,
    store: createDynamoAlertStore({ doc: context.doc, tableName: context.tableName }),
    now: context.now,
    env: context.env,
    log: alertLogFromLines(context.log),
  });
  return {
    onResult: [(result) => alerting.onResult(result)],
    ticks: [{ name: "alerting", everyMs: 5_000, run: () => alerting.tick() }],
    incidents: alerting.incidents,
    onStop: [() => alerting.stop()],
    inMaintenance: (probeId, at) => alerting.maintenance(probeId, at) !== undefined,
    alerting,
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
  let running: RunningVigie;
  try {
    running = await startVigie(config, {
      hooks: alertingHooks, ...extra, log: extra.log ?? log, now: extra.now ?? io.now, dataDir, env: io.env, port: options.port ?? DEFAULT_PORT,
    });
  } catch (error) {
    io.stderr.write(`start: ${(error as Error).message}\n`);
    return 1;
  }
  const schedules = config.probes.reduce((sum, probe) => sum + probe.regions.length, 0);
  io.stdout.write(
    `vigie: ${config.project}, ${config.probes.length} probe${config.probes.length === 1 ? "" : "s"} on ${schedules} schedule${schedules === 1 ? "" : "s"}, data in ${dataDir}\n` +
    `vigie: status page and API on ${running.url}\n`,
  );
  const stop = stopRequested(io, extra.signal);
  const why = await stop.requested;
  io.stderr.write(`vigie: ${why}: finishing runs in progress and storing their results…\n`);
  await running.stop();
  stop.dispose();
  io.stderr.write(`vigie: stopped (${running.writer.stats.stored} results stored this run)\n`);
  return 0;
}
