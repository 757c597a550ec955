// The check of a drill run's state read back (drills/run-state-check.ts: by the drill Lambda from Step Functions and
// from the table), against the schema it stands in for: what the schema accepts, the check accepts unchanged; what
// the schema refuses, the check refuses, naming the field.
import { describe, expect, it } from "vitest";
import { checkRunState, RunState } from "../../drills/run-state.ts";
import { newRun } from "../../drills/engine.ts";
import type { DrillResult } from "../../core/result/index.ts";

const fresh: RunState = newRun({ id: "orders-db", kind: "rds-pitr", every: 86_400_000, timeout: 3_600_000, objectives: { rto: 600_000, rpo: 60_000 } }, Date.parse("2026-03-02T10:00:00Z"), { host: "lambda", pid: 8, execution: "arn:aws:states:us-east-1:1:execution:m:e" });
const result: DrillResult = {
  drillId: "orders-db", kind: "rds-pitr", runId: fresh.runId, startedAt: "2026-03-02T10:00:00.000Z", finishedAt: "2026-03-02T10:03:00.000Z", outcome: "pass",
  objectives: { rtoMs: 600_000, rpoMs: 60_000 }, achieved: { rtoMs: 90_000, rpoMs: 1_000, restorePoint: null, newestData: null },
  stages: [{ name: "restore", startedAt: "2026-03-02T10:00:00.000Z", durationMs: 80_000, outcome: "pass" }],
  validation: [{ description: "select 1 eq 1", passed: true, actual: 1, durationMs: 3 }],
  cleanup: { outcome: "done", resources: [] },
};
const finished: RunState = {
  ...fresh, owner: { ...fresh.owner, tookOverFrom: "pid 7 on other" }, t0: fresh.createdAt, phase: "finished", stage: 4, stageStartedAt: null,
  stages: result.stages, validation: result.validation, readyAt: fresh.createdAt + 90_000, restorePoint: "2026-03-02T09:59:59.000Z", newestData: null, rpoFrom: null,
  resources: [{ kind: "rds-instance", id: `vigie-drill-orders-db-${fresh.runId}` }], outcome: "fail", error: { category: "validate", message: "a check failed" },
  cleanup: { outcome: "failed", message: "still deleting" }, data: { instance: "x", port: 5432 }, result,
};

describe("a drill run's state, read back", () => {
  it("is accepted as the schema accepts it, unchanged", () => {
    for (const run of [fresh, finished]) {
      expect(RunState.safeParse(run).success).toBe(true);
      expect(checkRunState(run)).toBe(run);
    }
  });

  it("is refused where the schema refuses it, naming the field", () => {
    const bad: Array<[unknown, string]> = [
      [[], "not an object"],
      [{ stage: 1 }, "v must be 1"],
      [{ ...fresh, v: 2 }, "v must be 1"],
      [{ ...fresh, runId: 5 }, "runId must be a string"],
      [{ ...fresh, owner: { host: "h" } }, "owner must hold a host and a pid"],
      [{ ...fresh, owner: { ...fresh.owner, execution: 1 } }, "owner must hold"],
      [{ ...fresh, deadline: "soon" }, "deadline must be a number"],
      [{ ...fresh, t0: undefined }, "t0 must be a number or null"],
      [{ ...fresh, restorePoint: 1 }, "restorePoint must be a string or null"],
      [{ ...fresh, phase: "done" }, 'phase "done" is not one of run, cleanup, finished'],
      [{ ...fresh, stages: [{ name: "restore" }] }, "stages must be a list of stages"],
      [{ ...fresh, validation: [{ passed: true }] }, "validation must be a list of checks"],
      [{ ...fresh, resources: [{ kind: "x" }] }, "resources must be a list"],
      [{ ...fresh, outcome: "ok" }, 'outcome "ok" is not null or one of'],
      [{ ...fresh, error: { category: "oops", message: "x" } }, "error must be null or hold a known category"],
      [{ ...fresh, cleanup: { outcome: "gone" } }, "cleanup must hold an outcome"],
      [{ ...fresh, data: null }, "data must be an object"],
      [{ ...finished, result: { ...result, outcome: "ok" } }, 'result: not a drill result: outcome "ok"'],
    ];
    for (const [value, message] of bad) {
      expect(RunState.safeParse(value).success, message).toBe(false);
      expect(() => checkRunState(value), message).toThrow(message);
    }
  });
});
