// The durable writer: results go to an append-only spool file first, then to the store in batches, retried with backoff.
//
// Every result is appended to the spool (one JSON line) before it is queued, so a result survives the store being
// down, throttled or failing, and the process dying: the next writer on the same file replays it. Replaying is safe
// because the store's writes are idempotent (see results-store.ts), which is what makes "exactly once" hold: a
// result may reach the store twice, it is counted once. The spool is emptied whenever everything in it is stored,
// and rewritten with only what is pending when it grows while the store keeps up but never drains completely.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { ProbeResult } from "../result/index.ts";
import type { ResultStore } from "./results-store.ts";

/** Called with each result once it is stored (the evaluator plugs in here). */
export type ResultHook = (result: ProbeResult) => Promise<void>;

export interface DurableWriterOptions {
  store: Pick<ResultStore, "write">;
  /** The spool file; absent keeps unstored results in memory only (e.g. on Lambda, which retries itself). */
  spoolPath?: string | undefined;
  /** Results per store write. Default 100. */
  batchSize?: number;
  /** First and longest wait between tries while the store fails. Default 200 ms and 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** Called in order after each result is stored. A hook that throws is logged, not retried. */
  onResult?: readonly ResultHook[];
  log?: (line: string) => void;
  /** Timers, for fake timers in tests. Default the globals. */
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
}

export interface WriterStats {
  stored: number;
  /** Store writes that failed and were tried again. */
  retries: number;
  /** Results replayed from the spool when the writer started. */
  replayed: number;
  /** Results the store refused for their content, set aside in `<spool>.rejected`. */
  rejected: number;
}

export interface DurableWriter {
  /** Spools and queues one result; never throws for a store fault. */
  write(result: ProbeResult): void;
  /** Resolves when everything written so far is stored (however long the store takes to come back). */
  flush(): Promise<void>;
  /** Stops: stores what it can within `timeoutMs` (default 5 s); the rest stays in the spool for the next start. */
  close(options?: { timeoutMs?: number }): Promise<{ pending: number }>;
  pending(): number;
  readonly stats: WriterStats;
}

const COMPACT_AFTER = 5_000;

/**
 * A write the store refuses for what is written (too large, a value it cannot hold), which no retry will fix,
 * as opposed to the store being down, throttled or failing.
 */
function isPoison(error: unknown): boolean {
  const { name, message } = error as Error;
  return name === "ValidationException" || name === "SerializationException" || error instanceof RangeError || error instanceof TypeError ||
    /Item size has exceeded|Special numeric value|removeUndefinedValues/.test(message ?? "");
}

function readSpool(path: string, log: (line: string) => void): ProbeResult[] {
  if (!existsSync(path)) return [];
  const results: ProbeResult[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      results.push(JSON.parse(line) as ProbeResult);
    } catch {
      // A line cut short by a crash mid-append: its result was never acknowledged to anyone.
      log(`spool: skipped an unreadable line in ${path}`);
    }
  }
  return results;
}

