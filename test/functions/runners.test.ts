// The runner entries on a real scheduled event, over dynalite, against real local targets; the queue through a mocked SQS.
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpRunnerHandler } from "../../functions/http-runner.ts";
import { createQueueConsumerHandler } from "../../functions/queue-consumer.ts";
import { Config } from "../../index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { testLambdaDeps, testRunnerDeps } from "../fixtures/lambda.ts";
import { startHttpTarget, type Target } from "../fixtures/targets.ts";

const sqs = mockClient(SQSClient);
let dynamo: TestDynamo;
let target: Target;
const seen: string[] = [];

beforeAll(async () => {
  dynamo = await startTestDynamo();
  target = await startHttpTarget((req, res) => {
    seen.push(`${req.url} ${String(req.headers["user-agent"])}`);
    res.end("ok");
  });
});
afterAll(async () => {
  await target?.close();
  await dynamo?.close();
});
afterEach(() => {
  sqs.reset();
  seen.length = 0;
});

const config = () => Config.parse({
  project: "acme", home: "us-east-1", regions: ["us-east-1", "eu-west-1"],
  probes: [
    { id: "api", kind: "http", url: `${target.url}/api`, every: "1m", headers: { authorization: "Bearer ${env:API_TOKEN}" } },
    { id: "docs", kind: "http", url: `${target.url}/docs`, every: "1m", regions: ["eu-west-1"] },
    { id: "slow-lane", kind: "http", url: `${target.url}/slow`, every: "5m" },
  ],
});
const scheduled = (every: string) => ({ every });
const lambdaContext = { getRemainingTimeInMillis: () => 60_000 };

