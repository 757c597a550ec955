// The real sst.config.ts run() with the real SST components under Pulumi mocks (test/stacks/record-stack.ts, its own
// process): the resource graph the example config deploys, with two AWS drills added (test/stacks/stack.config.ts). Needs `npm run sst:install` (.sst/platform); offline.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readRunnerGroup, RUNNER_GROUP_FILE } from "../../core/plan/runner-group.ts";
import { BROWSER_INSTALL, nodejsOptions } from "../../stacks/bundling.ts";
import { drillDeletePermissions } from "../../stacks/permissions.ts";
import { envFromShell } from "../../stacks/environment.ts";

const root = path.resolve(import.meta.dirname, "../..");
const installed = existsSync(path.join(root, ".sst", "platform", "package.json"));

interface Resource { type: string; name: string; inputs: Record<string, any>; region?: string }
let resources: Resource[] = [];
let builds: Array<{ functionID: string; handler: string; properties: Record<string, any> }> = [];
const ofType = (type: string) => resources.filter((r) => r.type === type);
/** Pulumi marks secret inputs with this signature; the value sits beside it. */
const unsecret = (value: any) => (value && typeof value === "object" && "4dabf18193072939515e22adb298388d" in value ? value.value : value);
const envOf = (name: string) => unsecret(ofType("aws:lambda/function:Function").find((f) => f.name === name)!.inputs.environment).variables as Record<string, string>;
const policyOf = (roleName: string) => JSON.parse(ofType("aws:iam/role:Role").find((r) => r.name === roleName)!.inputs.inlinePolicies[0].policy).Statement as Array<{ actions: string[]; resources: string[] }>;

