// The drill slot: the drill Lambda advances a run once per invocation, and the state machine's loop (walked here
// state by state from its Amazon States Language) drives it to the end. The engine is the real one, on a real
// postgres drill (a real source cluster, base backup and WAL archive) over dynalite; each invocation is a fresh
// composition, as a cold Lambda container is, and the payload crosses JSON between steps, as in Step Functions.
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDrillHandler } from "../../functions/drill.ts";
import { drillStepper } from "../../functions/drill-engine.ts";
import { composeVigie, drillStateMachine } from "../../core/runtime/index.ts";
import { Config } from "../../index.ts";
import { createDrillStore, startSourceCluster, type SourceCluster } from "../../drills/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { ordersDrillInput } from "../fixtures/drills.ts";

let root: string;
let source: SourceCluster;
let dynamo: TestDynamo;
let config: Config;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "vigie-sfn-"));
  await chmod(root, 0o755); // PostgreSQL runs as its own user when the tests run as root
  dynamo = await startTestDynamo();
  source = await startSourceCluster({ root: path.join(root, "source") });
  await source.client.query("create table orders (id serial primary key, created_at timestamptz not null)");
  await source.client.query("insert into orders (created_at) values (clock_timestamp())");
  await source.baseBackup("0001");
  await source.switchWal();
  config = Config.parse({
    project: "acme",
    drills: [ordersDrillInput(source, { every: "1d" })],
  });
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await dynamo?.close();
  await rm(root, { recursive: true, force: true });
}, 60_000);

/** One Lambda invocation in a fresh container: a new composition over the same table, with the real drill engine. */
function invokeFresh(dataDir: string, log: string[]) {
  return async (payload: unknown) => {
    const vigie = composeVigie({
      client: dynamo.client, tableName: dynamo.tableName, config, env: {}, now: Date.now, log: (line) => log.push(line),
      drillEngine: (context) => drillStepper(context, { dataDir }),
    });
    // Step Functions hands the Lambda JSON and keeps its JSON answer.
    return JSON.parse(JSON.stringify(await createDrillHandler({ vigie })(JSON.parse(JSON.stringify(payload)))));
  };
}

/**
 * Walks the definition: Task → Choice → Wait → Task …, recording each wait, until it succeeds. A Wait polls the
 * real cluster again after a short pause instead of the whole seconds Step Functions would wait.
 */
