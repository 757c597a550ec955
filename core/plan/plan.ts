// The deployment plan, pure: from the config, what exists in the home region and in each probe region — the
// functions with their sizes, and one schedule per region × runner × frequency group. `stacks/` wires exactly this.
import { formatDuration } from "../config/duration-text.ts";
import { envRefs } from "../config/secrets.ts";
import { STORE_RESERVE_MS } from "../runtime/runner-invocation.ts";
import { DEFAULT_SPREAD_MS } from "../runtime/run-group.ts";
import { TTL_ATTRIBUTE } from "../store/table.ts";
import { RUN_INSERT_FILTER } from "../runtime/stream-records.ts";
import { HOURS_PER_MONTH, PRICES } from "./prices.ts";

/** The environment variable names the stack sets on every function and the handlers read (functions/lambda-deps.ts). */
export const FUNCTION_ENV = {
  table: "VIGIE_TABLE",
  queueUrl: "VIGIE_QUEUE_URL",
  topicArn: "VIGIE_TOPIC_ARN",
  homeRegion: "VIGIE_HOME_REGION",
} as const;

/** The parts of the parsed config the plan reads (structural: core does not import the probe registry). */
export interface PlanConfig {
  project: string;
  home: string;
  probes: ReadonlyArray<{ id: string; kind: string; every: number; timeout: number; retries: { count: number }; regions: readonly string[] }>;
  drills?: readonly unknown[] | undefined;
  alerts?: unknown;
}

export type RunnerKind = "http" | "browser";

export interface FunctionPlan {
  /** Logical name, unique within its region, e.g. "HttpRunner". */
  name: string;
  /** Entry file and export, e.g. "functions/http-runner.handler". */
  handler: string;
  memoryMb: number;
  timeoutS: number;
  architecture: "arm64" | "x86_64";
}

export interface SchedulePlan {
  /** e.g. "http-1m". */
  name: string;
  runner: RunnerKind;
  /** The group's interval, ms; the runner's event is `{ every: "<this as a duration>" }`. */
  every: number;
  /** The EventBridge Scheduler expression: its finest rate is one minute. */
  expression: string;
  /** Runs of the group each invocation makes: 2 for "30s" (at 0 and 30 s), else 1. */
  rounds: number;
  probes: string[];
}

export interface RegionPlan {
  region: string;
  runners: Array<FunctionPlan & { kind: RunnerKind }>;
  schedules: SchedulePlan[];
}

export interface HomePlan {
  region: string;
  table: { billing: "PAY_PER_REQUEST"; pointInTimeRecovery: true; stream: "NEW_IMAGE"; ttlAttribute: typeof TTL_ATTRIBUTE };
  functions: FunctionPlan[];
  /** The filter on the evaluator's stream subscription: inserted raw runs only. */
  evaluatorFilter: typeof RUN_INSERT_FILTER;
  /** The housekeeping schedule (stale checks, outbox, day folding). */
  housekeeping: { expression: string };
  /**
   * Every drill that runs on AWS: one state machine and drill Lambda each, deployed in the drill's own `region` (which
   * need not be this one); all of them write their runs and results to this region's table.
   */
  drills: DrillPlan[];
}

/**
 * One drill on AWS: a Step Functions standard state machine (Advance → Wait → Advance … until done) over a Lambda of
 * its own, started on the drill's `every` by EventBridge Scheduler with `{ "drillId": id }`.
 */
