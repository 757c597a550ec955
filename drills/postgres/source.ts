// A PostgreSQL cluster to drill against (the demo, the tests, the bench): WAL archived to a folder, and base
// backups taken with pg_backup_start()/pg_backup_stop() and a file copy (the npm binaries have no pg_basebackup).
import { cp, mkdir, readdir, readFile, rm, writeFile, chmod } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { chownTree, freePort, pgInstall, runTool, stopServer, type PgInstall } from "./cluster.ts";

export interface SourceCluster {
  port: number;
  /** The cluster's data folder. */
  dataDir: string;
  /** Where base backups go, one sub-folder each (what a drill's backup.baseDir points at). */
  baseDir: string;
  /** The WAL archive (backup.walDir). */
  walDir: string;
  /** A client on the `postgres` database, for the caller's own SQL. */
  client: pg.Client;
  /** Takes a base backup into `baseDir/<name>` (default: a sortable time stamp); resolves once its WAL is archived. */
  baseBackup(name?: string): Promise<string>;
  /** Switches to a new WAL segment and waits until the finished one is in the archive. */
  switchWal(): Promise<void>;
  /** Keeps the newest `keep` base backups and the WAL they need; deletes older ones. */
  prune(keep: number): Promise<void>;
  stop(): Promise<void>;
}

export interface SourceOptions {
  /** Folder holding data/, base/ and wal/ (created). */
  root: string;
  bin?: string;
  /** Forces a segment into the archive at least this often (seconds); 0 = only when full or switched. Default 0. */
  archiveTimeoutS?: number;
  /** Faster, unsafe on power loss: for tests and demos. Default true. */
  fsyncOff?: boolean;
  /** WAL segment size in MB, set when the cluster is created (a power of 2). Default 16; a demo uses 1 to archive less. */
  walSegmentMb?: number;
}

/** What a base backup copy leaves out, as pg_basebackup does. */
const SKIP = new Set(["postmaster.pid", "postmaster.opts", "pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans"]);

export async function startSourceCluster(options: SourceOptions): Promise<SourceCluster> {
  const install = await pgInstall(options.bin);
  const root = path.resolve(options.root);
  const dataDir = path.join(root, "data");
  const baseDir = path.join(root, "base");
  const walDir = path.join(root, "wal");
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755);
  await mkdir(baseDir, { recursive: true });
  await mkdir(walDir, { recursive: true });
  await chownTree(install, baseDir);
  await chownTree(install, walDir);
  const port = await freePort();
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await mkdir(dataDir, { recursive: true });
    await chownTree(install, dataDir);
    const init = await runTool(install, "initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions", ...(options.walSegmentMb ? [`--wal-segsize=${options.walSegmentMb}`] : [])], { timeoutMs: 120_000 });
    if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr.trim()}`);
  }
  await writeFile(path.join(dataDir, "postgresql.auto.conf"), [
    `port = ${port}`, "listen_addresses = '127.0.0.1'", "unix_socket_directories = ''",
    "wal_level = replica", "archive_mode = on",
    `archive_command = 'test ! -f ${walDir}/%f && cp %p ${walDir}/%f'`,
    `archive_timeout = ${options.archiveTimeoutS ?? 0}`,
    `fsync = ${options.fsyncOff === false ? "on" : "off"}`, "shared_buffers = 16MB", "max_connections = 20",
    "",
  ].join("\n"));
  await chownTree(install, path.join(dataDir, "postgresql.auto.conf"));
  await stopServer(install, dataDir);
  await writeFile(path.join(root, "source.log"), "", { flag: "a" });
  await chownTree(install, path.join(root, "source.log"));
  const started = await runTool(install, "pg_ctl", ["start", "-w", "-t", "60", "-D", dataDir, "-l", path.join(root, "source.log")], { cwd: root, timeoutMs: 70_000 });
  if (started.code !== 0) throw new Error(`pg_ctl start failed: ${started.stderr.trim() || started.stdout.trim()}`);
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  client.on("error", () => {});
  await client.connect();

  const waitArchived = async (segment: string) => {
    for (let i = 0; i < 600 && !existsSync(path.join(walDir, segment)); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    if (!existsSync(path.join(walDir, segment))) throw new Error(`WAL segment ${segment} never reached the archive`);
  };

  return {
    port, dataDir, baseDir, walDir, client,
    async baseBackup(name) {
      const folder = path.join(baseDir, name ?? new Date().toISOString().replace(/[:.]/g, "-"));
      const session = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
      session.on("error", () => {});
      await session.connect();
      try {
        await session.query("select pg_backup_start($1, true)", [path.basename(folder)]);
        await copyDataDir(dataDir, folder);
        const stopped = await session.query<{ labelfile: string; spcmapfile: string | null }>("select labelfile, spcmapfile from pg_backup_stop(true)");
        await writeFile(path.join(folder, "backup_label"), stopped.rows[0]!.labelfile);
        if (stopped.rows[0]!.spcmapfile) await writeFile(path.join(folder, "tablespace_map"), stopped.rows[0]!.spcmapfile);
        await chownTree(install, folder);
        return folder;
      } catch (error) {
        await rm(folder, { recursive: true, force: true });
        throw error;
      } finally {
        await session.end().catch(() => {});
      }
    },
    async switchWal() {
      // A switch with nothing written since the last one is a no-op: write a record first so there is one.
      await client.query("select pg_logical_emit_message(false, 'vigie', 'switch')");
      const { rows } = await client.query<{ name: string }>("select pg_walfile_name(pg_switch_wal()) as name");
      await waitArchived(rows[0]!.name);
    },
    async prune(keep) {
      const backups = (await readdir(baseDir)).filter((name) => existsSync(path.join(baseDir, name, "backup_label"))).sort();
      const kept = backups.slice(-keep);
      if (kept.length === 0) return;
      for (const old of backups.slice(0, -keep)) await rm(path.join(baseDir, old), { recursive: true, force: true });
      const label = await readFile(path.join(baseDir, kept[0]!, "backup_label"), "utf8");
      const first = /\(file ([0-9A-F]{24})\)/.exec(label)?.[1];
      if (!first) return;
      // Segment names sort by timeline then position: everything before the oldest kept backup's start is unneeded.
      for (const name of await readdir(walDir)) if (/^[0-9A-F]{24}$/.test(name) && name < first) await rm(path.join(walDir, name), { force: true });
    },
    async stop() {
      await client.end().catch(() => {});
      await stopSource(install, dataDir);
    },
  };
}

async function stopSource(install: PgInstall, dataDir: string) {
  await runTool(install, "pg_ctl", ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "30"], { timeoutMs: 40_000 }).catch(() => undefined);
  await stopServer(install, dataDir);
}

async function copyDataDir(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const target = path.join(to, entry.name);
    if (SKIP.has(entry.name)) {
      if (entry.isDirectory()) await mkdir(target);
      continue;
    }
    // A file may vanish mid-copy (a dropped relation): the WAL replays whatever it held.
    await cp(path.join(from, entry.name), target, { recursive: true, force: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
}
