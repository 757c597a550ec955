// The `postgres` drill kind: restore a base backup plus archived WAL into a scratch folder, start it on a free port,
// check it with SQL, measure how fresh its data is, then stop and delete it.
import { exec as execCallback } from "node:child_process";
import { cp, mkdir, readdir, readFile, rm, stat, writeFile, chmod, appendFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { DrillFault } from "../errors.ts";
import { connectCopy, measureStage, validateStage } from "../sql.ts";
import { heartbeatSql } from "./heartbeat.ts";
import { resourceName, resourceTags, type DrillKind, type KindContext, type StepResult, type SweepReport } from "../kind.ts";
import type { RunState } from "../run-state.ts";
import { alive, chownTree, freePort, pgInstall, postmasterPid, runTool, stopServer, type PgInstall } from "./cluster.ts";
import type { PostgresDrill } from "./schema.ts";

const shell = promisify(execCallback);

/** The file in a copy's folder that carries its tags; cleanup deletes nothing without it. */
export const TAG_FILE = "vigie-drill.json";

interface PgData {
  dir?: string;
  pgdata?: string;
  port?: number;
  bin?: string;
  backup?: string;
  started?: boolean;
  startedAt?: number;
  portTries?: number;
}

export const drillsFolder = (ctx: KindContext) => path.join(ctx.dataDir, "drills");
const dataOf = (run: RunState) => run.data as PgData;
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

const connect = (drill: PostgresDrill, port: number) => connectCopy(copyConnection(drill, port));
const copyConnection = (drill: PostgresDrill, port: number) => ({ host: "127.0.0.1", port, user: drill.user, database: drill.database });

async function logTail(dir: string): Promise<string> {
  try {
    const lines = (await readFile(path.join(dir, "postgres.log"), "utf8")).trim().split("\n");
    const important = lines.filter((line) => /FATAL|PANIC|ERROR/.test(line));
    return (important.length ? important : lines).slice(-3).join(" | ").slice(0, 600);
  } catch {
    return "no server log";
  }
}

/** The newest base backup: the last sub-folder (by name) holding a backup_label. */
async function newestBaseBackup(baseDir: string): Promise<string> {
  let entries: string[];
  try {
    entries = (await readdir(baseDir)).sort();
  } catch (error) {
    throw new DrillFault("backup", `cannot read the base backup folder ${baseDir}: ${(error as Error).message}`);
  }
  for (const name of entries.reverse()) {
    if (existsSync(path.join(baseDir, name, "backup_label"))) return path.join(baseDir, name);
  }
  throw new DrillFault("backup", `no base backup in ${baseDir} (a sub-folder with a backup_label)`);
}

const TIMESTAMP = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "+00");

