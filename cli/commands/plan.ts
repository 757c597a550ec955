// `vigie plan`: what `sst deploy` would create where (from core/plan), and what it costs a month.
import { buildPlan, estimateCost, PRICES, type CostEstimate, type Plan } from "../../core/plan/index.ts";
import type { CliIo } from "../io.ts";
import { loadForReport } from "../load.ts";

export interface PlanOptions {
  config?: string | undefined;
  reporter?: string | undefined;
}

const usd = (value: number) => (value >= 100 ? `$${value.toFixed(0)}` : value >= 0.01 || value === 0 ? `$${value.toFixed(2)}` : "<$0.01");
const count = (value: number) => (value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value < 10 ? value.toFixed(2) : value.toFixed(0));

export function formatPlan(plan: Plan, cost: CostEstimate): string {
  const lines: string[] = [`vigie plan: ${plan.project}`, "", `home ${plan.home.region}: table (on-demand, PITR, stream), SNS topic, SQS queue, housekeeping ${plan.home.housekeeping.expression}`];
  for (const fn of plan.home.functions) lines.push(`  ${fn.name.padEnd(14)} ${fn.handler.padEnd(36)} ${fn.memoryMb} MB ${fn.architecture} ${fn.timeoutS}s`);
  // Each drill is listed under the region it is deployed in (its own), the home region's with the home functions.
  const drillLines = (region: string) => plan.home.drills.filter((d) => d.region === region).map((d) => {
    const share = cost.drills.find((c) => c.id === d.id)!;
    const vpc = d.vpc ? ` in the VPC of subnet group ${d.vpc.subnetGroup}${d.vpc.endpoints ? " (VPC endpoints added)" : ""}` : "";
    const table = region === plan.home.region ? "" : `, results to the table in ${plan.home.region}`;
    return `  drill ${d.id} (${d.kind}): state machine ${d.name}, ${d.expression}, Lambda ${d.memoryMb} MB ${d.architecture} ${d.timeoutS}s${vpc}${table}; a month at most ${count(share.invocations)} invocations, ${count(share.transitions)} transitions, ${usd(share.usd)}`;
  });
  if (plan.home.drills.length === 0) lines.push("  drills: none on AWS");
  lines.push(...drillLines(plan.home.region));
  const probeRegions = new Set(plan.regions.map((r) => r.region));
  const drillOnly = [...new Set(plan.home.drills.map((d) => d.region))].filter((r) => r !== plan.home.region && !probeRegions.has(r)).sort();
  for (const region of [...plan.regions, ...drillOnly.map((r) => ({ region: r, runners: [], schedules: [] }))]) {
    lines.push("", `region ${region.region}:`);
    for (const fn of region.runners) lines.push(`  ${fn.name.padEnd(14)} ${fn.handler.padEnd(36)} ${fn.memoryMb} MB ${fn.architecture} ${fn.timeoutS}s`);
    for (const s of region.schedules) {
      lines.push(`  schedule ${s.name.padEnd(12)} ${s.expression.padEnd(16)} ${s.rounds > 1 ? `${s.rounds} rounds, ` : ""}${s.probes.length} probe${s.probes.length === 1 ? "" : "s"}: ${s.probes.join(", ")}`);
    }
    if (region.region !== plan.home.region) lines.push(...drillLines(region.region));
  }
  lines.push("", `monthly cost (${cost.pricesAsOf} list prices, us-east-1, no free tier; ${count(cost.runsPerMonth)} runs a month):`);
  for (const l of cost.lines) lines.push(`  ${l.item.padEnd(38)} ${count(l.quantity).padStart(9)} × ${PRICES[l.price].unit.padEnd(32)} ${usd(l.usd).padStart(9)}`);
  lines.push(`  ${"total".padEnd(38)} ${"".padStart(9)}   ${"".padEnd(32)} ${usd(cost.totalUsd).padStart(9)}`);
  lines.push("", `CloudWatch Synthetics for the same runs: ${usd(cost.syntheticsUsd)} a month ($${PRICES.syntheticsCanaryRun.usd} a canary run); vigie is ${(cost.totalUsd / Math.max(cost.syntheticsUsd, 1e-9) * 100).toFixed(2)} % of it`);
  for (const problem of plan.problems) lines.push(`${problem.severity}: ${problem.path}: ${problem.message}`);
  return `${lines.join("\n")}\n`;
}

/** The plan as JSON, with durations in ms and cost lines in USD. */
export function planJson(plan: Plan, cost: CostEstimate): string {
  return `${JSON.stringify({ plan, cost: { ...cost, everyFormatted: undefined } }, null, 2)}\n`;
}

export async function planCommand(options: PlanOptions, io: CliIo): Promise<number> {
  const loaded = await loadForReport(options, io);
  if (!loaded) return 2;
  const { config, reporter } = loaded;
  const plan = buildPlan(config);
  const errors = plan.problems.filter((p) => p.severity === "error");
  for (const problem of errors) io.stderr.write(`${problem.path}: ${problem.message}\n`);
  if (errors.length > 0) return 2;
  const cost = estimateCost(plan, { slo: (config.alerts?.slos.length ?? 0) > 0 });
  io.stdout.write(reporter === "json" ? planJson(plan, cost) : formatPlan(plan, cost));
  return 0;
}
