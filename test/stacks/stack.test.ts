// The real sst.config.ts run() with the real SST components under Pulumi mocks (test/stacks/record-stack.ts, its own
// process): the resource graph the example config deploys. Needs `npm run sst:install` (.sst/platform); offline.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { drillDeletePermissions } from "../../stacks/permissions.ts";
import { envFromShell } from "../../stacks/environment.ts";

const root = path.resolve(import.meta.dirname, "../..");
const installed = existsSync(path.join(root, ".sst", "platform", "package.json"));

interface Resource { type: string; name: string; inputs: Record<string, any>; region?: string }
let resources: Resource[] = [];
const ofType = (type: string) => resources.filter((r) => r.type === type);
/** Pulumi marks secret inputs with this signature; the value sits beside it. */
const unsecret = (value: any) => (value && typeof value === "object" && "4dabf18193072939515e22adb298388d" in value ? value.value : value);
const envOf = (name: string) => unsecret(ofType("aws:lambda/function:Function").find((f) => f.name === name)!.inputs.environment).variables as Record<string, string>;
const policyOf = (roleName: string) => JSON.parse(ofType("aws:iam/role:Role").find((r) => r.name === roleName)!.inputs.inlinePolicies[0].policy).Statement as Array<{ actions: string[]; resources: string[] }>;

describe.skipIf(!installed)("the SST stack of the example config", () => {
  beforeAll(() => {
    const run = spawnSync(path.join(root, "node_modules", ".bin", "node"), ["--import", "tsx", "test/stacks/record-stack.ts"], { cwd: root, encoding: "utf8", timeout: 240_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ORDERS_TOKEN: "deploy-time-token" } });
    if (run.status !== 0) throw new Error(`record-stack failed (${run.status}): ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(run.stdout) as { failures: string[]; resources: Resource[] };
    expect(report.failures).toEqual([]);
    resources = report.resources;
  }, 300_000);

  it("puts a runner of each kind in each probe region, on that region's provider", () => {
    const fns = ofType("aws:lambda/function:Function").map((f) => `${f.name} ${f.region} ${f.inputs.runtime} ${f.inputs.architectures[0]} ${f.inputs.memorySize}`).sort();
    expect(fns).toEqual([
      "ApiFunction us-east-1 nodejs24.x arm64 512",
      "BrowserRunnerEuWest1Function eu-west-1 nodejs24.x x86_64 2048",
      "BrowserRunnerUsEast1Function us-east-1 nodejs24.x x86_64 2048",
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
      "us-east-1 rate(1 minute) {\"every\":\"1m\"} HttpRunnerUsEast1Function",
      "us-east-1 rate(1 minute) {\"every\":\"30s\"} HttpRunnerUsEast1Function",
      "us-east-1 rate(1 minute) {} HousekeepingHandlerFunction",
      "us-east-1 rate(5 minutes) {\"every\":\"5m\"} BrowserRunnerUsEast1Function",
      "us-east-1 rate(5 minutes) {\"every\":\"5m\"} HttpRunnerUsEast1Function",
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

describe("drill delete permissions (deployed with drills, issue 11)", () => {
  it("allow deletes only of resources tagged vigie:drill or named vigie-drill-*", () => {
    const statements = drillDeletePermissions({ partition: "aws", region: "us-east-1", accountId: "123456789012" });
    expect(statements[0]).toMatchObject({ resources: ["*"], conditions: [{ test: "StringLike", variable: "aws:ResourceTag/vigie:drill", values: ["*"] }] });
    expect(statements[1]!.resources.every((arn) => String(arn).includes(":vigie-drill-*") || String(arn).includes("/vigie-drill-*"))).toBe(true);
    expect(statements.every((s) => s.actions.every((action) => /:Delete/.test(action)))).toBe(true);
  });
});
