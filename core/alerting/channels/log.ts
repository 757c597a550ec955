// The log channel: one JSON line per page on a stream (stderr by default), for `vigie start` and tests.
import type { Writable } from "node:stream";
import type { Pager } from "./types.ts";
import { pageData } from "./message.ts";

export function createLogPager(stream: Pick<Writable, "write">): Pager {
  return {
    timeoutMs: 1_000,
    async send(page) {
      stream.write(`${JSON.stringify({ level: page.event === "resolve" ? "info" : "warn", msg: "vigie page", ...pageData(page) })}\n`);
      return { ok: true };
    },
  };
}
