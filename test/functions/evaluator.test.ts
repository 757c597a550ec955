// The evaluator on stream records built from real writes, and the one-minute housekeeping, over dynalite; SNS mocked.
import { QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createEvaluatorHandler } from "../../functions/evaluator.ts";
import { createHousekeepingHandler } from "../../functions/housekeeping.ts";
import { withStackTopic } from "../../functions/lambda-deps.ts";
import { Config } from "../../index.ts";
import type { ProbeResult } from "../../core/result/index.ts";
import { ensureTable } from "../../core/store/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { testLambdaDeps } from "../fixtures/lambda.ts";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:vigie-pages";
const T0 = Date.parse("2026-03-02T10:00:00Z");
const sns = mockClient(SNSClient);
let dynamo: TestDynamo;
let time = T0;

beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => { await dynamo?.close(); });
beforeEach(() => {
  time = T0;
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
});
afterEach(() => sns.reset());

const config = (id: string) => withStackTopic(Config.parse({
  project: "acme", regions: ["us-east-1", "eu-west-1"],
  probes: [{ id, kind: "http", url: "https://api.acme.dev/health", every: "1m", alert: { severity: "critical", after: 2, recoverAfter: 2 } }],
}), TOPIC);
/** Each test its own table: a probe of another test would be "removed from the config" here. */
const deps = async (id: string) => {
  const tableName = `${dynamo.tableName}-${id}`;
  await ensureTable(dynamo.client, tableName);
  return testLambdaDeps(dynamo, config(id), { now: () => time, sns: new SNSClient({ region: "us-east-1" }), tableName });
};

const failure = (probeId: string, region: string, at: number): ProbeResult => ({
  probeId, kind: "http", region, startedAt: new Date(at).toISOString(), durationMs: 12, outcome: "fail",
  error: { category: "connect", message: "connect ECONNREFUSED" }, assertions: [],
});

let sequence = 100;
/** The INSERT records DynamoDB's stream would carry for these runs: their items as the table holds them. */
async function streamRecords(tableName: string, probeId: string, region: string): Promise<unknown[]> {
  const page = await dynamo.client.send(new QueryCommand({
    TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: `RUN#${probeId}#${region}` } },
  }));
  return (page.Items ?? []).map((image: Record<string, AttributeValue>) => ({
    eventName: "INSERT", dynamodb: { SequenceNumber: String(sequence++), Keys: { pk: image.pk, sk: image.sk }, NewImage: image },
  }));
}

it("opens an incident and pages the stack's topic once two regions failed twice", async () => {
  const lambda = await deps("orders");
  const runs = [failure("orders", "us-east-1", T0), failure("orders", "us-east-1", T0 + 60_000), failure("orders", "eu-west-1", T0), failure("orders", "eu-west-1", T0 + 60_000)];
  await lambda.vigie.store.write(runs);
  time = T0 + 61_000;
  const records = [...await streamRecords(lambda.vigie.tableName, "orders", "us-east-1"), ...await streamRecords(lambda.vigie.tableName, "orders", "eu-west-1")];

  expect(await createEvaluatorHandler(lambda)({ Records: records })).toEqual({ batchItemFailures: [] });

  const open = await lambda.vigie.readView.incidents.list({ status: "open", limit: 10 });
  expect(open.items.map((i) => `${i.probeId}:${i.kind}`)).toEqual(["orders:down"]);
  const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
  expect(published.map((p) => [p.TopicArn, p.MessageAttributes?.event?.StringValue])).toEqual([[TOPIC, "open"]]);

  // The stream may deliver the same records again: nothing new opens, nothing pages twice.
  await createEvaluatorHandler(await deps("orders"))({ Records: records });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
});

it("skips a record that is not a valid result, evaluates the rest, and writes one alert state for the whole batch", async () => {
  const lambda = await deps("billing");
  await lambda.vigie.store.write([failure("billing", "us-east-1", T0), failure("billing", "eu-west-1", T0)]);
  const good = [...await streamRecords(lambda.vigie.tableName, "billing", "us-east-1"), ...await streamRecords(lambda.vigie.tableName, "billing", "eu-west-1")];
  const broken = { eventName: "INSERT", dynamodb: { SequenceNumber: "7", NewImage: { pk: { S: "RUN#billing#eu-west-1" }, sk: { S: "x" }, data: { S: "{\"probeId\":1}" } } } };

  expect(await createEvaluatorHandler(lambda)({ Records: [good[0], broken, good[1]] })).toEqual({ batchItemFailures: [] });
  const state = await lambda.vigie.alertStore.getState("billing");
  expect(Object.keys(state!.state.regions).sort()).toEqual(["eu-west-1", "us-east-1"]);
  expect(state!.version).toBe(1);
  expect(lambda.lines.some((line) => line.includes("not a valid result"))).toBe(true);
});

it("reports the first record of a probe it could not evaluate, so the stream retries from there", async () => {
  const lambda = await deps("catalog");
  await lambda.vigie.store.write([failure("catalog", "us-east-1", T0)]);
  const records = await streamRecords(lambda.vigie.tableName, "catalog", "us-east-1");
  // The alert state lives in a table that is gone: the evaluation fails, the record must come back.
  const broken = testLambdaDeps(dynamo, config("catalog"), { now: () => time, tableName: "gone" });
  const [first] = records as Array<{ dynamodb: { SequenceNumber: string } }>;
  expect(await createEvaluatorHandler(broken)({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: first!.dynamodb.SequenceNumber }] });
});

it("opens a stale incident, pages it and folds closed days on the minute schedule", async () => {
  const lambda = await deps("search");
  // An hour of yesterday counted but its day not folded yet (the day closed since).
  await lambda.vigie.store.putHourRollups("search", "us-east-1", [{ key: "2026-03-01T10", runs: 60, pass: 60, degraded: 0, fail: 0, maintenance: 0, histogram: {} }]);
  const housekeeping = createHousekeepingHandler(lambda);

  expect(await housekeeping()).toMatchObject({ delivered: 0, folded: 1 });
  time = T0 + 3 * 60_000 + 10_000; // 3 intervals and the probe's timeout, since this evaluator started
  expect(await housekeeping()).toMatchObject({ delivered: 2 }); // the default log channel and the stack topic

  const open = await lambda.vigie.readView.incidents.list({ status: "open", limit: 10 });
  expect(open.items.map((i) => i.kind)).toEqual(["stale"]);
  expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input.MessageAttributes?.kind?.StringValue)).toEqual(["stale"]);
  expect((await lambda.vigie.store.days("search", "us-east-1", "2026-03-01", "2026-03-01")).map((d) => d.runs)).toEqual([60]);
});
