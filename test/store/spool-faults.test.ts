import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDurableWriter } from "../../core/store/durable-writer.ts";
import type { ProbeResult } from "../../core/result/index.ts";
import { minuteResults } from "../fixtures/results.ts";

const START = Date.parse("2025-03-10T09:00:00Z");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-spool-faults-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store that is up or down at the test's word, keeping what it was given. */
function switchableStore() {
  const kept: ProbeResult[] = [];
  const store = {
    up: true,
    kept,
    async write(batch: readonly ProbeResult[]) {
      if (!store.up) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { name: "Error" });
      kept.push(...batch);
    },
  };
  return store;
}

/** Timers whose waits are served at once: the writer's retries are checked, not the clock. */
const instantTimers = {
  setTimeout: ((fn: () => void) => setTimeout(fn, 0)) as unknown as typeof setTimeout,
  clearTimeout,
};

const spoolLines = (spoolPath: string) => readFileSync(spoolPath, "utf8").split("\n").filter((line) => line !== "");

describe("durable writer: a spool cut mid-line", () => {
  it("sets the cut line aside before appending, so the next result is replayed, not lost with it", async () => {
    const dir = tempDir();
    const spoolPath = path.join(dir, "spool.jsonl");
    const [kept, cut, next] = minuteResults("cut", "us-east-1", START, 3);
    // The last process died in the middle of appending `cut`.
    const line = JSON.stringify(cut);
    writeFileSync(spoolPath, `${JSON.stringify(kept)}\n${line.slice(0, 40)}`);

    const down = switchableStore();
    down.up = false;
    const logs: string[] = [];
    const first = createDurableWriter({ store: down, spoolPath, log: (l) => logs.push(l), timers: instantTimers, backoff: { initialMs: 1, maxMs: 1 } });
    first.write(next!);
    await first.close({ timeoutMs: 20 });

    const up = switchableStore();
    const second = createDurableWriter({ store: up, spoolPath });
    await second.flush();
    expect(up.kept.map((r) => r.startedAt)).toEqual([kept!.startedAt, next!.startedAt]);
    // The fragment is kept for a person to look at, not silently dropped.
    expect(readFileSync(`${spoolPath}.unreadable`, "utf8")).toBe(`${line.slice(0, 40)}\n`);
    expect(logs.some((l) => l.includes("unreadable"))).toBe(true);
    await second.close();
  });

  it("keeps a last line that is whole but lost its newline", async () => {
    const dir = tempDir();
    const spoolPath = path.join(dir, "spool.jsonl");
    const [a, b, c] = minuteResults("no-newline", "us-east-1", START, 3);
    writeFileSync(spoolPath, `${JSON.stringify(a)}\n${JSON.stringify(b)}`);
    const down = switchableStore();
    down.up = false;
    const writer = createDurableWriter({ store: down, spoolPath, timers: instantTimers, backoff: { initialMs: 1, maxMs: 1 } });
    writer.write(c!);
    await writer.close({ timeoutMs: 20 });
    expect(spoolLines(spoolPath).map((l) => (JSON.parse(l) as ProbeResult).startedAt)).toEqual([a, b, c].map((r) => r!.startedAt));
  });
});

describe("durable writer: an unwritable spool", () => {
  it("never drops a result: stores it directly while the store is up and holds it in memory while it is down", async () => {
    const dir = tempDir();
    const spoolPath = path.join(dir, "spool.jsonl");
    // A directory where the spool file should be: no append or rename can write it, even as root.
    mkdirSync(spoolPath);
    const store = switchableStore();
    const logs: string[] = [];
    let clock = START;
    const writer = createDurableWriter({
      store, spoolPath, log: (l) => logs.push(l), now: () => clock, timers: instantTimers, backoff: { initialMs: 1, maxMs: 1 },
    });
    const results = minuteResults("unspooled", "us-east-1", START, 12);

    for (const result of results.slice(0, 4)) expect(() => writer.write(result)).not.toThrow();
    await writer.flush();
    expect(store.kept).toHaveLength(4);
    const warnings = () => logs.filter((l) => l.startsWith("DURABILITY DEGRADED"));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(spoolPath);

    // The store goes down too: results wait in memory, and the warning is repeated, not on every result.
    store.up = false;
    for (const result of results.slice(4, 8)) writer.write(result);
    expect(writer.pending()).toBeGreaterThanOrEqual(4);
    expect(warnings()).toHaveLength(1);
    clock += 61_000;
    writer.write(results[8]!);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatch(/5 results are held in memory only/);

    // The spool is writable again: what waits in memory goes to it at the next try, and new results follow.
    rmSync(spoolPath, { recursive: true });
    clock += 61_000;
    writer.write(results[9]!);
    expect(spoolLines(spoolPath)).toHaveLength(6);
    expect(logs.some((l) => l.includes("spool: writable again"))).toBe(true);
    writer.write(results[10]!);
    writer.write(results[11]!);
    expect(spoolLines(spoolPath)).toHaveLength(8);

    store.up = true;
    await writer.flush();
    expect(store.kept.map((r) => r.startedAt).sort()).toEqual(results.map((r) => r.startedAt).sort());
    expect(readFileSync(spoolPath, "utf8")).toBe("");
    await writer.close();
  });

  it("terminates a line an append left half written before the next one", async () => {
    const dir = tempDir();
    const spoolPath = path.join(dir, "spool.jsonl");
    const [a, b] = minuteResults("half", "us-east-1", START, 2);
    let failNext = true;
    // An append that writes part of its line and then fails (a disk filling up mid-write).
    const fs = {
      appendFileSync(file: string, data: string) {
        if (failNext) {
          failNext = false;
          writeFileSync(file, data.slice(0, 25), { flag: "a" });
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        }
        writeFileSync(file, data, { flag: "a" });
      },
    };
    const down = switchableStore();
    down.up = false;
    let clock = START;
    const writer = createDurableWriter({ store: down, spoolPath, fs, now: () => clock, timers: instantTimers, backoff: { initialMs: 1, maxMs: 1 } });
    writer.write(a!);
    clock += 1_000;
    writer.write(b!);
    await writer.close({ timeoutMs: 20 });
    const up = switchableStore();
    const replay = createDurableWriter({ store: up, spoolPath });
    await replay.flush();
    // `a` held in memory was spooled again with the next append, `b` after it; neither was glued to the fragment.
    expect(up.kept.map((r) => r.startedAt).sort()).toEqual([a!.startedAt, b!.startedAt]);
    await replay.close();
  });
});

describe("durable writer: a result hook that cannot reach the store", () => {
  it("hands the result to the hook again once the store answers, instead of skipping its evaluation", async () => {
    const store = switchableStore();
    const evaluated: string[] = [];
    let hookDown = 2;
    const hook = async (result: ProbeResult) => {
      if (hookDown > 0) {
        hookDown--;
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      evaluated.push(result.startedAt);
    };
    const logs: string[] = [];
    const writer = createDurableWriter({ store, onResult: [hook], log: (l) => logs.push(l), timers: instantTimers, backoff: { initialMs: 1, maxMs: 1 } });
    const results = minuteResults("hooked", "us-east-1", START, 3);
    for (const result of results) writer.write(result);
    await writer.flush();
    expect(evaluated).toEqual(results.map((r) => r.startedAt));
    expect(writer.stats.stored).toBe(3);
    expect(logs.some((l) => l.startsWith("hook: failed"))).toBe(false);
    await writer.close();
  });
});
