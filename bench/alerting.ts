// Alerting figures: evaluation cost per result with 1,000 probes × 3 regions of state, and result → page latency.
//   npx tsx bench/alerting.ts
import { performance } from "node:perf_hooks";
import { Alerts } from "../core/alerting/schema.ts";
import { applyResult, initialState, type ProbeAlertState } from "../core/alerting/evaluate.ts";
import { createAlerting, probeSpecs, type AlertingConfig } from "../core/alerting/create-alerting.ts";
import { createDynamoAlertStore, createMemoryAlertStore, type AlertStore } from "../core/alerting/store.ts";
import type { ProbeResult } from "../core/result/probe-result.ts";
import { startTestDynamo } from "../test/fixtures/dynamo.ts";
import { startWebhookReceiver } from "../test/fixtures/webhook-receiver.ts";

const PROBES = 1_000;
const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];
const T0 = Date.parse("2025-06-02T00:00:00Z");
const quietLog = { info() {}, warn() {}, error() {} };

function benchConfig(withSlo: boolean, alerts: Record<string, unknown> = {}): AlertingConfig {
  return {
    regions: REGIONS,
    probes: Array.from({ length: PROBES }, (_, i) => ({ id: `probe-${i}`, every: 60_000, tags: ["bench"], alert: { severity: "high" as const, after: 2, recoverAfter: 2, quorum: 2 } })),
    alerts: Alerts.parse({ ...(withSlo ? { slos: [{ tags: ["bench"], availability: 99.9, latency: { p95Ms: 200 } }] } : {}), ...alerts }),
  };
}

function result(probe: number, region: string, minute: number, outcome: ProbeResult["outcome"] = minute % 97 === 0 ? "fail" : "pass"): ProbeResult {
  return {
    probeId: `probe-${probe}`, kind: "http", region, startedAt: new Date(T0 + minute * 60_000 + REGIONS.indexOf(region)).toISOString(),
    durationMs: 40 + (minute % 7) * 30, outcome, ...(outcome === "pass" ? {} : { error: { category: "http" as const, message: "HTTP 503" } }), assertions: [],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function pureEvaluator(withSlo: boolean): number {
  const specs = [...probeSpecs(benchConfig(withSlo)).values()];
  const states: ProbeAlertState[] = specs.map((spec) => initialState(spec.id, T0));
  let minute = 0;
  const round = () => {
    minute += 1;
    for (let p = 0; p < PROBES; p++) {
      for (const region of REGIONS) states[p] = applyResult(states[p]!, result(p, region, minute), specs[p]!, T0 + minute * 60_000, false).state;
    }
  };
  for (let i = 0; i < 3; i++) round();
  const rounds = 10;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) round();
  return ((performance.now() - start) * 1000) / (rounds * PROBES * REGIONS.length);
}

async function throughStore(store: AlertStore, rounds: number): Promise<number> {
  let now = T0;
  const alerting = createAlerting({ config: benchConfig(false), store, pagers: { sink: { timeoutMs: 100, async send() { return { ok: true }; } } }, now: () => now, log: quietLog });
  let minute = 0;
  const round = async () => {
    minute += 1;
    now = T0 + minute * 60_000;
    for (let p = 0; p < PROBES; p++) for (const region of REGIONS) await alerting.onResult(result(p, region, minute));
  };
  await round(); // 3,000 states written: the state the figure is measured against
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await round();
  const micros = ((performance.now() - start) * 1000) / (rounds * PROBES * REGIONS.length);
  await alerting.stop();
  return micros;
}

async function pageLatency(store: AlertStore, samples: number): Promise<{ p50: number; p95: number }> {
  const receiver = await startWebhookReceiver();
  const config: AlertingConfig = {
    regions: REGIONS,
    probes: Array.from({ length: samples }, (_, i) => ({ id: `page-${i}`, every: 60_000, tags: [], alert: { severity: "critical" as const, after: 1, recoverAfter: 1, quorum: 1 } })),
    alerts: Alerts.parse({ channels: { hook: { type: "webhook", url: `${receiver.url}/hook` } } }),
  };
  const alerting = createAlerting({ config, store, log: quietLog });
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const failing: ProbeResult = { ...result(0, "us-east-1", 1, "fail"), probeId: `page-${i}`, startedAt: new Date().toISOString() };
    const before = receiver.delivered.length;
    const start = process.hrtime.bigint();
    await alerting.onResult(failing);
    await receiver.waitFor(before + 1);
    latencies.push(Number(receiver.delivered[before]!.receivedAt - start) / 1e6);
  }
  await alerting.stop();
  await receiver.close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

const fmt = (n: number) => n.toFixed(1);
console.log(`alerting bench — node ${process.version}, ${PROBES} probes × ${REGIONS.length} regions of state`);
console.log(`  pure evaluator, no SLO:               ${fmt(pureEvaluator(false))} µs/result`);
console.log(`  pure evaluator, 2 SLO objectives:     ${fmt(pureEvaluator(true))} µs/result`);
console.log(`  createAlerting + memory store:        ${fmt(await throughStore(createMemoryAlertStore(), 5))} µs/result`);
const dynamo = await startTestDynamo();
try {
  const store = createDynamoAlertStore({ doc: dynamo.doc, tableName: dynamo.tableName });
  console.log(`  createAlerting + dynalite store:      ${fmt(await throughStore(store, 1))} µs/result (one conditional PutItem each)`);
  const latency = await pageLatency(store, 200);
  console.log(`  failing result → webhook page (dynalite store, local receiver, 200 pages): p50 ${latency.p50.toFixed(2)} ms, p95 ${latency.p95.toFixed(2)} ms`);
} finally {
  await dynamo.close();
}
