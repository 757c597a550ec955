// What a regional runner is built from on AWS: its probe group, the result store on the home table and the overflow
// queue. A runner reads its group from the JSON the deploy put beside the bundle (core/plan/runner-group.ts), so it
// loads no config schema, no alerting and no drill code; the browser runner takes its journey scripts, functions no
// JSON can carry, from the config bundled with it (functions/browser-runner.ts).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { MaintenanceCalendar } from "../core/alerting/maintenance.ts";
import { FUNCTION_ENV as ENV } from "../core/plan/plan.ts";
import { readRunnerGroup, RunnerGroupError, RUNNER_GROUP_FILE, type RunnerGroup } from "../core/plan/runner-group.ts";
import type { EnqueueResults } from "../core/runtime/result-sink.ts";
import { documentClient, resultStoreOn } from "../core/runtime/result-store-on.ts";
import type { ResultStore } from "../core/store/results-store.ts";
import type { Probe } from "../index.ts";
import { readPackageJson } from "./package-file.ts";
import { queueSender } from "./queue-sender.ts";
import { awsClientOptions } from "../core/runtime/aws-client-options.ts";

export interface RunnerDeps {
  group: RunnerGroup<Probe>;
  store: ResultStore;
  /** The region this function runs in: the region results carry. */
  region: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: (line: string) => void;
  /** Sends a message to the overflow queue. */
  enqueue: EnqueueResults;
  /** Whether a probe is in one of the config's maintenance windows at an instant (as the alert read view answers it). */
  inMaintenance(probeId: string, at: number): boolean;
}

/** A runner's deps from its group and a DynamoDB client on the home table (tests hand in dynalite's). */
export function runnerDepsOf(group: RunnerGroup<Probe>, input: Omit<RunnerDeps, "group" | "store" | "inMaintenance"> & { client: DynamoDBClient; tableName: string }): RunnerDeps {
  const { client, tableName, ...rest } = input;
  const calendar = new MaintenanceCalendar(group.maintenance);
  const byId = new Map(group.probes.map((probe) => [probe.id, { id: probe.id, tags: probe.tags ?? [] }]));
  return {
    ...rest, group,
    store: resultStoreOn({ doc: documentClient(client), tableName, now: input.now, retentionMs: group.retentionMs }),
    inMaintenance: (probeId, at) => {
      const probe = byId.get(probeId);
      return probe !== undefined && calendar.active(probe, at) !== undefined;
    },
  };
}

/**
 * The runner group file of the function's package (Lambda's LAMBDA_TASK_ROOT), checked for this runner's kind;
 * `bundledCode` when the caller puts back the code the file marks (the browser runner's journeys).
 */
export function loadRunnerGroup(kind: Probe["kind"], env: NodeJS.ProcessEnv, options: { bundledCode?: boolean } = {}): RunnerGroup<Probe> {
  const { file, json } = readPackageJson(RUNNER_GROUP_FILE, env, `the ${kind} runner's probe group`, (message, cause) => new RunnerGroupError(message, { cause }));
  return readRunnerGroup<Probe>(json, kind, file, options);
}

/** The deps of the `kind` runner from the stack's environment and the group file beside the bundle. */
export function runnerDeps(kind: Probe["kind"], env: NodeJS.ProcessEnv): RunnerDeps {
  return runnerDepsIn(loadRunnerGroup(kind, env), env);
}

/** A runner's deps from its group and the stack's environment (the table, the home region, the queue). */
export function runnerDepsIn(group: RunnerGroup<Probe>, env: NodeJS.ProcessEnv): RunnerDeps {
  const tableName = env[ENV.table];
  if (!tableName) throw new Error(`${ENV.table} is not set: the stack names the table in each function's environment`);
  const home = env[ENV.homeRegion] ?? group.home;
  return runnerDepsOf(group, {
    client: new DynamoDBClient(awsClientOptions(home)), tableName,
    region: env.AWS_REGION ?? group.home, env, now: Date.now, log: (line) => process.stdout.write(`${line}\n`),
    enqueue: queueSender(new SQSClient(awsClientOptions(home)), env[ENV.queueUrl]),
  });
}
