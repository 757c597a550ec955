// `npm run bench -- drill`: how true vigie's RTO and RPO are, what vigie adds over a bare restore script, and how
// RTO grows with the database and the WAL to replay. Real PostgreSQL (the npm binaries), dynalite in memory.
import { appendFile, chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { Config } from "../index.ts";
import { createDrillEngine, startSourceCluster, type DrillConfig, type DrillRunState, type SourceCluster } from "../drills/index.ts";
import { chownTree, freePort, pgInstall, runTool, stopServer } from "../drills/postgres/cluster.ts";
import { startTestDynamo } from "../test/fixtures/dynamo.ts";

const RUNS = Number(process.env.BENCH_DRILL_RUNS ?? 10);
const SIZES_MB = (process.env.BENCH_DRILL_SIZES ?? "10,100,500").split(",").map(Number);
const WAL_MB = Number(process.env.BENCH_DRILL_WAL_MB ?? 100);

const root = await mkdtemp(path.join(tmpdir(), "vigie-bench-drill-"));
await chmod(root, 0o755);
const dynamo = await startTestDynamo();
const source: SourceCluster = await startSourceCluster({ root: path.join(root, "source") });
const install = await pgInstall();
const dataDir = path.join(root, "data");
await source.client.query("create table orders (id bigserial primary key, created_at timestamptz not null default clock_timestamp(), pad text)");
await source.client.query("insert into orders (pad) values ('first')");

const drillFor = (): DrillConfig => Config.parse({
  project: "bench",
  drills: [{
    id: "bench", kind: "postgres", timeout: "30m",
    backup: { baseDir: source.baseDir, walDir: source.walDir },
    validate: [{ sql: "select count(*) from orders", expect: { op: "gt", target: 0 } }],
    freshness: { sql: "select max(created_at) from orders" },
    objectives: { rto: "30m", rpo: "1h" },
  }],
}).drills[0]!;

const engine = createDrillEngine({ doc: dynamo.doc, tableName: dynamo.tableName, config: { drills: [drillFor()] }, dataDir });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (ms: number) => (Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** Fills the table until it holds about `mb` MB. */
async function growTo(mb: number) {
  for (;;) {
    const { rows } = await source.client.query<{ mb: string }>("select pg_total_relation_size('orders') / 1048576.0 as mb");
    const have = Number(rows[0]!.mb);
    if (have >= mb) return;
    const batch = Math.min(20, Math.ceil(mb - have));
    await source.client.query("insert into orders (pad) select repeat(md5(g::text), 28) from generate_series(1, $1) g", [batch * 1000]);
  }
}

/** One drill with the bench's own stopwatch: trigger → the bench's own successful query on the copy. */
async function timedDrill() {
  const trigger = Date.now();
  let trueReadyAt: number | undefined;
  const result = await engine.run("bench", {
    onProgress: async (run: DrillRunState) => {
      if (trueReadyAt !== undefined || run.readyAt === null) return;
      const client = new pg.Client({ host: "127.0.0.1", port: (run.data as { port: number }).port, user: "postgres", database: "postgres" });
      await client.connect();
      await client.query("select 1 from orders limit 1");
      trueReadyAt = Date.now();
      await client.end();
    },
  });
  if (result.outcome !== "pass" || trueReadyAt === undefined) throw new Error(`drill did not pass: ${JSON.stringify(result.error)}`);
  return { result, trigger, trueRtoMs: trueReadyAt - trigger };
}

/** The same restore by a bare script: copy the base backup, write the recovery settings, pg_ctl start -w, one query. */
async function bareRestore(): Promise<number> {
  const started = Date.now();
  const target = path.join(root, "bare");
  const newest = (await readdir(source.baseDir)).sort().at(-1)!;
  await cp(path.join(source.baseDir, newest), target, { recursive: true });
  await rm(path.join(target, "pg_wal"), { recursive: true, force: true });
  await mkdir(path.join(target, "pg_wal", "archive_status"), { recursive: true });
  const port = await freePort();
  await appendFile(path.join(target, "postgresql.auto.conf"), `\nport = ${port}\narchive_mode = off\nhot_standby = off\nrestore_command = 'cp ${source.walDir}/%f %p'\n`);
  await writeFile(path.join(target, "recovery.signal"), "");
  await chmod(target, 0o700);
  await chownTree(install, target);
  const up = await runTool(install, "pg_ctl", ["start", "-w", "-t", "600", "-D", target, "-l", "/dev/null"], { timeoutMs: 700_000 });
  if (up.code !== 0) throw new Error(`bare start failed: ${up.stderr}`);
  // pg_ctl -w returns once the server is up, recovering or not (hot_standby off refuses connections until it ends).
  let client: pg.Client;
  for (;;) {
    client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    client.on("error", () => {});
    try {
      await client.connect();
      break;
    } catch {
      await client.end().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await client.query("select 1 from orders limit 1");
  const elapsed = Date.now() - started;
  await client.end();
  await stopServer(install, target);
  await rm(target, { recursive: true, force: true });
  return elapsed;
}

try {
  // Truth and overhead: about 10 MB of data, one base backup, WAL switched after the bench's last row.
  await growTo(SIZES_MB[0] ?? 10);
  await source.baseBackup("0001");
  const rtoErrors: number[] = [];
  const rpoErrors: number[] = [];
  const ratios: number[] = [];
  const rtos: number[] = [];
  const bares: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await source.client.query("insert into orders (pad) values ('marker')");
    const lastRowAt = Date.now();
    await source.switchWal();
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // so T0 is past the archived segment's mtime second
    const bare = await bareRestore();
    const { result, trigger, trueRtoMs } = await timedDrill();
    const trueRpoMs = trigger - lastRowAt;
    rtoErrors.push(Math.abs(result.achieved.rtoMs! - trueRtoMs));
    rpoErrors.push(Math.abs(result.achieved.rpoMs! - trueRpoMs));
    rtos.push(result.achieved.rtoMs!);
    bares.push(bare);
    ratios.push(result.achieved.rtoMs! / bare);
    console.log(`run ${i + 1}: RTO ${fmt(result.achieved.rtoMs!)} (true ${fmt(trueRtoMs)}), RPO ${fmt(result.achieved.rpoMs!)} (true ${fmt(trueRpoMs)}), bare ${fmt(bare)}`);
  }
  console.log(`\ntruth over ${RUNS} drills: |reported − true| RTO median ${fmt(median(rtoErrors))}, max ${fmt(Math.max(...rtoErrors))}; RPO median ${fmt(median(rpoErrors))}, max ${fmt(Math.max(...rpoErrors))}`);
  console.log(`overhead: vigie RTO median ${fmt(median(rtos))} vs bare script ${fmt(median(bares))}; median of paired ratios ${median(ratios).toFixed(3)} (goal ≤ 1.2)`);

  // Growth: RTO and its stages by database size and WAL to replay.
  const rows: string[][] = [];
  const stageNames = ["restore", "recover", "validate", "measure", "cleanup"];
  const row = (label: string, result: Awaited<ReturnType<typeof timedDrill>>["result"]) => {
    rows.push([label, fmt(result.achieved.rtoMs!), ...stageNames.map((name) => fmt(result.stages.find((s) => s.name === name)?.durationMs ?? 0))]);
    console.log(`growth: ${label}: RTO ${fmt(result.achieved.rtoMs!)}`);
  };
  const dbMb = async () => Number((await source.client.query<{ mb: string }>("select pg_database_size('postgres') / 1048576.0 as mb")).rows[0]!.mb).toFixed(0);
  row(`db ${await dbMb()} MB, WAL ≈ 0`, (await timedDrill()).result);
  const before = (await source.client.query<{ lsn: string }>("select pg_current_wal_lsn() as lsn")).rows[0]!.lsn;
  await growTo(Number(SIZES_MB[0] ?? 10) + WAL_MB);
  await source.switchWal();
  const walMb = Number((await source.client.query<{ mb: string }>("select pg_wal_lsn_diff(pg_current_wal_lsn(), $1) / 1048576.0 as mb", [before])).rows[0]!.mb).toFixed(0);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  row(`db ${SIZES_MB[0]} MB base, WAL ${walMb} MB to replay`, (await timedDrill()).result);
  for (const mb of SIZES_MB.slice(1)) {
    await growTo(mb);
    await source.baseBackup(`size-${String(mb).padStart(5, "0")}`);
    await source.prune(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    row(`db ${await dbMb()} MB, WAL ≈ 0`, (await timedDrill()).result);
  }
  console.log(`\n| case | RTO | ${stageNames.join(" | ")} |\n|---|---|${stageNames.map(() => "---").join("|")}|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
} finally {
  await source.stop();
  await dynamo.close();
  await rm(root, { recursive: true, force: true });
}
