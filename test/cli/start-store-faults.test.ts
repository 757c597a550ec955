import { existsSync, mkdirSync, readdirSync, readFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Config } from "../../index.ts";
import { startVigie } from "../../cli/commands/start.ts";
import { waitFor } from "../fixtures/wait.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The pid of the process that holds the database in `dbPath` (a child of this one). */
function databasePid(dbPath: string): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.some((arg) => arg.endsWith("dynalite-process.ts")) && argv.includes(dbPath)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error(`no database process for ${dbPath}`);
}

describe("vigie start when its database fails", () => {
  it("keeps probing and answering, and stores every run once the database works again", async () => {
    let hits = 0;
    const target = http.createServer((_req, res) => { hits++; res.end("ok"); });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => { target.closeAllConnections(); target.close(() => resolve()); }));
    const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-start-db-fault-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = Config.parse({
      project: "faults", regions: ["us-east-1"],
      probes: [{ id: "steady", kind: "http", url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, every: "1s", timeout: "500ms" }],
    });
    const logs: string[] = [];
    const running = await startVigie(config, { dataDir: dir, env: { VIGIE_API_KEYS: "key" }, port: 0, log: (l) => logs.push(l) });
    cleanups.push(() => running.stop());
    const stored = async () => (await running.store.listRuns({ probeId: "steady", limit: 500 })).items.length;
    await waitFor("two stored runs", async () => (await stored()) >= 2, { everyMs: 50 });

    // The database's folder goes bad and its process dies; every reopen meets a LevelDB fault.
    const dbPath = path.join(dir, "db");
    renameSync(dbPath, `${dbPath}.saved`);
    writeFileSync(dbPath, "not a folder");
    process.kill(databasePid(dbPath), "SIGKILL");
    const hitsAtFault = hits;
    await waitFor("runs during the outage", () => hits >= hitsAtFault + 3 && logs.filter((l) => l.startsWith("STORE DOWN")).length >= 2, { everyMs: 50 });

    const health = await fetch(`${running.url}healthz`);
    expect(health.status).toBe(200);
    const results = await fetch(`${running.url}v1/probes/steady/results`, { headers: { authorization: "Bearer key" } });
    expect(results.status).toBe(503);
    expect(await results.json()).toMatchObject({ error: { code: "store_unavailable" } });
    expect(running.writer.pending()).toBeGreaterThan(0);

    rmSync(dbPath);
    renameSync(`${dbPath}.saved`, dbPath);
    await running.scheduler.stop();
    await running.writer.flush();
    // Every run the target saw is stored: none was dropped by the outage.
    expect(await stored()).toBe(hits);
    expect(logs.some((l) => l.includes("is open again"))).toBe(true);
  }, 90_000);

  it("refuses to start on a database folder it cannot open, naming it and the cause, and leaves nothing running or locked", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-start-db-bad-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "db"), "not a folder");
    const config = Config.parse({ project: "bad-db", probes: [] });
    await expect(startVigie(config, { dataDir: dir, env: {}, port: 0 })).rejects.toThrow(`the embedded database in ${path.join(dir, "db")} could not start: LEVEL_DATABASE_NOT_OPEN: Database failed to open, because EEXIST: file already exists`);
    expect(existsSync(path.join(dir, "vigie.lock"))).toBe(false);
    expect(() => databasePid(path.join(dir, "db"))).toThrow();
  }, 30_000);
});