export function createDurableWriter(options: DurableWriterOptions): DurableWriter {
  const { store, spoolPath } = options;
  const batchSize = options.batchSize ?? 100;
  const backoff = options.backoff ?? { initialMs: 200, maxMs: 30_000 };
  const log = options.log ?? (() => {});
  const timers = options.timers ?? { setTimeout, clearTimeout };
  const hooks = options.onResult ?? [];

  const queue: ProbeResult[] = spoolPath ? readSpool(spoolPath, log) : [];
  const stats: WriterStats = { stored: 0, retries: 0, replayed: queue.length, rejected: 0 };
  if (queue.length > 0) log(`spool: replaying ${queue.length} result${queue.length === 1 ? "" : "s"} not yet stored`);
  let inFlight: ProbeResult[] = [];
  let pumping: Promise<void> | undefined;
  let closed = false;
  let storedSinceCompaction = 0;
  /** Results still to be written alone, after a batch the store refused for its content. */
  let oneByOne = 0;
  let wake: (() => void) | undefined;
  let waitTimer: ReturnType<typeof setTimeout> | undefined;

  function rewriteSpool(): void {
    if (!spoolPath) return;
    const pendingLines = [...inFlight, ...queue].map((r) => `${JSON.stringify(r)}\n`).join("");
    try {
      writeFileSync(`${spoolPath}.tmp`, pendingLines);
      renameSync(`${spoolPath}.tmp`, spoolPath);
      storedSinceCompaction = 0;
    } catch (error) {
      // The spool only grows until the next rewrite works (a full disk, a permission): nothing is lost by waiting.
      log(`spool: could not compact ${spoolPath}: ${(error as Error).message}`);
    }
  }

  /** Sets a result the store will never take aside (in `<spool>.rejected`), so it stops blocking every other. */
  function reject(result: ProbeResult, error: unknown): void {
    stats.rejected++;
    log(`STORE REJECTED A RESULT: ${result.probeId}@${result.region} ${result.startedAt}: ${(error as Error).name}: ${(error as Error).message}` +
      (spoolPath ? ` (kept in ${spoolPath}.rejected)` : ""));
    if (!spoolPath) return;
    try {
      appendFileSync(`${spoolPath}.rejected`, `${JSON.stringify(result)}\n`);
    } catch (writeError) {
      log(`spool: could not keep the rejected result: ${(writeError as Error).message}`);
    }
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      waitTimer = timers.setTimeout(resolve, ms);
    });

  async function pump(): Promise<void> {
    let delay = backoff.initialMs;
    let failing = false;
    while (queue.length > 0) {
      inFlight = queue.splice(0, oneByOne > 0 ? 1 : batchSize);
      if (oneByOne > 0) oneByOne--;
      try {
        await store.write(inFlight);
      } catch (error) {
        if (isPoison(error)) {
          // One bad result must not hold back the others: a batch is retried result by result, and a single
          // result the store refuses for what it is (not for the store's state) is set aside.
          if (inFlight.length > 1) {
            queue.unshift(...inFlight);
            oneByOne = inFlight.length;
          } else reject(inFlight[0]!, error);
          inFlight = [];
          if (queue.length === 0) rewriteSpool();
          continue;
        }
        queue.unshift(...inFlight);
        inFlight = [];
        stats.retries++;
        if (!failing) log(`store: write failed (${(error as Error).name}: ${(error as Error).message}); retrying with backoff, results are spooled`);
        failing = true;
        if (closed) return;
        await sleep(delay);
        if (closed) return;
        delay = Math.min(delay * 2, backoff.maxMs);
        continue;
      }
      if (failing) log(`store: back, ${queue.length + inFlight.length} result${queue.length + inFlight.length === 1 ? "" : "s"} to catch up`);
      failing = false;
      delay = backoff.initialMs;
      const done = inFlight;
      stats.stored += done.length;
      storedSinceCompaction += done.length;
      inFlight = [];
      for (const result of done) {
        for (const hook of hooks) {
          try {
            await hook(result);
          } catch (error) {
            log(`hook: failed on ${result.probeId}@${result.region} ${result.startedAt}: ${(error as Error).message}`);
          }
        }
      }
      // Only now may the spool forget these results: a crash before their hooks ran (the evaluator) replays them,
      // and both the store and the evaluator ignore a result they have already seen.
      if (queue.length === 0) rewriteSpool();
      else if (storedSinceCompaction >= COMPACT_AFTER) rewriteSpool();
    }
  }

  function kick(): Promise<void> {
    pumping ??= pump().catch((error: unknown) => log(`store: writer failed: ${(error as Error).message}`)).finally(() => {
      pumping = undefined;
      if (queue.length > 0 && !closed) void kick();
    });
    return pumping;
  }

  if (queue.length > 0) void kick();

  return {
    stats,
    pending: () => queue.length + inFlight.length,
    write(result) {
      if (spoolPath) appendFileSync(spoolPath, `${JSON.stringify(result)}\n`);
      queue.push(result);
      if (!closed) void kick();
    },
    async flush() {
      while (!closed && (queue.length > 0 || pumping)) await kick();
    },
    async close(closeOptions = {}) {
      const timeoutMs = closeOptions.timeoutMs ?? 5_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => { timer = timers.setTimeout(resolve, timeoutMs); });
      await Promise.race([this.flush(), deadline]);
      timers.clearTimeout(timer);
      closed = true;
      // A pump asleep between retries: wake it so it sees `closed` and stops; its batch is back in the queue.
      if (waitTimer) timers.clearTimeout(waitTimer);
      wake?.();
      await pumping;
      return { pending: queue.length + inFlight.length };
    },
  };
}