describe.skipIf(!installed)("the SST stack of the example config", () => {
  beforeAll(() => {
    const run = spawnSync(path.join(root, "node_modules", ".bin", "node"), ["--import", "tsx", "test/stacks/record-stack.ts"], { cwd: root, encoding: "utf8", timeout: 240_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ORDERS_TOKEN: "deploy-time-token", BILLING_DB_PASSWORD: "deploy-time-password" } });
    if (run.status !== 0) throw new Error(`record-stack failed (${run.status}): ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(run.stdout) as { failures: string[]; resources: Resource[]; builds: typeof builds };
    expect(report.failures).toEqual([]);
    resources = report.resources;
    builds = report.builds;
  }, 300_000);

  it("puts a runner of each kind in each probe region, on that region's provider", () => {
    const fns = ofType("aws:lambda/function:Function").map((f) => `${f.name} ${f.region} ${f.inputs.runtime} ${f.inputs.architectures[0]} ${f.inputs.memorySize}`).sort();
    expect(fns).toEqual([
      "ApiFunction us-east-1 nodejs24.x arm64 512",
      "BrowserRunnerEuWest1Function eu-west-1 nodejs24.x x86_64 2048",
      "BrowserRunnerUsEast1Function us-east-1 nodejs24.x x86_64 2048",
      "DrillBillingDbFunction us-east-1 nodejs24.x arm64 512",
      "DrillUsersTableFunction us-east-1 nodejs24.x arm64 512",
      "HousekeepingHandlerFunction us-east-1 nodejs24.x arm64 256",
      "HttpRunnerEuWest1Function eu-west-1 nodejs24.x arm64 256",
      "HttpRunnerUsEast1Function us-east-1 nodejs24.x arm64 256",
      expect.stringMatching(/^OverflowSubscriber\w+Function us-east-1 nodejs24.x arm64 256$/),
      "TableSubscriberEvaluatorFunctionFunction us-east-1 nodejs24.x arm64 256",
    ].sort());
    expect(ofType("pulumi:providers:aws").map((p) => p.inputs.region).sort()).toEqual(["eu-west-1", "us-east-1"]);
  });

  it("schedules each runner once per frequency group, with the group in the event", () => {
    const schedules = ofType("aws:scheduler/schedule:Schedule").map((s) => `${s.region} ${s.inputs.scheduleExpression} ${s.inputs.target.input} ${s.inputs.target.arn.split(":").at(-1)}`).sort();
    expect(schedules).toEqual([
      "eu-west-1 rate(1 minute) {\"every\":\"1m\"} HttpRunnerEuWest1Function",
      "eu-west-1 rate(1 minute) {\"every\":\"30s\"} HttpRunnerEuWest1Function",
      "eu-west-1 rate(5 minutes) {\"every\":\"5m\"} BrowserRunnerEuWest1Function",
      "eu-west-1 rate(5 minutes) {\"every\":\"5m\"} HttpRunnerEuWest1Function",
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
      const options = build.handler.startsWith("functions/browser-runner.") ? nodejsOptions(BROWSER_INSTALL) : nodejsOptions();
      // SST turns `install` into { package: "*" } before its build reads it.
      const { install, ...rest } = options;
      expect(build.properties, build.functionID).toMatchObject({ ...rest, ...(install ? { install: Object.fromEntries(install.map((p) => [p, "*"])) } : {}) });
    }
  });

  it("puts the HTTP runner's probe group beside its bundle: the parsed HTTP probes, ${env:…} references unresolved", () => {
    for (const fn of ["HttpRunnerEuWest1", "HttpRunnerUsEast1"]) {
      // Zip entry names are stored as is: the group is at the package's root, where the runner reads it.
      const zip = readFileSync(path.join(root, ".sst", "artifacts", fn, "code.zip"));
      expect(zip.includes(Buffer.from(RUNNER_GROUP_FILE)), fn).toBe(true);
      expect(zip.includes(Buffer.from("functions/http-runner.mjs")), fn).toBe(true);
    }
    const group = readRunnerGroup(JSON.parse(readFileSync(path.join(root, ".sst", "vigie", "runner-group-ci-http.json"), "utf8")), "http", "runner-group-ci-http.json");
    expect(group.probes.map((p) => p.id).sort()).toEqual(["api-health", "login-redirect", "orders-api", "search-api"]);
    // The deploying shell's ORDERS_TOKEN is in the runners' environment, never in the file.
    const text = JSON.stringify(group);
    expect(text).toContain("${env:ORDERS_TOKEN}");
    expect(text).not.toContain("deploy-time-token");
    expect(envOf("HttpRunnerEuWest1Function")).toMatchObject({ ORDERS_TOKEN: "deploy-time-token" });
  });

  it("drives each AWS drill with a standard state machine looping Wait → its Lambda, started by a schedule with the drill's id", () => {
    const machines = ofType("aws:sfn/stateMachine:StateMachine");
    expect(machines.map((m) => m.name).sort()).toEqual(["DrillBillingDbStateMachine", "DrillUsersTableStateMachine"]);
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
    // The execution's timeout: the run's 40m, the cleanup's 15m grace and 5m.
    expect(JSON.parse(machines.find((m) => m.name === "DrillBillingDbStateMachine")!.inputs.definition).TimeoutSeconds).toBe(3_600);
  });

  it("runs an RDS drill's Lambda in the subnets of the copy's DB subnet group, with its security groups", () => {
    const fns = ofType("aws:lambda/function:Function");
    expect(fns.find((f) => f.name === "DrillBillingDbFunction")!.inputs.vpcConfig).toEqual({ securityGroupIds: ["sg-0abc"], subnetIds: ["subnet-drills-a", "subnet-drills-b"] });
    expect(fns.find((f) => f.name === "DrillUsersTableFunction")!.inputs.vpcConfig).toBeUndefined();
    expect(ofType("aws:iam/role:Role").find((r) => r.name === "DrillBillingDbRole")!.inputs.managedPolicyArns).toContain("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
    expect(envOf("DrillBillingDbFunction")).toMatchObject({ BILLING_DB_PASSWORD: "deploy-time-password", VIGIE_TABLE: expect.stringContaining("Table") });
    expect(envOf("HttpRunnerUsEast1Function")).not.toHaveProperty("BILLING_DB_PASSWORD");
  });

  it("lets a drill Lambda delete only what is tagged vigie:drill or named vigie-drill-*", () => {
    for (const role of ["DrillBillingDbRole", "DrillUsersTableRole"]) {
      const statements = policyOf(role) as Array<{ actions: string[]; resources: string[]; conditions?: unknown[] }>;
      const deletes = statements.filter((s) => s.actions.some((a) => /:Delete(DB|Table)/.test(a)));
      expect(deletes).toEqual([
        { actions: ["rds:DeleteDBInstance", "rds:DeleteDBCluster", "dynamodb:DeleteTable"], effect: "Allow", resources: ["*"], conditions: [{ test: "StringLike", variable: "aws:ResourceTag/vigie:drill", values: ["*"] }] },
        {
          actions: ["rds:DeleteDBInstance", "rds:DeleteDBCluster", "dynamodb:DeleteTable"], effect: "Allow",
          resources: ["arn:aws:rds:us-east-1:123456789012:db:vigie-drill-*", "arn:aws:rds:us-east-1:123456789012:cluster:vigie-drill-*", "arn:aws:dynamodb:us-east-1:123456789012:table/vigie-drill-*"],
        },
      ]);
      // Every other statement deletes nothing but items (its runs and lock in the table, a copy's items).
      for (const s of statements.filter((s) => !deletes.includes(s))) expect(s.actions.filter((a) => /Delete/.test(a))).toEqual(s.actions.includes("dynamodb:DeleteItem") ? ["dynamodb:DeleteItem"] : []);
    }
    // No other function may delete a database or a table.
    for (const role of ofType("aws:iam/role:Role").filter((r) => !r.name.startsWith("Drill") && r.inputs.inlinePolicies?.length)) {
      expect(role.inputs.inlinePolicies[0].policy).not.toMatch(/DeleteDB|DeleteTable/);
    }
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
  it("allow deletes only of resources tagged vigie:drill or named vigie-drill-*", () => {
    const statements = drillDeletePermissions({ partition: "aws", region: "us-east-1", accountId: "123456789012" });
    expect(statements[0]).toMatchObject({ resources: ["*"], conditions: [{ test: "StringLike", variable: "aws:ResourceTag/vigie:drill", values: ["*"] }] });
    expect(statements[1]!.resources.every((arn) => String(arn).includes(":vigie-drill-*") || String(arn).includes("/vigie-drill-*"))).toBe(true);
    expect(statements.every((s) => s.actions.every((action) => /:Delete/.test(action)))).toBe(true);
  });
});
