// The monthly cost of a plan: each line a quantity of billed units times its price (core/plan/prices.ts), from the
// measured units per result (core/plan/units.ts), and what CloudWatch Synthetics would charge for the same runs.
import { HOURS_PER_MONTH, PRICES, PRICES_AS_OF, type PriceName } from "./prices.ts";
import { LOG_BYTES_PER_INVOCATION, READ_UNITS_PER_STATUS, RUNNER_OVERHEAD_MS, TYPICAL_RUN_MS, WRITE_UNITS_PER_RESULT, BYTES_PER_RESULT } from "./units.ts";
import { drillVpcEndpointSets, SIZES, SPREAD_MS, VPC_ENDPOINTS, type Plan } from "./plan.ts";
import { DEFAULT_CONCURRENCY } from "../runtime/run-group.ts";

export { HOURS_PER_MONTH };
const MONTH_MS = HOURS_PER_MONTH * 3_600_000;
const GB = 1024 ** 3;

export interface CostAssumptions {
  /** Status page / API refreshes a month (the page reloads every 30 s while open; cached 5 s server side). Default one a minute. */
  statusReadsPerMonth: number;
  /** Pages sent a month. Default 100. */
  pagesPerMonth: number;
  /** Whether probes have SLOs (bigger alert state). Default true. */
  slo: boolean;
  /** Raw run retention, days (storage). Default 30. */
  retentionDays: number;
  /** Probes a runner runs at once (core/runtime/run-group.ts). Default DEFAULT_CONCURRENCY. */
  concurrency: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = { statusReadsPerMonth: HOURS_PER_MONTH * 60, pagesPerMonth: 100, slo: true, retentionDays: 30, concurrency: DEFAULT_CONCURRENCY };

export interface CostLine {
  /** What is billed, e.g. "Lambda requests". */
  item: string;
  quantity: number;
  unit: string;
  usd: number;
  price: PriceName;
}

/** One drill's share, a month: runs, drill Lambda invocations, Step Functions transitions, and their price. */
export interface DrillCost {
  id: string;
  runsPerMonth: number;
  invocations: number;
  transitions: number;
  usd: number;
}

/** State transitions of one step: Advance (the Lambda), Done? (a choice), then Wait or Done. */
export const TRANSITIONS_PER_STEP = 3;
/** State transitions of a run besides its steps: Start (adds the execution's ARN). */
export const TRANSITIONS_PER_RUN = 1;
/** Billed time of one drill step (an AWS call or a few SQL checks on the copy), ms. */
export const DRILL_STEP_MS = 1_000;

export interface CostEstimate {
  lines: CostLine[];
  /** Per drill on AWS (their Lambda and transitions are in `lines` too). */
  drills: DrillCost[];
  totalUsd: number;
  /** Probe runs a month, all regions. */
  runsPerMonth: number;
  /** What CloudWatch Synthetics would charge for the same runs ($0.0012 a canary run). */
  syntheticsUsd: number;
  pricesAsOf: string;
  assumptions: CostAssumptions;
}

const line = (item: string, quantity: number, price: PriceName): CostLine => ({ item, quantity, unit: PRICES[price].unit, usd: quantity * PRICES[price].usd, price });

export function estimateCost(plan: Plan, assumptions: Partial<CostAssumptions> = {}): CostEstimate {
  const a = { ...DEFAULT_ASSUMPTIONS, ...assumptions };
  let runs = 0;
  let runnerInvocations = 0;
  const gbSeconds = { arm64: 0, x86_64: 0 };
  const probeRegions = new Map<string, number>();
  for (const region of plan.regions) {
    for (const schedule of region.schedules) {
      const invocations = MONTH_MS / Math.max(schedule.every * schedule.rounds, 60_000);
      runnerInvocations += invocations;
      runs += invocations * schedule.rounds * schedule.probes.length;
      for (const id of schedule.probes) probeRegions.set(id, (probeRegions.get(id) ?? 0) + 1);
      // Billed time: the rounds' waits, the spread, the group in waves of `concurrency`, and the overhead.
      const waves = Math.ceil(schedule.probes.length / (schedule.runner === "browser" ? 2 : a.concurrency));
      const ms = (schedule.rounds - 1) * schedule.every + schedule.rounds * (SPREAD_MS + waves * TYPICAL_RUN_MS[schedule.runner]) + RUNNER_OVERHEAD_MS;
      const size = SIZES[schedule.runner];
      gbSeconds[size.architecture] += invocations * (ms / 1000) * (size.memoryMb / 1024);
    }
  }
  // The evaluator runs about once per runner invocation (the stream batches a group's inserts), ~200 ms each.
  const evaluatorInvocations = runnerInvocations;
  const housekeepingInvocations = MONTH_MS / 60_000;
  const apiInvocations = a.statusReadsPerMonth;
  const small = SIZES.evaluator.memoryMb / 1024;
  gbSeconds.arm64 += evaluatorInvocations * 0.2 * small + housekeepingInvocations * 0.3 * small + apiInvocations * 0.3 * (SIZES.api.memoryMb / 1024);
  // Drills: each run steps at most `stepsPerRun` times (an upper bound: a run polling for its whole timeout).
  const drillSize = SIZES.drill.memoryMb / 1024;
  const drills: DrillCost[] = plan.home.drills.map((drill) => {
    const runsPerMonth = MONTH_MS / drill.every;
    const steps = runsPerMonth * drill.stepsPerRun;
    const transitions = steps * TRANSITIONS_PER_STEP + runsPerMonth * TRANSITIONS_PER_RUN;
    const gbs = steps * (DRILL_STEP_MS / 1000) * drillSize;
    const usd = steps * PRICES.lambdaRequest.usd + gbs * PRICES.lambdaGbSecondArm.usd + transitions * PRICES.stepFunctionsTransition.usd + runsPerMonth * PRICES.schedulerInvocation.usd;
    return { id: drill.id, runsPerMonth, invocations: steps, transitions, usd };
  });
  const drillInvocations = drills.reduce((sum, d) => sum + d.invocations, 0);
  const drillRuns = drills.reduce((sum, d) => sum + d.runsPerMonth, 0);
  gbSeconds.arm64 += drillInvocations * (DRILL_STEP_MS / 1000) * drillSize;
  const invocations = runnerInvocations + evaluatorInvocations + housekeepingInvocations + apiInvocations + drillInvocations;

  const probeCount = probeRegions.size;
  const probeRegionCount = [...probeRegions.values()].reduce((sum, n) => sum + n, 0);
  const writeUnits = runs * (a.slo ? WRITE_UNITS_PER_RESULT.withSlo : WRITE_UNITS_PER_RESULT.withoutSlo);
  // Housekeeping reads each probe's alert state once a minute (a cold container; warm ones keep it), the API its model.
  const readUnits = a.statusReadsPerMonth * probeRegionCount * READ_UNITS_PER_STATUS.perProbeRegion
    + housekeepingInvocations * probeCount * 0.5;
  const runsPerDay = runs / (HOURS_PER_MONTH / 24);
  const storedGb = runsPerDay * a.retentionDays * BYTES_PER_RESULT / GB;
  const logGb = (invocations * LOG_BYTES_PER_INVOCATION) / GB;
  const transitions = drills.reduce((sum, d) => sum + d.transitions, 0);
  // VPC endpoints the stack adds for RDS drills (one set per subnet group): interface endpoints bill per AZ-hour.
  const endpointHours = drillVpcEndpointSets(plan).length * VPC_ENDPOINTS.interface.length * VPC_ENDPOINTS.assumedAzs * HOURS_PER_MONTH;

  const lines = [
    line("Lambda requests", invocations, "lambdaRequest"),
    line("Lambda compute (arm64)", gbSeconds.arm64, "lambdaGbSecondArm"),
    line("Lambda compute (x86_64, browser)", gbSeconds.x86_64, "lambdaGbSecondX86"),
    line("EventBridge Scheduler", runnerInvocations + housekeepingInvocations + drillRuns, "schedulerInvocation"),
    line("DynamoDB writes", writeUnits, "dynamoWriteUnit"),
    line("DynamoDB reads", readUnits, "dynamoReadUnit"),
    line("DynamoDB storage", storedGb, "dynamoStorageGb"),
    line("DynamoDB point-in-time recovery", storedGb, "dynamoPitrGb"),
    line("SNS publishes", a.pagesPerMonth, "snsPublish"),
    line("Step Functions transitions (drills)", transitions, "stepFunctionsTransition"),
    line("VPC interface endpoints (RDS drills)", endpointHours, "vpcInterfaceEndpointHour"),
    line("CloudWatch Logs ingestion", logGb, "logsIngestedGb"),
  ];
  const totalUsd = lines.reduce((sum, l) => sum + l.usd, 0);
  return { lines, drills, totalUsd, runsPerMonth: runs, syntheticsUsd: runs * PRICES.syntheticsCanaryRun.usd, pricesAsOf: PRICES_AS_OF, assumptions: a };
}
