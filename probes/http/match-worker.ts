// Runs `matches` patterns off the main thread, so a costly one cannot delay another probe or the API.
// Loaded by Node itself (type stripping), not through a loader: erasable TypeScript only, no local imports.
import { parentPort } from "node:worker_threads";
import { RE2JS } from "re2js";

export interface MatchJob {
  pattern: string;
  text: string;
}
export type MatchReply = { ok: true; matched: boolean } | { ok: false; message: string };

/** A worker is reused for later jobs; a large pattern costs tens of ms to compile. */
const compiled = new Map<string, RE2JS>();

parentPort!.on("message", (job: MatchJob) => {
  let reply: MatchReply;
  try {
    let re = compiled.get(job.pattern);
    if (!re) compiled.set(job.pattern, (re = RE2JS.compile(job.pattern)));
    reply = { ok: true, matched: re.matcher(job.text).find() };
  } catch (error) {
    reply = { ok: false, message: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
