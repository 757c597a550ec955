import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startEmbeddedDynamo } from "../../core/store/dynalite.ts";
import { ensureTable } from "../../core/store/table.ts";
import { createResultStore, mergeRollups } from "../../core/store/results-store.ts";
import { createDurableWriter } from "../../core/store/durable-writer.ts";
import { createApp } from "../../api/app.ts";
import { minuteResults } from "../fixtures/results.ts";
import { waitFor } from "../fixtures/wait.ts";

const START = Date.parse("2025-03-10T09:00:00Z");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("embedded database faults", () => {
  it("survives its database failing: writes wait, the API says 503, and the database reopens once its folder works again", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-db-fault-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = path.join(dir, "db");
    const logs: string[] = [];
    const dynamo = await startEmbeddedDynamo({ path: dbPath, log: (l) => logs.push(l), backoff: { initialMs: 50, maxMs: 200 } });
    cleanups.push(() => dynamo.close());
    await ensureTable(dynamo.client, "vigie");
    const store = createResultStore({ doc: DynamoDBDocumentClient.from(dynamo.client), tableName: "vigie", now: () => START + 86_400_000 });
    // A first wait between tries longer than the test: results are stored after the outage only because the
    // database says it is back.
    const writer = createDurableWriter({ store, spoolPath: path.join(dir, "spool.jsonl"), backoff: { initialMs: 600_000, maxMs: 600_000 } });
    dynamo.onReopen(() => writer.retryNow());
    const app = createApp({ store, probes: [{ id: "p", kind: "http", every: 60_000, timeout: 10_000, regions: ["us-east-1"] }], apiKeys: ["k"], statusCacheMs: 0 });
    const results = minuteResults("p", "us-east-1", START, 10);
    for (const result of results.slice(0, 5)) writer.write(result);
    await writer.flush();

    // The disk goes bad under the database: its folder is gone (a file in its place), and the process dies. Every
    // reopen then meets a real LevelDB fault, which ends the database's process and never this one.
    const firstPid = dynamo.pid!;
    renameSync(dbPath, `${dbPath}.saved`);
    writeFileSync(dbPath, "not a folder");
    process.kill(firstPid, "SIGKILL");
    await waitFor("two failed reopens", () => logs.filter((l) => l.startsWith("STORE DOWN")).length >= 3);
    expect(dynamo.state().up).toBe(false);
    expect(logs.at(-1)).toMatch(/STORE DOWN: the embedded database in .* stopped \(.+\); reopening in \d+ ms/);
    // Every failed reopen names the real cause (the folder is a file), not what followed from it (an iterator
    // used after close, a bare "Database is not open").
    const reopens = logs.filter((l) => l.startsWith("STORE DOWN")).slice(1);
    for (const line of reopens) expect(line).toMatch(/EEXIST: file already exists, mkdir '.*db'/);
    expect(logs.join("\n")).not.toMatch(/ITERATOR_NOT_OPEN/);

    for (const result of results.slice(5)) writer.write(result);
    await waitFor("a failed write", () => writer.stats.retries > 0);
    expect((await app.request("/healthz")).status).toBe(200);
    for (const url of ["/v1/status", "/v1/probes/p/uptime"]) {
      const response = await app.request(url);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: { code: "store_unavailable", message: expect.any(String) } });
    }
    const raw = await app.request("/v1/probes/p/results", { headers: { authorization: "Bearer k" } });
    expect(raw.status).toBe(503);

    // The disk is back: the database reopens on its own, on the same port, and every result is stored once.
    rmSync(dbPath);
    renameSync(`${dbPath}.saved`, dbPath);
    await writer.flush();
    expect(dynamo.state().up).toBe(true);
    expect(dynamo.pid).not.toBe(firstPid);
    expect(logs.some((l) => l.includes("is open again"))).toBe(true);
    const hours = await store.hours("p", "us-east-1", "2025-03-10T00", "2025-03-10T23");
    expect(mergeRollups("all", hours).runs).toBe(10);
    const page = await store.listRuns({ probeId: "p", region: "us-east-1", limit: 100 });
    expect(page.items).toHaveLength(10);
    expect((await app.request("/v1/status")).status).toBe(200);
    await writer.close();
  }, 60_000);

  it("fails its start, rather than reopening forever, when the database cannot open at all", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-db-never-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, "db"), "not a folder");
    const logs: string[] = [];
    await expect(startEmbeddedDynamo({ path: path.join(dir, "db"), log: (l) => logs.push(l) })).rejects.toThrow(/could not start: LEVEL_DATABASE_NOT_OPEN: .*because EEXIST: file already exists, mkdir '.*db'/);
    // The failed process's exit was handled before the start was refused: no reopen was scheduled.
    expect(logs).toEqual([]);
  }, 30_000);

  // Root is not refused by a folder's mode, so this runs only as another user.
  it.skipIf(process.getuid?.() === 0)("names EACCES when the database folder is read-only, on its first open and on every reopen", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-db-readonly-"));
    cleanups.push(() => { chmodSync(path.join(dir, "db"), 0o755); rmSync(dir, { recursive: true, force: true }); });
    const dbPath = path.join(dir, "db");
    mkdirSync(dbPath);
    chmodSync(dbPath, 0o555);
    await expect(startEmbeddedDynamo({ path: dbPath })).rejects.toThrow(/could not start: .*EACCES/);
    chmodSync(dbPath, 0o755);
    const logs: string[] = [];
    const dynamo = await startEmbeddedDynamo({ path: dbPath, log: (l) => logs.push(l), backoff: { initialMs: 50, maxMs: 100 } });
    cleanups.push(() => dynamo.close());
    // LevelDB holds its LOCK file: the folder must refuse new files (its LOG on reopen).
    chmodSync(dbPath, 0o555);
    process.kill(dynamo.pid!, "SIGKILL");
    await waitFor("two failed reopens", () => logs.filter((l) => l.startsWith("STORE DOWN")).length >= 3);
    for (const line of logs.filter((l) => l.startsWith("STORE DOWN")).slice(1)) expect(line).toMatch(/EACCES|read-only/i);
    chmodSync(dbPath, 0o755);
  }, 60_000);
});
