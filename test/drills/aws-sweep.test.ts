// The sweeper of the AWS kinds (aws-sdk-client-mock, a fake clock, the run store on dynalite): a copy no run owns is
// deleted once it is older than its drill's timeout and cleanup grace, only when its name and tags say whose it is.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient, type DBInstance,
} from "@aws-sdk/client-rds";
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ListTagsOfResourceCommand } from "@aws-sdk/client-dynamodb";
import { Config } from "../../index.ts";
import { createDrillEngine, createDrillStore, newRun, resourceName, type DrillConfig } from "../../drills/index.ts";
import { CLEANUP_GRACE_MS } from "../../drills/engine.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

const T = Date.parse("2026-06-01T10:00:00Z");
const HOUR = 3_600_000;
let store: TestDynamo;
const rdsClient = new RDSClient({ region: "us-east-1" });
const dynamoClient = new DynamoDBClient({ region: "us-east-1" });
const rds = mockClient(rdsClient);
const ddb = mockClient(dynamoClient);
beforeAll(async () => { store = await startTestDynamo(); });
afterAll(async () => { await store?.close(); rds.restore(); ddb.restore(); });
beforeEach(() => { rds.reset(); ddb.reset(); });

const rdsBits = { restore: { subnetGroup: "drills", securityGroups: ["sg-0abc"] }, connect: { user: "drill", password: "${env:DRILL_PW}" }, objectives: { rto: "1h", rpo: "5m" } };
const drills = Config.parse({
  project: "acme",
  drills: [
    { id: "orders", kind: "rds-pitr", timeout: "1h", source: { instance: "orders-prod" }, ...rdsBits },
    { id: "orders-db", kind: "rds-snapshot", timeout: "1h", source: { instance: "orders-prod" }, ...rdsBits },
    { id: "billing", kind: "aurora-pitr", timeout: "1h", source: { cluster: "billing-prod" }, ...rdsBits },
    { id: "sessions", kind: "dynamodb-pitr", timeout: "1h", source: { table: "sessions" }, objectives: { rto: "1h", rpo: "5m" } },
  ],
}).drills as DrillConfig[];

/** A run id made `ago` ms before T, as newRun makes them. */
const runIdAt = (ago: number, suffix = "a1b2c3") => `${(T - ago).toString(36)}${suffix}`;
const tags = (drillId: string, runId: string) => [{ Key: "vigie:drill", Value: drillId }, { Key: "vigie:run", Value: runId }];
const OLD = 1 * HOUR + CLEANUP_GRACE_MS + 60_000;

function engine(only: readonly DrillConfig[] = drills) {
  return createDrillEngine({
    doc: store.doc, tableName: store.tableName, config: { drills: only }, dataDir: "/tmp/unused", env: {},
    now: () => T, clients: { rds: rdsClient, dynamodb: dynamoClient },
  });
}

