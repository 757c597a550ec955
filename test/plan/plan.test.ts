// The plan (what exists where) and its monthly cost, on the example config and on 50 probes × 3 regions.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { buildPlan, estimateCost, PRICES, scheduleFor, WRITE_UNITS_PER_RESULT } from "../../core/plan/index.ts";
import { Config } from "../../index.ts";
import exampleConfig from "../../vigie.config.ts";
import { main } from "../../cli/main.ts";
import { formatPlan } from "../../cli/commands/plan.ts";
import { DRILL_CLEANUP_GRACE_MS, drillVpcEndpointSets } from "../../core/plan/plan.ts";
import { CLEANUP_GRACE_MS } from "../../drills/engine.ts";
import { memoryIo } from "../fixtures/io.ts";

const fifty = () => Config.parse({
  project: "fleet", home: "us-east-1", regions: ["us-east-1", "eu-west-1", "ap-southeast-2"],
  probes: Array.from({ length: 50 }, (_, i) => ({ id: `api-${i}`, kind: "http", url: `https://api.acme.dev/${i}`, every: "1m" })),
});

it("deploys a runner per probe region and one schedule per region × runner × frequency group", () => {
  const plan = buildPlan(Config.parse(exampleConfig));
  expect(plan.regions.map((r) => r.region)).toEqual(["us-east-1", "eu-west-1"]);
  const east = plan.regions[0]!;
  expect(east.runners.map((r) => `${r.name}:${r.memoryMb}:${r.architecture}`)).toEqual(["HttpRunner:256:arm64", "BrowserRunner:2048:x86_64"]);
  expect(east.schedules.map((s) => `${s.name} ${s.expression} ${s.rounds} ${s.probes.join(",")}`)).toEqual([
    "http-30s rate(1 minute) 2 api-health",
    "http-1m rate(1 minute) 1 orders-api,search-api",
    "http-5m rate(5 minutes) 1 login-redirect",
    "browser-5m rate(5 minutes) 1 storefront",
  ]);
  // The HTTP runner's timeout covers its longest invocation: the 30 s group's second round, its 2 tries of 5 s, the spread and the store.
  expect(east.runners[0]!.timeoutS).toBe(46);
  expect(plan.home.table).toMatchObject({ pointInTimeRecovery: true, stream: "NEW_IMAGE" });
  // The example's one drill is a postgres drill (local backup folders): it runs with `vigie start`, not on AWS.
  expect(plan.home.drills).toEqual([]);
  expect(plan.problems.map((p) => p.severity)).toEqual(["warning", "warning", "warning"]);
  expect(plan.problems.at(-1)).toEqual({ severity: "warning", path: "drills[0]", message: expect.stringContaining("a postgres drill reads backups on the machine that runs it") });
});

const rawDrills = () => ({
  project: "dr", home: "us-east-1", probes: [],
  drills: [
    {
      id: "orders-db", kind: "rds-pitr", every: "6h", timeout: "40m", objectives: { rto: "30m", rpo: "5m" },
      source: { instance: "orders" }, restore: { subnetGroup: "drills", securityGroups: ["sg-0abc"], vpcEndpoints: false },
      connect: { user: "vigie", password: "${env:ORDERS_DB_PASSWORD}" },
    },
    { id: "users-table", kind: "dynamodb-pitr", every: "1d", timeout: "1h", objectives: { rto: "1h", rpo: "5m" }, source: { table: "users" } },
  ],
});

const drillConfig = () => Config.parse(rawDrills());

it("plans a state machine and a Lambda per AWS drill, in the copy's VPC for RDS kinds, on the drill's every", () => {
  const plan = buildPlan(drillConfig());
  expect(plan.problems).toEqual([]);
  expect(plan.env.drills).toEqual(["ORDERS_DB_PASSWORD"]);
  expect(plan.home.drills).toEqual([
    {
      id: "orders-db", kind: "rds-pitr", every: 6 * 3_600_000, expression: "rate(6 hours)", timeout: 40 * 60_000, name: "DrillOrdersDb",
      handler: "functions/drill.handler", memoryMb: 512, architecture: "arm64", timeoutS: 120, region: "us-east-1", source: { instance: "orders" },
      // Room for a run an ended execution left (40m + 15m grace), then its own (the same), and 5m.
      vpc: { subnetGroup: "drills", securityGroups: ["sg-0abc"], endpoints: false }, stateMachineTimeoutS: 6_900, stepsPerRun: 50,
    },
    {
      id: "users-table", kind: "dynamodb-pitr", every: 86_400_000, expression: "rate(1 day)", timeout: 3_600_000, name: "DrillUsersTable",
      handler: "functions/drill.handler", memoryMb: 512, architecture: "arm64", timeoutS: 120, region: "us-east-1", source: { table: "users" },
      stateMachineTimeoutS: 9_300, stepsPerRun: 70,
    },
  ]);
});

