// The aurora-pitr kind with aws-sdk-client-mock and a fake clock: cluster, then its instance; deleted in that order.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  CreateDBInstanceCommand, DBClusterNotFoundFault, DBInstanceNotFoundFault, DeleteDBClusterCommand, DeleteDBInstanceCommand,
  DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient, RestoreDBClusterToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { Config } from "../../index.ts";
import { createDrillEngine, resourceName, type DrillConfig } from "../../drills/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

const T = Date.parse("2026-06-01T10:00:00Z");
const LATEST = new Date(T - 3_000);
let store: TestDynamo;
const aws = new RDSClient({ region: "us-east-1" });
const rds = mockClient(aws);
beforeAll(async () => { store = await startTestDynamo(); });
afterAll(async () => { await store?.close(); rds.restore(); });
beforeEach(() => rds.reset());

const drill: DrillConfig = Config.parse({
  project: "acme",
  drills: [{
    id: "orders-aurora", kind: "aurora-pitr", timeout: "1h", source: { cluster: "orders-prod" },
    restore: { instanceClass: "db.t4g.medium", subnetGroup: "drills", securityGroups: ["sg-0abc"] },
    connect: { user: "drill", password: "${env:DRILL_PW}" },
    objectives: { rto: "1h", rpo: "1m" },
  }],
}).drills[0]!;

/** A small fake of the RDS control plane: a cluster and an instance going through their states. */
function fakeRds(options: { instanceTags?: Array<{ Key: string; Value: string }> } = {}) {
  const state = { cluster: undefined as undefined | { status: string[]; tags: unknown }, instance: undefined as undefined | { status: string[]; tags: unknown } };
  const next = (s: { status: string[] }) => (s.status.length > 1 ? s.status.shift()! : s.status[0]!);
  rds.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier: string }) => {
    if (input.DBClusterIdentifier === "orders-prod") return { DBClusters: [{ DBClusterIdentifier: "orders-prod", Engine: "aurora-postgresql", LatestRestorableTime: LATEST }] };
    if (!state.cluster) throw new DBClusterNotFoundFault({ message: "not found", $metadata: {} });
    return { DBClusters: [{ DBClusterIdentifier: input.DBClusterIdentifier, Status: next(state.cluster), TagList: state.cluster.tags, Endpoint: "copy.cluster.example", Port: 5432 }] };
  });
  rds.on(RestoreDBClusterToPointInTimeCommand).callsFake((input: { Tags: unknown }) => { state.cluster = { status: ["creating", "available"], tags: input.Tags }; return {}; });
  rds.on(CreateDBInstanceCommand).callsFake((input: { Tags: unknown }) => { state.instance = { status: ["creating", "available"], tags: options.instanceTags ?? input.Tags }; return {}; });
  rds.on(DescribeDBInstancesCommand).callsFake(() => {
    if (!state.instance) throw new DBInstanceNotFoundFault({ message: "not found", $metadata: {} });
    return { DBInstances: [{ DBInstanceStatus: next(state.instance), TagList: state.instance.tags }] };
  });
  rds.on(DeleteDBInstanceCommand).callsFake(() => {
    state.instance!.status = ["deleting", "deleting"];
    setDeleted = () => { state.instance = undefined; };
    return {};
  });
  let setDeleted = () => {};
  rds.on(DeleteDBClusterCommand).callsFake(() => { state.cluster!.status = ["deleting"]; return {}; });
  return { finishInstanceDeletion: () => setDeleted() };
}

function engineFor(onWait?: (ms: number) => void) {
  const clock = { now: T };
  const waits: number[] = [];
  const engine = createDrillEngine({
    doc: store.doc, tableName: store.tableName, config: { drills: [drill] }, dataDir: "/tmp/unused",
    now: () => clock.now, clients: { rds: aws },
    sleep: async (ms) => { if (ms > 0) waits.push(ms); clock.now += ms; onWait?.(ms); },
  });
  return { engine, waits };
}

describe("aurora-pitr", () => {
  it("restores the cluster, adds one private tagged instance, then deletes the instance and, once it is gone, the cluster", async () => {
    const fake = fakeRds();
    let deletes = 0;
    const { engine } = engineFor(() => { if (rds.commandCalls(DeleteDBInstanceCommand).length > 0 && ++deletes === 2) fake.finishInstanceDeletion(); });
    const result = await engine.run("orders-aurora");
    const name = resourceName("orders-aurora", result.runId);
    expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand)[0]!.args[0].input).toEqual({
      SourceDBClusterIdentifier: "orders-prod", DBClusterIdentifier: name, RestoreType: "full-copy", UseLatestRestorableTime: true,
      DBSubnetGroupName: "drills", VpcSecurityGroupIds: ["sg-0abc"], DeletionProtection: false, CopyTagsToSnapshot: false,
      Tags: [{ Key: "vigie:drill", Value: "orders-aurora" }, { Key: "vigie:run", Value: result.runId }],
    });
    expect(rds.commandCalls(CreateDBInstanceCommand)[0]!.args[0].input).toMatchObject({
      DBInstanceIdentifier: name, DBClusterIdentifier: name, Engine: "aurora-postgresql", DBInstanceClass: "db.t4g.medium", PubliclyAccessible: false,
    });
    const order = rds.calls().map((c) => c.args[0].constructor.name).filter((n) => n.startsWith("Delete"));
    expect(order).toEqual(["DeleteDBInstanceCommand", "DeleteDBClusterCommand"]);
    expect(rds.commandCalls(DeleteDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: name, SkipFinalSnapshot: true });
    expect(result.outcome).toBe("pass");
    expect(result.achieved.rpoMs).toBe(3_000);
    expect(result.cleanup.outcome).toBe("done");
    expect(result.stages.at(-1)!.durationMs).toBeGreaterThanOrEqual(30_000);
  });

  it("keeps both when the instance's tags do not match the run", async () => {
    fakeRds({ instanceTags: [{ Key: "vigie:drill", Value: "orders-aurora" }, { Key: "vigie:run", Value: "other" }] });
    const { engine } = engineFor();
    const result = await engine.run("orders-aurora");
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(rds.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
    expect(result.cleanup.outcome).toBe("failed");
    expect(result.error?.message).toContain("refused to delete");
  });
});
