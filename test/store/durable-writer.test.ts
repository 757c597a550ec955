import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startEmbeddedDynamo, type EmbeddedDynamo } from "../../core/store/dynalite.ts";
import { ensureTable } from "../../core/store/table.ts";
import { createResultStore, mergeRollups, type ResultStore } from "../../core/store/results-store.ts";
import { createDurableWriter } from "../../core/store/durable-writer.ts";
import type { ProbeResult } from "../../core/result/index.ts";
import { minuteResults } from "../fixtures/results.ts";
import { waitFor } from "../fixtures/wait.ts";

const NOW = Date.parse("2025-03-10T23:59:00Z");
const START = Date.parse("2025-03-10T09:00:00Z");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-spool-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function dynamoAt(dir: string, port?: number): Promise<EmbeddedDynamo> {
  const dynamo = await startEmbeddedDynamo({ path: path.join(dir, "db"), ...(port ? { port } : {}) });
  await ensureTable(dynamo.client, "vigie");
  return dynamo;
}

function storeOn(dynamo: EmbeddedDynamo): ResultStore {
  return createResultStore({ doc: DynamoDBDocumentClient.from(dynamo.client), tableName: "vigie", now: () => NOW });
}

async function expectExactlyOnce(store: ResultStore, probeId: string, expected: ProbeResult[]): Promise<void> {
  const hours = await store.hours(probeId, "us-east-1", "2025-03-10T00", "2025-03-10T23");
  expect(mergeRollups("all", hours).runs).toBe(expected.length);
  const page = await store.listRuns({ probeId, region: "us-east-1", limit: 1000 });
  expect(page.items.map((r) => r.startedAt).sort()).toEqual(expected.map((r) => r.startedAt).sort());
}