it("gives each drill's execution the engine's cleanup grace past the run's deadline", () => {
  expect(DRILL_CLEANUP_GRACE_MS).toBe(CLEANUP_GRACE_MS);
});

it("refuses a drill interval EventBridge cannot schedule, naming the drill", () => {
  const raw = rawDrills();
  const config = Config.parse({ ...raw, drills: [{ ...raw.drills[1]!, every: "90s", timeout: "1m" }] });
  expect(buildPlan(config).problems).toEqual([{ severity: "error", path: "drills[0].every", message: expect.stringContaining("1.5m cannot be scheduled") }]);
});

it("prices each drill: its Lambda invocations and Step Functions transitions a month, inside the totals", () => {
  const plan = buildPlan(drillConfig());
  const cost = estimateCost(plan);
  // orders-db: 4 runs a day × 50 steps; users-table: 1 run a day × 70 steps; 3 transitions a step and 1 a run (Start).
  const runs = { "orders-db": 730 / 6, "users-table": 730 / 24 };
  expect(cost.drills.map((d) => d.id)).toEqual(["orders-db", "users-table"]);
  expect(cost.drills[0]!.runsPerMonth).toBeCloseTo(runs["orders-db"], 9);
  expect(cost.drills[0]!.invocations).toBeCloseTo(runs["orders-db"] * 50, 9);
  expect(cost.drills[1]!.transitions).toBeCloseTo(runs["users-table"] * (70 * 3 + 1), 9);
  const transitions = cost.lines.find((l) => l.item === "Step Functions transitions (drills)")!;
  expect(transitions.quantity).toBeCloseTo(cost.drills.reduce((sum, d) => sum + d.transitions, 0), 9);
  expect(transitions.usd).toBeCloseTo(transitions.quantity * PRICES.stepFunctionsTransition.usd, 12);
  const drillInvocations = cost.drills.reduce((sum, d) => sum + d.invocations, 0);
  const withoutDrills = estimateCost({ ...plan, home: { ...plan.home, drills: [] } });
  const requests = (c: typeof cost) => c.lines.find((l) => l.item === "Lambda requests")!.quantity;
  expect(requests(cost) - requests(withoutDrills)).toBeCloseTo(drillInvocations, 6);
  // Each drill's share is what its lines cost: requests, compute, transitions, schedules.
  const share = cost.drills[0]!;
  expect(share.usd).toBeCloseTo(share.invocations * (PRICES.lambdaRequest.usd + 0.5 * PRICES.lambdaGbSecondArm.usd) + share.transitions * PRICES.stepFunctionsTransition.usd + share.runsPerMonth * PRICES.schedulerInvocation.usd, 12);
  expect(formatPlan(plan, cost)).toMatch(/drill orders-db \(rds-pitr\): state machine DrillOrdersDb, rate\(6 hours\), Lambda 512 MB arm64 120s in the VPC of subnet group drills; a month at most 6\.1k invocations, 18\.4k transitions, \$0\.\d\d/);
  // Beside their logs, the drills add exactly their shares to the total.
  const logs = (c: typeof cost) => c.lines.find((l) => l.item === "CloudWatch Logs ingestion")!.usd;
  expect(cost.totalUsd - logs(cost) - (withoutDrills.totalUsd - logs(withoutDrills))).toBeCloseTo(cost.drills.reduce((sum, d) => sum + d.usd, 0), 9);
});

it("warns when an RDS drill's VPC may not reach AWS, and prices the VPC endpoints it asks for, one set per subnet group", () => {
  const raw = rawDrills();
  const rds = raw.drills[0]!;
  const asked = (vpcEndpoints: boolean | undefined, id = "orders-db", subnetGroup = "drills") => ({ ...rds, id, restore: { subnetGroup, securityGroups: ["sg-0abc"], ...(vpcEndpoints === undefined ? {} : { vpcEndpoints }) } });
  const unset = buildPlan(Config.parse({ ...raw, drills: [asked(undefined)] }));
  expect(unset.problems).toEqual([{
    severity: "warning", path: "drills[0].restore.vpcEndpoints",
    message: expect.stringContaining('runs in the VPC of subnet group "drills" and calls DynamoDB, RDS and Step Functions from there: without a NAT gateway or VPC endpoints every step fails, unable to connect to them. Set vpcEndpoints: true for vigie to add them (≈ $29.20 a month)'),
  }]);
  const endpoints = (c: ReturnType<typeof estimateCost>) => c.lines.find((l) => l.item === "VPC interface endpoints (RDS drills)")!;
  expect(endpoints(estimateCost(unset)).usd).toBe(0);

  // Two drills in one subnet group share a set; a third in another group has its own: 2 interfaces × 2 AZs × 730 h each.
  const plan = buildPlan(Config.parse({ ...raw, drills: [asked(true), asked(true, "orders-2"), asked(true, "orders-3", "other")] }));
  expect(plan.problems).toEqual([]);
  const line = endpoints(estimateCost(plan));
  expect(line.quantity).toBe(2 * 2 * 2 * 730);
  expect(line.usd).toBeCloseTo(2 * 29.2, 9);
  expect(formatPlan(plan, estimateCost(plan))).toMatch(/VPC interface endpoints \(RDS drills\)\s+5\.8k × interface endpoint-hour \(one AZ\)\s+\$58\.40/);
  expect(formatPlan(plan, estimateCost(plan))).toContain("in the VPC of subnet group drills (VPC endpoints added)");
});

