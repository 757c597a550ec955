// `vigie drill` and `vigie validate` on drills, in-process, against a real PostgreSQL source.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.ts";
import { drill } from "../../cli/commands/drill.ts";
import type { CliIo } from "../../cli/io.ts";
import { DrillResult } from "../../core/result/index.ts";
import { createDrillStore, startSourceCluster, type SourceCluster } from "../../drills/index.ts";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startEmbeddedDynamo } from "../../core/store/index.ts";
import { TABLE_NAME } from "../../cli/commands/start.ts";

let dir: string;
let source: SourceCluster;

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, cwd: dir, now: Date.now };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

async function writeConfig(name: string, drill: Record<string, unknown>) {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify({
    project: "acme",
    drills: [{
      id: "orders-db", kind: "postgres", timeout: "5m",
      backup: { baseDir: source.baseDir, walDir: source.walDir },
      validate: [{ sql: "select count(*) from orders", expect: { op: "gte", target: 1 } }],
      freshness: { sql: "select max(created_at) from orders" },
      objectives: { rto: "10m", rpo: "1h" },
      ...drill,
    }],
  }));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vigie-drill-cli-"));
  await chmod(dir, 0o755);
  source = await startSourceCluster({ root: path.join(dir, "source") });
  await source.client.query("create table orders (id serial primary key, created_at timestamptz not null default clock_timestamp())");
  await source.client.query("insert into orders default values");
  await source.baseBackup("0001");
  await source.switchWal();
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("vigie drill", () => {
  it("prints exactly one DrillResult JSON line and exits 0 when the objectives are met", async () => {
    const config = await writeConfig("good.json", {});
    const { code, stdout } = await cli(["drill", "orders-db", "--config", config, "--data", path.join(dir, "data"), "--reporter", "json"]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = DrillResult.parse(JSON.parse(lines[0]!));
    expect(result).toMatchObject({ drillId: "orders-db", kind: "postgres", outcome: "pass", cleanup: { outcome: "done" } });
    expect(await readdir(path.join(dir, "data", "drills"))).toEqual([]);
  }, 120_000);

  it("shows each stage and the verdict as plain lines when piped, and exits 1 on a missed objective", async () => {
    const config = await writeConfig("strict.json", { objectives: { rto: "1ms", rpo: "1h" } });
    const { code, stdout } = await cli(["drill", "orders-db", "--config", config, "--data", path.join(dir, "data")]);
    expect(code).toBe(1);
    expect(stdout).not.toContain("\x1b");
    for (const stage of ["restore", "recover", "validate", "measure", "cleanup"]) expect(stdout).toMatch(new RegExp(`^  ✓ ${stage} `, "m"));
    expect(stdout).toMatch(/^RTO .* \(objective 1 ms\) ✗ · RPO .* \(objective 1.00h|RPO .* \(objective 1h\) ✓/m);
    expect(stdout).toMatch(/^fail orders-db run \w+: validate: RTO .* over its objective of 1 ms$/m);
  }, 120_000);

  it("cleans up and says so when stopped mid-run (Ctrl-C), exiting 1 with an interrupted result", async () => {
    const config = await writeConfig("stop.json", {});
    const data = path.join(dir, "stopped");
    const abort = new AbortController();
    let stdout = "";
    let stderr = "";
    const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, cwd: dir, now: Date.now };
    const running = drill({ id: "orders-db", config, data, reporter: "json" }, io, { signal: abort.signal });
    // Stop as soon as the copy's folder exists: the restore has begun.
    for (let i = 0; i < 2_000; i++) {
      if ((await readdir(path.join(data, "drills")).catch(() => [])).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    abort.abort();
    expect(await running).toBe(1);
    expect(stderr).toContain("drill: abort: stopping and cleaning up");
    expect(stderr).toContain("drill: interrupted; cleanup done");
    const result = DrillResult.parse(JSON.parse(stdout));
    expect(result.outcome).toBe("interrupted");
    expect(await readdir(path.join(data, "drills"))).toEqual([]);
  }, 120_000);

  it("cleans up, at the next start, a run whose `vigie drill` process was killed mid-run, and records it as interrupted", async () => {
    const config = await writeConfig("killed.json", {});
    const data = path.join(dir, "killed");
    const child = spawn(process.execPath, [path.resolve("bin/vigie.js"), "drill", "orders-db", "--config", config, "--data", data], { stdio: "ignore" });
    // Killed once the copy's server has started (the recover stage).
    let copy: string | undefined;
    for (let i = 0; i < 1_200 && !copy; i++) {
      const names = await readdir(path.join(data, "drills")).catch(() => [] as string[]);
      copy = names.map((name) => path.join(data, "drills", name)).find((folder) => existsSync(path.join(folder, "data", "postmaster.pid")));
      if (!copy) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(copy).toBeDefined();
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));

    const { code, stdout, stderr } = await cli(["drill", "orders-db", "--config", config, "--data", data, "--reporter", "json"]);
    expect(stderr).toMatch(/drill: cleaned up run \w+ of orders-db, left unfinished \(done\)/);
    expect(existsSync(copy!)).toBe(false);
    expect(code).toBe(0);
    expect(DrillResult.parse(JSON.parse(stdout)).outcome).toBe("pass");
    const db = await startEmbeddedDynamo({ path: path.join(data, "db") });
    try {
      const runs = await createDrillStore({ doc: DynamoDBDocumentClient.from(db.client), tableName: TABLE_NAME }).listResults({ drillId: "orders-db", limit: 5 });
      expect(runs.items.map((r) => r.outcome)).toEqual(["pass", "interrupted"]);
      expect(runs.items[1]!.cleanup.outcome).toBe("done");
    } finally {
      await db.close();
    }
  }, 180_000);

  it("exits 2 for a drill not in the config, and for an invalid drill, naming every problem with its path", async () => {
    const config = await writeConfig("good2.json", {});
    const unknown = await cli(["drill", "nope", "--config", config, "--data", path.join(dir, "data")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('drill: no drill "nope" in the config (drills: orders-db)\n');

    const bad = await writeConfig("bad.json", {
      backup: { baseDir: "relative/base", walDir: source.walDir }, restoreTo: "soon", objectives: { rto: "10m" },
      validate: [{ sql: "select 1", expect: { op: "gt" } }], timout: "1m",
    });
    for (const args of [["drill", "orders-db", "--config", bad], ["validate", "--config", bad]]) {
      const { code, stderr } = await cli(args);
      expect(code).toBe(2);
      expect(stderr).toContain("drills[0].backup.baseDir: must be an absolute path");
      expect(stderr).toContain('drills[0].restoreTo: ');
      expect(stderr).toContain("drills[0].objectives.rpo: ");
      expect(stderr).toContain("drills[0].validate[0].expect.target: target is required for every op but exists");
      expect(stderr).toContain('drills[0].timout: unknown field (did you mean "timeout"?)');
    }
  });
});