describe("the AWS kinds' sweeper", () => {
  it("deletes an old RDS copy no run owns, and leaves a live run's, a young one, another drill's and a cluster's instance", async () => {
    const leaked = resourceName("orders", runIdAt(OLD));
    const young = resourceName("orders", runIdAt(30 * 60_000));
    const other = resourceName("orders-db", runIdAt(OLD, "d4e5f6"));
    const live = newRun(drills[0]!, T - OLD, { host: "h", pid: 1 });
    await createDrillStore({ doc: store.doc, tableName: store.tableName }).putRun(live);
    const liveName = resourceName("orders", live.runId);
    const instances: DBInstance[] = [
      { DBInstanceIdentifier: "orders-prod", DBInstanceStatus: "available", TagList: [] },
      { DBInstanceIdentifier: leaked, DBInstanceStatus: "available", TagList: tags("orders", runIdAt(OLD)) },
      { DBInstanceIdentifier: young, DBInstanceStatus: "creating", TagList: tags("orders", runIdAt(30 * 60_000)) },
      { DBInstanceIdentifier: liveName, DBInstanceStatus: "available", TagList: tags("orders", live.runId) },
      { DBInstanceIdentifier: resourceName("billing", runIdAt(OLD)), DBClusterIdentifier: resourceName("billing", runIdAt(OLD)), DBInstanceStatus: "available", TagList: tags("billing", runIdAt(OLD)) },
    ];
    // Two pages: the sweeper follows the marker.
    rds.on(DescribeDBInstancesCommand).callsFake((input: { Marker?: string }) => (input.Marker
      ? { DBInstances: [...instances.slice(2), { DBInstanceIdentifier: other, DBInstanceStatus: "available", TagList: tags("orders-db", runIdAt(OLD, "d4e5f6")) }] }
      : { DBInstances: instances.slice(0, 2), Marker: "page-2" }));
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    rds.on(DeleteDBInstanceCommand).resolves({});

    const report = await engine(drills.slice(0, 1)).sweep();

    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: leaked, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
    expect(report).toEqual({ removed: [`rds-instance ${leaked}`], refused: [] });
    await createDrillStore({ doc: store.doc, tableName: store.tableName }).deleteRun(live);
  });

  it("refuses an old copy named after a run of the drill whose tags say otherwise", async () => {
    const name = resourceName("orders", runIdAt(OLD));
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: name, DBInstanceStatus: "available", TagList: tags("orders", "someoneelse") }] });
    const report = await engine(drills.slice(0, 1)).sweep();
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toEqual([]);
    expect(report.refused).toEqual([{ id: `rds-instance ${name}`, why: expect.stringContaining('vigie:run="someoneelse"') }]);
  });

  it("deletes a leaked Aurora copy's instance first, and the cluster once the instance is gone", async () => {
    const name = resourceName("billing", runIdAt(OLD));
    let memberGone = false;
    rds.on(DescribeDBClustersCommand).callsFake(() => ({
      DBClusters: [{ DBClusterIdentifier: name, Status: "available", TagList: tags("billing", runIdAt(OLD)), DBClusterMembers: memberGone ? [] : [{ DBInstanceIdentifier: name }] }],
    }));
    rds.on(DescribeDBInstancesCommand).callsFake(() => ({ DBInstances: memberGone ? [] : [{ DBInstanceIdentifier: name, DBClusterIdentifier: name, DBInstanceStatus: "available", TagList: tags("billing", runIdAt(OLD)) }] }));
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DeleteDBClusterCommand).resolves({});
    const aurora = engine(drills.filter((d) => d.id === "billing"));

    const first = await aurora.sweep();
    expect(first.removed).toEqual([`rds-instance ${name} (rds-cluster ${name} goes once it is gone)`]);
    expect(rds.commandCalls(DeleteDBClusterCommand)).toEqual([]);

    memberGone = true;
    const second = await aurora.sweep();
    expect(second.removed).toEqual([`rds-cluster ${name}`]);
    expect(rds.commandCalls(DeleteDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: name, SkipFinalSnapshot: true });
  });

  it("deletes an old tagged DynamoDB copy, refuses an untagged one, and looks up only names that could be leftovers", async () => {
    const leaked = resourceName("sessions", runIdAt(OLD));
    const untagged = resourceName("sessions", runIdAt(OLD, "0f0f0f"));
    ddb.on(ListTablesCommand).callsFake((input: { ExclusiveStartTableName?: string }) => (input.ExclusiveStartTableName
      ? { TableNames: [untagged, resourceName("sessions", runIdAt(60_000))] }
      : { TableNames: ["sessions", leaked], LastEvaluatedTableName: leaked }));
    ddb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => ({ Table: { TableName: input.TableName, TableStatus: "ACTIVE", TableArn: `arn:aws:dynamodb:us-east-1:1:table/${input.TableName}` } }));
    ddb.on(ListTagsOfResourceCommand).callsFake((input: { ResourceArn: string }) => ({ Tags: input.ResourceArn.endsWith(leaked) ? tags("sessions", runIdAt(OLD)) : [] }));
    ddb.on(DeleteTableCommand).resolves({});

    const report = await engine(drills.filter((d) => d.id === "sessions")).sweep();

    expect(ddb.commandCalls(DeleteTableCommand).map((c) => c.args[0].input)).toEqual([{ TableName: leaked }]);
    expect(ddb.commandCalls(DescribeTableCommand).map((c) => c.args[0].input.TableName)).toEqual([leaked, untagged]);
    expect(report).toEqual({ removed: [`dynamodb-table ${leaked}`], refused: [{ id: `dynamodb-table ${untagged}`, why: expect.stringContaining('vigie:drill=null') }] });
  });
});
