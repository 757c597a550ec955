// `vigie drill ID`: runs one drill now over the data folder's store, showing its stages; Ctrl-C cleans up.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { ensureTable, startEmbeddedDynamo } from "../../core/store/index.ts";
import { createDrillEngine, DrillLockedError, kinds, type DrillRunState } from "../../drills/index.ts";
import type { CliIo } from "../io.ts";
import { loadForReport } from "../load.ts";
import { drillSummary, drillView } from "../reporters/drill.ts";
import { painter } from "../reporters/table.ts";
import { DEFAULT_DATA_DIR, TABLE_NAME } from "./start.ts";

export interface DrillOptions {
  id: string;
  config?: string | undefined;
  data?: string | undefined;
  reporter?: string | undefined;
}

/** Same echo rule as `vigie start`: npm and tsx relay the Ctrl-C the terminal already sent to the group. */
const ECHO_MS = 2_000;

export async function drill(options: DrillOptions, io: CliIo, extra: { signal?: AbortSignal } = {}): Promise<number> {
  const loaded = await loadForReport(options, io);
  if (!loaded) return 2;
  const { config, reporter } = loaded;
  const chosen = config.drills.find((d) => d.id === options.id);
  if (!chosen) {
    io.stderr.write(`drill: no drill "${options.id}" in the config${config.drills.length ? ` (drills: ${config.drills.map((d) => d.id).join(", ")})` : ""}\n`);
    return 2;
  }
  const dataDir = path.resolve(io.cwd, options.data ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  let dynamo;
  try {
    dynamo = await startEmbeddedDynamo({ path: path.join(dataDir, "db") });
    await ensureTable(dynamo.client, TABLE_NAME);
  } catch (error) {
    io.stderr.write(`drill: cannot open the store in ${path.join(dataDir, "db")} (is vigie start running on it? use --data): ${(error as Error).message}\n`);
    await dynamo?.close();
    return 1;
  }
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const engine = createDrillEngine({ client: dynamo.client, tableName: TABLE_NAME, config, dataDir, env: io.env, now: io.now, log, clients: { region: config.home } });
  const paint = painter(io.stdout, io.env);
  const view = reporter === "table" ? drillView(io.stdout, paint, kinds[chosen.kind].stages, io.now) : undefined;

  const abort = new AbortController();
  let latest: DrillRunState | undefined;
  let firstAt: number | undefined;
  const onSignal = (name: string) => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      io.stderr.write(`\ndrill: ${name}: stopping and cleaning up (Ctrl-C again to leave now)…\n`);
      abort.abort(new Error(name));
      return;
    }
    if (Date.now() - firstAt < ECHO_MS) return;
    view?.close();
    const left = latest?.resources ?? [];
    io.stderr.write(left.length === 0
      ? `drill: ${name} again: exiting; nothing was left behind\n`
      : `drill: ${name} again: exiting; left behind:\n${left.map((r) => `  ${r.kind} ${r.id}\n`).join("")}` +
        `remove them with \`vigie drill ${options.id}\` (it cleans up what an earlier run left) or by hand: pg_ctl stop -D DIR/data -m immediate; rm -rf DIR\n`);
    process.exit(130);
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  extra.signal?.addEventListener("abort", () => onSignal("abort"), { once: true });
  try {
    // What an earlier `vigie drill` left when it was killed is cleaned up (and recorded) first.
    for (const result of await engine.recover()) log(`drill: cleaned up run ${result.runId} of ${result.drillId}, left unfinished (${result.cleanup.outcome})`);
    await engine.sweep();
    if (view) io.stdout.write(`${chosen.name ?? chosen.id} (${chosen.kind})\n`);
    const result = await engine.run(chosen.id, {
      signal: abort.signal,
      onProgress: (run) => {
        latest = run;
        view?.progress(run);
      },
    });
    view?.close();
    io.stdout.write(reporter === "json" ? `${JSON.stringify(result)}\n` : drillSummary(result, paint));
    if (result.outcome === "interrupted") io.stderr.write(`drill: interrupted; cleanup ${result.cleanup.outcome}\n`);
    return result.outcome === "pass" ? 0 : 1;
  } catch (error) {
    view?.close();
    if (error instanceof DrillLockedError) {
      io.stderr.write(`drill: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`drill: ${(error as Error).message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    await dynamo.close();
  }
}
