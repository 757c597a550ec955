// The RDS kinds with aws-sdk-client-mock (no local RDS exists) and a fake clock: calls, tags, backoff, cleanup, refusal.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  DBInstanceNotFoundFault, DeleteDBInstanceCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { Config } from "../../index.ts";
import { createDrillEngine, resourceName, type DrillConfig } from "../../drills/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

const T = Date.parse("2026-06-01T10:00:00Z");
const LATEST = new Date(T - 4_000);
let dynamo: TestDynamo;
const rds = mockClient(RDSClient);
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => { await dynamo?.close(); rds.restore(); });
beforeEach(() => rds.reset());

const drill = (kind: "rds-pitr" | "rds-snapshot", extra: Record<string, unknown> = {}): DrillConfig => Config.parse({
  project: "acme",
  drills: [{
    id: "orders-rds", kind, timeout: "1h",
    source: { instance: "orders-prod" },
    restore: { instanceClass: "db.t4g.micro", subnetGroup: "drills", securityGroups: ["sg-0abc"] },
    connect: { database: "orders", user: "drill", password: "${env:DRILL_PW}" },
    objectives: { rto: "30m", rpo: "1m" },
    ...extra,
  }],
}).drills[0]!;

function engineFor(config: DrillConfig) {
  const clock = { now: T };
  const waits: number[] = [];
  const engine = createDrillEngine({
    doc: dynamo.doc, tableName: dynamo.tableName, config: { drills: [config] }, dataDir: "/tmp/unused", env: {},
    now: () => clock.now, clients: { rds: new RDSClient({ region: "us-east-1" }) },
    sleep: async (ms) => { if (ms > 0) waits.push(ms); clock.now += ms; },
  });
  return { engine, clock, waits };
}

const tagsOf = (input: { Tags?: Array<{ Key?: string; Value?: string }> }) => Object.fromEntries((input.Tags ?? []).map((t) => [t.Key, t.Value]));
const notFound = () => new DBInstanceNotFoundFault({ message: "DBInstance not found", $metadata: {} });

/** The copy's DescribeDBInstances answers: `states` in turn (the last one repeats), tagged as the restore asked. */
function copyAnswers(states: string[], tags?: Record<string, string>) {
  let restoredTags: Record<string, string> | undefined;
  rds.on(RestoreDBInstanceToPointInTimeCommand).callsFake((input) => { restoredTags = tagsOf(input); return {}; });
  rds.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake((input) => { restoredTags = tagsOf(input); return {}; });
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
    if (input.DBInstanceIdentifier === "orders-prod") return { DBInstances: [{ DBInstanceIdentifier: "orders-prod", LatestRestorableTime: LATEST }] };
    if (!restoredTags) throw notFound();
    const status = states.length > 1 ? states.shift()! : states[0]!;
    const TagList = Object.entries(tags ?? restoredTags).map(([Key, Value]) => ({ Key, Value }));
    return { DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: status, TagList, Endpoint: { Address: "copy.example", Port: 5432 } }] };
  });
  rds.on(DeleteDBInstanceCommand).resolves({});
}

