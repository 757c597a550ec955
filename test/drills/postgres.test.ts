// The postgres drill kind against real PostgreSQL: one source cluster with WAL archiving shared by the file.
import { spawn } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import net from "node:net";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Config } from "../../index.ts";
import {
  advance, createDrillEngine, DrillLockedError, kinds, newRun, resourceName, startHeartbeats, startSourceCluster, type DrillConfig, type SourceCluster,
} from "../../drills/index.ts";
import { postgresKind, type PostgresDrill } from "../../drills/postgres/index.ts";
import { postmasterPid } from "../../drills/postgres/cluster.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { ordersDrillInput } from "../fixtures/drills.ts";

let root: string;
let source: SourceCluster;
let dynamo: TestDynamo;

const drillConfig = (overrides: Record<string, unknown> = {}): PostgresDrill => {
  const config = Config.parse({
    project: "acme",
    drills: [ordersDrillInput(source, overrides)],
  });
  return config.drills[0] as PostgresDrill;
};

const engineFor = (drill: DrillConfig, dataDir: string, extra: Partial<Parameters<typeof createDrillEngine>[0]> = {}) =>
  createDrillEngine({ doc: dynamo.doc, tableName: dynamo.tableName, config: { drills: [drill] }, dataDir, ...extra });

async function insertRow(): Promise<string> {
  const { rows } = await source.client.query<{ created_at: Date }>("insert into orders (created_at) values (clock_timestamp()) returning created_at");
  return rows[0]!.created_at.toISOString();
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "vigie-pg-"));
  await chmod(root, 0o755); // PostgreSQL runs as its own user when the tests run as root
  dynamo = await startTestDynamo();
  source = await startSourceCluster({ root: path.join(root, "source") });
  await source.client.query("create table orders (id serial primary key, created_at timestamptz not null)");
  await insertRow();
  await source.baseBackup("0001");
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await dynamo?.close();
  await rm(root, { recursive: true, force: true });
}, 60_000);

