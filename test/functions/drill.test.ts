// The drill slot: the drill Lambda advances a run once per invocation, and the state machine's loop (walked here
// state by state from its Amazon States Language) drives it to the end. The engine is the real one, on a real
// postgres drill (a real source cluster, base backup and WAL archive) over dynalite; each invocation is a fresh
// composition, as a cold Lambda container is, and the payload crosses JSON between steps, as in Step Functions.
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
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
// Whether another execution still runs is Step Functions' to say (DescribeExecution): mocked, per test.
const sfnClient = new SFNClient({ region: "us-east-1" });
const sfn = mockClient(sfnClient);
beforeEach(() => sfn.reset());
const MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:acme-prod-DrillOrdersDb";
const executionArn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:acme-prod-DrillOrdersDb:${name}`;

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
  sfn.restore();
  await source?.stop();
  await dynamo?.close();
  await rm(root, { recursive: true, force: true });
}, 60_000);

/** One Lambda invocation in a fresh container: a new composition over the same table, with the real drill engine. */
function invokeFresh(dataDir: string, log: string[]) {
  return async (payload: unknown) => {
    const vigie = composeVigie({
      client: dynamo.client, tableName: dynamo.tableName, config, env: {}, now: Date.now, log: (line) => log.push(line),
      drillEngine: (context) => drillStepper(context, { dataDir, sfn: sfnClient }),
    });
    // Step Functions hands the Lambda JSON and keeps its JSON answer.
    return JSON.parse(JSON.stringify(await createDrillHandler({ vigie })(JSON.parse(JSON.stringify(payload)))));
  };
}

/**
 * Walks the definition: Pass → Task → Choice → Wait → Task …, recording each wait, until it succeeds. A Wait polls the
 * real cluster again after a short pause instead of the whole seconds Step Functions would wait. `maxInvocations`
 * stops walking after that many Lambda calls, as an execution that timed out or was stopped ends.
 */
async function runStateMachine(definition: Record<string, any>, input: unknown, invoke: (payload: unknown) => Promise<any>, options: { execution?: string; maxInvocations?: number } = {}) {
  let state = definition.StartAt as string;
  let data: any = input;
  const waits: number[] = [];
  let invocations = 0;
  const context = { Execution: { Id: options.execution ?? executionArn("walk") } };
  /** A path of the input (`$.x`) or of the context object (`$$.Execution.Id`). */
  const read = (jsonPath: string) => (jsonPath.startsWith("$$.") ? jsonPath.slice(3).split(".").reduce((v: any, k) => v?.[k], context) : data[jsonPath.slice(2)]);
  for (let steps = 0; steps < 6_000; steps++) {
    const node = definition.States[state];
    if (node.Type === "Succeed") return { data, waits, invocations };
    if (node.Type === "Pass") {
      data = Object.fromEntries(Object.entries(node.Parameters as Record<string, string>).map(([key, value]) => (key.endsWith(".$") ? [key.slice(0, -2), read(value)] : [key, value])));
      state = node.Next;
      continue;
    }
    if (node.Type === "Task" && invocations === options.maxInvocations) return { data, waits, invocations, stopped: true };
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

  const { data, waits, invocations } = await runStateMachine(definition, { drillId: "orders-db" }, invokeFresh(dataDir, log), { execution: executionArn("first") });

  expect(data.next).toBe("done");
  expect(data.drillId).toBe("orders-db");
  expect(data.execution).toBe(executionArn("first"));
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

it("cleans up a run whose very first step died after storing it, and frees the lock for the next execution", async () => {
  const dataDir = path.join(root, "lambda-first-crash");
  const log: string[] = [];
  const fresh = invokeFresh(dataDir, log);
  let crashed = false;
  // The first invocation starts the run (lock, run stored, restore begun) and dies before answering.
  const crashing = async (payload: any) => {
    const answer = await fresh(payload);
    if (!crashed) {
      crashed = true;
      throw new Error("Task timed out after 120.00 seconds");
    }
    return answer;
  };
  const { data } = await runStateMachine(drillStateMachine("arn"), { drillId: "orders-db" }, crashing, { execution: executionArn("dies-first") });
  const result = data.run.result;
  expect(result.outcome).toBe("error");
  expect(result.error.message).toContain("a drill step failed: Lambda.Unknown: Task timed out after 120.00 seconds");
  expect(result.cleanup.outcome).toBe("done");
  const store = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  expect(await store.lastResult("orders-db")).toEqual(result);
  expect(await store.activeRuns()).toEqual([]);
  expect(await readdir(path.join(dataDir, "drills"))).toEqual([]);
  // The next scheduled execution is not blocked: it starts its own run.
  const next = await runStateMachine(drillStateMachine("arn"), { drillId: "orders-db" }, fresh, { execution: executionArn("after-crash") });
  expect(next.data.run.result.outcome).toBe("pass");
}, 180_000);

it("takes over a run whose execution ended, cleans it up as interrupted, then runs its own; a running one is left alone", async () => {
  const dataDir = path.join(root, "lambda-takeover");
  const log: string[] = [];
  const fresh = invokeFresh(dataDir, log);
  const store = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  // An execution that stops after two steps (its copy restored), as one stopped by hand or timed out does.
  const dead = executionArn("timed-out");
  const first = await runStateMachine(drillStateMachine("arn"), { drillId: "orders-db" }, fresh, { execution: dead, maxInvocations: 2 });
  expect(first.stopped).toBe(true);
  const [left] = await store.activeRuns();
  expect(left!.owner.execution).toBe(dead);
  expect(await readdir(path.join(dataDir, "drills"))).toEqual([`vigie-drill-orders-db-${left!.runId}`]);

  // While Step Functions says it runs (or cannot say), the next execution leaves it and fails, saying why.
  sfn.on(DescribeExecutionCommand, { executionArn: dead }).resolves({ status: "RUNNING" });
  await expect(fresh({ drillId: "orders-db", execution: executionArn("too-soon") })).rejects.toThrow(/already running/);
  sfn.on(DescribeExecutionCommand, { executionArn: dead }).rejects(Object.assign(new Error("not allowed"), { name: "AccessDeniedException" }));
  await expect(fresh({ drillId: "orders-db", execution: executionArn("cannot-tell") })).rejects.toThrow(/already running/);
  expect(log.some((line) => line.includes(`cannot tell whether ${dead} still drives it`))).toBe(true);

  // Once it has ended, the next execution cleans its run up, then runs the drill.
  sfn.on(DescribeExecutionCommand, { executionArn: dead }).resolves({ status: "TIMED_OUT" });
  const next = executionArn("next");
  const { data } = await runStateMachine(drillStateMachine("arn"), { drillId: "orders-db" }, fresh, { execution: next });
  expect(data.run.result.outcome).toBe("pass");
  expect(data.run.owner.execution).toBe(next);
  const [own, taken] = (await store.listResults({ drillId: "orders-db", limit: 2 })).items;
  expect(own!.runId).toBe(data.run.runId);
  expect(taken!.runId).toBe(left!.runId);
  expect(taken!.outcome).toBe("interrupted");
  expect(taken!.error!.message).toContain(`the execution driving it (${dead}) is TIMED_OUT`);
  expect(taken!.cleanup.outcome).toBe("done");
  expect(await store.activeRuns()).toEqual([]);
  expect(await readdir(path.join(dataDir, "drills"))).toEqual([]);
}, 240_000);

it("sweeps the drill's leftovers no run owns at the start of an execution", async () => {
  const dataDir = path.join(root, "lambda-sweep");
  const log: string[] = [];
  const fresh = invokeFresh(dataDir, log);
  const store = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  await runStateMachine(drillStateMachine("arn"), { drillId: "orders-db" }, fresh, { execution: executionArn("lost"), maxInvocations: 2 });
  // Its record lost (deleted by hand, say): the copy belongs to no run, and the lock to no run either.
  const [lost] = await store.activeRuns();
  await store.deleteRun(lost!);
  const copy = `vigie-drill-orders-db-${lost!.runId}`;
  expect(await readdir(path.join(dataDir, "drills"))).toEqual([copy]);

  const { data } = await runStateMachine(drillStateMachine("arn"), { drillId: "orders-db" }, fresh, { execution: executionArn("sweeps") });
  expect(data.run.result.outcome).toBe("pass");
  expect(log.some((line) => line.includes(`sweeper: removed leftover ${path.join(dataDir, "drills", copy)}`))).toBe(true);
  expect(log.some((line) => line.includes(`the lock of run ${lost!.runId} outlived its run; replacing it`))).toBe(true);
  expect(await readdir(path.join(dataDir, "drills"))).toEqual([]);
}, 240_000);

it("refuses to run without a drill engine, saying why", async () => {
  await expect(createDrillHandler({ vigie: { drills: undefined } })({ drillId: "orders-db" })).rejects.toThrow(/no drill engine in this build/);
});

it("says a step could not reach an AWS API, and what the VPC needs, when the SDK gave up connecting", async () => {
  const timedOut = Object.assign(new Error("@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms."), { name: "TimeoutError" });
  const drills = { advance: async () => { throw timedOut; } } as unknown as NonNullable<Parameters<typeof createDrillHandler>[0]["vigie"]["drills"]>;
  const step = createDrillHandler({ vigie: { drills } })({ drillId: "orders-db" });
  await expect(step).rejects.toThrow(/^drill orders-db: could not open a connection to an AWS API \(@smithy.*\): from a VPC, .*NAT gateway, or VPC endpoints \(restore\.vpcEndpoints: true adds them, for a drill in the home region\)$/);
  await expect(step).rejects.toMatchObject({ cause: timedOut });
  const denied = Object.assign(new Error("not allowed"), { name: "AccessDeniedException" });
  const other = { advance: async () => { throw denied; } } as unknown as typeof drills;
  await expect(createDrillHandler({ vigie: { drills: other } })({ drillId: "orders-db" })).rejects.toBe(denied);
});
