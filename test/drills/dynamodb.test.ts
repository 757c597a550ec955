// The dynamodb-pitr kind with aws-sdk-client-mock (PITR has no local server) and a fake clock.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  DeleteTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, ListTagsOfResourceCommand,
  ResourceNotFoundException, RestoreTableToPointInTimeCommand, TagResourceCommand,
} from "@aws-sdk/client-dynamodb";
import { Config } from "../../index.ts";
import { createDrillEngine, resourceName, type DrillConfig } from "../../drills/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

const T = Date.parse("2026-06-01T10:00:00Z");
const LATEST = new Date(T - 5_000);
let store: TestDynamo;
// Only this client is mocked: the store's own client talks to dynalite.
const aws = new DynamoDBClient({ region: "us-east-1" });
const ddb = mockClient(aws);
beforeAll(async () => { store = await startTestDynamo(); });
afterAll(async () => { await store?.close(); ddb.restore(); });
beforeEach(() => ddb.reset());

const drill = (extra: Record<string, unknown> = {}): DrillConfig => Config.parse({
  project: "acme",
  drills: [{
    id: "sessions", kind: "dynamodb-pitr", timeout: "1h", source: { table: "sessions" },
    validate: [
      { key: { pk: "user#1" }, expect: { attribute: "email", op: "exists" } },
      { key: { pk: "user#2" }, expect: { attribute: "plan", op: "eq", target: "pro" } },
    ],
    objectives: { rto: "30m", rpo: "1m" },
    ...extra,
  }],
}).drills[0]!;

function engineFor(config: DrillConfig) {
  const clock = { now: T };
  const waits: number[] = [];
  // The mocked client serves the AWS calls; the store is real dynalite through its own client.
  const engine = createDrillEngine({
    doc: store.doc, tableName: store.tableName, config: { drills: [config] }, dataDir: "/tmp/unused",
    now: () => clock.now, clients: { dynamodb: aws },
    sleep: async (ms) => { if (ms > 0) waits.push(ms); clock.now += ms; },
  });
  return { engine, waits, clock };
}

function answers(statuses: string[], tags?: Array<{ Key: string; Value: string }>) {
  let tagged: Array<{ Key?: string; Value?: string }> | undefined;
  let restored = false;
  ddb.on(DescribeContinuousBackupsCommand).resolves({ ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED", PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED", LatestRestorableDateTime: LATEST } } });
  ddb.on(RestoreTableToPointInTimeCommand).callsFake(() => { restored = true; return {}; });
  ddb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => {
    if (!restored) throw new ResourceNotFoundException({ message: "not found", $metadata: {} });
    const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
    return { Table: { TableName: input.TableName, TableStatus: status, TableArn: `arn:aws:dynamodb:us-east-1:1:table/${input.TableName}` } };
  });
  ddb.on(TagResourceCommand).callsFake((input: { Tags: Array<{ Key?: string; Value?: string }> }) => { tagged = input.Tags; return {}; });
  ddb.on(ListTagsOfResourceCommand).callsFake(() => ({ Tags: tags ?? tagged ?? [] }));
  ddb.on(GetItemCommand).callsFake((input: { Key: { pk: { S: string } } }) => (
    input.Key.pk.S === "user#1" ? { Item: { pk: { S: "user#1" }, email: { S: "a@example.com" } } } : { Item: { pk: { S: "user#2" }, plan: { S: "free" } } }
  ));
  ddb.on(DeleteTableCommand).resolves({});
}