describe("rds-pitr", () => {
  it("restores the latest restorable time into a private, tagged copy, waits with backoff, then deletes it without a final snapshot", async () => {
    copyAnswers(["creating", "creating", "backing-up", "available"]);
    const { engine, waits } = engineFor(drill("rds-pitr"));
    const result = await engine.run("orders-rds");
    const name = resourceName("orders-rds", result.runId);
    expect(rds.calls().map((call) => call.args[0].constructor.name)).toEqual([
      "DescribeDBInstancesCommand", "RestoreDBInstanceToPointInTimeCommand",
      "DescribeDBInstancesCommand", "DescribeDBInstancesCommand", "DescribeDBInstancesCommand", "DescribeDBInstancesCommand",
      "DescribeDBInstancesCommand", "DeleteDBInstanceCommand",
    ]);
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input).toEqual({
      SourceDBInstanceIdentifier: "orders-prod", TargetDBInstanceIdentifier: name, UseLatestRestorableTime: true,
      DBInstanceClass: "db.t4g.micro", DBSubnetGroupName: "drills", VpcSecurityGroupIds: ["sg-0abc"],
      PubliclyAccessible: false, MultiAZ: false, DeletionProtection: false, AutoMinorVersionUpgrade: false, CopyTagsToSnapshot: false,
      Tags: [{ Key: "vigie:drill", Value: "orders-rds" }, { Key: "vigie:run", Value: result.runId }],
    });
    expect(waits).toEqual([5_000, 10_000, 20_000]);
    expect(rds.commandCalls(DeleteDBInstanceCommand)[0]!.args[0].input).toEqual({ DBInstanceIdentifier: name, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    expect(result.outcome).toBe("pass");
    expect(result.achieved).toEqual({ rtoMs: 35_000, rpoMs: 4_000, restorePoint: LATEST.toISOString(), newestData: LATEST.toISOString() });
    expect(result.cleanup).toEqual({ outcome: "done", resources: [{ kind: "rds-instance", id: name }] });
  });

  it("gives up at the deadline and still deletes the copy", async () => {
    copyAnswers(["creating"]);
    const { engine, clock } = engineFor(drill("rds-pitr"));
    const result = await engine.run("orders-rds");
    expect(result.outcome).toBe("error");
    expect(result.error?.category).toBe("timeout");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([["restore", "pass"], ["recover", "fail"], ["validate", "skipped"], ["measure", "skipped"], ["cleanup", "pass"]]);
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
    expect(clock.now - T).toBeLessThanOrEqual(3_600_000);
  });

  it("reports AccessDenied as a permission error and cleans up (nothing was created)", async () => {
    rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
      if (input.DBInstanceIdentifier === "orders-prod") return { DBInstances: [{ LatestRestorableTime: LATEST }] };
      throw notFound();
    });
    rds.on(RestoreDBInstanceToPointInTimeCommand).rejects(Object.assign(new Error("User: arn:aws:iam::1:user/x is not authorized to perform: rds:RestoreDBInstanceToPointInTime"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
    const { engine } = engineFor(drill("rds-pitr"));
    const result = await engine.run("orders-rds");
    expect(result.outcome).toBe("error");
    expect(result.error?.category).toBe("permission");
    expect(result.error?.message).toContain("restore: restore: AccessDenied: User: arn:aws:iam::1:user/x is not authorized");
    expect(result.cleanup.outcome).toBe("done");
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it("refuses to delete an instance whose tags do not match the run", async () => {
    copyAnswers(["available"], { "vigie:drill": "orders-rds", "vigie:run": "someone-else" });
    const { engine } = engineFor(drill("rds-pitr"));
    const result = await engine.run("orders-rds");
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(result.outcome).toBe("error");
    expect(result.cleanup.outcome).toBe("failed");
    expect(result.error?.category).toBe("cleanup");
    expect(result.error?.message).toContain(`refused to delete: its tags vigie:run="someone-else" are not vigie:run="${result.runId}"`);
  });

  it("restores to a past instant with restoreTo and measures RPO from it", async () => {
    copyAnswers(["available"]);
    const { engine } = engineFor(drill("rds-pitr", { restoreTo: "15m" }));
    const result = await engine.run("orders-rds");
    const input = rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input;
    expect(input.RestoreTime).toEqual(new Date(T - 900_000));
    expect(input.UseLatestRestorableTime).toBeUndefined();
    expect(result.achieved.rpoMs).toBe(0);
    expect(result.achieved.restorePoint).toBe(new Date(T - 900_000).toISOString());
  });
});

describe("rds-snapshot", () => {
  it("restores the newest automated snapshot", async () => {
    copyAnswers(["available"]);
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [
      { DBSnapshotIdentifier: "rds:orders-prod-old", SnapshotCreateTime: new Date(T - 2 * 86_400_000) },
      { DBSnapshotIdentifier: "rds:orders-prod-new", SnapshotCreateTime: new Date(T - 3_600_000) },
    ] });
    const { engine } = engineFor(drill("rds-snapshot", { objectives: { rto: "30m", rpo: "1d" } }));
    const result = await engine.run("orders-rds");
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)[0]!.args[0].input).toEqual({ DBInstanceIdentifier: "orders-prod", SnapshotType: "automated" });
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]!.args[0].input).toMatchObject({
      DBInstanceIdentifier: resourceName("orders-rds", result.runId), DBSnapshotIdentifier: "rds:orders-prod-new", PubliclyAccessible: false,
    });
    expect(result.achieved.rpoMs).toBe(3_600_000);
    expect(result.outcome).toBe("pass");
  });
});