export interface DrillPlan extends FunctionPlan {
  id: string;
  kind: string;
  every: number;
  /** The Scheduler expression of `every`. */
  expression: string;
  /** The run's whole deadline, ms (the state machine's own timeout adds the cleanup grace). */
  timeout: number;
  /**
   * The drill's `region` (default the home region): where its source and copy are, and where the drill is deployed —
   * its Lambda (in the copy's VPC for RDS kinds), state machine, roles, schedule and VPC endpoints, on that region's
   * provider — so the Lambda can sit in the copy's VPC and its RDS and Step Functions calls stay in the region. Its
   * runs and results still go to the home region's table.
   */
  region: string;
  /** What the drill restores from, as its config names it (its IAM is scoped to these and to `vigie-drill-<id>-*`). */
  source: { instance?: string; snapshot?: string; cluster?: string; table?: string };
  /**
   * RDS kinds: the copy's DB subnet group and security groups; the drill Lambda runs in that VPC to query the copy.
   * `endpoints`: the stack adds the VPC endpoints the Lambda needs to reach DynamoDB, RDS and Step Functions from
   * there (`restore.vpcEndpoints`); false when the VPC reaches them already (a NAT gateway or endpoints of its own).
   */
  vpc?: { subnetGroup: string; securityGroups: string[]; endpoints: boolean };
  /**
   * The execution's own timeout, s: room for a run left by an ended execution to be cleaned up (its timeout and
   * cleanup grace at most, drills/engine.ts) and for this execution's own run (the same again), and 5 minutes.
   */
  stateMachineTimeoutS: number;
  /** At most how many times one run calls the Lambda (its stages' polls back off to once a minute). */
  stepsPerRun: number;
}

export interface PlanProblem {
  severity: "error" | "warning";
  path: string;
  message: string;
}

export interface Plan {
  project: string;
  /**
   * The `${env:NAME}` variables the functions need, by who reads them: runners (probe headers, URLs, bodies),
   * drill Lambdas (the AWS drills' connection passwords) and
   * alerting (webhook URLs). The stack copies them from the environment of `sst deploy`.
   */
  env: { runners: string[]; alerting: string[]; drills: string[] };
  home: HomePlan;
  regions: RegionPlan[];
  problems: PlanProblem[];
}

/** Sizes of the functions: HTTP work is I/O (the smallest useful arm64 size); Chromium wants ≥ 1.6 GB and x86_64. */
export const SIZES = {
  http: { memoryMb: 256, architecture: "arm64" },
  browser: { memoryMb: 2048, architecture: "x86_64" },
  evaluator: { memoryMb: 256, architecture: "arm64", timeoutS: 60 },
  housekeeping: { memoryMb: 256, architecture: "arm64", timeoutS: 60 },
  queueConsumer: { memoryMb: 256, architecture: "arm64", timeoutS: 60 },
  api: { memoryMb: 512, architecture: "arm64", timeoutS: 15 },
  // One drill step: an AWS call or a few SQL checks on the copy.
  drill: { memoryMb: 512, architecture: "arm64", timeoutS: 120 },
} as const;

/** The drill kinds that run on AWS; a postgres drill reads backup folders on the machine that runs `vigie start`. */
export const CLOUD_DRILL_KINDS = ["rds-pitr", "rds-snapshot", "aurora-pitr", "dynamodb-pitr"] as const;

/** The parts of a drill's config the plan reads. */
interface PlannedDrill {
  id: string;
  kind: string;
  every: number;
  timeout: number;
  region?: string | undefined;
  source?: { instance?: string; snapshot?: string; cluster?: string; table?: string };
  restore?: { subnetGroup?: string; securityGroups?: string[]; vpcEndpoints?: boolean | undefined };
}

/**
 * At most how many steps one run takes: a few quick ones per stage and for cleanup, and while it waits on AWS a poll
 * at most once a minute (the kinds' backoff, drills/aws.ts) for the whole timeout.
 */
export const drillStepsPerRun = (timeoutMs: number) => 10 + Math.ceil(timeoutMs / MINUTE);

/** How long a cleanup may keep deleting past the run's deadline (drills/engine.ts CLEANUP_GRACE_MS). */
export const DRILL_CLEANUP_GRACE_MS = 15 * 60_000;

/**
 * The VPC endpoints a drill Lambda in a VPC needs when the VPC has no NAT gateway: the gateway endpoint of DynamoDB
 * (the table; free) and interface endpoints for the RDS API (restore, describe, delete) and Step Functions (whether
 * an execution still runs). Pages are not sent from there (housekeeping delivers them), so SNS needs none. Interface
 * endpoints bill per AZ: a DB subnet group spans at least 2, the count the plan prices.
 */
