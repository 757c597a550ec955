// Evaluating a stream batch of one probe at once ends where evaluating its results one by one does, in one write.
import { expect, it } from "vitest";
import { createEvaluator } from "../../core/alerting/evaluator.ts";
import { createMemoryAlertStore } from "../../core/alerting/store.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

const regions = ["us-east-1", "eu-west-1", "ap-south-1"];
const outcomes = ["pass", "fail", "fail", "fail", "pass", "pass", "fail", "pass", "pass"] as const;

it("opens and resolves the same incidents as one-by-one evaluation, with one state write per batch", async () => {
  const time = clock();
  const one = createMemoryAlertStore();
  const batched = createMemoryAlertStore();
  const byOne = createEvaluator({ config: config(), store: one, channelNames: ["oncall"], now: time.now, log: memoryLog().log, startedAt: T0 });
  const byBatch = createEvaluator({ config: config(), store: batched, channelNames: ["oncall"], now: time.now, log: memoryLog().log, startedAt: T0 });
  for (const [minute, outcome] of outcomes.entries()) {
    const at = T0 + minute * 60_000;
    time.set(at + 2_000);
    // Two regions follow the scripted outcome, the third always passes; the batch arrives out of order.
    const batch = regions.map((region, i) => result(region, i < 2 ? outcome : "pass", at + i * 100)).reverse();
    for (const r of [...batch].reverse()) await byOne.onResult(r);
    await byBatch.onProbeResults("api-health", batch);
  }
  const [a, b] = await Promise.all([one.getState("api-health"), batched.getState("api-health")]);
  expect(b!.state).toEqual(a!.state);
  expect(b!.version).toBe(outcomes.length);
  expect(a!.version).toBe(outcomes.length * regions.length);
  const list = async (store: typeof one) => (await store.list({ status: "all", limit: 10 })).items.map((i) => `${i.kind}:${i.resolvedAt ? "resolved" : "open"}`);
  expect(await list(batched)).toEqual(await list(one));
  expect(await list(batched)).toEqual(["down:resolved"]);
});
