// The real sst.config.ts run() with the real SST components under Pulumi mocks (test/stacks/record-stack.ts, its own
// process): the resource graph the example config deploys, with four AWS drills added (test/stacks/stack.config.ts). Needs `npm run sst:install` (.sst/platform); offline.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HOME_CONFIG_FILE, readHomeConfig } from "../../core/plan/home-config.ts";
import { BUNDLED_CODE, readRunnerGroup, RUNNER_GROUP_FILE } from "../../core/plan/runner-group.ts";
import { nodejsOptionsFor } from "../../stacks/bundling.ts";
import { drillDeletePermissions, drillPermissions } from "../../stacks/permissions.ts";
import { envFromShell } from "../../stacks/environment.ts";

const root = path.resolve(import.meta.dirname, "../..");
const installed = existsSync(path.join(root, ".sst", "platform", "package.json"));

interface Resource { type: string; name: string; inputs: Record<string, any>; region?: string }
let resources: Resource[] = [];
let builds: Array<{ functionID: string; handler: string; properties: Record<string, any> }> = [];
/** The data sources the program read, with the region of the provider each used. */
let calls: Array<{ token: string; inputs: Record<string, any>; region: string }> = [];
const ofType = (type: string) => resources.filter((r) => r.type === type);
/** Pulumi marks secret inputs with this signature; the value sits beside it. */
const unsecret = (value: any) => (value && typeof value === "object" && "4dabf18193072939515e22adb298388d" in value ? value.value : value);
const envOf = (name: string) => unsecret(ofType("aws:lambda/function:Function").find((f) => f.name === name)!.inputs.environment).variables as Record<string, string>;
const policyOf = (roleName: string) => JSON.parse(ofType("aws:iam/role:Role").find((r) => r.name === roleName)!.inputs.inlinePolicies[0].policy).Statement as Array<{ actions: string[]; resources: string[] }>;

