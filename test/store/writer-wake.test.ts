// The durable writer while the store comes back: what it holds (for the stale check) and how soon it retries.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDurableWriter } from "../../core/store/durable-writer.ts";
import type { ProbeResult } from "../../core/result/index.ts";
import { minuteResults } from "../fixtures/results.ts";

const START = Date.parse("2025-03-10T09:00:00Z");
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function setUp(onResult: Array<(r: ProbeResult) => Promise<void>> = []) {
  vi.useFakeTimers();
  cleanups.push(() => vi.useRealTimers());
  const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-wake-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = {
    down: true,
    stored: [] as ProbeResult[],
    async write(results: ProbeResult[]) {
      if (store.down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8000"), { code: "ECONNREFUSED" });
      store.stored.push(...results);
    },
  };
  // A backoff far longer than the test: only retryNow can get the results stored.
  const writer = createDurableWriter({
    store, spoolPath: path.join(dir, "spool.jsonl"), backoff: { initialMs: 600_000, maxMs: 600_000 },
    timers: { setTimeout, clearTimeout }, onResult,
  });
  return { store, writer };
}

describe("durable writer: the store coming back", () => {
  it("tries the store again at once when told it is back, instead of at the end of its backoff", async () => {
    const { store, writer } = setUp();
    const results = [...minuteResults("p", "us-east-1", START, 3), ...minuteResults("p", "eu-west-1", START, 2), ...minuteResults("q", "us-east-1", START, 1)];
    for (const result of results) writer.write(result);
    await vi.advanceTimersByTimeAsync(0);
    expect(writer.stats.retries).toBe(1);
    // What it holds, newest start per probe and region: what the stale check counts as heard.
    expect(writer.held()).toEqual(new Map([
      ["p", new Map([["us-east-1", START + 120_000], ["eu-west-1", START + 60_000]])],
      ["q", new Map([["us-east-1", START]])],
    ]));

    store.down = false;
    writer.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.stored).toHaveLength(6);
    expect(writer.pending()).toBe(0);
    expect(writer.held()).toEqual(new Map());
    await writer.close({ timeoutMs: 0 });
  });

  it("retries at once when told the store is back while a write was still failing", async () => {
    const { store, writer } = setUp();
    let failWrite!: () => void;
    const write = store.write.bind(store);
    store.write = async (results) => {
      // This write was sent before the store came back: it fails after being told.
      if (!failWrite) {
        await new Promise<void>((resolve) => { failWrite = resolve; });
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8000"), { code: "ECONNREFUSED" });
      }
      return write(results);
    };
    writer.write(minuteResults("p", "us-east-1", START, 1)[0]!);
    await vi.advanceTimersByTimeAsync(0);
    store.down = false;
    writer.retryNow();
    failWrite();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.stored).toHaveLength(1);
    await writer.close({ timeoutMs: 0 });
  });

  it("holds a stored result until its hooks ran: the evaluator has not seen it yet", async () => {
    let release!: () => void;
    const hookRan = new Promise<void>((resolve) => { release = resolve; });
    const { store, writer } = setUp([() => hookRan]);
    store.down = false;
    const [result] = minuteResults("p", "us-east-1", START, 1);
    writer.write(result!);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.stored).toHaveLength(1);
    expect(writer.held()).toEqual(new Map([["p", new Map([["us-east-1", START]])]]));
    release();
    await writer.flush();
    expect(writer.held()).toEqual(new Map());
    await writer.close({ timeoutMs: 0 });
  });
});