it("deploys each drill in its own region, and lists it there, its results going to the home table", () => {
  const raw = rawDrills();
  const away = { ...raw.drills[0]!, id: "ledger-db", region: "ap-southeast-2", source: { instance: "ledger" } };
  const plan = buildPlan(Config.parse({ ...raw, probes: [{ id: "api", kind: "http", url: "https://api.acme.dev", regions: ["us-east-1", "eu-west-1"] }], drills: [...raw.drills, away] }));
  expect(plan.problems).toEqual([]);
  expect(plan.home.drills.map((d) => `${d.id} ${d.region}`)).toEqual(["orders-db us-east-1", "users-table us-east-1", "ledger-db ap-southeast-2"]);
  const text = formatPlan(plan, estimateCost(plan));
  // Home drills beside the home functions; a drill in a region with no probes gets that region's block.
  const home = text.slice(0, text.indexOf("\nregion "));
  expect(home).toContain("drill orders-db (rds-pitr)");
  expect(home).not.toContain("ledger-db");
  expect(text).toMatch(/\nregion eu-west-1:\n  HttpRunner[^\n]*\n  schedule[^\n]*\n\nregion ap-southeast-2:\n  drill ledger-db \(rds-pitr\): state machine DrillLedgerDb, rate\(6 hours\), Lambda 512 MB arm64 120s in the VPC of subnet group drills, results to the table in us-east-1; /);
});

