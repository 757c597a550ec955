// What the home functions (API, evaluator, housekeeping, queue consumer, drill steps) are built from on AWS: the config
// and the stack's environment, read once per container on first invocation. The regional runners are built from
// their probe group instead (runner-deps.ts). Tests hand their own deps to each handler's `create…Handler`, so
// nothing reads process.env before they run. The drill engine is not imported here: the drill entry hands in its
// factory (functions/drill.ts), so no other function's bundle carries drill kinds, pg or the RDS client.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Alerts, SnsChannel } from "../core/alerting/index.ts";
import { FUNCTION_ENV } from "../core/plan/plan.ts";
import { composeVigie, type ComposeInput, type Vigie } from "../core/runtime/index.ts";
import type { EnqueueResults } from "../core/runtime/result-sink.ts";
import { Config } from "../index.ts";
import rawConfig from "../vigie.config.ts";
import { drillAlertSubjects } from "../drills/alerting.ts";
import { queueSender } from "./queue-sender.ts";

export { once } from "./once.ts";
export { queueSender };

/** The environment the stack gives each function (named in core/plan, set by stacks/). */
const ENV = FUNCTION_ENV;

export interface LambdaDeps {
  config: Config;
  vigie: Vigie;
  /** The region this function runs in: the region results carry. */
  region: string;
  /** The home region: the table's, the queue's and the drills'. */
  home: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: (line: string) => void;
  /** Sends a message to the overflow queue. */
  enqueue: EnqueueResults;
}

/** The stack's SNS topic hears every page (as channel "stack"), besides the channels of the config. */
export function withStackTopic(config: Config, topicArn: string | undefined): Config {
  if (!topicArn) return config;
  const alerts = config.alerts ?? Alerts.parse({});
  const channels = { ...alerts.channels, stack: SnsChannel.parse({ type: "sns", topicArn }) };
  // With routes, a channel listed under the mildest severity hears every severity.
  const routes = alerts.routes ? { ...alerts.routes, low: [...(alerts.routes.low ?? []), "stack"] } : undefined;
  return { ...config, alerts: { ...alerts, channels, ...(routes ? { routes } : {}) } };
}

export function lambdaDeps(env: NodeJS.ProcessEnv, overrides: Partial<ComposeInput> = {}): LambdaDeps {
  const parsed = Config.parse(rawConfig);
  const config = withStackTopic(parsed, env[ENV.topicArn]);
  const region = env.AWS_REGION ?? parsed.home;
  const home = env[ENV.homeRegion] ?? parsed.home;
  const tableName = env[ENV.table];
  if (!tableName) throw new Error(`${ENV.table} is not set: the stack names the table in each function's environment`);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const sqs = new SQSClient({ region: home });
  const queueUrl = env[ENV.queueUrl];
  const vigie: Vigie = composeVigie({
    // SNS clients are built per topic region by the pagers (core/alerting/channels).
    client: new DynamoDBClient({ region: home }), tableName, config, env, now: Date.now, log,
    // Drills alert as `vigie start`'s do: each finished result goes through the evaluator as a subject of its own.
    alertSubjects: drillAlertSubjects(config.drills, home),
    ...overrides,
  });
  return {
    config, vigie, region, home, env, now: Date.now, log,
    enqueue: queueSender(sqs, queueUrl),
  };
}