describe.skipIf(!installed)("the SST stack of the example config", () => {
  beforeAll(() => {
    const run = spawnSync(path.join(root, "node_modules", ".bin", "node"), ["--import", "tsx", "test/stacks/record-stack.ts"], { cwd: root, encoding: "utf8", timeout: 240_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ORDERS_TOKEN: "deploy-time-token", BILLING_DB_PASSWORD: "deploy-time-password" } });
    if (run.status !== 0) throw new Error(`record-stack failed (${run.status}): ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(run.stdout) as { failures: string[]; resources: Resource[]; builds: typeof builds; calls: typeof calls };
    expect(report.failures).toEqual([]);
    resources = report.resources;
    builds = report.builds;
    calls = report.calls;
  }, 300_000);

  it("puts a runner of each kind in each probe region, on that region's provider", () => {
    const fns = ofType("aws:lambda/function:Function").map((f) => `${f.name} ${f.region} ${f.inputs.runtime} ${f.inputs.architectures[0]} ${f.inputs.memorySize}`).sort();
    expect(fns).toEqual([
      "ApiFunction us-east-1 nodejs24.x arm64 512",
      "BrowserRunnerEuWest1Function eu-west-1 nodejs24.x x86_64 2048",
      "BrowserRunnerUsEast1Function us-east-1 nodejs24.x x86_64 2048",
      "DrillBillingDbFunction us-east-1 nodejs24.x arm64 512",
      "DrillLedgerDbFunction eu-west-1 nodejs24.x arm64 512",
      "DrillSessionsFunction ap-southeast-2 nodejs24.x arm64 512",
      "DrillUsersTableFunction us-east-1 nodejs24.x arm64 512",
      "HousekeepingHandlerFunction us-east-1 nodejs24.x arm64 256",
      "HttpRunnerEuWest1Function eu-west-1 nodejs24.x arm64 256",
      "HttpRunnerUsEast1Function us-east-1 nodejs24.x arm64 256",
      expect.stringMatching(/^OverflowSubscriber\w+Function us-east-1 nodejs24.x arm64 256$/),
      "TableSubscriberEvaluatorFunctionFunction us-east-1 nodejs24.x arm64 256",
    ].sort());
    // One provider per region, shared by the runners and drills there (a drill-only region gets one too).
    expect(ofType("pulumi:providers:aws").map((p) => p.inputs.region).sort()).toEqual(["ap-southeast-2", "eu-west-1", "us-east-1"]);
  });

  it("schedules each runner once per frequency group, with the group in the event", () => {
    const schedules = ofType("aws:scheduler/schedule:Schedule").map((s) => `${s.region} ${s.inputs.scheduleExpression} ${s.inputs.target.input} ${s.inputs.target.arn.split(":").at(-1)}`).sort();
    expect(schedules).toEqual([
      "ap-southeast-2 rate(1 day) {\"drillId\":\"sessions\"} DrillSessionsStateMachine",
      "eu-west-1 rate(1 minute) {\"every\":\"1m\"} HttpRunnerEuWest1Function",
      "eu-west-1 rate(1 minute) {\"every\":\"30s\"} HttpRunnerEuWest1Function",
      "eu-west-1 rate(5 minutes) {\"every\":\"5m\"} BrowserRunnerEuWest1Function",
      "eu-west-1 rate(5 minutes) {\"every\":\"5m\"} HttpRunnerEuWest1Function",
      "eu-west-1 rate(6 hours) {\"drillId\":\"ledger-db\"} DrillLedgerDbStateMachine",
      "us-east-1 rate(1 day) {\"drillId\":\"users-table\"} DrillUsersTableStateMachine",
      "us-east-1 rate(1 minute) {\"every\":\"1m\"} HttpRunnerUsEast1Function",
      "us-east-1 rate(1 minute) {\"every\":\"30s\"} HttpRunnerUsEast1Function",
      "us-east-1 rate(1 minute) {} HousekeepingHandlerFunction",
      "us-east-1 rate(5 minutes) {\"every\":\"5m\"} BrowserRunnerUsEast1Function",
      "us-east-1 rate(5 minutes) {\"every\":\"5m\"} HttpRunnerUsEast1Function",
      "us-east-1 rate(6 hours) {\"drillId\":\"billing-db\"} DrillBillingDbStateMachine",
    ]);
  });

  it("keeps results in one on-demand table with PITR, TTL and a stream the evaluator reads filtered to new runs", () => {
    const [table] = ofType("aws:dynamodb/table:Table");
    expect(table).toMatchObject({ region: "us-east-1", inputs: { billingMode: "PAY_PER_REQUEST", pointInTimeRecovery: { enabled: true }, streamEnabled: true, streamViewType: "NEW_IMAGE", ttl: { attributeName: "expiresAt", enabled: true } } });
    const mappings = ofType("aws:lambda/eventSourceMapping:EventSourceMapping");
    const stream = mappings.find((m) => m.name.startsWith("TableSubscriber"))!;
    expect(stream.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(JSON.parse(stream.inputs.filterCriteria.filters[0].pattern)).toEqual({ eventName: ["INSERT"], dynamodb: { NewImage: { pk: { S: [{ prefix: "RUN#" }] } } } });
    const queue = mappings.find((m) => m.name.startsWith("Overflow"))!;
    expect(queue.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
  });

  it("lets runners only write the table and send to the queue, and the API only read", () => {
    for (const role of ["HttpRunnerUsEast1Role", "HttpRunnerEuWest1Role", "BrowserRunnerEuWest1Role"]) {
      expect(policyOf(role).map((s) => `${s.actions.join(",")} → ${s.resources.map((r) => r.split(":").at(-1)).join(",")}`)).toEqual([
        "dynamodb:BatchWriteItem,dynamodb:PutItem,dynamodb:UpdateItem,dynamodb:Query → TableTable",
        "sqs:SendMessage → OverflowQueue",
      ]);
    }
    expect(policyOf("ApiRole").flatMap((s) => s.actions)).toEqual(["dynamodb:GetItem", "dynamodb:Query"]);
    expect(policyOf("TableSubscriberEvaluatorFunctionRole").flatMap((s) => s.actions)).toContain("sns:Publish");
  });

  it("names each runner after the project and stage, and gives runners the config's ${env:…} values from the deploying shell", () => {
    const runners = ofType("aws:lambda/function:Function").filter((f) => /Runner/.test(f.name)).map((f) => `${f.region} ${f.inputs.name}`).sort();
    expect(runners).toEqual(["eu-west-1 acme-ci-browser-runner", "eu-west-1 acme-ci-http-runner", "us-east-1 acme-ci-browser-runner", "us-east-1 acme-ci-http-runner"]);
    expect(envOf("HttpRunnerEuWest1Function")).toMatchObject({ ORDERS_TOKEN: "deploy-time-token", VIGIE_HOME_REGION: "us-east-1", VIGIE_TABLE: expect.stringContaining("Table") });
    expect(envOf("ApiFunction")).toHaveProperty("VIGIE_API_KEYS");
    expect(envOf("ApiFunction")).not.toHaveProperty("ORDERS_TOKEN");
  });

  it("bundles every function with the options the bench measures (stacks/bundling.ts), the browser runner's packages installed", () => {
    expect(builds.length).toBe(ofType("aws:lambda/function:Function").length);
    for (const build of builds) {
      const options = nodejsOptionsFor(build.handler);
      // SST turns `install` into { package: "*" } before its build reads it.
      const { install, ...rest } = options;
      expect(build.properties, build.functionID).toMatchObject({ ...rest, ...(install ? { install: Object.fromEntries(install.map((p) => [p, "*"])) } : {}) });
    }
  });

  it("puts each runner's probe group beside its bundle: the parsed probes of its kind, ${env:…} references unresolved, journeys marked", () => {
    for (const fn of ["HttpRunnerEuWest1", "HttpRunnerUsEast1", "BrowserRunnerEuWest1", "BrowserRunnerUsEast1"]) {
      // Zip entry names are stored as is: the group is at the package's root, where the runner reads it.
      const zip = readFileSync(path.join(root, ".sst", "artifacts", fn, "code.zip"));
      expect(zip.includes(Buffer.from(RUNNER_GROUP_FILE)), fn).toBe(true);
      expect(zip.includes(Buffer.from(`functions/${fn.startsWith("Http") ? "http" : "browser"}-runner.mjs`)), fn).toBe(true);
    }
    // The storefront's journey is a function: the file marks it, and the runner takes it from its bundled config.
    const browser = readRunnerGroup(JSON.parse(readFileSync(path.join(root, ".sst", "vigie", "runner-group-ci-browser.json"), "utf8")), "browser", "runner-group-ci-browser.json", { bundledCode: true });
    expect(browser.probes.map((p) => [p.id, (p as { script?: unknown }).script])).toEqual([["storefront", BUNDLED_CODE]]);
    const group = readRunnerGroup(JSON.parse(readFileSync(path.join(root, ".sst", "vigie", "runner-group-ci-http.json"), "utf8")), "http", "runner-group-ci-http.json");
    expect(group.probes.map((p) => p.id).sort()).toEqual(["api-health", "login-redirect", "orders-api", "search-api"]);
    // The deploying shell's ORDERS_TOKEN is in the runners' environment, never in the file.
    const text = JSON.stringify(group);
    expect(text).toContain("${env:ORDERS_TOKEN}");
    expect(text).not.toContain("deploy-time-token");
    expect(envOf("HttpRunnerEuWest1Function")).toMatchObject({ ORDERS_TOKEN: "deploy-time-token" });
  });

  it("puts the home functions' config beside each home function's bundle: the parsed config, ${env:…} references unresolved, no journey script", () => {
    const home = ["ApiFunction", "TableSubscriberEvaluatorFunctionFunction", "HousekeepingHandlerFunction", "DrillBillingDbFunction", "DrillUsersTableFunction", "DrillLedgerDbFunction", "DrillSessionsFunction"];
    const consumer = ofType("aws:lambda/function:Function").map((f) => f.name).find((name) => name.startsWith("OverflowSubscriber"))!;
    for (const fn of [...home, consumer]) {
      // The artifacts folder is named by the function's component (the Lambda resource's name without "Function").
      const zip = readFileSync(path.join(root, ".sst", "artifacts", fn.replace(/Function$/, ""), "code.zip"));
      expect(zip.includes(Buffer.from(HOME_CONFIG_FILE)), fn).toBe(true);
      expect(zip.includes(Buffer.from(RUNNER_GROUP_FILE)), fn).toBe(false);
    }
    for (const fn of ["HttpRunnerEuWest1", "BrowserRunnerUsEast1"]) {
      expect(readFileSync(path.join(root, ".sst", "artifacts", fn, "code.zip")).includes(Buffer.from(HOME_CONFIG_FILE)), fn).toBe(false);
    }
    const config = readHomeConfig(JSON.parse(readFileSync(path.join(root, ".sst", "vigie", "home-config-ci.json"), "utf8")), "home-config-ci.json");
    expect(config.probes.map((p) => p.id)).toEqual(["api-health", "orders-api", "search-api", "login-redirect", "storefront"]);
    expect(config.probes.find((p) => p.id === "storefront")).not.toHaveProperty("script");
    expect(config.drills.map((d) => d.id)).toEqual(["orders-db", "billing-db", "users-table", "ledger-db", "sessions"]);
    const text = JSON.stringify(config);
    expect(text).toContain("${env:ORDERS_TOKEN}");
    expect(text).not.toContain("deploy-time-token");
    expect(text).not.toContain("deploy-time-password");
  });

  it("drives each AWS drill with a standard state machine looping Wait → its Lambda, started by a schedule with the drill's id", () => {
    const machines = ofType("aws:sfn/stateMachine:StateMachine");
    expect(machines.map((m) => m.name).sort()).toEqual(["DrillBillingDbStateMachine", "DrillLedgerDbStateMachine", "DrillSessionsStateMachine", "DrillUsersTableStateMachine"]);
    for (const machine of machines) {
      const fn = machine.name.replace("StateMachine", "Function");
      const definition = JSON.parse(machine.inputs.definition);
      expect(machine.inputs.type).toBe("STANDARD");
      expect(definition.States.Advance).toMatchObject({ Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: expect.stringMatching(new RegExp(`:${fn}$`)) }, Next: "Done?" });
      expect(definition.States.Wait).toEqual({ Type: "Wait", SecondsPath: "$.waitSeconds", Next: "Advance" });
      // The machine's role may invoke its own Lambda only; the schedule's role may start this machine only.
      const invoke = JSON.parse(ofType("aws:iam/role:Role").find((r) => r.name === `${machine.name}Role`)!.inputs.inlinePolicies[0].policy).Statement;
      expect(invoke).toEqual([{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [expect.stringMatching(new RegExp(`:${fn}$`)), expect.stringMatching(new RegExp(`:${fn}:\\*$`))] }]);
      const schedule = ofType("aws:scheduler/schedule:Schedule").find((s) => s.inputs.target.arn.endsWith(`:${machine.name}`))!;
      expect(schedule.inputs.flexibleTimeWindow).toEqual({ mode: "OFF" });
      const start = JSON.parse(ofType("aws:iam/role:Role").find((r) => String(r.inputs.assumeRolePolicy).includes("scheduler.amazonaws.com") && r.name === schedule.inputs.target.roleArn.split(":").at(-1))!.inputs.inlinePolicies[0].policy).Statement;
      expect(start).toEqual([{ Effect: "Allow", Action: ["states:StartExecution"], Resource: [schedule.inputs.target.arn] }]);
    }
    // The execution's timeout: room for a run left by an ended execution (40m and the cleanup's 15m grace), its own
    // run (the same again), and 5m. Its name is fixed, so the drill Lambda's role can name its executions.
    const billing = machines.find((m) => m.name === "DrillBillingDbStateMachine")!;
    expect(JSON.parse(billing.inputs.definition).TimeoutSeconds).toBe(6_900);
    expect(billing.inputs.name).toBe("acme-ci-DrillBillingDb");
    expect(JSON.parse(billing.inputs.definition).States.Start).toEqual({ Type: "Pass", Parameters: { "drillId.$": "$.drillId", "execution.$": "$$.Execution.Id" }, Next: "Advance" });
  });

  it("runs an RDS drill's Lambda in the subnets of the copy's DB subnet group, with its security groups", () => {
    const fns = ofType("aws:lambda/function:Function");
    expect(fns.find((f) => f.name === "DrillBillingDbFunction")!.inputs.vpcConfig).toEqual({ securityGroupIds: ["sg-0abc"], subnetIds: ["subnet-drills-a", "subnet-drills-b"] });
    expect(fns.find((f) => f.name === "DrillUsersTableFunction")!.inputs.vpcConfig).toBeUndefined();
    expect(ofType("aws:iam/role:Role").find((r) => r.name === "DrillBillingDbRole")!.inputs.managedPolicyArns).toContain("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
    expect(envOf("DrillBillingDbFunction")).toMatchObject({ BILLING_DB_PASSWORD: "deploy-time-password", VIGIE_TABLE: expect.stringContaining("Table") });
    expect(envOf("HttpRunnerUsEast1Function")).not.toHaveProperty("BILLING_DB_PASSWORD");
  });

  it("deploys a drill outside the home region in its own region: Lambda in that region's VPC, state machine, roles and schedule on its provider", () => {
    const inRegion = (drill: string) => resources.filter((r) => r.name.startsWith(drill) && r.type.startsWith("aws:")).map((r) => `${r.type} ${r.name} ${r.region}`);
    const deployed = (drill: string, region: string) => [
      `aws:lambda/function:Function ${drill}Function ${region}`, `aws:iam/role:Role ${drill}Role ${region}`,
      `aws:iam/role:Role ${drill}StateMachineRole ${region}`, `aws:sfn/stateMachine:StateMachine ${drill}StateMachine ${region}`,
      `aws:iam/role:Role ${drill}ScheduleRole ${region}`, `aws:scheduler/schedule:Schedule ${drill}Schedule ${region}`,
    ];
    for (const [drill, region] of [["DrillLedgerDb", "eu-west-1"], ["DrillSessions", "ap-southeast-2"], ["DrillBillingDb", "us-east-1"], ["DrillUsersTable", "us-east-1"]] as const) {
      expect(inRegion(drill), drill).toEqual(expect.arrayContaining(deployed(drill, region)));
      expect(inRegion(drill).filter((r) => !r.endsWith(` ${region}`)), drill).toEqual([]);
    }
    // The machine invokes its Lambda and the schedule starts the machine, each in the drill's region.
    const machine = ofType("aws:sfn/stateMachine:StateMachine").find((m) => m.name === "DrillLedgerDbStateMachine")!;
    expect(JSON.parse(machine.inputs.definition).States.Advance.Parameters.FunctionName).toBe("arn:aws:mock:eu-west-1:123456789012:DrillLedgerDbFunction");
    expect(machine.inputs.name).toBe("acme-ci-DrillLedgerDb");
    expect(ofType("aws:scheduler/schedule:Schedule").find((s) => s.name === "DrillLedgerDbSchedule")!.inputs.target.arn).toBe("arn:aws:mock:eu-west-1:123456789012:DrillLedgerDbStateMachine");

    // The DB subnet group "drills" is looked up once per region it is used in, on that region's provider.
    const lookups = calls.filter((c) => c.token === "aws:rds/getSubnetGroup:getSubnetGroup").map((c) => `${c.inputs.name} ${c.region}`).sort();
    expect(lookups).toEqual(["drills eu-west-1", "drills us-east-1"]);
    const fns = ofType("aws:lambda/function:Function");
    expect(fns.find((f) => f.name === "DrillLedgerDbFunction")!.inputs.vpcConfig).toEqual({ securityGroupIds: ["sg-0def"], subnetIds: ["subnet-drills-a-eu-west-1", "subnet-drills-b-eu-west-1"] });
    expect(fns.find((f) => f.name === "DrillSessionsFunction")!.inputs.vpcConfig).toBeUndefined();
    // Its VPC reaches AWS through a NAT gateway (vpcEndpoints: false): no endpoint anywhere but the home drill's.
    expect([...new Set(ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.region))]).toEqual(["us-east-1"]);
    // Its table client is pointed at the home region, and the table is the home one.
    expect(envOf("DrillLedgerDbFunction")).toMatchObject({ VIGIE_HOME_REGION: "us-east-1", VIGIE_TABLE: expect.stringContaining("Table"), BILLING_DB_PASSWORD: "deploy-time-password" });
  });

  it("names each ARN of a drill outside the home region in the right region: the table in the home one, its executions and RDS in its own", () => {
    const eu = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:123456789012:${resource}`;
    const tagged = (scope: string) => [{ test: "StringEquals", variable: `aws:${scope}/vigie:drill`, values: ["ledger-db"] }];
    expect(policyOf("DrillLedgerDbRole")).toEqual([
      {
        actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], effect: "Allow",
        resources: ["arn:aws:mock:us-east-1:123456789012:TableTable", "arn:aws:mock:us-east-1:123456789012:TableTable/index/*"],
      },
      { actions: ["states:DescribeExecution"], effect: "Allow", resources: [eu("states", "execution:acme-ci-DrillLedgerDb:*")] },
      {
        actions: ["rds:RestoreDBInstanceToPointInTime"], effect: "Allow", conditions: tagged("RequestTag"),
        resources: [eu("rds", "db:ledger"), eu("rds", "db:vigie-drill-ledger-db-*"), eu("rds", "subgrp:drills"), eu("rds", "og:*"), eu("rds", "pg:*")],
      },
      { actions: ["rds:AddTagsToResource"], effect: "Allow", conditions: tagged("RequestTag"), resources: [eu("rds", "db:vigie-drill-ledger-db-*")] },
      { actions: ["rds:DescribeDBInstances"], effect: "Allow", resources: [eu("rds", "db:*")] },
      { actions: ["rds:DeleteDBInstance"], effect: "Allow", conditions: tagged("ResourceTag"), resources: [eu("rds", "db:vigie-drill-ledger-db-*")] },
    ]);
    const sessions = JSON.stringify(policyOf("DrillSessionsRole"));
    expect(sessions).toContain("arn:aws:states:ap-southeast-2:123456789012:execution:acme-ci-DrillSessions:*");
    expect(sessions).toContain("arn:aws:dynamodb:ap-southeast-2:123456789012:table/sessions");
    expect(sessions.match(/arn:aws:[a-z]+:[a-z0-9-]+:/g)!.filter((arn) => !arn.endsWith(":ap-southeast-2:"))).toEqual(["arn:aws:mock:us-east-1:", "arn:aws:mock:us-east-1:"]);
  });

  it("scopes each drill Lambda's IAM to its own drill: its source, copies named vigie-drill-<drill>-* and tagged so, its executions", () => {
    const rds = (resource: string) => `arn:aws:rds:us-east-1:123456789012:${resource}`;
    const ddb = (resource: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${resource}`;
    const tagged = (scope: string, drill: string) => [{ test: "StringEquals", variable: `aws:${scope}/vigie:drill`, values: [drill] }];
    const table = ["arn:aws:mock:us-east-1:123456789012:TableTable", "arn:aws:mock:us-east-1:123456789012:TableTable/index/*"];
    const items = { actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], effect: "Allow", resources: table };
    const executions = (machine: string) => ({ actions: ["states:DescribeExecution"], effect: "Allow", resources: [`arn:aws:states:us-east-1:123456789012:execution:acme-ci-${machine}:*`] });
    expect(policyOf("DrillBillingDbRole")).toEqual([
      items, executions("DrillBillingDb"),
      {
        actions: ["rds:RestoreDBInstanceToPointInTime"], effect: "Allow", conditions: tagged("RequestTag", "billing-db"),
        resources: [rds("db:billing"), rds("db:vigie-drill-billing-db-*"), rds("subgrp:drills"), rds("og:*"), rds("pg:*")],
      },
      { actions: ["rds:AddTagsToResource"], effect: "Allow", conditions: tagged("RequestTag", "billing-db"), resources: [rds("db:vigie-drill-billing-db-*")] },
      // The sweeper lists every instance: DescribeDBInstances filters by exact id only.
      { actions: ["rds:DescribeDBInstances"], effect: "Allow", resources: [rds("db:*")] },
      { actions: ["rds:DeleteDBInstance"], effect: "Allow", conditions: tagged("ResourceTag", "billing-db"), resources: [rds("db:vigie-drill-billing-db-*")] },
    ]);
    expect(policyOf("DrillUsersTableRole")).toEqual([
      items, executions("DrillUsersTable"),
      { actions: ["dynamodb:RestoreTableToPointInTime"], effect: "Allow", resources: [ddb("users"), ddb("vigie-drill-users-table-*")] },
      { actions: ["dynamodb:DescribeContinuousBackups"], effect: "Allow", resources: [ddb("users")] },
      {
        actions: ["dynamodb:DescribeTable", "dynamodb:ListTagsOfResource", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
        effect: "Allow", resources: [ddb("vigie-drill-users-table-*")],
      },
      { actions: ["dynamodb:TagResource"], effect: "Allow", conditions: tagged("RequestTag", "users-table"), resources: [ddb("vigie-drill-users-table-*")] },
      // ListTables supports no resource-level permission: the one "*" of any drill policy.
      { actions: ["dynamodb:ListTables"], effect: "Allow", resources: ["*"] },
      { actions: ["dynamodb:DeleteTable"], effect: "Allow", conditions: tagged("ResourceTag", "users-table"), resources: [ddb("vigie-drill-users-table-*")] },
    ]);
    // Page delivery is housekeeping's: a drill Lambda publishes nothing.
    for (const role of ["DrillBillingDbRole", "DrillUsersTableRole"]) expect(JSON.stringify(policyOf(role))).not.toContain("sns:");
    // No other function may delete a database or a table.
    for (const role of ofType("aws:iam/role:Role").filter((r) => !r.name.startsWith("Drill") && r.inputs.inlinePolicies?.length)) {
      expect(role.inputs.inlinePolicies[0].policy).not.toMatch(/DeleteDB|DeleteTable/);
    }
  });

  it("adds the VPC endpoints an RDS drill asked for: DynamoDB's gateway on the subnets' and main route tables, RDS and Step Functions interfaces open to its security groups", () => {
    const endpoints = ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => ({ name: e.name, region: e.region, ...e.inputs })).sort((a, b) => a.name.localeCompare(b.name));
    expect(endpoints).toEqual([
      { name: "DrillVpcDrillsDynamodb", region: "us-east-1", vpcId: "vpc-mock", serviceName: "com.amazonaws.us-east-1.dynamodb", vpcEndpointType: "Gateway", routeTableIds: ["rtb-main", "rtb-private-a", "rtb-private-b"] },
      ...["rds", "states"].map((service) => ({
        name: `DrillVpcDrills${service[0]!.toUpperCase()}${service.slice(1)}`, region: "us-east-1", vpcId: "vpc-mock", serviceName: `com.amazonaws.us-east-1.${service}`, vpcEndpointType: "Interface",
        privateDnsEnabled: true, subnetIds: ["subnet-drills-a", "subnet-drills-b"], securityGroupIds: ["DrillVpcDrillsEndpoints-id"],
      })),
    ]);
    const [group] = ofType("aws:ec2/securityGroup:SecurityGroup");
    expect(group!.inputs).toMatchObject({ vpcId: "vpc-mock", ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: ["sg-0abc"] }] });
    expect(group!.inputs.egress).toBeUndefined();
  });

  it("serves the API on a function URL and ships Chromium beside the browser runner, not in its bundle", () => {
    expect(ofType("aws:lambda/functionUrl:FunctionUrl")).toHaveLength(1);
    expect(ofType("aws:lambda/function:Function").find((f) => f.name === "BrowserRunnerEuWest1Function")!.inputs.timeout).toBe(36);
  });
});

describe("the deploying shell's environment", () => {
  it("stops the deploy naming every variable the config reads that is not set", () => {
    expect(() => envFromShell(["ORDERS_TOKEN", "SLACK_HOOK"], { SLACK_HOOK: "x" })).toThrow("vigie: set ORDERS_TOKEN in the environment of `sst deploy`");
    expect(envFromShell(["SLACK_HOOK"], { SLACK_HOOK: "x", OTHER: "y" })).toEqual({ SLACK_HOOK: "x" });
  });
});

describe("drill delete permissions", () => {
  it("allow each kind to delete only its own drill's copies: named vigie-drill-<drill>-* and tagged vigie:drill=<drill>", () => {
    const account = { partition: "aws", accountId: "123456789012" };
    const aurora = drillDeletePermissions({ id: "orders", kind: "aurora-pitr", region: "eu-west-1" }, account);
    expect(aurora).toEqual([
      { actions: ["rds:DeleteDBInstance"], resources: ["arn:aws:rds:eu-west-1:123456789012:db:vigie-drill-orders-*"], conditions: [{ test: "StringEquals", variable: "aws:ResourceTag/vigie:drill", values: ["orders"] }] },
      { actions: ["rds:DeleteDBCluster"], resources: ["arn:aws:rds:eu-west-1:123456789012:cluster:vigie-drill-orders-*"], conditions: [{ test: "StringEquals", variable: "aws:ResourceTag/vigie:drill", values: ["orders"] }] },
    ]);
    // A drill "orders" cannot reach "orders-db"'s copies by name alone: the tag condition holds its own id.
    expect(drillDeletePermissions({ id: "orders", kind: "rds-pitr", region: "us-east-1" }, account)[0]!.conditions![0]!.values).toEqual(["orders"]);
    expect(drillDeletePermissions({ id: "x", kind: "postgres", region: "us-east-1" }, account)).toEqual([]);
  });

  it("name an rds-snapshot drill's snapshots and an aurora-pitr drill's clusters, in the drill's own region", () => {
    const account = { partition: "aws", accountId: "123456789012" };
    const machine = { machineName: "acme-prod-DrillX" };
    const arns = { table: "table-arn", indexes: "index-arn" };
    const rds = (resource: string) => `arn:aws:rds:eu-west-1:123456789012:${resource}`;
    const restoreOf = (statements: ReturnType<typeof drillPermissions>) => statements.find((s) => s.actions.some((a) => /:Restore/.test(a)))!;
    const automated = drillPermissions({ id: "snap", kind: "rds-snapshot", region: "eu-west-1", source: { instance: "orders" }, vpc: { subnetGroup: "drills" } }, account, machine, arns);
    expect(restoreOf(automated)).toMatchObject({ actions: ["rds:RestoreDBInstanceFromDBSnapshot"], resources: [rds("snapshot:rds:orders-*"), rds("db:vigie-drill-snap-*"), rds("subgrp:drills"), rds("og:*"), rds("pg:*")] });
    expect(automated.find((s) => s.actions.includes("rds:DescribeDBSnapshots"))!.resources).toEqual([rds("db:*"), rds("snapshot:*")]);
    const named = drillPermissions({ id: "snap", kind: "rds-snapshot", region: "eu-west-1", source: { instance: "orders", snapshot: "before-upgrade" } }, account, machine, arns);
    expect(restoreOf(named).resources[0]).toBe(rds("snapshot:before-upgrade"));
    const aurora = drillPermissions({ id: "ledger", kind: "aurora-pitr", region: "eu-west-1", source: { cluster: "ledger-prod" }, vpc: { subnetGroup: "drills" } }, account, machine, arns);
    expect(restoreOf(aurora)).toMatchObject({ actions: ["rds:RestoreDBClusterToPointInTime"], resources: [rds("cluster:ledger-prod"), rds("cluster:vigie-drill-ledger-*"), rds("subgrp:drills"), rds("cluster-pg:*"), rds("og:*")], conditions: [{ test: "StringEquals", variable: "aws:RequestTag/vigie:drill", values: ["ledger"] }] });
    expect(aurora.find((s) => s.actions.includes("rds:CreateDBInstance"))!.conditions).toEqual([{ test: "StringEquals", variable: "aws:RequestTag/vigie:drill", values: ["ledger"] }]);
    // Executions are looked up in the drill's region: its state machine is deployed there, beside its Lambda.
    expect(aurora.find((s) => s.actions.includes("states:DescribeExecution"))!.resources).toEqual(["arn:aws:states:eu-west-1:123456789012:execution:acme-prod-DrillX:*"]);
    // The table's ARN is the one handed in (the home region's), whatever the drill's region.
    expect(aurora[0]).toEqual({ actions: expect.arrayContaining(["dynamodb:PutItem"]), resources: ["table-arn", "index-arn"] });
    // Nothing on "*" but ListTables, which supports no resource-level permission.
    for (const statements of [automated, named, aurora]) expect(statements.filter((s) => s.resources.includes("*"))).toEqual([]);
  });
});