async function restore(drill: PostgresDrill, run: RunState, ctx: KindContext): Promise<StepResult> {
  const data = dataOf(run);
  if (!data.dir) {
    // First step: the folder and its tags exist (and are recorded for cleanup) before anything is copied into it.
    const dir = path.join(drillsFolder(ctx), resourceName(run.drillId, run.runId));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, TAG_FILE), JSON.stringify(resourceTags(run.drillId, run.runId)));
    return { status: "wait", ms: 0, data: { dir, pgdata: path.join(dir, "data") }, resources: [{ kind: "directory", id: dir }] };
  }
  const install = await pgInstall(drill.bin);
  const pgdata = data.pgdata!;
  const t0 = run.t0!;
  let source: string;
  if ("baseDir" in drill.backup) {
    source = await newestBaseBackup(drill.backup.baseDir);
    await cp(source, pgdata, { recursive: true, errorOnExist: true, force: false });
  } else {
    source = "restoreCommand";
    await mkdir(pgdata, { recursive: true });
    try {
      await shell(drill.backup.restoreCommand.replaceAll("%d", shellQuote(pgdata)), { timeout: Math.max(1_000, run.deadline - ctx.now()) });
    } catch (error) {
      throw new DrillFault("backup", `restoreCommand failed: ${((error as { stderr?: string }).stderr || (error as Error).message).trim().slice(0, 400)}`);
    }
  }
  for (const needed of ["PG_VERSION", "global/pg_control", "backup_label"]) {
    if (!existsSync(path.join(pgdata, needed))) throw new DrillFault("backup", `the base backup ${source} has no ${needed}: it is incomplete or corrupt`);
  }
  // What the source had running or half-written is not part of a backup; WAL comes only from the archive.
  for (const stale of ["postmaster.pid", "postmaster.opts", "standby.signal"]) await rm(path.join(pgdata, stale), { force: true });
  await rm(path.join(pgdata, "pg_wal"), { recursive: true, force: true });
  await mkdir(path.join(pgdata, "pg_wal", "archive_status"), { recursive: true });

  // The primary is lost at T0: WAL archived after it is not used, so the copy holds what a real restore would.
  let restoreCommand: string;
  if ("walDir" in drill.backup) {
    const script = path.join(data.dir!, "restore-wal.sh");
    await writeFile(script, [
      "#!/bin/sh",
      `f=${shellQuote(drill.backup.walDir)}/"$1"`,
      '[ -f "$f" ] || exit 1',
      `[ "$(stat -c %Y "$f")" -le ${Math.ceil(t0 / 1000)} ] || exit 1`,
      'exec cp "$f" "$2"',
      "",
    ].join("\n"));
    await chmod(script, 0o755);
    restoreCommand = `${shellQuote(script)} %f %p`;
  } else {
    restoreCommand = drill.backup.walCommand;
  }
  const port = await freePort();
  const target = drill.restoreTo === "latest" ? undefined : t0 - drill.restoreTo;
  // Last settings win: the copy listens on 127.0.0.1 only, never archives (it would fork a timeline into the
  // source's archive), accepts no connection before recovery ends (hot_standby off), then promotes.
  await appendFile(path.join(pgdata, "postgresql.auto.conf"), [
    "", "# vigie drill copy",
    `port = ${port}`, "listen_addresses = '127.0.0.1'", "unix_socket_directories = ''",
    "archive_mode = off", "archive_command = ''", "primary_conninfo = ''", "synchronous_standby_names = ''",
    "hot_standby = off", "logging_collector = off", "shared_preload_libraries = ''",
    `restore_command = ${quote(restoreCommand)}`,
    ...(target !== undefined ? [`recovery_target_time = ${quote(TIMESTAMP(target))}`, "recovery_target_action = 'promote'"] : []),
    "",
  ].join("\n"));
  await writeFile(path.join(pgdata, "pg_hba.conf"), "host all all 127.0.0.1/32 trust\n");
  await writeFile(path.join(pgdata, "recovery.signal"), "");
  await chmod(pgdata, 0o700);
  await chownTree(install, data.dir!);
  const size = await folderBytes(pgdata);
  return {
    status: "done", data: { port, bin: install.bin, backup: source },
    ...(target !== undefined ? { rpoFrom: target } : {}),
    detail: `${path.basename(source)} (${(size / 1_048_576).toFixed(1)} MB) on port ${port}${target !== undefined ? `, target ${new Date(target).toISOString()}` : ""}`,
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(entry.parentPath ?? dir, entry.name);
    total += entry.isDirectory() ? await folderBytes(p) : (await stat(p)).size;
  }
  return total;
}

/** How long a server just started may take to write its postmaster.pid before its silence counts as a failure. */
const START_GRACE_MS = 60_000;

async function recover(drill: PostgresDrill, run: RunState, ctx: KindContext): Promise<StepResult> {
  const data = dataOf(run);
  const install = await pgInstall(drill.bin);
  if (!data.started) {
    const started = await runTool(install, "pg_ctl", ["start", "-W", "-D", data.pgdata!, "-l", path.join(data.dir!, "postgres.log")], { cwd: data.dir!, timeoutMs: 30_000 });
    if (started.code !== 0) throw new DrillFault("recover", `pg_ctl start failed: ${(started.stderr || started.stdout).trim().slice(0, 400)}`);
    return { status: "wait", ms: 50, data: { started: true, startedAt: ctx.now() } };
  }
  try {
    const client = await connect(drill, data.port!);
    await client.end().catch(() => {});
    return { status: "done", detail: "recovery ended, the copy accepts connections" };
  } catch (error) {
    const pid = postmasterPid(data.pgdata!);
    const log = await logTail(data.dir!);
    // pg_ctl -W returns before the server has written its pid file: missing for a moment is still starting.
    const starting = pid === undefined && !/FATAL|PANIC/.test(log) && ctx.now() - (data.startedAt ?? 0) < START_GRACE_MS;
    if (!starting && (pid === undefined || !alive(pid))) {
      // The free port was taken between choosing it and starting (another program, a busy machine): try another.
      if (/could not bind|Address already in use|could not create any TCP\/IP sockets/.test(log) && (data.portTries ?? 0) < 3) {
        const port = await freePort();
        await appendFile(path.join(data.pgdata!, "postgresql.auto.conf"), `port = ${port}\n`);
        await rm(path.join(data.dir!, "postgres.log"), { force: true });
        return { status: "wait", ms: 0, data: { port, started: false, portTries: (data.portTries ?? 0) + 1 } };
      }
      throw new DrillFault("recover", `the copy stopped during recovery: ${log}`);
    }
    const message = (error as Error).message;
    if (/does not exist|password authentication|no pg_hba/.test(message)) throw new DrillFault("recover", message);
    return { status: "wait", ms: 100 };
  }
}

