import { describe, expect, it } from "vitest";
import { formatResult, formatSummary, painter } from "../../cli/reporters/table.ts";
import type { ProbeResult } from "../../core/result/index.ts";

const failed: ProbeResult = {
  probeId: "checkout",
  kind: "http",
  region: "eu-west-1",
  startedAt: "2026-11-26T09:00:00.000Z",
  durationMs: 12.1,
  outcome: "fail",
  error: { category: "assertion", message: "status eq 200, got 500" },
  http: { status: 500, bytes: 4, timings: { dnsMs: 1.25, connectMs: 3.1, tlsMs: 4.2, ttfbMs: 120.4, downloadMs: 0.3, totalMs: 129.25 } },
  assertions: [{ description: "status eq 200", passed: false, actual: 500 }],
};

describe("table reporter", () => {
  it("colours the outcome only on a terminal, and never with NO_COLOR", () => {
    expect(formatResult(failed, painter({ isTTY: true }, {}), 8)).toContain("\u001b[31m");
    expect(formatResult(failed, painter({ isTTY: true }, { NO_COLOR: "1" }), 8)).not.toContain("\u001b[");
    expect(formatResult(failed, painter({ isTTY: false }, {}), 8)).not.toContain("\u001b[");
  });

  it("shows status, total, the phase breakdown and the reason on one line plus one", () => {
    const text = formatResult(failed, painter({}, {}), 8);
    expect(text.split("\n")).toEqual([
      "✗ fail      checkout  eu-west-1      500    129 ms   dns 1.3 · connect 3.1 · tls 4.2 · wait 120 · download 0.3",
      "            └ assertion: status eq 200, got 500",
    ]);
  });

  it("shows the prober's noise and our own blocked time only when over 1 ms", () => {
    const timings = { ...failed.http!.timings, blockedMs: 0.4, noiseMs: 0.9 };
    const quiet = formatResult({ ...failed, http: { ...failed.http!, timings } }, painter({}, {}), 8);
    expect(quiet).not.toMatch(/noise|blocked/);
    const busy = formatResult({ ...failed, http: { ...failed.http!, timings: { ...timings, blockedMs: 2.5, noiseMs: 14.2 } } }, painter({}, {}), 8);
    expect(busy.split("\n")[0]).toContain("   blocked 2.5 · dns 1.3 · connect 3.1 · tls 4.2 · wait 120 · download 0.3 · noise ±14.2");
    const browser = { ttfbMs: 10, fcpMs: 20, lcpMs: 30, domContentLoadedMs: 25, loadMs: 40, ttiMs: 50, tbtMs: 0, cls: 0, jsErrors: [], failedRequests: [], noiseMs: 3 };
    expect(formatResult({ ...failed, kind: "browser", http: undefined, browser }, painter({}, {}), 8)).toContain("cls 0.000 · noise ±3");
  });

  it("names the screenshot of a failed browser run", () => {
    const browserFail: ProbeResult = {
      ...failed, kind: "browser", http: undefined,
      error: { category: "script", message: 'step "pay" failed' },
      browser: { ttfbMs: 10, fcpMs: 20, lcpMs: 30, domContentLoadedMs: 25, loadMs: 40, ttiMs: null, tbtMs: 0, cls: 0, jsErrors: [], failedRequests: [], screenshot: ".vigie/artifacts/checkout-1.png" },
    };
    expect(formatResult(browserFail, painter({}, {}), 8).split("\n").slice(1)).toEqual([
      '            └ script: step "pay" failed',
      "              screenshot: .vigie/artifacts/checkout-1.png",
    ]);
  });

  it("summarises outcomes and elapsed time", () => {
    const pass = { ...failed, outcome: "pass" as const, error: undefined };
    expect(formatSummary([pass, pass, failed], 1234, painter({}, {}))).toBe("\n2 passed, 1 failed in 1.23 s");
  });

  it("escapes control characters in whatever it prints, even from a result no runner cleaned", () => {
    const hostile: ProbeResult = {
      ...failed,
      error: { category: "tls", message: "certificate does not match: evil\u001b]0;pwned\u0007\u001b[2J\r\n✓ pass      forged\u009b" },
      browser: { ttfbMs: null, fcpMs: null, lcpMs: null, domContentLoadedMs: null, loadMs: null, ttiMs: null, tbtMs: null, cls: null, jsErrors: [], failedRequests: [], screenshot: "/tmp/x\u001b[2J.png" },
    };
    const text = formatResult(hostile, painter({ isTTY: false }, {}), 8);
    expect(text).toContain("evil\\x1b]0;pwned\\x07\\x1b[2J\\r\\n✓ pass      forged\\x9b");
    expect(text).toContain("/tmp/x\\x1b[2J.png");
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text.split("\n").some((line) => line.startsWith("✓"))).toBe(false);
  });

  it("shows the time spent matching patterns when it reaches a millisecond", () => {
    const slow: ProbeResult = { ...failed, assertions: [{ description: "body matches \"x\"", passed: true, durationMs: 412.3 }] };
    expect(formatResult(slow, painter({ isTTY: false }, {}), 8)).toContain("download 0.3 · matching 412");
    expect(formatResult(failed, painter({ isTTY: false }, {}), 8)).not.toContain("matching");
  });
});
