// The durable writer: results go to an append-only spool file first, then to the store in batches, retried with backoff.
//
// Every result is appended to the spool (one JSON line) before it is queued, so a result survives the store being
// down, throttled or failing, and the process dying: the next writer on the same file replays it. Replaying is safe
// because the store's writes are idempotent (see results-store.ts), which is what makes "exactly once" hold: a
// result may reach the store twice, it is counted once. The spool is emptied whenever everything in it is stored,
// and rewritten with only what is pending when it grows while the store keeps up but never drains completely.
//
// A spool that cannot be written (a full disk, a permission, a path taken by something else) never costs a result:
// the result is held in memory, stored directly while the store is up, and spooled again once the spool takes
// writes; meanwhile a DURABILITY DEGRADED warning says how many results a crash would lose. A line cut by a crash
// or a failed append is set aside (`<spool>.unreadable`) or terminated before anything is appended after it.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { ProbeResult } from "../result/index.ts";
import type { ResultStore } from "./results-store.ts";
import { isStoreUnavailable } from "./outage.ts";

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
  /** Wall clock, epoch ms (paces spool retries and warnings). Default Date.now. */
  now?: () => number;
  /** The file system calls that append to the spool (tests inject a failing disk). Default node:fs. */
  fs?: { appendFileSync(path: string, data: string): void };
}

/** How often an unwritable spool is tried again, and how often the warning about it is repeated. */
const SPOOL_RETRY_MS = 1_000;
const DEGRADED_WARNING_MS = 60_000;

export interface WriterStats {
  stored: number;
  /** Store writes that failed and were tried again. */
  retries: number;
  /** Results replayed from the spool when the writer started. */
  replayed: number;
  /** Results the store refused for their content, set aside in `<spool>.rejected`. */
  rejected: number;
  /** Results not in the spool because it could not be written, held in memory until stored or spooled. */
  unspooled: number;
}

export interface DurableWriter {
  /** Spools and queues one result; never throws for a store fault. */
  write(result: ProbeResult): void;
  /** Resolves when everything written so far is stored (however long the store takes to come back). */
  flush(): Promise<void>;
  /** Stops: stores what it can within `timeoutMs` (default 5 s); the rest stays in the spool for the next start. */
  close(options?: { timeoutMs?: number }): Promise<{ pending: number }>;
  pending(): number;
  /**
   * The results produced but not yet stored and handed to every hook (in the spool, or in memory), as the newest
   * start time (epoch ms) per probe and region: what the evaluator counts as heard while the store catches up.
   */
  held(): Map<string, Map<string, number>>;
  /** Tries the store again at once if the writer is waiting between tries (the store said it is back). */
  retryNow(): void;
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

/**
 * The results in a spool, and whether the file must be rewritten before anything is appended to it: a line cut
 * short by a crash mid-append (its result was never acknowledged to anyone) is set aside in `<spool>.unreadable`,
 * and a whole last line that lost its newline is terminated, so no later append is glued onto either.
 */
function readSpool(path: string, log: (line: string) => void): { results: ProbeResult[]; rewrite: boolean } {
  if (!existsSync(path)) return { results: [], rewrite: false };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    log(`spool: could not read ${path}: ${(error as Error).message}`);
    return { results: [], rewrite: false };
  }
  const results: ProbeResult[] = [];
  const unreadable: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      results.push(JSON.parse(line) as ProbeResult);
    } catch {
      unreadable.push(line);
    }
  }
  if (unreadable.length > 0) {
    log(`spool: set aside ${unreadable.length} unreadable line${unreadable.length === 1 ? "" : "s"} of ${path} (cut by a crash mid-append) in ${path}.unreadable`);
    try {
      appendFileSync(`${path}.unreadable`, unreadable.map((line) => `${line}\n`).join(""));
    } catch (error) {
      log(`spool: could not keep the unreadable lines: ${(error as Error).message}`);
    }
  }
  return { results, rewrite: unreadable.length > 0 || (text.length > 0 && !text.endsWith("\n")) };
}

