// The stage machine with a kind that only records what it is asked, over dynalite, on a fake clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advance, cleanupReserve, createDrillStore, createEngine, DrillFault, newRun, type DrillCommon, type DrillKind, type KindContext, type StepResult,
} from "../../drills/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

let dynamo: TestDynamo;
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => { await dynamo?.close(); });

const T = Date.parse("2026-05-01T00:00:00Z");
const drill: DrillCommon = { id: "db", kind: "fake", every: 3_600_000, timeout: 600_000, objectives: { rto: 60_000, rpo: 60_000 } };

/** A kind whose stages take the (fake) time they are told and do what the script says. */
function fakeKind(clock: { now: number }, script: Record<string, (call: number) => StepResult>, cleanup: () => { ok: boolean; message?: string } = () => ({ ok: true })) {
  const calls: string[] = [];
  const counts = new Map<string, number>();
  const kind: DrillKind<DrillCommon> = {
    stages: ["restore", "recover", "validate", "measure"],
    async step(stage) {
      const n = (counts.get(stage) ?? 0) + 1;
      counts.set(stage, n);
      calls.push(stage);
      clock.now += 1_000;
      return script[stage]?.(n) ?? { status: "done" };
    },
    async cleanup() {
      calls.push("cleanup");
      clock.now += 500;
      return cleanup();
    },
  };
  return { kind, calls };
}

function setup(script: Record<string, (call: number) => StepResult>, cleanup?: () => { ok: boolean; message?: string }) {
  const clock = { now: T };
  const { kind, calls } = fakeKind(clock, script, cleanup);
  const ctx: KindContext = { now: () => clock.now, dataDir: "/nowhere", env: {}, log: () => {} };
  const store = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  const sleeps: number[] = [];
  const engine = createEngine({
    store, drills: [drill], kinds: { fake: kind }, ctx,
    sleep: async (ms) => { sleeps.push(ms); clock.now += ms; },
  });
  return { clock, kind, calls, ctx, store, engine, sleeps };
}

const happy: Record<string, (call: number) => StepResult> = {
  recover: (n) => (n < 3 ? { status: "wait", ms: 200 } : { status: "done" }),
  validate: () => ({ status: "done", validation: [{ description: "rows", passed: true, actual: 3 }], readyAt: T + 5_000 }),
  measure: () => ({ status: "done", newestData: new Date(T - 2_000).toISOString(), restorePoint: new Date(T - 1_000).toISOString() }),
};

describe("drill engine", () => {
  it("takes T0 when the first stage starts, waits as told, and computes RTO and RPO from it", async () => {
    const { engine, calls, sleeps } = setup(happy);
    const result = await engine.run("db");
    expect(calls).toEqual(["restore", "recover", "recover", "recover", "validate", "measure", "cleanup"]);
    expect(sleeps.filter((ms) => ms > 0)).toEqual([200, 200]);
    expect(result.startedAt).toBe(new Date(T).toISOString());
    expect(result.achieved).toEqual({ rtoMs: 5_000, rpoMs: 2_000, restorePoint: new Date(T - 1_000).toISOString(), newestData: new Date(T - 2_000).toISOString() });
    expect(result.outcome).toBe("pass");
    expect(result.stages.map((s) => [s.name, s.outcome, s.durationMs])).toEqual([
      ["restore", "pass", 1_000], ["recover", "pass", 3_400], ["validate", "pass", 1_000], ["measure", "pass", 1_000], ["cleanup", "pass", 500],
    ]);
  });

  it("stops at the timeout minus the cleanup reserve, skips the rest, and still cleans up", async () => {
    const { engine, calls } = setup({ recover: () => ({ status: "wait", ms: 60_000 }) });
    const result = await engine.run("db");
    expect(result.outcome).toBe("error");
    expect(result.error?.category).toBe("timeout");
    expect(result.error?.message).toMatch(/^recover: the run's 10m timeout came/);
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([["restore", "pass"], ["recover", "fail"], ["validate", "skipped"], ["measure", "skipped"], ["cleanup", "pass"]]);
    expect(calls.at(-1)).toBe("cleanup");
    expect(Date.parse(result.finishedAt)).toBeLessThanOrEqual(T + drill.timeout);
    expect(Date.parse(result.finishedAt)).toBeGreaterThanOrEqual(T + drill.timeout - cleanupReserve(drill.timeout));
  });

  it("records a failed cleanup as an error naming what was left, whatever the run achieved", async () => {
    const { engine } = setup(happy, () => ({ ok: false, message: "/d/drills/vigie-drill-db-x (refused to delete: it has no readable vigie-drill.json)" }));
    const result = await engine.run("db");
    expect(result.outcome).toBe("error");
    expect(result.cleanup.outcome).toBe("failed");
    expect(result.error).toEqual({ category: "cleanup", message: "cleanup failed, left behind: /d/drills/vigie-drill-db-x (refused to delete: it has no readable vigie-drill.json)" });
  });

  it("turns a throw in a stage into that stage's failure with its category", async () => {
    const { engine } = setup({ restore: () => { throw new DrillFault("permission", "cannot read /backups"); } });
    const result = await engine.run("db");
    expect(result.error).toEqual({ category: "permission", message: "restore: cannot read /backups" });
    expect(result.stages.map((s) => s.outcome)).toEqual(["fail", "skipped", "skipped", "skipped", "pass"]);
  });

  it("interrupts a run when its signal aborts, then cleans up", async () => {
    const { engine, calls } = setup({ recover: () => ({ status: "wait", ms: 100 }) });
    const abort = new AbortController();
    const result = await engine.run("db", { signal: abort.signal, onProgress: (run) => { if (run.data && run.stage === 1) abort.abort(new Error("SIGINT")); } });
    expect(result.outcome).toBe("interrupted");
    expect(result.error?.message).toBe("recover: interrupted (SIGINT)");
    expect(calls.at(-1)).toBe("cleanup");
  });

  it("still cleans up and frees the lock when the store fails mid-run", async () => {
    const clock = { now: T };
    const { kind, calls } = fakeKind(clock, happy);
    const real = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
    let puts = 0;
    const failing = { ...real, putRun: async (run: Parameters<typeof real.putRun>[0]) => { if (++puts === 3) throw new Error("store unavailable"); return real.putRun(run); } };
    const ctx: KindContext = { now: () => clock.now, dataDir: "/nowhere", env: {}, log: () => {} };
    const failingDrill = { ...drill, id: "db-store" };
    const engine = createEngine({ store: failing, drills: [failingDrill], kinds: { fake: kind }, ctx, sleep: async () => {} });
    await expect(engine.run("db-store")).rejects.toThrow("store unavailable");
    expect(calls.at(-1)).toBe("cleanup");
    await expect(real.lock("db-store", "another-run", clock.now, clock.now + 1_000)).resolves.toBeUndefined();
  });

  it("keeps no state in memory: a run advanced by fresh calls from its stored state ends the same", async () => {
    const { kind, ctx, store } = setup(happy);
    let run = newRun(drill, T, { host: "h", pid: 1 });
    for (let i = 0; i < 50; i++) {
      await store.putRun(run);
      const stored = (await store.activeRuns()).find((r) => r.runId === run.runId)!;
      const step = await advance(stored, { kind, drill, ctx });
      run = step.run;
      if ("done" in step.next) {
        expect(step.next.done.outcome).toBe("pass");
        expect(step.next.done.achieved.rtoMs).toBe(5_000);
        await store.deleteRun(run);
        return;
      }
    }
    throw new Error("never finished");
  });
});
