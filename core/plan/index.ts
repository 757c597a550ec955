// The plan: what is deployed where (pure, from the config) and what it costs a month.
export { buildPlan, FUNCTION_ENV, runnerFunctionName, scheduleFor, invocationBudgetMs, SIZES, SPREAD_MS, MAX_TIMEOUT_S, CLOUD_DRILL_KINDS, drillStepsPerRun, drillResourceName, drillMachineName, drillVpcEndpointSets, vpcEndpointsUsdPerMonth, VPC_ENDPOINTS } from "./plan.ts";
export type { Plan, PlanConfig, PlanProblem, RegionPlan, HomePlan, FunctionPlan, SchedulePlan, RunnerKind, DrillPlan, VpcEndpointSet } from "./plan.ts";
export { estimateCost, DEFAULT_ASSUMPTIONS, HOURS_PER_MONTH } from "./cost.ts";
export type { CostAssumptions, CostEstimate, CostLine, DrillCost } from "./cost.ts";
export { PRICES, PRICES_AS_OF } from "./prices.ts";
export type { PriceName } from "./prices.ts";
export { WRITE_UNITS_PER_RESULT, READ_UNITS_PER_STATUS, BYTES_PER_RESULT, TYPICAL_RUN_MS, RUNNER_OVERHEAD_MS, LOG_BYTES_PER_INVOCATION } from "./units.ts";
export { runnerGroup, runnerGroupJson, readRunnerGroup, withBundledCode, BUNDLED_CODE, RunnerGroupError, RUNNER_GROUP_FILE, RUNNER_GROUP_FORMAT, RUNNER_GROUP_VERSION } from "./runner-group.ts";
export type { RunnerGroup, RunnerGroupConfig, GroupedProbe } from "./runner-group.ts";
export { homeConfigJson, readHomeConfig, HomeConfigError, HOME_CONFIG_FILE, HOME_CONFIG_FORMAT, HOME_CONFIG_VERSION } from "./home-config.ts";
export type { HomeConfigFile, HomeConfigShape } from "./home-config.ts";
