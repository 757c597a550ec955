// The stack, wired from the plan (core/plan): home resources on the home region's provider, a runner per probe region on
// that region's provider, one schedule per region × runner × frequency group. No probe or drill logic lives here.
import { formatDuration } from "../core/config/duration.ts";
import { FUNCTION_ENV as ENV, runnerFunctionName, type Plan } from "../core/plan/index.ts";
import { envFromShell } from "./environment.ts";
import { alertingPermissions, apiPermissions, queueConsumerPermissions, runnerPermissions } from "./permissions.ts";

/** "eu-west-1" → "EuWest1", for resource names. */
export const regionName = (region: string) => region.split("-").map((part) => part[0]!.toUpperCase() + part.slice(1)).join("");

const seconds = (s: number) => `${s} seconds` as const;
const megabytes = (mb: number) => `${mb} MB` as const;

export function deployVigie(plan: Plan) {
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
  const homeFn = (name: string, environment: Record<string, $util.Input<string>> = env) => {
    const fn = plan.home.functions.find((f) => f.name === name)!;
    return { handler: fn.handler, runtime: "nodejs24.x" as const, architecture: fn.architecture, memory: megabytes(fn.memoryMb), timeout: seconds(fn.timeoutS), environment };
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

  for (const region of plan.regions) {
    const opts = { provider: providerFor(region.region) };
    for (const runner of region.runners) {
      const name = `${runner.name}${regionName(region.region)}`;
      const fn = new sst.aws.Function(name, {
        name: runnerFunctionName(plan.project, $app.stage, runner.kind),
        handler: runner.handler, runtime: "nodejs24.x", architecture: runner.architecture,
        memory: megabytes(runner.memoryMb), timeout: seconds(runner.timeoutS), environment: runnerEnv,
        permissions: runnerPermissions({ table: table.arn, queue: queue.arn }),
        // Chromium and its driver ship as packages in the function's node_modules, not in the bundle.
        ...(runner.kind === "browser" ? { nodejs: { install: ["@sparticuz/chromium", "playwright-core"] } } : {}),
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