describe("HTTP runner", () => {
  it("runs its region's probes of the scheduled frequency group and stores them with its own region", async () => {
    const deps = testRunnerDeps(dynamo, config(), "http", { region: "eu-west-1", env: { API_TOKEN: "s3cret-token-value" } });
    const handler = createHttpRunnerHandler(deps, { spreadMs: 0 });

    const outcome = await handler(scheduled("1m"), lambdaContext);

    expect(outcome).toMatchObject({ mode: "scheduled", region: "eu-west-1", ran: 2, stored: 2, queued: 0 });
    expect(seen.map((line) => line.split(" ")[0]).sort()).toEqual(["/api", "/docs"]);
    const states = await deps.store.currentStates();
    expect(states.map((s) => `${s.probeId}@${s.region}:${s.outcome}`).sort()).toEqual(["api@eu-west-1:pass", "docs@eu-west-1:pass"]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("warms the HTTP stack once per container, before the first probe starts, and not for an invocation that runs none", async () => {
    const events: string[] = [];
    // The probes' clock: the warm-up moves it on, so a probe started before the warm-up ended would carry an earlier start.
    const t0 = Date.parse("2026-03-02T10:00:00Z");
    let clock = t0;
    const deps = testRunnerDeps(dynamo, config(), "http", { region: "eu-west-1", env: { API_TOKEN: "t" }, now: () => clock });
    const warm = async () => {
      events.push("warm start");
      await new Promise((resolve) => setImmediate(resolve));
      clock += 10_000;
      events.push("warm done");
    };
    const handler = createHttpRunnerHandler(deps, { spreadMs: 0, warm });

    await handler({ mode: "test", probes: [] }, lambdaContext);
    expect(events).toEqual([]);
    const first = await handler({ mode: "test", probes: ["api", "docs"] }, lambdaContext);
    const second = await handler({ mode: "test", probes: ["api"] }, lambdaContext);

    expect(events).toEqual(["warm start", "warm done"]);
    const starts = [first, second].flatMap((outcome) => (outcome.mode === "test" ? outcome.results.map((r) => Date.parse(r.startedAt)) : []));
    expect(starts).toHaveLength(3);
    for (const start of starts) expect(start).toBeGreaterThanOrEqual(t0 + 10_000);
    expect(seen).toHaveLength(3);
  });

  it("spreads a scheduled group's starts after the warm-up, so the warm-up does not bunch them", async () => {
    const events: string[] = [];
    const deps = testRunnerDeps(dynamo, config(), "http", { region: "eu-west-1", env: { API_TOKEN: "t" } });
    const warm = async () => {
      events.push("warm start");
      await new Promise((resolve) => setImmediate(resolve));
      events.push("warm done");
    };
    const handler = createHttpRunnerHandler(deps, { warm, sleep: async (ms) => void events.push(`spread ${ms > 0 ? "wait" : "none"}`) });
    await handler(scheduled("1m"), lambdaContext);
    expect(events.slice(0, 2)).toEqual(["warm start", "warm done"]);
    expect(events.slice(2).length).toBeGreaterThan(0);
  });

  it("logs a failed warm-up once and runs the probes unwarmed", async () => {
    const deps = testRunnerDeps(dynamo, config(), "http", { region: "eu-west-1", env: { API_TOKEN: "t" } });
    const handler = createHttpRunnerHandler(deps, { spreadMs: 0, warm: () => { throw new Error("no loopback"); } });
    await handler({ mode: "test", probes: ["api"] }, lambdaContext);
    await handler({ mode: "test", probes: ["api"] }, lambdaContext);
    expect(seen).toHaveLength(2);
    expect(deps.lines.filter((line) => line.includes("HTTP warm-up failed") && line.includes("no loopback"))).toHaveLength(1);
  });

  it("runs a 30 s group twice in one invocation, at 0 and 30 s (EventBridge schedules once a minute at most)", async () => {
    const fast = Config.parse({ project: "acme", regions: ["eu-west-1"], probes: [{ id: "fast", kind: "http", url: `${target.url}/fast`, every: "30s", timeout: "5s" }] });
    let clock = Date.parse("2026-03-02T10:00:00Z");
    const waits: number[] = [];
    const deps = testRunnerDeps(dynamo, fast, "http", { region: "eu-west-1", now: () => clock });
    const handler = createHttpRunnerHandler(deps, { spreadMs: 0, sleep: async (ms) => { waits.push(ms); clock += ms; } });

    const outcome = await handler({ every: "30s" }, lambdaContext);

    expect(outcome).toMatchObject({ mode: "scheduled", ran: 2, stored: 2 });
    expect(waits).toEqual([30_000]);
    const runs = await deps.store.listRuns({ probeId: "fast", region: "eu-west-1", limit: 10 });
    expect(runs.items.map((r) => r.startedAt).sort()).toEqual(["2026-03-02T10:00:00.000Z", "2026-03-02T10:00:30.000Z"]);
  });

  it("refuses an event that names no frequency group", async () => {
    const handler = createHttpRunnerHandler(testRunnerDeps(dynamo, config(), "http"));
    await expect(handler({ every: "soon" })).rejects.toThrow(/not a duration/);
  });

  it("refuses an event of another shape, naming each problem", async () => {
    const handler = createHttpRunnerHandler(testRunnerDeps(dynamo, config(), "http"));
    await expect(handler({ every: "1m", probes: ["api"], region: "x" })).rejects.toThrow('runner event refused: region: not a key of a scheduled event; probes: not a key of a scheduled event');
    await expect(handler({ mode: "test", probes: "api" })).rejects.toThrow("probes: must be a list of probe ids");
    await expect(handler({ mode: "later" })).rejects.toThrow('mode: must be "scheduled" or "test", not "later"');
    await expect(handler(null)).rejects.toThrow("event: must be an object");
    await expect(handler({ mode: "test", probes: ["nope"] })).rejects.toThrow("no such probe in the deployed config: nope");
  });

  it("in test mode runs the named probes now and returns their results without storing them", async () => {
    const deps = testRunnerDeps(dynamo, config(), "http", { region: "ap-south-1", tableName: "no-such-table" });
    const outcome = await createHttpRunnerHandler(deps)({ mode: "test", probes: ["slow-lane"] }, lambdaContext);
    expect(outcome).toMatchObject({ mode: "test", region: "ap-south-1" });
    expect(outcome.mode === "test" && outcome.results.map((r) => `${r.probeId}:${r.outcome}`)).toEqual(["slow-lane:pass"]);
  });

  it("queues the results the table does not take, and the queue consumer then writes each once", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    const broken = testRunnerDeps(dynamo, config(), "http", { region: "us-east-1", tableName: "missing-table" });
    const outcome = await createHttpRunnerHandler(broken, { spreadMs: 0 })(scheduled("1m"), lambdaContext);

    expect(outcome).toMatchObject({ ran: 1, stored: 0, queued: 1 });
    const sent = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageBody!);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!).map((r: { probeId: string; region: string }) => `${r.probeId}@${r.region}`)).toEqual(["api@us-east-1"]);
    expect(sent[0]).not.toContain("s3cret");

    // SQS delivers at least once: the same message twice, beside one the store refuses.
    const consumer = createQueueConsumerHandler(testLambdaDeps(dynamo, config()));
    const event = { Records: [
      { messageId: "a", body: sent[0]! },
      { messageId: "b", body: sent[0]! },
      { messageId: "c", body: "[{\"probeId\":" },
      { messageId: "d", body: JSON.stringify([{ ...JSON.parse(sent[0]!)[0], outcome: "broken" }]) },
    ] };
    expect(await consumer(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "c" }, { itemIdentifier: "d" }] });
    const store = testLambdaDeps(dynamo, config()).vigie.store;
    const startedAt = JSON.parse(sent[0]!)[0].startedAt as string;
    const hours = await store.hours("api", "us-east-1", startedAt.slice(0, 13), startedAt.slice(0, 13));
    expect(hours.map((h) => h.runs)).toEqual([1]);
  });

  it("fails the invocation when neither the table nor the queue takes the results", async () => {
    sqs.on(SendMessageCommand).rejects(new Error("AccessDenied"));
    const broken = testRunnerDeps(dynamo, config(), "http", { region: "us-east-1", tableName: "missing-table" });
    await expect(createHttpRunnerHandler(broken, { spreadMs: 0 })(scheduled("1m"), lambdaContext)).rejects.toThrow(/AccessDenied/);
  });
});