it("refuses VPC endpoints for a drill outside the home region, which they cannot reach the table from, and says what to do instead", async () => {
  const raw = rawDrills();
  const away = (vpcEndpoints: boolean | undefined) => ({
    ...raw.drills[0]!, region: "eu-west-1", restore: { subnetGroup: "drills", securityGroups: ["sg-0abc"], ...(vpcEndpoints === undefined ? {} : { vpcEndpoints }) },
  });
  const asked = buildPlan(Config.parse({ ...raw, drills: [raw.drills[1]!, away(true)] }));
  expect(asked.problems).toEqual([{
    severity: "error", path: "drills[1].restore.vpcEndpoints",
    message: 'the drill\'s Lambda runs in eu-west-1, in the VPC of subnet group "drills", and writes its runs and results to the table in the home region us-east-1: ' +
      "a VPC endpoint reaches its own region's service only, so endpoints in eu-west-1 cannot take that traffic and every step would fail. " +
      'Give that VPC a NAT gateway and set vpcEndpoints: false, or make eu-west-1 the home region (home: "eu-west-1")',
  }]);
  // `vigie plan` (and the deploy, sst.config.ts) stop on it, naming the field.
  const io = memoryIo();
  const dir = await mkdtemp(path.join(tmpdir(), "vigie-plan-"));
  const file = path.join(dir, "config.json");
  await writeFile(file, JSON.stringify({ ...raw, drills: [raw.drills[1]!, away(true)] }));
  expect(await main(["plan", "--config", file], io.io)).toBe(2);
  await rm(dir, { recursive: true, force: true });
  expect(io.stderr()).toMatch(/^drills\[1\]\.restore\.vpcEndpoints: the drill's Lambda runs in eu-west-1, .* NAT gateway and set vpcEndpoints: false/m);

  // Unset, the warning says endpoints are no way out here: a NAT gateway is.
  const unset = buildPlan(Config.parse({ ...raw, drills: [away(undefined)] }));
  expect(unset.problems).toEqual([{ severity: "warning", path: "drills[0].restore.vpcEndpoints", message: expect.stringContaining("without a NAT gateway every step fails, unable to connect to them, and VPC endpoints cannot reach the table from there. Give that VPC a NAT gateway and set vpcEndpoints: false") }]);
  expect(unset.problems[0]!.message).not.toContain("vpcEndpoints: true");
  // With a NAT gateway said (false), nothing to report, and no endpoints priced.
  const nat = buildPlan(Config.parse({ ...raw, drills: [away(false)] }));
  expect(nat.problems).toEqual([]);
  expect(estimateCost(nat).lines.find((l) => l.item === "VPC interface endpoints (RDS drills)")!.usd).toBe(0);
});

it("keys each set of VPC endpoints by region and subnet group: the stack puts it in the drills' region", () => {
  const raw = rawDrills();
  const rds = raw.drills[0]!;
  const plan = buildPlan(Config.parse({ ...raw, drills: [{ ...rds, restore: { ...rds.restore, vpcEndpoints: true } }] }));
  expect(drillVpcEndpointSets(plan)).toEqual([{ region: "us-east-1", subnetGroup: "drills", securityGroups: ["sg-0abc"], drills: ["orders-db"] }]);
  // Same-named groups of two regions are two VPCs, two sets (as a plan of drills in two regions would hold them).
  const twoRegions = { home: { ...plan.home, drills: [plan.home.drills[0]!, { ...plan.home.drills[0]!, id: "orders-eu", region: "eu-west-1" }] } };
  expect(drillVpcEndpointSets(twoRegions).map((set) => `${set.region} ${set.subnetGroup} ${set.drills.join(",")}`)).toEqual(["us-east-1 drills orders-db", "eu-west-1 drills orders-eu"]);
});

it("refuses an interval EventBridge cannot schedule, naming the probe", () => {
  const config = Config.parse({ project: "odd", probes: [{ id: "odd", kind: "http", url: "https://a.dev", every: "90s" }] });
  expect(buildPlan(config).problems).toEqual([{ severity: "error", path: "probes[0].every", message: expect.stringContaining("1.5m cannot be scheduled") }]);
  expect(scheduleFor(7_000)).toBeUndefined();
  expect(scheduleFor(3_600_000)).toEqual({ expression: "rate(1 hour)", rounds: 1 });
  expect(scheduleFor(2 * 86_400_000)).toEqual({ expression: "rate(2 days)", rounds: 1 });
});

it("prices 50 HTTP probes × 3 regions every minute: every line, a total that adds up, and Synthetics for the same runs", () => {
  const cost = estimateCost(buildPlan(fifty()), { slo: false });
  expect(cost.lines.map((l) => l.item)).toEqual([
    "Lambda requests", "Lambda compute (arm64)", "Lambda compute (x86_64, browser)", "EventBridge Scheduler", "DynamoDB writes", "DynamoDB reads",
    "DynamoDB storage", "DynamoDB point-in-time recovery", "SNS publishes", "Step Functions transitions (drills)", "VPC interface endpoints (RDS drills)",
    "CloudWatch Logs ingestion",
  ]);
  expect(cost.runsPerMonth).toBe(150 * 730 * 60);
  const writes = cost.lines.find((l) => l.item === "DynamoDB writes")!;
  expect(writes.quantity).toBe(cost.runsPerMonth * WRITE_UNITS_PER_RESULT.withoutSlo);
  for (const line of cost.lines) expect(line.usd).toBeCloseTo(line.quantity * PRICES[line.price].usd, 9);
  expect(cost.totalUsd).toBeCloseTo(cost.lines.reduce((sum, l) => sum + l.usd, 0), 9);
  expect(cost.syntheticsUsd).toBeCloseTo(cost.runsPerMonth * 0.0012, 6);
  expect(cost.totalUsd).toBeLessThan(cost.syntheticsUsd / 100);
});

it("vigie plan prints the functions, schedules and cost lines, or the same as one JSON document", async () => {
  const table = memoryIo();
  expect(await main(["plan"], table.io)).toBe(0);
  expect(table.stdout()).toMatch(/region eu-west-1:\n  HttpRunner/);
  expect(table.stdout()).toMatch(/schedule http-1m\s+rate\(1 minute\)\s+2 probes: orders-api, search-api/);
  expect(table.stdout()).toMatch(/DynamoDB writes .*\$/);
  expect(table.stdout()).toMatch(/CloudWatch Synthetics for the same runs: \$\d+/);

  const json = memoryIo();
  expect(await main(["plan", "--reporter", "json"], json.io)).toBe(0);
  const parsed = JSON.parse(json.stdout()) as { plan: { regions: unknown[] }; cost: { totalUsd: number; lines: unknown[] } };
  expect(parsed.plan.regions).toHaveLength(2);
  expect(parsed.cost.lines).toHaveLength(12);

  const bad = memoryIo();
  expect(await main(["plan", "--reporter", "xml"], bad.io)).toBe(2);
});
