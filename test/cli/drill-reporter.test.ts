// The live view of `vigie drill` on a terminal: a ticking line for the stage in progress, a line per finished stage.
import { afterEach, describe, expect, it, vi } from "vitest";
import { drillView } from "../../cli/reporters/drill.ts";
import { newRun } from "../../drills/index.ts";

afterEach(() => { vi.useRealTimers(); });

const drill = { id: "db", kind: "postgres", every: 3_600_000, timeout: 600_000, objectives: { rto: 1, rpo: 1 } };

describe("drill view", () => {
  it("ticks the stage in progress on a terminal and prints each finished stage once", () => {
    vi.useFakeTimers();
    let now = 1_000;
    let out = "";
    const view = drillView({ write: (t: string) => (out += t), isTTY: true }, (_s, t) => t, ["restore", "recover"], () => now);
    const run = { ...newRun(drill, 0, { host: "h", pid: 1 }), stageStartedAt: 1_000 };
    view.progress(run);
    now = 2_500;
    vi.advanceTimersByTime(100);
    expect(out).toContain("\r\x1b[2K  … restore      1.5 s");
    view.progress({ ...run, stage: 1, stageStartedAt: 2_500, stages: [{ name: "restore", startedAt: "x", durationMs: 1_500, outcome: "pass", detail: "0001 (22 MB)" }] });
    view.progress({ ...run, stage: 1, stageStartedAt: 2_500, stages: [{ name: "restore", startedAt: "x", durationMs: 1_500, outcome: "pass", detail: "0001 (22 MB)" }] });
    expect(out.match(/  ✓ restore      1\.5 s  0001 \(22 MB\)\n/g)).toHaveLength(1);
    expect(out).toContain("  … recover ");
    view.close();
  });

  it("prints only finished stages, with no control characters, when piped", () => {
    let out = "";
    const view = drillView({ write: (t: string) => (out += t) }, (_s, t) => t, ["restore"], () => 0);
    const run = newRun(drill, 0, { host: "h", pid: 1 });
    view.progress({ ...run, stageStartedAt: 0 });
    view.progress({ ...run, phase: "cleanup", stages: [{ name: "restore", startedAt: "x", durationMs: 800, outcome: "fail", detail: "no base backup" }] });
    expect(out).toBe("  ✗ restore     800 ms  no base backup\n");
    view.close();
  });
});
