// Runs `matches` patterns off the main thread, so a costly one cannot delay another probe or the API.
// Loaded by Node itself (type stripping), not through a loader: erasable TypeScript only, no local imports.
import { parentPort } from "node:worker_threads";
import { RE2JS } from "re2js";

export interface MatchJob {
  pattern: string;
  text: string;
}
export type MatchReply = { ok: true; matched: boolean } | { ok: false; message: string };

parentPort!.on("message", (job: MatchJob) => {
  let reply: MatchReply;
  try {
    reply = { ok: true, matched: RE2JS.compile(job.pattern).matcher(job.text).find() };
  } catch (error) {
    reply = { ok: false, message: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