describe("postgres drill", () => {
  it("measures RPO as T0 minus the last row that reached the archive, and it shrinks once the WAL is switched", async () => {
    const archived = await insertRow();
    await source.switchWal();
    const unarchived = await insertRow();
    const dataDir = path.join(root, "rpo");
    const engine = engineFor(drillConfig(), dataDir);

    const first = await engine.run("orders-db");
    expect(first.outcome).toBe("pass");
    expect(first.achieved.newestData).toBe(archived);
    expect(first.achieved.rpoMs).toBe(Date.parse(first.startedAt) - Date.parse(archived));
    expect(first.achieved.restorePoint).not.toBeNull();
    expect(first.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["restore", "pass"], ["recover", "pass"], ["validate", "pass"], ["measure", "pass"], ["cleanup", "pass"],
    ]);
    expect(first.validation).toEqual([{ description: "select count(*) from orders gt 0", passed: true, actual: "2" }]);
    expect(first.achieved.rtoMs).toBeGreaterThan(0);
    expect(first.cleanup).toEqual({ outcome: "done", resources: [{ kind: "directory", id: path.join(dataDir, "drills", resourceName("orders-db", first.runId)) }] });
    expect(await readdir(path.join(dataDir, "drills"))).toEqual([]);

    await source.switchWal();
    const second = await engine.run("orders-db");
    expect(second.achieved.newestData).toBe(unarchived);
    expect(second.achieved.rpoMs).toBe(Date.parse(second.startedAt) - Date.parse(unarchived));
    expect(Date.parse(second.achieved.newestData!)).toBeGreaterThan(Date.parse(first.achieved.newestData!));

    const page = await engine.store.listResults({ drillId: "orders-db", limit: 1 });
    expect(page.items[0]).toEqual(second);
    expect(page.cursor).toBeDefined();
    const next = await engine.store.listResults({ drillId: "orders-db", limit: 1, cursor: page.cursor });
    expect(next.items[0]).toEqual(first);
  }, 120_000);

  it("restores to a past instant with restoreTo, measuring RPO from that instant", async () => {
    const before = await insertRow();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await insertRow();
    await source.switchWal();
    // The target falls a second after the first row, a second before the second.
    const ago = Date.now() - (Date.parse(before) + 1_000);
    const drill = drillConfig({
      restoreTo: `${ago}ms`,
      validate: [{ sql: `select count(*) from orders where created_at >= '${after}'`, expect: { op: "eq", target: 0 } }],
    });
    const result = await engineFor(drill, path.join(root, "pitr")).run("orders-db");
    expect(result.outcome).toBe("pass");
    expect(result.achieved.newestData).toBe(before);
    const target = Date.parse(result.startedAt) - ago;
    expect(result.achieved.rpoMs).toBe(target - Date.parse(before));
    expect(Date.parse(result.achieved.restorePoint!)).toBeLessThanOrEqual(target);
    expect(result.stages[0]!.detail).toContain(`target ${new Date(target).toISOString()}`);
  }, 120_000);

  it("measures RPO from the heartbeat vigie writes into the source, when asked to", async () => {
    const drill = drillConfig({ freshness: { heartbeat: { url: `postgres://postgres@127.0.0.1:${source.port}/postgres`, every: "5s" } } });
    const heartbeats = startHeartbeats([drill], { env: {}, log: () => {}, timers: false });
    await heartbeats.beat();
    const { rows } = await source.client.query<{ at: Date }>("select at from vigie_heartbeat where drill = 'orders-db'");
    await source.switchWal();
    await heartbeats.stop();
    const result = await engineFor(drill, path.join(root, "heartbeat")).run("orders-db");
    expect(result.achieved.newestData).toBe(rows[0]!.at.toISOString());
    expect(result.achieved.rpoMs).toBe(Date.parse(result.startedAt) - rows[0]!.at.getTime());
  }, 120_000);

  it("starts the copy on another port when the one it chose was taken in the meantime", async () => {
    const drill = drillConfig();
    const dataDir = path.join(root, "port-taken");
    const ctx = { now: Date.now, dataDir, env: process.env, log: () => {} };
    let run = newRun(drill, Date.now(), { host: hostname(), pid: process.pid });
    while (run.stage === 0) run = (await advance(run, { kind: kinds.postgres, drill, ctx })).run;
    const chosen = (run.data as { port: number }).port;
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(chosen, "127.0.0.1", () => resolve()));
    try {
      for (let i = 0; i < 2_000 && run.phase !== "finished"; i++) {
        const step = await advance(run, { kind: kinds.postgres, drill, ctx });
        run = step.run;
        if ("wait" in step.next) await new Promise((resolve) => setTimeout(resolve, (step.next as { wait: number }).wait));
      }
    } finally {
      squatter.close();
    }
    expect(run.result?.outcome).toBe("pass");
    expect((run.data as { port: number; portTries: number }).portTries).toBe(1);
    expect((run.data as { port: number }).port).not.toBe(chosen);
  }, 120_000);

  it("fails with every verdict and its actual value when a check does not hold, still measuring RPO", async () => {
    const drill = drillConfig({
      validate: [
        { sql: "select count(*) from orders", expect: { op: "gt", target: 0 } },
        { sql: "select count(*) from orders", expect: { op: "gt", target: 1000000 } },
        { sql: "select * from missing_table", expect: { op: "exists" } },
      ],
    });
    const result = await engineFor(drill, path.join(root, "verdicts")).run("orders-db");
    expect(result.outcome).toBe("fail");
    expect(result.validation.map((v) => v.passed)).toEqual([true, false, false]);
    expect(result.validation[1]!.actual).toMatch(/^\d+$/);
    expect(String(result.validation[2]!.actual)).toContain('relation "missing_table" does not exist');
    expect(result.achieved.rtoMs).toBeNull();
    expect(result.achieved.rpoMs).not.toBeNull();
    expect(result.error).toEqual({ category: "validate", message: "validate: 2 of 3 checks failed" });
    expect(result.cleanup.outcome).toBe("done");
  }, 120_000);

  it("fails a missed RPO objective", async () => {
    const result = await engineFor(drillConfig({ objectives: { rto: "10m", rpo: "1ms" } }), path.join(root, "missed")).run("orders-db");
    expect(result.outcome).toBe("fail");
    expect(result.error?.message).toMatch(/^RPO .* over its objective of 1 ms$/);
  }, 120_000);

  it("fails in the recover stage, saying why, when a WAL segment the backup needs is missing", async () => {
    const walDir = path.join(root, "wal-gap");
    await cp(source.walDir, walDir, { recursive: true });
    const label = await readFile(path.join(source.baseDir, "0001", "backup_label"), "utf8");
    const segment = /\(file ([0-9A-F]{24})\)/.exec(label)![1]!;
    await rm(path.join(walDir, segment));
    const result = await engineFor(drillConfig({ backup: { baseDir: source.baseDir, walDir } }), path.join(root, "gap")).run("orders-db");
    expect(result.outcome).toBe("error");
    expect(result.error?.category).toBe("recover");
    expect(result.error?.message).toMatch(/^recover: the copy stopped during recovery: .*(checkpoint|WAL|could not)/);
    expect(result.stages.map((s) => s.outcome)).toEqual(["pass", "fail", "skipped", "skipped", "pass"]);
    expect(result.cleanup.outcome).toBe("done");
  }, 120_000);

  it("fails in the restore stage when the base backup is corrupt", async () => {
    const baseDir = path.join(root, "base-corrupt");
    await cp(source.baseDir, baseDir, { recursive: true });
    await rm(path.join(baseDir, "0001", "global", "pg_control"));
    const result = await engineFor(drillConfig({ backup: { baseDir, walDir: source.walDir } }), path.join(root, "corrupt")).run("orders-db");
    expect(result.outcome).toBe("error");
    expect(result.error).toEqual({ category: "backup", message: `restore: the base backup ${path.join(baseDir, "0001")} has no global/pg_control: it is incomplete or corrupt` });
    expect(result.stages[0]).toMatchObject({ name: "restore", outcome: "fail" });
  }, 60_000);

  it("refuses a second run of the same drill while one holds its lock", async () => {
    const dataDir = path.join(root, "concurrent");
    const a = engineFor(drillConfig(), dataDir);
    const b = engineFor(drillConfig(), dataDir);
    const outcomes = await Promise.allSettled([a.run("orders-db"), b.run("orders-db")]);
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(DrillLockedError);
    expect(outcomes.filter((o) => o.status === "fulfilled").map((o) => (o as PromiseFulfilledResult<{ outcome: string }>).value.outcome)).toEqual(["pass"]);
    // Once it is over, the lock is free again.
    const again = await a.run("orders-db");
    expect({ outcome: again.outcome, error: again.error }).toEqual({ outcome: "pass", error: undefined });
  }, 120_000);

  it("cleans up, on restart, a run whose process was killed mid-restore, and records it as interrupted", async () => {
    const dataDir = path.join(root, "killed");
    const drill = drillConfig();
    const dead = await new Promise<number>((resolve) => {
      const child = spawn("true");
      child.once("exit", () => resolve(child.pid!));
    });
    const owner = { host: hostname(), pid: dead };
    const store = engineFor(drill, dataDir).store;
    const ctx = { now: Date.now, dataDir, env: process.env, log: () => {} };
    // The dead process got as far as starting the copy's server, then died.
    let run = newRun(drill, Date.now(), owner);
    await store.lock(drill.id, run.runId, Date.now(), run.deadline);
    while (!(run.data as { started?: boolean }).started) {
      run = (await advance(run, { kind: kinds.postgres, drill, ctx })).run;
      await store.putRun(run);
    }
    const pgdata = (run.data as { pgdata: string }).pgdata;
    for (let i = 0; i < 600 && postmasterPid(pgdata) === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect(postmasterPid(pgdata)).toBeDefined();

    const [result] = await engineFor(drill, dataDir).recover();
    expect(result!.outcome).toBe("interrupted");
    expect(result!.error?.message).toContain(`pid ${dead}`);
    expect(result!.stages.map((s) => [s.name, s.outcome])).toEqual([["restore", "pass"], ["recover", "fail"], ["validate", "skipped"], ["measure", "skipped"], ["cleanup", "pass"]]);
    expect(existsSync(path.dirname(pgdata))).toBe(false);
    expect(await store.activeRuns()).toEqual([]);
    expect((await store.lastResult("orders-db"))?.runId).toBe(run.runId);
    // The lock is free.
    expect((await engineFor(drill, dataDir).run("orders-db")).outcome).toBe("pass");
  }, 120_000);
});