describe("durable writer", () => {
  it("spools while the store is down and stores every result exactly once when it is back", async () => {
    const dir = tempDir();
    let dynamo = await dynamoAt(dir);
    const port = Number(new URL(dynamo.endpoint).port);
    // The writer keeps the first server's client: the restarted server answers on the same port.
    const store = storeOn(dynamo);
    const spoolPath = path.join(dir, "spool.jsonl");
    const stored: string[] = [];
    const writer = createDurableWriter({
      store, spoolPath, batchSize: 7, backoff: { initialMs: 10, maxMs: 100 },
      onResult: [async (r) => { stored.push(r.startedAt); }],
    });
    const results = minuteResults("spooled", "us-east-1", START, 90, (i) => ({ outcome: i % 9 === 0 ? "fail" : "pass" }));

    for (const result of results.slice(0, 30)) writer.write(result);
    await writer.flush();
    expect(readFileSync(spoolPath, "utf8")).toBe("");

    await closeServerOnly(dynamo);
    for (const result of results.slice(30, 60)) writer.write(result);
    await waitFor("two retries", () => writer.stats.retries >= 2, { timeoutMs: 10_000, everyMs: 10 });
    expect(readFileSync(spoolPath, "utf8").trim().split("\n")).toHaveLength(30);
    dynamo = await dynamoAt(dir, port);
    cleanups.push(() => dynamo.close());
    for (const result of results.slice(60)) writer.write(result);
    await writer.flush();

    await expectExactlyOnce(store, "spooled", results);
    expect(stored).toHaveLength(90);
    expect(new Set(stored).size).toBe(90);
    expect(readFileSync(spoolPath, "utf8")).toBe("");
    await writer.close();
  });

  it("replays the spool after a restart, counting results the store already had once", async () => {
    const dir = tempDir();
    const dynamo = await dynamoAt(dir);
    cleanups.push(() => dynamo.close());
    const store = storeOn(dynamo);
    const results = minuteResults("replayed", "us-east-1", START, 40);
    // The first 25 reached the store before the process died; all 40 were still in its spool.
    await store.write(results.slice(0, 25));
    const spoolPath = path.join(dir, "spool.jsonl");
    writeFileSync(spoolPath, `${results.map((r) => JSON.stringify(r)).join("\n")}\n{"probeId":"cut-sh`);

    const lines: string[] = [];
    const writer = createDurableWriter({ store, spoolPath, log: (line) => lines.push(line) });
    expect(writer.stats.replayed).toBe(40);
    await writer.flush();
    await expectExactlyOnce(store, "replayed", results);
    expect(lines.some((line) => line.includes("unreadable line"))).toBe(true);
    await writer.close();
  });

  it("keeps a stored result in the spool until its hooks ran, so a crash before evaluation replays it", async () => {
    const dir = tempDir();
    const dynamo = await dynamoAt(dir);
    cleanups.push(() => dynamo.close());
    const store = storeOn(dynamo);
    const spoolPath = path.join(dir, "spool.jsonl");
    const [result] = minuteResults("hooked", "us-east-1", START, 1);
    // The first process stores the result, then "dies" inside its hook (the evaluator never finishes).
    let hookStarted = false;
    const first = createDurableWriter({ store, spoolPath, onResult: [() => { hookStarted = true; return new Promise<void>(() => {}); }] });
    first.write(result!);
    await waitFor("the hook to start", () => hookStarted, { timeoutMs: 10_000, everyMs: 10 });
    // The next start finds the result in the spool, stores it again (counted once) and evaluates it.
    const evaluated: string[] = [];
    const second = createDurableWriter({ store, spoolPath, onResult: [async (r) => { evaluated.push(r.startedAt); }] });
    await second.flush();
    expect(second.stats.replayed).toBe(1);
    expect(evaluated).toEqual([result!.startedAt]);
    await expectExactlyOnce(store, "hooked", [result!]);
    expect(readFileSync(spoolPath, "utf8")).toBe("");
  });

  it("sets aside a result the store refuses for its content, and stores every other", async () => {
    const dir = tempDir();
    const dynamo = await dynamoAt(dir);
    cleanups.push(() => dynamo.close());
    const store = storeOn(dynamo);
    const spoolPath = path.join(dir, "spool.jsonl");
    const logs: string[] = [];
    const good = minuteResults("fine", "us-east-1", START, 6);
    // Over DynamoDB's 400 KB item limit: no retry will ever store it.
    const [huge] = minuteResults("huge", "us-east-1", START, 1, () => ({ outcome: "fail", error: { category: "http", message: "x".repeat(500_000) } }));
    const writer = createDurableWriter({ store, spoolPath, log: (line) => logs.push(line), backoff: { initialMs: 1, maxMs: 1 } });
    for (const result of [...good.slice(0, 3), huge!, ...good.slice(3)]) writer.write(result);
    await writer.flush();
    await expectExactlyOnce(store, "fine", good);
    expect(writer.stats.rejected).toBe(1);
    expect(logs.some((line) => line.startsWith("STORE REJECTED A RESULT: huge@us-east-1"))).toBe(true);
    expect(readFileSync(`${spoolPath}.rejected`, "utf8").trim().split("\n")).toHaveLength(1);
    expect(readFileSync(spoolPath, "utf8")).toBe("");
  });

  it("keeps unstored results in the spool when closed while the store is down", async () => {
    const dir = tempDir();
    let dynamo = await dynamoAt(dir);
    const port = Number(new URL(dynamo.endpoint).port);
    const spoolPath = path.join(dir, "spool.jsonl");
    const results = minuteResults("closed", "us-east-1", START, 12);
    const first = createDurableWriter({ store: storeOn(dynamo), spoolPath, backoff: { initialMs: 10, maxMs: 50 } });
    for (const result of results.slice(0, 4)) first.write(result);
    await first.flush();
    await closeServerOnly(dynamo);
    for (const result of results.slice(4)) first.write(result);
    expect(await first.close({ timeoutMs: 50 })).toEqual({ pending: 8 });

    dynamo = await dynamoAt(dir, port);
    cleanups.push(() => dynamo.close());
    const second = createDurableWriter({ store: storeOn(dynamo), spoolPath });
    await second.flush();
    await expectExactlyOnce(storeOn(dynamo), "closed", results);
    await second.close();
  });

  it("retries a throttled store with doubling waits and loses nothing", async () => {
    const kept: ProbeResult[] = [];
    let calls = 0;
    const store = {
      async write(batch: readonly ProbeResult[]) {
        if (++calls <= 4) throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
        kept.push(...batch);
      },
    };
    // The waits it asks for are recorded and served at once: the schedule is checked, not the clock.
    const waits: number[] = [];
    const timers = {
      setTimeout: ((fn: () => void, ms: number) => { waits.push(ms); return setTimeout(fn, 0); }) as typeof setTimeout,
      clearTimeout,
    };
    const writer = createDurableWriter({ store, backoff: { initialMs: 100, maxMs: 500 }, timers });
    const results = minuteResults("throttled", "us-east-1", START, 5);
    for (const result of results) writer.write(result);
    await writer.flush();
    expect(kept).toEqual(results);
    expect(writer.stats).toMatchObject({ stored: 5, retries: 4 });
    expect(waits).toEqual([100, 200, 400, 500]);
  });
});

/** Stops the server but keeps its port's client usable after a restart (the writer's store keeps it). */
async function closeServerOnly(dynamo: EmbeddedDynamo): Promise<void> {
  const destroy = dynamo.client.destroy.bind(dynamo.client);
  dynamo.client.destroy = () => {};
  await dynamo.close();
  dynamo.client.destroy = destroy;
}
