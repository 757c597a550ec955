// What the home functions (API, evaluator, housekeeping, queue consumer, drill steps) are built from on AWS: the config
// the deploy validated and wrote beside the bundle (core/plan/home-config.ts) and the stack's environment, read once per
// container on first invocation. So a home function loads no config schema and runs no validation at cold start. The
// regional runners are built from their probe group instead (runner-deps.ts). Tests hand their own deps to each
// handler's `create…Handler`, so nothing reads process.env before they run. The drill engine is not imported here: the
// drill entry hands in its factory (functions/drill.ts), so no other function's bundle carries drill kinds, pg or the
// RDS client. No home function sends to the overflow queue (the runners do), so none builds an SQS client.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { defaultAlerts } from "../core/alerting/defaults.ts";
import type { Alerts } from "../core/alerting/schema.ts";
import { HOME_CONFIG_FILE, HomeConfigError, readHomeConfig } from "../core/plan/home-config.ts";
import { FUNCTION_ENV } from "../core/plan/plan.ts";
import { composeVigie, type ComposeInput, type Vigie } from "../core/runtime/index.ts";
import type { Config, Probe } from "../index.ts";
import { drillAlertSubjects } from "../drills/alerting.ts";
import { readPackageJson } from "./package-file.ts";
import { awsClientOptions } from "../core/runtime/aws-client-options.ts";

export { once } from "./once.ts";

/** The environment the stack gives each function (named in core/plan, set by stacks/). */
const ENV = FUNCTION_ENV;

/** A probe as the home functions have it: its function fields (a browser journey's `script`) left out by the deploy. */
export type HomeProbe = Probe extends infer P ? (P extends unknown ? Omit<P, "script"> : never) : never;
/** The parsed config as the home functions read it from their file (core/plan/home-config.ts). */
export type HomeConfig = Omit<Config, "probes"> & { probes: HomeProbe[] };

export interface LambdaDeps {
  config: HomeConfig;
  vigie: Vigie;
  /** The region this function runs in: the region results carry. */
  region: string;
  /** The home region: the table's and the queue's (a drill Lambda runs in its drill's region, writing here). */
  home: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: (line: string) => void;
}

/** The stack's SNS topic hears every page (as channel "stack"), besides the channels of the config. */
export function withStackTopic<C extends { alerts?: Alerts | undefined }>(config: C, topicArn: string | undefined): C {
  if (!topicArn) return config;
  const alerts = config.alerts ?? defaultAlerts();
  // The stack sets the ARN (its own topic's), so it is not checked against the channel's schema here.
  const channels = { ...alerts.channels, stack: { type: "sns" as const, topicArn } };
  // With routes, a channel listed under the mildest severity hears every severity.
  const routes = alerts.routes ? { ...alerts.routes, low: [...(alerts.routes.low ?? []), "stack"] } : undefined;
  return { ...config, alerts: { ...alerts, channels, ...(routes ? { routes } : {}) } };
}

/** The home config file of the function's package (Lambda's LAMBDA_TASK_ROOT), checked. */
export function loadHomeConfig(env: NodeJS.ProcessEnv): HomeConfig {
  const { file, json } = readPackageJson(HOME_CONFIG_FILE, env, "the home functions' config", (message, cause) => new HomeConfigError(message, { cause }));
  return readHomeConfig<HomeConfig>(json, file);
}

export function lambdaDeps(env: NodeJS.ProcessEnv, overrides: Partial<ComposeInput> = {}): LambdaDeps {
  const tableName = env[ENV.table];
  if (!tableName) throw new Error(`${ENV.table} is not set: the stack names the table in each function's environment`);
  const loaded = loadHomeConfig(env);
  const config = withStackTopic(loaded, env[ENV.topicArn]);
  const region = env.AWS_REGION ?? loaded.home;
  const home = env[ENV.homeRegion] ?? loaded.home;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const vigie: Vigie = composeVigie({
    // SNS clients are built per topic region by the pagers (core/alerting/channels).
    client: new DynamoDBClient(awsClientOptions(home)), tableName, config, env, now: Date.now, log,
    // Drills alert as `vigie start`'s do: each finished result goes through the evaluator as a subject of its own.
    alertSubjects: drillAlertSubjects(config.drills, home),
    ...overrides,
  });
  return { config, vigie, region, home, env, now: Date.now, log };
}