describe("cleanup and the sweeper", () => {
  it("refuse to delete a folder whose name or tags do not match, and sweep a tagged leftover", async () => {
    const dataDir = path.join(root, "sweep");
    const folder = path.join(dataDir, "drills");
    await mkdir(folder, { recursive: true });
    const untagged = path.join(folder, "vigie-drill-orders-db-aaaa");
    const mislabelled = path.join(folder, "vigie-drill-orders-db-bbbb");
    const leftover = path.join(folder, "vigie-drill-orders-db-cccc");
    await mkdir(untagged);
    await mkdir(mislabelled);
    await writeFile(path.join(mislabelled, "vigie-drill.json"), JSON.stringify({ "vigie:drill": "orders-db", "vigie:run": "zzzz" }));
    await mkdir(leftover);
    await writeFile(path.join(leftover, "vigie-drill.json"), JSON.stringify({ "vigie:drill": "orders-db", "vigie:run": "cccc" }));
    const ctx = { now: Date.now, dataDir, env: process.env, log: () => {} };

    // A run whose recorded folder is not what its tags say: cleanup leaves it and says so.
    const run = { ...newRun(drillConfig(), Date.now(), { host: "h", pid: 1 }), runId: "bbbb", resources: [{ kind: "directory", id: mislabelled }] };
    const cleanup = await postgresKind.cleanup(drillConfig(), run, ctx);
    expect(cleanup.ok).toBe(false);
    expect(cleanup.message).toContain("refused to delete");
    expect(existsSync(mislabelled)).toBe(true);

    const report = await postgresKind.sweep!(ctx, new Set(), []);
    expect(report.removed).toEqual([leftover]);
    expect(report.refused.map((r) => r.id).sort()).toEqual([untagged, mislabelled].sort());
    expect(existsSync(untagged) && existsSync(mislabelled) && !existsSync(leftover)).toBe(true);
  });
});
