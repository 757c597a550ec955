// Runs HTTP probes on a thread of their own, so their timestamps are not late by whatever else the process does.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ProbeResult } from "../../core/result/index.ts";
import type { HttpProbe } from "./schema.ts";

/** What a run on the thread needs: plain data only (a custom resolver cannot cross threads). */
export interface IsolatedDeps {
  region: string;
  env: NodeJS.ProcessEnv;
}

export interface HttpIsolate {
  /** Runs the probe once (with its retries) on the HTTP thread; the result is already free of secrets. */
  run(probe: HttpProbe, deps: IsolatedDeps): Promise<ProbeResult>;
  /** Stops the thread; runs still in flight reject. */
  close(): Promise<void>;
}

/** The HTTP thread failed us (it died, or could not start): our fault, not the target's. */
export class HttpIsolateError extends Error {
  override name = "HttpIsolateError";
  readonly code = "HTTP_ISOLATE";
}

type Reply = { id: number; result: ProbeResult } | { id: number; error: string };

/**
 * In `vigie start` one event loop also drives Chromium, the store, the API and the evaluator, and a
 * timestamp taken in a socket callback is late by however long that loop was busy: measured, an HTTP
 * probe beside a browser probe read 23 ms over the server's own time. On a worker thread the probes
 * share a loop with nothing but each other. The thread starts on first use (and again if it dies),
 * warms its HTTP stack once, and does not keep the process alive.
 */
export function startHttpIsolate(): HttpIsolate {
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve: (result: ProbeResult) => void; reject: (error: Error) => void }>();

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const thread = (): Worker => {
    if (worker) return worker;
    // The thread loads the TypeScript sources through tsx, as the CLI does: vigie's own tsx, found from
    // here (a bare "tsx" would be looked up from the current folder, where there may be none).
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    // A young generation of 16 MB, not the default that grows to 64 MB twice over: the thread's objects live
    // for one run (measured: its heap 170 MB → 60 MB at 10,000 probes under `vigie start`).
    const started = new Worker(new URL("./isolate-worker.ts", import.meta.url), { execArgv: ["--import", tsx], resourceLimits: { maxYoungGenerationSizeMb: 16 } });
    started.unref();
    started.on("message", (reply: Reply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if ("result" in reply) waiter.resolve(reply.result);
      else waiter.reject(new HttpIsolateError(reply.error));
    });
    started.on("error", (error) => {
      if (worker === started) worker = undefined;
      failAll(new HttpIsolateError(`the HTTP thread failed: ${error.message}`, { cause: error }));
    });
    started.on("exit", (code) => {
      if (worker === started) worker = undefined;
      failAll(new HttpIsolateError(`the HTTP thread exited (code ${code})`));
    });
    worker = started;
    return started;
  };

  return {
    run(probe, deps) {
      const id = ++next;
      return new Promise<ProbeResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        try {
          thread().postMessage({ id, probe, region: deps.region, env: { ...deps.env } });
        } catch (error) {
          pending.delete(id);
          reject(error);
        }
      });
    },
    async close() {
      const running = worker;
      worker = undefined;
      if (running) await running.terminate();
      failAll(new HttpIsolateError("the HTTP thread was closed"));
    },
  };
}
