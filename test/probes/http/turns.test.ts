import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { inTurns } from "../../../probes/http/turns.ts";

describe("inTurns", () => {
  it("hands messages that arrive together to one call, in order, and later ones to the next", async () => {
    const { port1, port2 } = new MessageChannel();
    const calls: number[][] = [];
    let wake: () => void = () => {};
    port1.on("message", inTurns<number>((items) => {
      calls.push(items);
      wake();
    }));
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    try {
      let arrived = next();
      for (const n of [1, 2, 3]) port2.postMessage(n);
      await arrived;
      arrived = next();
      port2.postMessage(4);
      await arrived;
      expect(calls).toEqual([[1, 2, 3], [4]]);
    } finally {
      port1.close();
    }
  });

  it("starts nothing before the messages of the turn are all read", async () => {
    const { port1, port2 } = new MessageChannel();
    const seen: string[] = [];
    const onItem = inTurns<number>((items) => seen.push(`start ${items.join(",")}`));
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    port1.on("message", (n: number) => {
      seen.push(`read ${n}`);
      onItem(n);
      // What a run would do right after its set-up: a tick, then a promise job.
      process.nextTick(() => seen.push(`tick ${n}`));
      if (n === 2) setImmediate(() => setImmediate(done));
    });
    try {
      port2.postMessage(1);
      port2.postMessage(2);
      await finished;
      expect(seen.filter((s) => s.startsWith("read") || s.startsWith("start"))).toEqual(["read 1", "read 2", "start 1,2"]);
    } finally {
      port1.close();
    }
  });
});