export const VPC_ENDPOINTS = { gateway: ["dynamodb"], interface: ["rds", "states"], assumedAzs: 2 } as const;

/** What one set of VPC endpoints costs a month at the plan's assumptions (interface endpoints × AZs × hours). */
export function vpcEndpointsUsdPerMonth(): number {
  return VPC_ENDPOINTS.interface.length * VPC_ENDPOINTS.assumedAzs * HOURS_PER_MONTH * PRICES.vpcInterfaceEndpointHour.usd;
}

/** One set of VPC endpoints: in `region`, for the VPC of DB subnet group `subnetGroup`, open to the drills' security groups. */
export interface VpcEndpointSet { region: string; subnetGroup: string; securityGroups: string[]; drills: string[] }

/**
 * The sets of VPC endpoints the stack adds: one per region × DB subnet group of the drills that ask for them, in the
 * drills' region (a subnet group is named per region: "drills" in two regions is two VPCs).
 */
export function drillVpcEndpointSets(plan: Pick<Plan, "home">): VpcEndpointSet[] {
  const sets = new Map<string, VpcEndpointSet>();
  for (const drill of plan.home.drills) {
    if (!drill.vpc?.endpoints) continue;
    const key = `${drill.region}/${drill.vpc.subnetGroup}`;
    const set = sets.get(key) ?? { region: drill.region, subnetGroup: drill.vpc.subnetGroup, securityGroups: [], drills: [] };
    set.securityGroups = [...new Set([...set.securityGroups, ...drill.vpc.securityGroups])];
    set.drills.push(drill.id);
    sets.set(key, set);
  }
  return [...sets.values()];
}

/**
 * A drill's state machine name: fixed, so the drill Lambda's role can name the executions it may look at
 * (`…:execution:<name>:*`) without depending on the machine, whose definition depends on the Lambda. At most 80.
 */
export function drillMachineName(project: string, stage: string, drill: Pick<DrillPlan, "name">): string {
  return `${project}-${stage}-${drill.name}`.slice(0, 80);
}

/** "orders-db" → "DrillOrdersDb", the drill's resource names. */
export const drillResourceName = (id: string) => `Drill${id.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join("")}`;

const MINUTE = 60_000;
/** Lambda's longest timeout. */
export const MAX_TIMEOUT_S = 900;
/** The spread window a runner starts its probes over. */
export const SPREAD_MS = DEFAULT_SPREAD_MS;

const RUNNER_KINDS: readonly RunnerKind[] = ["http", "browser"];
const RUNNER_NAMES: Record<RunnerKind, { name: string; handler: string }> = {
  http: { name: "HttpRunner", handler: "functions/http-runner.handler" },
  browser: { name: "BrowserRunner", handler: "functions/browser-runner.handler" },
};

/**
 * A regional runner's function name: the same in every region, so `vigie test --remote` finds it from the config and
 * the stage alone (Lambda names are regional). At most 64 characters.
 */
export function runnerFunctionName(project: string, stage: string, kind: RunnerKind): string {
  return `${project}-${stage}-${kind}-runner`.slice(0, 64);
}

/** The Scheduler expression for an interval, and the rounds each invocation makes; undefined when it has none. */
export function scheduleFor(every: number): { expression: string; rounds: number } | undefined {
  if (every < MINUTE) return MINUTE % every === 0 ? { expression: "rate(1 minute)", rounds: MINUTE / every } : undefined;
  if (every % MINUTE !== 0) return undefined;
  const minutes = every / MINUTE;
  if (minutes % 1440 === 0) return { expression: `rate(${minutes / 1440} day${minutes === 1440 ? "" : "s"})`, rounds: 1 };
  if (minutes % 60 === 0) return { expression: `rate(${minutes / 60} hour${minutes === 60 ? "" : "s"})`, rounds: 1 };
  return { expression: `rate(${minutes} minute${minutes === 1 ? "" : "s"})`, rounds: 1 };
}

/** The longest one invocation of a group may take: its rounds, the spread, every try of its slowest probe, the store. */
export function invocationBudgetMs(group: { every: number; rounds: number }, slowestRunMs: number): number {
  return (group.rounds - 1) * group.every + SPREAD_MS + slowestRunMs + STORE_RESERVE_MS;
}