export function createDurableWriter(options: DurableWriterOptions): DurableWriter {
  const { store, spoolPath } = options;
  const batchSize = options.batchSize ?? 100;
  const backoff = options.backoff ?? { initialMs: 200, maxMs: 30_000 };
  const log = options.log ?? (() => {});
  const timers = options.timers ?? { setTimeout, clearTimeout };
  const hooks = options.onResult ?? [];
  const now = options.now ?? Date.now;
  const fs = options.fs ?? { appendFileSync };

  const spooled = spoolPath ? readSpool(spoolPath, log) : { results: [], rewrite: false };
  const queue: ProbeResult[] = spooled.results;
  const stats: WriterStats = { stored: 0, retries: 0, replayed: queue.length, rejected: 0, unspooled: 0 };
  if (queue.length > 0) log(`spool: replaying ${queue.length} result${queue.length === 1 ? "" : "s"} not yet stored`);
  let inFlight: ProbeResult[] = [];
  /** Stored results whose hooks have not all run yet (the evaluator has not seen them). */
  let handing: ProbeResult[] = [];
  let pumping: Promise<void> | undefined;
  let closed = false;
  let storedSinceCompaction = 0;
  /** Results still to be written alone, after a batch the store refused for its content. */
  let oneByOne = 0;
  let wake: (() => void) | undefined;
  let waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** Pending results that are not in the spool (it could not be written): a crash now would lose them. */
  const unspooled = new Set<ProbeResult>();
  /** Set while the spool cannot be written: when to try it again, and when the warning was last given. */
  let degraded: { nextTryAt: number; warnedAt: number; reason: string } | undefined;
  /** The spool may end in a line a failed append left half written: the next append starts a new line. */
  let mayEndMidLine = false;

  function rewriteSpool(): boolean {
    if (!spoolPath) return true;
    const pendingLines = [...inFlight, ...queue].map((r) => `${JSON.stringify(r)}\n`).join("");
    try {
      writeFileSync(`${spoolPath}.tmp`, pendingLines);
      renameSync(`${spoolPath}.tmp`, spoolPath);
      storedSinceCompaction = 0;
      mayEndMidLine = false;
      return true;
    } catch (error) {
      // The spool only grows until the next rewrite works (a full disk, a permission): nothing is lost by waiting.
      if (!degraded) log(`spool: could not compact ${spoolPath}: ${(error as Error).message}`);
      return false;
    }
  }

  function warnDegraded(): void {
    const held = unspooled.size;
    log(`DURABILITY DEGRADED: cannot write the spool ${spoolPath} (${degraded!.reason}); results are stored directly while the store is up ` +
      `and ${held} result${held === 1 ? " is" : "s are"} held in memory only (a crash now loses ${held === 1 ? "it" : "them"}); ` +
      `retrying the spool every ${SPOOL_RETRY_MS / 1000} s`);
    degraded!.warnedAt = now();
  }

  /** Appends results to the spool; when it fails, holds them in memory and says so (once, then every minute). */
  function spool(results: readonly ProbeResult[]): void {
    if (!spoolPath) return;
    const lines = results.map((r) => `${JSON.stringify(r)}\n`).join("");
    try {
      fs.appendFileSync(spoolPath, `${mayEndMidLine ? "\n" : ""}${lines}`);
      mayEndMidLine = false;
    } catch (error) {
      mayEndMidLine = true;
      for (const result of results) unspooled.add(result);
      stats.unspooled = unspooled.size;
      const reason = (error as Error).message;
      const first = !degraded;
      degraded = { nextTryAt: now() + SPOOL_RETRY_MS, warnedAt: degraded?.warnedAt ?? 0, reason };
      if (first || now() - degraded.warnedAt >= DEGRADED_WARNING_MS) warnDegraded();
      return;
    }
    if (degraded) {
      const held = unspooled.size;
      degraded = undefined;
      log(`spool: writable again (${spoolPath}); ${held} result${held === 1 ? "" : "s"} held in memory now spooled`);
    }
    unspooled.clear();
    stats.unspooled = 0;
  }

  if (spoolPath && spooled.rewrite && !rewriteSpool()) mayEndMidLine = true;

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

  /** Set by retryNow: the wait in progress ends and the next starts again from the first delay. */
  let retrySoon = false;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = () => {
        wake = undefined;
        if (waitTimer) timers.clearTimeout(waitTimer);
        waitTimer = undefined;
        resolve();
      };
      waitTimer = timers.setTimeout(() => wake?.(), ms);
    });

  async function pump(): Promise<void> {
    let delay = backoff.initialMs;
    let failing = false;
    /** Waits the current delay and doubles it; false when the writer was closed before or during the wait. */
    const backOff = async (): Promise<boolean> => {
      if (closed) return false;
      // Told the store is back while a write was under way: that write may have failed before; try again at once.
      if (!retrySoon) await sleep(delay);
      if (closed) return false;
      delay = retrySoon ? backoff.initialMs : Math.min(delay * 2, backoff.maxMs);
      retrySoon = false;
      return true;
    };
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
        if (!(await backOff())) return;
        continue;
      }
      const done = inFlight;
      handing = done;
      inFlight = [];
      // A hook that fails because the store is not answering (the evaluator reads and writes it too) is an outage
      // like any other: that result and the ones after it go back to the queue, to be stored again (counted
      // once) and handed to every hook again (which ignores what it has seen) once the store answers.
      let handled = done.length;
      for (let i = 0; i < done.length && handled === done.length; i++) {
        const result = done[i]!;
        for (const hook of hooks) {
          try {
            await hook(result);
          } catch (error) {
            if (isStoreUnavailable(error)) {
              handled = i;
              break;
            }
            log(`hook: failed on ${result.probeId}@${result.region} ${result.startedAt}: ${(error as Error).message}`);
          }
        }
      }
      handing = [];
      for (const result of done.slice(0, handled)) unspooled.delete(result);
      stats.unspooled = unspooled.size;
      stats.stored += handled;
      storedSinceCompaction += handled;
      if (handled < done.length) {
        queue.unshift(...done.slice(handled));
        stats.retries++;
        log(`store: a result hook could not reach the store; ${done.length - handled} result${done.length - handled === 1 ? "" : "s"} will be handed to it again`);
        failing = true;
        if (!(await backOff())) return;
        continue;
      }
      if (failing) log(`store: back, ${queue.length} result${queue.length === 1 ? "" : "s"} to catch up`);
      failing = false;
      retrySoon = false;
      delay = backoff.initialMs;
      // Only now may the spool forget these results: a crash before their hooks ran (the evaluator) replays them,
      // and both the store and the evaluator ignore a result they have already seen. (An unwritable spool is not
      // compacted: it is tried again on the next result.)
      if (degraded) continue;
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
    held() {
      const newest = new Map<string, Map<string, number>>();
      for (const list of [queue, inFlight, handing]) {
        for (const result of list) {
          const at = Date.parse(result.startedAt);
          if (!Number.isFinite(at)) continue;
          let regions = newest.get(result.probeId);
          if (!regions) newest.set(result.probeId, regions = new Map());
          if (at > (regions.get(result.region) ?? -Infinity)) regions.set(result.region, at);
        }
      }
      return newest;
    },
    retryNow() {
      if (closed || !pumping) return;
      retrySoon = true;
      wake?.();
    },
    write(result) {
      if (!degraded) spool([result]);
      else if (now() >= degraded.nextTryAt) spool([...unspooled, result]);
      else {
        unspooled.add(result);
        stats.unspooled = unspooled.size;
        if (now() - degraded.warnedAt >= DEGRADED_WARNING_MS) warnDegraded();
      }
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
      wake?.();
      await pumping;
      return { pending: queue.length + inFlight.length };
    },
  };
}