/** Why a folder must not be deleted as this run's copy, or undefined when its name, place and tags all match. */
async function refusal(ctx: KindContext, dir: string, drillId: string, runId: string): Promise<string | undefined> {
  const expected = path.join(drillsFolder(ctx), resourceName(drillId, runId));
  if (path.resolve(dir) !== expected) return `${dir} is not ${expected}`;
  try {
    const tags = JSON.parse(await readFile(path.join(dir, TAG_FILE), "utf8")) as Record<string, unknown>;
    const want = resourceTags(drillId, runId);
    if (tags["vigie:drill"] !== want["vigie:drill"] || tags["vigie:run"] !== want["vigie:run"]) return `its tags ${JSON.stringify(tags)} are not ${JSON.stringify(want)}`;
  } catch {
    return `it has no readable ${TAG_FILE}`;
  }
  return undefined;
}

async function removeCopy(install: PgInstall | undefined, dir: string): Promise<void> {
  if (install) await stopServer(install, path.join(dir, "data"));
  await rm(dir, { recursive: true, force: true });
}

export const postgresKind: DrillKind<PostgresDrill> = {
  stages: ["restore", "recover", "validate", "measure"],
  step(stage, drill, run, ctx) {
    switch (stage) {
      case "restore": return restore(drill, run, ctx);
      case "recover": return recover(drill, run, ctx);
      case "validate": return validateStage(copyConnection(drill, dataOf(run).port!), drill.validate, ctx.now);
      case "measure": {
        const freshness = drill.freshness && "heartbeat" in drill.freshness ? heartbeatSql(drill.id) : drill.freshness;
        return measureStage(copyConnection(drill, dataOf(run).port!), freshness);
      }
      default: throw new DrillFault("internal", `no stage "${stage}" in the postgres kind`);
    }
  },
  async cleanup(drill, run, ctx) {
    const data = dataOf(run);
    const left: string[] = [];
    for (const resource of run.resources) {
      if (resource.kind !== "directory") continue;
      if (!existsSync(resource.id)) continue;
      const why = await refusal(ctx, resource.id, run.drillId, run.runId);
      if (why) {
        left.push(`${resource.id} (refused to delete: ${why})`);
        continue;
      }
      try {
        const install = await pgInstall(data.bin ?? drill?.bin).catch(() => undefined);
        await removeCopy(install, resource.id);
      } catch (error) {
        left.push(`${resource.id} (${(error as Error).message})`);
      }
    }
    return left.length === 0 ? { ok: true } : { ok: false, message: left.join("; ") };
  },
  async sweep(ctx, live) {
    const report: SweepReport = { removed: [], refused: [] };
    const folder = drillsFolder(ctx);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return report;
    }
    for (const name of names) {
      if (live.has(name)) continue;
      const dir = path.join(folder, name);
      let tags: Record<string, unknown> | undefined;
      try {
        tags = JSON.parse(await readFile(path.join(dir, TAG_FILE), "utf8")) as Record<string, unknown>;
      } catch {
        report.refused.push({ id: dir, why: `no readable ${TAG_FILE}: not a drill copy vigie made` });
        continue;
      }
      const drillId = String(tags["vigie:drill"]);
      const runId = String(tags["vigie:run"]);
      const why = await refusal(ctx, dir, drillId, runId);
      if (why) {
        report.refused.push({ id: dir, why });
        continue;
      }
      const install = await pgInstall().catch(() => undefined);
      await removeCopy(install, dir);
      report.removed.push(dir);
    }
    return report;
  },
};