/**
 * Whether a drill Lambda in the copy's VPC can reach what it calls: the table (DynamoDB, home region), and the RDS API
 * and Step Functions of the drill's region. Endpoints serve their own region only, so the ones vigie adds cannot carry
 * a non-home drill's table traffic: that drill's VPC needs a NAT gateway.
 */
function vpcReachProblem(drill: { region: string; home: string; subnetGroup: string; vpcEndpoints: boolean | undefined }): Omit<PlanProblem, "path"> | undefined {
  const { region, home, subnetGroup } = drill;
  if (region === home) {
    if (drill.vpcEndpoints !== undefined) return undefined;
    return {
      severity: "warning",
      message: `the drill's Lambda runs in the VPC of subnet group "${subnetGroup}" and calls DynamoDB, RDS and Step Functions from there: ` +
        `without a NAT gateway or VPC endpoints every step fails, unable to connect to them. Set vpcEndpoints: true for vigie to add them ` +
        `(≈ $${vpcEndpointsUsdPerMonth().toFixed(2)} a month), or false if the VPC reaches AWS already`,
    };
  }
  // A VPC endpoint (gateway or interface) reaches its own region's service only; the table is in the home region.
  const cross = `the drill's Lambda runs in ${region}, in the VPC of subnet group "${subnetGroup}", and writes its runs and results to the table in the home region ${home}: a VPC endpoint reaches its own region's service only`;
  if (drill.vpcEndpoints === true) {
    return {
      severity: "error",
      message: `${cross}, so endpoints in ${region} cannot take that traffic and every step would fail. Give that VPC a NAT gateway ` +
        `and set vpcEndpoints: false, or make ${region} the home region (home: "${region}")`,
    };
  }
  if (drill.vpcEndpoints === undefined) {
    return {
      severity: "warning",
      message: `${cross}, and it calls RDS and Step Functions in ${region}: without a NAT gateway every step fails, unable to connect to them, ` +
        `and VPC endpoints cannot reach the table from there. Give that VPC a NAT gateway and set vpcEndpoints: false`,
    };
  }
  return undefined;
}

