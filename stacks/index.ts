// The stack, wired from the plan (core/plan): home resources on the home region's provider, a runner per probe region on
// that region's provider, one schedule per region × runner × frequency group, each drill's resources on its own region's
// provider (one provider per region, shared). No probe or drill logic lives here.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatDuration } from "../core/config/duration-text.ts";
import { drillStateMachine } from "../core/runtime/drill-steps.ts";
import { drillMachineName, drillVpcEndpointSets, FUNCTION_ENV as ENV, runnerFunctionName, VPC_ENDPOINTS, type Plan, type RunnerKind, type VpcEndpointSet } from "../core/plan/index.ts";
import { HOME_CONFIG_FILE, homeConfigJson, type HomeConfigShape } from "../core/plan/home-config.ts";
import { RUNNER_GROUP_FILE, runnerGroupJson, type GroupedProbe, type RunnerGroupConfig } from "../core/plan/runner-group.ts";
import { nodejsOptionsFor } from "./bundling.ts";
import { envFromShell } from "./environment.ts";
import {
  alertingPermissions, apiPermissions, drillPermissions, queueConsumerPermissions, runnerPermissions,
} from "./permissions.ts";

/** "eu-west-1" → "EuWest1", for resource names. */
export const regionName = (region: string) => region.split("-").map((part) => part[0]!.toUpperCase() + part.slice(1)).join("");
/** "drills_private-a" → "DrillsPrivateA", for resource names. */
const pascal = (text: string) => text.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((part) => part[0]!.toUpperCase() + part.slice(1)).join("");

const seconds = (s: number) => `${s} seconds` as const;
const megabytes = (mb: number) => `${mb} MB` as const;

/**
 * Writes a file the deploy hands a function (`copyFiles`), `NAME.json` under the SST work folder; returns its path from
 * the app's root. Each name holds the stage: two stages deployed from one checkout do not share a file.
 */
function writeDeployFile(name: string, text: string): string {
  const dir = path.join($cli.paths.work, "vigie");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, text);
  return path.relative($cli.paths.root, file);
}

/**
 * Writes each runner kind's probe group (the parsed config's probes of that kind, maintenance windows, retention) under
 * the SST work folder, for `copyFiles` to put beside the runner's bundle; returns each file's path from the app's root.
 * A journey script (a function) is marked in the file; the browser runner takes it from its bundled config.
 */
function writeRunnerGroups(config: RunnerGroupConfig<GroupedProbe>, kinds: readonly RunnerKind[]): Map<RunnerKind, string> {
  return new Map(kinds.map((kind) => [kind, writeDeployFile(`runner-group-${$app.stage}-${kind}`, runnerGroupJson(config, kind))]));
}

/**
 * Writes the home functions' config (the parsed config, alerts defaults filled in, journey scripts left out) under the
 * SST work folder, for `copyFiles` to put beside each home function's bundle; returns its path from the app's root.
 */
function writeHomeConfig(config: HomeConfigShape): string {
  return writeDeployFile(`home-config-${$app.stage}`, homeConfigJson(config));
}

/**
 * The VPC endpoints of one DB subnet group's drills (`restore.vpcEndpoints: true`), in the drills' region, so their
 * Lambda reaches AWS with no NAT gateway: DynamoDB's gateway endpoint on the route tables of the group's subnets and the
 * VPC's main one, and interface endpoints (private DNS, so the SDK's default hostnames resolve to them) in the group's
 * subnets, open on 443 to the drills' security groups only. (An endpoint serves its own region only: the plan refuses
 * endpoints for a drill outside the home region, whose table they cannot reach.)
 */
function vpcEndpoints(set: VpcEndpointSet, group: ReturnType<typeof aws.rds.getSubnetGroupOutput>, suffix: string, opts: { provider: aws.Provider }) {
  const { region } = set;
  const name = `DrillVpc${pascal(set.subnetGroup)}${suffix}`;
  const routeTables = $util.all([
    aws.ec2.getRouteTablesOutput({ vpcId: group.vpcId, filters: [{ name: "association.subnet-id", values: group.subnetIds }] }, opts).ids,
    aws.ec2.getRouteTablesOutput({ vpcId: group.vpcId, filters: [{ name: "association.main", values: ["true"] }] }, opts).ids,
  ]).apply(([explicit, main]) => [...new Set([...explicit, ...main])].sort());
  for (const service of VPC_ENDPOINTS.gateway) {
    new aws.ec2.VpcEndpoint(`${name}${pascal(service)}`, { vpcId: group.vpcId, serviceName: `com.amazonaws.${region}.${service}`, vpcEndpointType: "Gateway", routeTableIds: routeTables }, opts);
  }
  const https = new aws.ec2.SecurityGroup(`${name}Endpoints`, {
    vpcId: group.vpcId, description: `vigie drills: HTTPS from the drills of subnet group ${set.subnetGroup} to their VPC endpoints`,
    ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: set.securityGroups }],
  }, opts);
  for (const service of VPC_ENDPOINTS.interface) {
    new aws.ec2.VpcEndpoint(`${name}${pascal(service)}`, {
      vpcId: group.vpcId, serviceName: `com.amazonaws.${region}.${service}`, vpcEndpointType: "Interface", privateDnsEnabled: true,
      subnetIds: group.subnetIds, securityGroupIds: [https.id],
    }, opts);
  }
}

