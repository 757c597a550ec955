// Matches a `matches` assertion's pattern within a deadline: small work inline, the rest on a worker thread.
// The worker runs this very file (see `newWorker`): loaded by Node itself (type stripping) when run from source, so
// erasable TypeScript only and no local imports; in a deployed bundle it is the bundle, the only file there is.
import { performance } from "node:perf_hooks";
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from "node:worker_threads";
import type { RE2JS } from "re2js";

export interface MatchJob {
  pattern: string;
  text: string;
}
export type MatchReply = { ok: true; matched: boolean } | { ok: false; message: string };

/** The `workerData` of the threads this module starts on itself, so it serves matches there and nowhere else. */
const MATCH_WORKER = "vigie.match-worker";

/**
 * Program size × text length up to which a match runs inline. RE2 is linear in the text, but its constant grows
 * with the program and re2js's backtracker is far from linear (`(.*a){300}` takes 3 s on 16 KiB): at 20,000 the
 * worst inline match measured a few ms on a loaded 2-core machine (≈ 11 ms on its first, unoptimised call).
 * Anything larger goes to a worker, whose reuse costs well under a millisecond plus copying the text.
 */
export const INLINE_WORK = 20_000;

/** Idle workers kept for the next costly match; more than this are closed when done. */
const IDLE_WORKERS = 2;

export type MatchOutcome =
  | { done: true; matched: boolean; ms: number }
  | { done: false; ms: number };

/**
 * The RE2 engine (re2js, about 150 KB of code), loaded on the first match: a process or Lambda whose probes have no
 * `matches` assertion never loads it (the HTTP runner's cold start, `npm run bench -- aws`).
 */
let engine: Promise<typeof RE2JS> | undefined;
export const loadPatternEngine = (): Promise<typeof RE2JS> => (engine ??= import("re2js").then((m) => m.RE2JS));

/** `pattern` compiled with `re2` (`loadPatternEngine()`'s), cached by text: compiling a large one costs tens of ms, and a probe runs every minute. */
const compiled = new Map<string, RE2JS>();
function compileMatcher(pattern: string, re2: typeof RE2JS): RE2JS {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = re2.compile(pattern)));
  return re;
}

/** Workers matching at once, at most: beyond that a match waits (within its own deadline) for one to be free. */
const MAX_WORKERS = Math.max(2, availableParallelism());

/**
 * Workers waiting for a job, and the matches waiting for a worker. A cache like `compiled`, not state a caller sees:
 * every worker is unref'd, so none keeps the process alive, and one that overran its deadline is terminated, never
 * reused.
 */
const idle: Worker[] = [];
const queue: Array<() => void> = [];
let running = 0;

function newWorker(): Worker {
  // This module's own file: a worker file of its own would be missing from a Lambda's bundle (esbuild does not
  // follow `new Worker(new URL(…))`), and every costly match there would end undecided.
  const worker = new Worker(new URL(import.meta.url), { workerData: MATCH_WORKER });
  worker.unref();
  // Always listened to: an unheard "error" would crash the process. A worker that fails is dropped.
  worker.on("error", () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
  return worker;
}

/** Resolves when a worker slot is free; `cancel` gives up the place in the queue. */
function slot(): { ready: Promise<void>; cancel: () => void } {
  if (running < MAX_WORKERS) {
    running++;
    return { ready: Promise.resolve(), cancel: () => {} };
  }
  let wake!: () => void;
  const ready = new Promise<void>((resolve) => (wake = resolve));
  const entry = () => {
    running++;
    wake();
  };
  queue.push(entry);
  const cancel = () => {
    const at = queue.indexOf(entry);
    if (at >= 0) queue.splice(at, 1);
  };
  return { ready, cancel };
}

function release(worker: Worker, reusable: boolean): void {
  running--;
  queue.shift()?.();
  if (reusable && idle.length < IDLE_WORKERS) idle.push(worker);
  else void worker.terminate();
}

/**
 * Whether `pattern` finds a match in `text`, decided within `deadlineMs` or not at all. Costly work runs on a
 * worker thread, so the main thread (other probes, the scheduler, the API) never waits for it; at the deadline the
 * worker is terminated. `ms` is the time the match really took, or how long it ran before it was given up.
 */
export async function matchWithin(pattern: string, text: string, deadlineMs: number): Promise<MatchOutcome> {
  const re2 = await loadPatternEngine();
  const began = performance.now();
  const re = compileMatcher(pattern, re2);
  if (re.programSize() * Math.max(1, text.length) <= INLINE_WORK) {
    const matched = re.matcher(text).find();
    return { done: true, matched, ms: performance.now() - began };
  }
  if (deadlineMs <= 0) return { done: false, ms: 0 };
  const undecided = (): MatchOutcome => ({ done: false, ms: performance.now() - began });
  return new Promise<MatchOutcome>((resolve) => {
    let settled = false;
    let worker: Worker | undefined;
    const waiting = slot();
    const onMessage = (reply: MatchReply) => {
      // The pattern compiled when the config was loaded, so a failure here is the worker's own: undecided, never a
      // match on the main thread, which is what this module exists to prevent.
      settle(reply.ok ? { done: true, matched: reply.matched, ms: performance.now() - began } : undecided(), reply.ok);
    };
    const onGone = () => settle(undecided(), false);
    const settle = (outcome: MatchOutcome, reusable: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (worker) {
        worker.off("message", onMessage).off("error", onGone).off("exit", onGone);
        release(worker, reusable);
      } else {
        waiting.cancel();
      }
      resolve(outcome);
    };
    const timer = setTimeout(() => settle(undecided(), false), deadlineMs);
    void waiting.ready.then(() => {
      if (settled) {
        // The deadline passed while this match waited; its slot goes to the next one.
        running--;
        queue.shift()?.();
        return;
      }
      worker = idle.pop() ?? newWorker();
      worker.on("message", onMessage).once("error", onGone).once("exit", onGone);
      worker.postMessage({ pattern, text } satisfies MatchJob);
    });
  });
}

/** A thread started by `newWorker`: runs the jobs it is sent, compiled patterns cached as on the main thread. */
function serveMatches(port: MessagePort): void {
  port.on("message", async (job: MatchJob) => {
    let reply: MatchReply;
    try {
      reply = { ok: true, matched: compileMatcher(job.pattern, await loadPatternEngine()).matcher(job.text).find() };
    } catch (error) {
      reply = { ok: false, message: (error as Error).message };
    }
    port.postMessage(reply);
  });
}

if (!isMainThread && workerData === MATCH_WORKER && parentPort) serveMatches(parentPort);
