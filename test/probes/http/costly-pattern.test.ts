// A `matches` pattern that is costly on a body cannot stall the process: other probes, timers and the API go on.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, describe, expect, it } from "vitest";
import { runProbe } from "../../../core/runner/index.ts";
import { HttpProbe, runHttpAttempt, type HttpProbeInput } from "../../../probes/http/index.ts";
import { startHttpTarget, type Target } from "../../fixtures/targets.ts";

const targets: Target[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
});
async function target(handler: Parameters<typeof startHttpTarget>[0]) {
  const started = await startHttpTarget(handler);
  targets.push(started);
  return started;
}
function run(input: Partial<HttpProbeInput> & { url: string }) {
  return runProbe(HttpProbe.parse({ id: "t", kind: "http", ...input }), runHttpAttempt, { region: "local", now: Date.now, env: {} });
}

describe("matches with a costly pattern", () => {
  it("gives up at the probe's timeout without blocking the event loop, while another probe runs on", async () => {
    // re2js needs about 26 s for this pattern on 1 MiB of "a", so seconds on 256 KiB even on a fast idle machine:
    // far past the 1 s timeout, where the worker is stopped. On the main thread it would stall everything.
    const hostile = await target((_req, res) => res.end("a".repeat(256 * 1024)));
    const healthy = await target((_req, res) => res.end("ok"));
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const costly = run({ url: hostile.url, timeout: "1s", assertions: [{ source: "body", op: "matches", target: "(.*a){300}" }] });
    const others = [];
    for (let i = 0; i < 5; i++) others.push(await run({ url: healthy.url, timeout: "5s" }));
    const result = await costly;
    lag.disable();

    expect(result.outcome).toBe("fail");
    expect(result.error?.category).toBe("assertion");
    expect(result.error?.message).toMatch(/^body matches "\(\.\*a\)\{300\}" not decided: matching was stopped at the 1s timeout after \d+ ms$/);
    expect(result.assertions[1]).toMatchObject({ passed: false, durationMs: expect.any(Number) });
    expect(others.map((other) => other.outcome)).toEqual(["pass", "pass", "pass", "pass", "pass"]);
    // Generous for a busy machine: the match alone would block the loop for seconds.
    expect(lag.max / 1e6).toBeLessThan(1_000);
  });

  it("reports the time a costly match really took, in the assertion and in the run's duration", async () => {
    const server = await target((_req, res) => res.end(`${"x".repeat(256 * 1024)}token-42`));
    const result = await run({ url: server.url, timeout: "20s", assertions: [{ source: "body", op: "matches", target: "token-\\d+$" }] });
    expect(result.outcome).toBe("pass");
    const matched = result.assertions[1]!;
    expect(matched).toMatchObject({ description: 'body matches "token-\\\\d+$"', passed: true });
    expect(matched.durationMs).toBeGreaterThan(0);
    expect(result.durationMs).toBeGreaterThanOrEqual(result.http!.timings.totalMs + matched.durationMs! - 0.01);
  });

  it("matches a small body inline, as before", async () => {
    const server = await target((_req, res) => res.end('{"status":"ok"}'));
    const result = await run({ url: server.url, assertions: [{ source: "body", op: "matches", target: '"status":"ok"' }, { source: "body", op: "matches", target: "nope" }] });
    expect(result.assertions.slice(1).map((a) => a.passed)).toEqual([true, false]);
    expect(result.error).toMatchObject({ category: "assertion" });
  });
});

describe("matchWithin", () => {
  it("decides many costly matches at once, a few workers at a time, and frees every slot it took", async () => {
    const { matchWithin } = await import("../../../probes/http/pattern-match.ts");
    const text = `${"x".repeat(64 * 1024)}token-42`;
    const many = await Promise.all(Array.from({ length: 6 }, () => matchWithin("token-\\d+$", text, 30_000)));
    expect(many.map((m) => m.done && m.matched)).toEqual([true, true, true, true, true, true]);
    // Matches that cannot finish in time, some of them still queued at their deadline.
    const stalled = await Promise.all(Array.from({ length: 5 }, () => matchWithin("(.*a){300}", "a".repeat(16 * 1024), 300)));
    expect(stalled.map((m) => m.done)).toEqual([false, false, false, false, false]);
    // Every slot was given back: later matches still run.
    const after = await Promise.all(Array.from({ length: 3 }, () => matchWithin("token-\\d+$", text, 30_000)));
    expect(after.map((m) => m.done && m.matched)).toEqual([true, true, true]);
  });
});