/**
 * The stack of a plan; `config` is the parsed config the plan was built from (the runners' probe groups and the home
 * functions' config file come from it).
 */
export function deployVigie(plan: Plan, config: RunnerGroupConfig<GroupedProbe> & HomeConfigShape) {
  const providers = new Map<string, aws.Provider>();
  const providerFor = (region: string) => {
    let provider = providers.get(region);
    if (!provider) {
      provider = new aws.Provider(`Aws${regionName(region)}`, { region: region as aws.Region });
      providers.set(region, provider);
    }
    return provider;
  };
  const home = { provider: providerFor(plan.home.region) };

  const table = new sst.aws.Dynamo("Table", {
    fields: { pk: "string", sk: "string", gsi1pk: "string", gsi1sk: "string" },
    primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    globalIndexes: { GSI1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" } },
    stream: "new-image",
    ttl: plan.home.table.ttlAttribute,
  }, home);
  const topic = new sst.aws.SnsTopic("Pages", {}, home);
  const queue = new sst.aws.Queue("Overflow", { visibilityTimeout: "2 minutes" }, home);
  const indexes = $interpolate`${table.arn}/index/*`;
  const env = {
    [ENV.table]: table.name, [ENV.queueUrl]: queue.url, [ENV.topicArn]: topic.arn, [ENV.homeRegion]: plan.home.region,
  };
  const alertingEnv = { ...env, ...envFromShell(plan.env.alerting) };
  const runnerEnv = { ...env, ...envFromShell(plan.env.runners) };
  // The config, validated and normalized here at deploy, beside each home function's bundle (core/plan/home-config.ts).
  const homeConfig = [{ from: writeHomeConfig(config), to: HOME_CONFIG_FILE }];
  const homeFn = (name: string, environment: Record<string, $util.Input<string>> = env) => {
    const fn = plan.home.functions.find((f) => f.name === name)!;
    return { handler: fn.handler, runtime: "nodejs24.x" as const, nodejs: nodejsOptionsFor(fn.handler), architecture: fn.architecture, memory: megabytes(fn.memoryMb), timeout: seconds(fn.timeoutS), environment, copyFiles: homeConfig };
  };

  // Keys for the keyed endpoints (raw results): `npx sst secret set ApiKeys "key1,key2" --stage prod`.
  const apiKeys = new sst.Secret("ApiKeys", "");
  const api = new sst.aws.Function("Api", { ...homeFn("Api", { ...env, VIGIE_API_KEYS: apiKeys.value }), url: true, permissions: apiPermissions({ table: table.arn, indexes }) }, home);
  table.subscribe("Evaluator", { ...homeFn("Evaluator", alertingEnv), permissions: alertingPermissions({ table: table.arn, indexes, topic: topic.arn }) }, {
    filters: [plan.home.evaluatorFilter],
    transform: {
      eventSourceMapping: (args: aws.lambda.EventSourceMappingArgs) => {
        // Report the first record that failed (the handler does), and gather a few seconds of inserts per batch.
        args.functionResponseTypes = ["ReportBatchItemFailures"];
        args.maximumBatchingWindowInSeconds = 5;
        args.batchSize = 100;
      },
    },
  });
  queue.subscribe({ ...homeFn("QueueConsumer"), permissions: queueConsumerPermissions({ table: table.arn }) }, { batch: { size: 10, partialResponses: true } });
  new sst.aws.CronV2("Housekeeping", {
    schedule: plan.home.housekeeping.expression,
    function: { ...homeFn("Housekeeping", alertingEnv), permissions: alertingPermissions({ table: table.arn, indexes, topic: topic.arn }) },
  }, home);

  // Drills: per drill a Lambda (in the copy's VPC for RDS kinds), a standard state machine looping Wait → Lambda, and
  // a schedule starting it on the drill's `every` with `{ "drillId": … }`, all in the drill's own region (its source's
  // and copy's, core/plan DrillPlan.region) on that region's provider: a Lambda can only join a VPC of its own region,
  // and its RDS and Step Functions calls stay there. Only the table is the home region's. Each Lambda's IAM is its own drill's.
  if (plan.home.drills.length > 0) {
    const identity = aws.getCallerIdentityOutput({}, home);
    const partition = aws.getPartitionOutput({}, home);
    const account = $util.all([identity.accountId, partition.partition]).apply(([accountId, partition]) => ({ accountId, partition }));
    const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
    // A Lambda runs in subnets, an RDS copy in a DB subnet group: the drill's Lambda uses that group's subnets. A group
    // is named per region, so it is looked up in the drill's region ("drills" in two regions is two groups).
    const subnetGroups = new Map<string, ReturnType<typeof aws.rds.getSubnetGroupOutput>>();
    const subnetGroupOf = (region: string, name: string) => {
      const key = `${region}/${name}`;
      let group = subnetGroups.get(key);
      if (!group) subnetGroups.set(key, (group = aws.rds.getSubnetGroupOutput({ name }, { provider: providerFor(region) })));
      return group;
    };
    for (const set of drillVpcEndpointSets(plan)) {
      // The home region's sets keep their names (and so their resources); another region's carry its name.
      const suffix = set.region === plan.home.region ? "" : regionName(set.region);
      vpcEndpoints(set, subnetGroupOf(set.region, set.subnetGroup), suffix, { provider: providerFor(set.region) });
    }
    for (const drill of plan.home.drills) {
      const opts = { provider: providerFor(drill.region) };
      const vpc = drill.vpc && { privateSubnets: subnetGroupOf(drill.region, drill.vpc.subnetGroup).subnetIds, securityGroups: drill.vpc.securityGroups };
      const machineName = drillMachineName(plan.project, $app.stage, drill);
      const fn = new sst.aws.Function(drill.name, {
        handler: drill.handler, runtime: "nodejs24.x", nodejs: nodejsOptionsFor(drill.handler), architecture: drill.architecture, memory: megabytes(drill.memoryMb), timeout: seconds(drill.timeoutS), copyFiles: homeConfig,
        // VIGIE_HOME_REGION (in `env`) points its table client at the home region, wherever the Lambda runs.
        environment: { ...alertingEnv, ...envFromShell(plan.env.drills) },
        permissions: account.apply((acct) => drillPermissions(drill, acct, { machineName }, { table: table.arn, indexes })),
        ...(vpc ? { vpc } : {}),
      }, opts);
      const machineRole = new aws.iam.Role(`${drill.name}StateMachineRole`, {
        assumeRolePolicy: trust("states.amazonaws.com"),
        inlinePolicies: [{ name: "invoke", policy: $jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn.arn, $interpolate`${fn.arn}:*`] }] }) }],
      }, opts);
      const machine = new aws.sfn.StateMachine(`${drill.name}StateMachine`, {
        name: machineName, type: "STANDARD", roleArn: machineRole.arn,
        definition: fn.arn.apply((arn: string) => JSON.stringify(drillStateMachine(arn, { timeoutS: drill.stateMachineTimeoutS }))),
      }, opts);
      const scheduleRole = new aws.iam.Role(`${drill.name}ScheduleRole`, {
        assumeRolePolicy: trust("scheduler.amazonaws.com"),
        inlinePolicies: [{ name: "start", policy: $jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["states:StartExecution"], Resource: [machine.arn] }] }) }],
      }, opts);
      new aws.scheduler.Schedule(`${drill.name}Schedule`, {
        scheduleExpression: drill.expression, flexibleTimeWindow: { mode: "OFF" },
        target: { arn: machine.arn, roleArn: scheduleRole.arn, input: JSON.stringify({ drillId: drill.id }) },
      }, opts);
    }
  }

  const groupFiles = writeRunnerGroups(config, [...new Set(plan.regions.flatMap((region) => region.runners.map((runner) => runner.kind)))]);
  for (const region of plan.regions) {
    const opts = { provider: providerFor(region.region) };
    for (const runner of region.runners) {
      const name = `${runner.name}${regionName(region.region)}`;
      const fn = new sst.aws.Function(name, {
        name: runnerFunctionName(plan.project, $app.stage, runner.kind),
        handler: runner.handler, runtime: "nodejs24.x", architecture: runner.architecture,
        memory: megabytes(runner.memoryMb), timeout: seconds(runner.timeoutS), environment: runnerEnv,
        permissions: runnerPermissions({ table: table.arn, queue: queue.arn }),
        // Chromium and its driver ship as packages in the function's node_modules, not in the bundle (stacks/bundling.ts).
        nodejs: nodejsOptionsFor(runner.handler),
        // The runner's probes, validated and normalized here at deploy, beside its bundle (core/plan/runner-group.ts).
        copyFiles: [{ from: groupFiles.get(runner.kind)!, to: RUNNER_GROUP_FILE }],
      }, opts);
      for (const schedule of region.schedules.filter((s) => s.runner === runner.kind)) {
        new sst.aws.CronV2(`${name}${schedule.name.split("-").map((p) => p[0]!.toUpperCase() + p.slice(1)).join("")}`, {
          schedule: schedule.expression, function: fn.arn, event: { every: formatDuration(schedule.every) },
        }, opts);
      }
    }
  }
  return { api: api.url, table: table.name, topic: topic.arn, queue: queue.url };
}