describe("dynamodb-pitr", () => {
  it("restores into a new on-demand table, tags it once active, checks items, and deletes it", async () => {
    answers(["CREATING", "CREATING", "ACTIVE"]);
    const { engine, waits } = engineFor(drill());
    const result = await engine.run("sessions");
    const name = resourceName("sessions", result.runId);
    expect(ddb.calls().map((c) => c.args[0].constructor.name)).toEqual([
      "DescribeContinuousBackupsCommand", "RestoreTableToPointInTimeCommand", "DescribeTableCommand", "DescribeTableCommand", "DescribeTableCommand",
      "TagResourceCommand", "GetItemCommand", "GetItemCommand", "DescribeTableCommand", "ListTagsOfResourceCommand", "DeleteTableCommand",
    ]);
    expect(ddb.commandCalls(RestoreTableToPointInTimeCommand)[0]!.args[0].input).toEqual({
      SourceTableName: "sessions", TargetTableName: name, BillingModeOverride: "PAY_PER_REQUEST", UseLatestRestorableTime: true,
    });
    expect(ddb.commandCalls(TagResourceCommand)[0]!.args[0].input.Tags).toEqual([{ Key: "vigie:drill", Value: "sessions" }, { Key: "vigie:run", Value: result.runId }]);
    expect(waits).toEqual([5_000, 10_000]);
    expect(result.validation).toEqual([
      { description: '{"pk":"user#1"} email exists', passed: true, actual: "a@example.com" },
      { description: '{"pk":"user#2"} plan eq "pro"', passed: false, actual: "free" },
    ]);
    expect(result.outcome).toBe("fail");
    expect(result.achieved).toEqual({ rtoMs: null, rpoMs: 5_000, restorePoint: LATEST.toISOString(), newestData: LATEST.toISOString() });
    expect(ddb.commandCalls(DeleteTableCommand)[0]!.args[0].input).toEqual({ TableName: name });
  });

  it("refuses to delete a table whose tags do not match the run", async () => {
    answers(["ACTIVE"], [{ Key: "vigie:drill", Value: "other" }, { Key: "vigie:run", Value: "x" }]);
    const { engine } = engineFor(drill());
    const result = await engine.run("sessions");
    expect(ddb.commandCalls(DeleteTableCommand)).toHaveLength(0);
    expect(result.cleanup.outcome).toBe("failed");
    expect(result.error?.category).toBe("cleanup");
  });

  it("deletes a copy the run stopped before tagging: waits until it is ACTIVE, tags it as the run's, then deletes it", async () => {
    // The table takes longer to restore than the run's 2-minute timeout: the run stops while it is still CREATING.
    answers(["ACTIVE"]);
    const { engine, clock, waits } = engineFor(drill({ timeout: "2m" }));
    let tags: Array<{ Key?: string; Value?: string }> = [];
    ddb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => ({
      Table: { TableName: input.TableName, TableStatus: clock.now < T + 200_000 ? "CREATING" : "ACTIVE", TableArn: `arn:aws:dynamodb:us-east-1:1:table/${input.TableName}` },
    }));
    ddb.on(TagResourceCommand).callsFake((input: { Tags: Array<{ Key?: string; Value?: string }> }) => { tags = input.Tags; return {}; });
    ddb.on(ListTagsOfResourceCommand).callsFake(() => ({ Tags: tags }));

    const result = await engine.run("sessions");

    const name = resourceName("sessions", result.runId);
    expect(result.error?.category).toBe("timeout");
    expect(result.cleanup.outcome).toBe("done");
    expect(ddb.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceArn: `arn:aws:dynamodb:us-east-1:1:table/${name}`, Tags: [{ Key: "vigie:drill", Value: "sessions" }, { Key: "vigie:run", Value: result.runId }] }]);
    expect(ddb.commandCalls(DeleteTableCommand).map((c) => c.args[0].input)).toEqual([{ TableName: name }]);
    // Looked at again every 30 s while it was restoring, then 15 s after tagging it.
    expect(waits.slice(-2)).toEqual([30_000, 15_000]);
  });

  it("fails in the restore stage when point-in-time recovery is off", async () => {
    ddb.on(DescribeContinuousBackupsCommand).resolves({ ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED", PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "DISABLED" } } });
    ddb.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: "not found", $metadata: {} }));
    const { engine } = engineFor(drill());
    const result = await engine.run("sessions");
    expect(result.error).toEqual({ category: "backup", message: 'restore: point-in-time recovery is not enabled on table "sessions"' });
    expect(result.cleanup.outcome).toBe("done");
    expect(ddb.commandCalls(RestoreTableToPointInTimeCommand)).toHaveLength(0);
  });
});
