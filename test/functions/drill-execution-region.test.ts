// A drill's state machine is deployed in the drill's region (stacks/index.ts), which need not be the home region the
// drill Lambda's other clients default to: whether a run's execution still drives it is asked in the execution's own
// region, read from its ARN. Over dynalite, Step Functions and RDS mocked (no local server exists for them).
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { arnRegion } from "../../core/runtime/aws-client-options.ts";
import { drillStepper } from "../../functions/drill-engine.ts";
import { composeVigie } from "../../core/runtime/index.ts";
import { Config } from "../../index.ts";
import { createDrillStore, newRun } from "../../drills/index.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

// Every SFN and RDS client the engine builds, whatever its region, answers from these.
const sfn = mockClient(SFNClient);
const rds = mockClient(RDSClient);
let dynamo: TestDynamo;
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => {
  sfn.restore();
  rds.restore();
  await dynamo?.close();
});
beforeEach(() => {
  sfn.reset();
  rds.reset();
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
});

const config = Config.parse({
  project: "acme", home: "us-east-1",
  drills: [{
    id: "ledger-db", kind: "rds-pitr", region: "eu-west-1", every: "6h", timeout: "40m", objectives: { rto: "30m", rpo: "5m" },
    source: { instance: "ledger" }, restore: { subnetGroup: "drills", securityGroups: ["sg-0abc"], vpcEndpoints: false },
    connect: { user: "vigie", password: "pw" },
  }],
});
const execution = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:acme-prod-DrillLedgerDb:${name}`;

it("asks Step Functions in the execution's region whether it still drives its run, not in the home region of the other clients", async () => {
  const log: string[] = [];
  const vigie = composeVigie({
    client: dynamo.client, tableName: dynamo.tableName, config, env: {}, now: Date.now, log: (line) => log.push(line),
    // As functions/drill.ts builds it on AWS: the clients' default region is the home one.
    drillEngine: (context) => drillStepper(context, { clients: { region: "us-east-1" } }),
  });
  // A run of the drill, held by an execution of its machine in eu-west-1.
  const store = createDrillStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  const at = Date.now();
  const held = newRun(config.drills[0]!, at, { host: "lambda", pid: 1, execution: execution("first") });
  await store.putRun(held);
  await store.lock("ledger-db", held.runId, at, at + 3_600_000);
  sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" });

  await expect(vigie.drills!.advance({ drillId: "ledger-db", execution: execution("second") })).rejects.toThrow(/already running/);
  const calls = sfn.commandCalls(DescribeExecutionCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.args[0].input.executionArn).toBe(execution("first"));
  expect(await (calls[0]!.thisValue as SFNClient).config.region()).toBe("eu-west-1");
  expect(log.filter((line) => line.includes("cannot tell"))).toEqual([]);
});

it("reads the region of an ARN, and none from something that is not one", () => {
  expect(arnRegion(execution("x"))).toBe("eu-west-1");
  expect(arnRegion("arn:aws-cn:states:cn-north-1:123456789012:execution:m:x")).toBe("cn-north-1");
  expect(arnRegion("pid 12 on host")).toBeUndefined();
});