export function buildPlan(config: PlanConfig): Plan {
  const problems: PlanProblem[] = [];
  const regionNames = [...new Set(config.probes.flatMap((probe) => probe.regions))].sort((a, b) => (a === config.home ? -1 : b === config.home ? 1 : a.localeCompare(b)));
  config.probes.forEach((probe, index) => {
    if (!RUNNER_KINDS.includes(probe.kind as RunnerKind)) problems.push({ severity: "error", path: `probes[${index}].kind`, message: `"${probe.kind}" has no runner on AWS` });
    else if (!scheduleFor(probe.every)) {
      problems.push({ severity: "error", path: `probes[${index}].every`, message: `${formatDuration(probe.every)} cannot be scheduled on AWS: use a whole number of minutes, or a divisor of 1m (30s, 20s, 15s, 10s…)` });
    }
  });
  const regions = regionNames.map((region): RegionPlan => {
    const runners: RegionPlan["runners"] = [];
    const schedules: SchedulePlan[] = [];
    for (const kind of RUNNER_KINDS) {
      const probes = config.probes.filter((probe) => probe.kind === kind && probe.regions.includes(region) && scheduleFor(probe.every));
      if (probes.length === 0) continue;
      const groups = new Map<number, typeof probes>();
      for (const probe of probes) groups.set(probe.every, [...(groups.get(probe.every) ?? []), probe]);
      let timeoutMs = 0;
      for (const [every, members] of [...groups].sort(([a], [b]) => a - b)) {
        const { expression, rounds } = scheduleFor(every)!;
        const slowest = Math.max(...members.map((probe) => probe.timeout * (probe.retries.count + 1)));
        timeoutMs = Math.max(timeoutMs, invocationBudgetMs({ every, rounds }, slowest));
        if (rounds > 1) {
          problems.push({ severity: "warning", path: `regions.${region}.${kind}-${formatDuration(every)}`, message: `EventBridge schedules at most once a minute: this group's runner stays up ${formatDuration((rounds - 1) * every)} of every minute to run it ${rounds} times (billed); "1m" costs far less` });
        }
        schedules.push({ name: `${kind}-${formatDuration(every)}`, runner: kind, every, expression, rounds, probes: members.map((probe) => probe.id) });
      }
      const timeoutS = Math.ceil(timeoutMs / 1000);
      if (timeoutS > MAX_TIMEOUT_S) problems.push({ severity: "error", path: `regions.${region}.${kind}`, message: `an invocation may need ${timeoutS}s, over Lambda's ${MAX_TIMEOUT_S}s` });
      runners.push({ kind, ...RUNNER_NAMES[kind], ...SIZES[kind], timeoutS: Math.min(timeoutS, MAX_TIMEOUT_S) });
    }
    return { region, runners, schedules };
  });
  const drills: DrillPlan[] = [];
  ((config.drills ?? []) as readonly PlannedDrill[]).forEach((drill, index) => {
    if (!(CLOUD_DRILL_KINDS as readonly string[]).includes(drill.kind)) {
      problems.push({ severity: "warning", path: `drills[${index}]`, message: `a ${drill.kind} drill reads backups on the machine that runs it: it runs with \`vigie start\`, not on AWS (not deployed)` });
      return;
    }
    const schedule = scheduleFor(drill.every);
    if (!schedule || schedule.rounds > 1) {
      problems.push({ severity: "error", path: `drills[${index}].every`, message: `${formatDuration(drill.every)} cannot be scheduled on AWS: use a whole number of minutes` });
      return;
    }
    const restore = drill.restore;
    const region = drill.region ?? config.home;
    const vpc = restore?.subnetGroup && restore.securityGroups?.length ? { subnetGroup: restore.subnetGroup, securityGroups: [...restore.securityGroups], endpoints: restore.vpcEndpoints === true } : undefined;
    if (vpc) {
      const problem = vpcReachProblem({ region, home: config.home, subnetGroup: vpc.subnetGroup, vpcEndpoints: restore?.vpcEndpoints });
      if (problem) problems.push({ ...problem, path: `drills[${index}].restore.vpcEndpoints` });
    }
    drills.push({
      id: drill.id, kind: drill.kind, every: drill.every, expression: schedule.expression, timeout: drill.timeout,
      name: drillResourceName(drill.id), handler: "functions/drill.handler", ...SIZES.drill,
      region, source: { ...drill.source },
      ...(vpc ? { vpc } : {}), stateMachineTimeoutS: Math.ceil((2 * (drill.timeout + DRILL_CLEANUP_GRACE_MS) + 5 * MINUTE) / 1000), stepsPerRun: drillStepsPerRun(drill.timeout),
    });
  });
  const fn = (name: string, handler: string, size: { memoryMb: number; architecture: "arm64" | "x86_64"; timeoutS: number }): FunctionPlan => ({ name, handler, ...size });
  const refs = (value: unknown) => [...new Set(envRefs(JSON.stringify(value ?? null)))].sort();
  return {
    project: config.project,
    env: { runners: refs(config.probes), alerting: refs(config.alerts), drills: refs(((config.drills ?? []) as readonly PlannedDrill[]).filter((d) => drills.some((p) => p.id === d.id))) },
    home: {
      region: config.home,
      table: { billing: "PAY_PER_REQUEST", pointInTimeRecovery: true, stream: "NEW_IMAGE", ttlAttribute: TTL_ATTRIBUTE },
      functions: [
        fn("Api", "functions/api.handler", SIZES.api),
        fn("Evaluator", "functions/evaluator.handler", SIZES.evaluator),
        fn("Housekeeping", "functions/housekeeping.handler", SIZES.housekeeping),
        fn("QueueConsumer", "functions/queue-consumer.handler", SIZES.queueConsumer),
      ],
      evaluatorFilter: RUN_INSERT_FILTER,
      housekeeping: { expression: "rate(1 minute)" },
      drills,
    },
    regions,
    problems,
  };
}
