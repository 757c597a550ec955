// The HTTP thread: runs the probes it is sent, one event loop shared with nothing else (see isolate.ts).
import { parentPort } from "node:worker_threads";
import { runProbe } from "../../core/runner/index.ts";
import { runHttpAttempt } from "./run.ts";
import type { HttpProbe } from "./schema.ts";
import { warmHttpStack } from "./warm.ts";
import { inTurns } from "./turns.ts";

interface Job {
  id: number;
  probe: HttpProbe;
  region: string;
  env: NodeJS.ProcessEnv;
}

const warm = warmHttpStack().catch(() => undefined);

async function run(job: Job) {
  try {
    await warm;
    const result = await runProbe(job.probe, runHttpAttempt, { region: job.region, now: Date.now, env: job.env });
    parentPort!.postMessage({ id: job.id, result });
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: (error as Error).message ?? String(error) });
  }
}

// Jobs sent together start together (see turns.ts): otherwise each one's connection attempt went out before the
// next one was even set up, and every later set-up was counted in the earlier runs' `connectMs`.
parentPort!.on("message", inTurns<Job>((jobs) => { for (const job of jobs) void run(job); }));