async function runStateMachine(definition: Record<string, any>, input: unknown, invoke: (payload: unknown) => Promise<any>) {
  let state = definition.StartAt as string;
  let data: any = input;
  const waits: number[] = [];
  let invocations = 0;
  for (let steps = 0; steps < 6_000; steps++) {
    const node = definition.States[state];
    if (node.Type === "Succeed") return { data, waits, invocations };
    if (node.Type === "Task") {
      expect(node.OutputPath).toBe("$.Payload");
      invocations++;
      try {
        data = await invoke(data);
      } catch (error) {
        // Catch: the last good input, with the error at ResultPath, to the Catch's state.
        const caught = node.Catch?.find((c: any) => c.ErrorEquals.includes("States.ALL"));
        if (!caught) throw error;
        data = { ...data, [caught.ResultPath.slice(2)]: { Error: "Lambda.Unknown", Cause: (error as Error).message } };
        state = caught.Next;
        continue;
      }
    }
    if (node.Type === "Choice") {
      const match = node.Choices.find((choice: any) => data[choice.Variable.slice(2)] === choice.StringEquals);
      state = match ? match.Next : node.Default;
      continue;
    }
    if (node.Type === "Wait") {
      waits.push(data[node.SecondsPath.slice(2)]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    state = node.Next;
  }
  throw new Error("the state machine did not end");
}

it("drives a real postgres drill through its stages, one invocation per step, to a stored result", async () => {
  const dataDir = path.join(root, "lambda-tmp");
  const log: string[] = [];
  const definition = drillStateMachine("arn:aws:lambda:us-east-1:123456789012:function:acme-prod-drill");

  const { data, waits, invocations } = await runStateMachine(definition, { drillId: "orders-db" }, invokeFresh(dataDir, log));

  expect(data.next).toBe("done");
  expect(data.drillId).toBe("orders-db");
  const result = data.run.result;
  expect(result.outcome).toBe("pass");
  expect(result.stages.map((s: any) => [s.name, s.outcome])).toEqual([
    ["restore", "pass"], ["recover", "pass"], ["validate", "pass"], ["measure", "pass"], ["cleanup", "pass"],
  ]);
  // Five stages at least one step each, and waits in whole seconds, at least one.
  expect(invocations).toBeGreaterThanOrEqual(5);
  expect(waits.length).toBe(invocations - 1);
  for (const wait of waits) expect(Number.isInteger(wait) && wait >= 1).toBe(true);

  // The result is stored, the run and the lock are gone, and the copy was removed.
  const store = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  expect(await store.lastResult("orders-db")).toEqual(result);
  expect(await store.activeRuns()).toEqual([]);
  expect(await readdir(path.join(dataDir, "drills"))).toEqual([]);

  // The lock was freed: the next scheduled execution starts a new run.
  const second = await invokeFresh(dataDir, log)({ drillId: "orders-db" });
  expect(second.next).toBe("wait");
  expect(second.run.runId).not.toBe(result.runId);
  expect(await store.activeRuns()).toHaveLength(1);
  // Driven on to its end, so nothing is left behind.
  await runStateMachine({ ...definition, StartAt: "Done?" }, second, invokeFresh(dataDir, log));
  expect(await store.activeRuns()).toEqual([]);
}, 180_000);

it("stops a run whose step died (a Lambda timeout) and still cleans it up, from the state the dead step stored", async () => {
  const dataDir = path.join(root, "lambda-crash");
  const log: string[] = [];
  const fresh = invokeFresh(dataDir, log);
  let crashed = false;
  // The invocation that finishes the restore stage stores that, then dies before answering, as a timed-out Lambda does.
  const crashing = async (payload: any) => {
    const answer = await fresh(payload);
    if (!crashed && payload.run && answer.run.stage > payload.run.stage) {
      crashed = true;
      throw new Error("Task timed out after 120.00 seconds");
    }
    return answer;
  };
  const { data } = await runStateMachine(drillStateMachine("arn"), { drillId: "orders-db" }, crashing);
  const result = data.run.result;
  expect(result.outcome).toBe("error");
  expect(result.error.message).toContain("a drill step failed: Lambda.Unknown: Task timed out after 120.00 seconds");
  expect(result.cleanup.outcome).toBe("done");
  // The restore the dead step finished counts (read back from the table); the stages after it were skipped.
  expect(result.stages.map((s: any) => [s.name, s.outcome])).toEqual([
    ["restore", "pass"], ["recover", "skipped"], ["validate", "skipped"], ["measure", "skipped"], ["cleanup", "pass"],
  ]);
  expect(await readdir(path.join(dataDir, "drills"))).toEqual([]);
  const store = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  expect(await store.lastResult("orders-db")).toEqual(result);
  expect(await store.activeRuns()).toEqual([]);
  expect(log.some((line) => line.includes("a step failed"))).toBe(true);
}, 180_000);

it("fails an execution whose first step failed without touching anything (the lock is another run's)", async () => {
  const invoke = invokeFresh(path.join(root, "lambda-first"), []);
  await expect(invoke({ drillId: "orders-db", error: { Error: "DrillLockedError", Cause: "held" } })).rejects.toThrow("drill orders-db: the run did not start: DrillLockedError: held");
});

it("refuses a second run while one holds the drill's lock, and steps that name no drill or a foreign run", async () => {
  const dataDir = path.join(root, "lambda-lock");
  const invoke = invokeFresh(dataDir, []);
  const first = await invoke({ drillId: "orders-db" });
  await expect(invoke({ drillId: "orders-db" })).rejects.toThrow(/orders-db/);
  await expect(invoke({})).rejects.toThrow(/needs a drillId/);
  await expect(invoke({ drillId: "nope" })).rejects.toThrow(/no drill "nope" in the config \(drills: orders-db\)/);
  await expect(invoke({ drillId: "orders-db", run: { stage: 1 } })).rejects.toThrow(/not a run/);
  await runStateMachine({ ...drillStateMachine("arn"), StartAt: "Done?" }, first, invoke);
}, 180_000);

it("refuses to run without a drill engine, saying why", async () => {
  await expect(createDrillHandler({ vigie: { drills: undefined } })({ drillId: "orders-db" })).rejects.toThrow(/no drill engine in this build/);
});
