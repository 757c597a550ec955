import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createMemoryAlertStore } from "../../core/alerting/store.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../fixtures/webhook-receiver.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

const TOKEN = "s3cret-hook-token";
const env = { HOOK_TOKEN: TOKEN, PD_KEY: "pd-routing-key-123" };
const fastPolicy = { alert: { severity: "critical" as const, after: 1, recoverAfter: 1, quorum: 1 } };

let receiver: WebhookReceiver;
beforeEach(async () => { receiver = await startWebhookReceiver(); });
afterEach(async () => { await receiver.close(); });

describe("webhook channel against a local receiver", () => {
  it("delivers a page exactly once after the receiver refused the first three tries", async () => {
    receiver.failNext(3, 503);
    const time = clock();
    const { log, lines } = memoryLog();
    const alerting = createAlerting({
      config: config({ channels: { hook: { type: "webhook", url: `${receiver.url}/hook?token=\${env:HOOK_TOKEN}`, headers: { authorization: "Bearer ${env:HOOK_TOKEN}" } } }, delivery: { backoff: "5s" } }, fastPolicy),
      store: createMemoryAlertStore(), env, now: time.now, log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.idle();
    for (let i = 0; i < 8; i++) {
      time.advance(15_000);
      await alerting.drainOutbox();
    }
    expect(receiver.attempts).toBe(4);
    expect(receiver.delivered).toHaveLength(1);
    const [delivery] = receiver.delivered;
    expect(delivery!.path).toBe(`/hook?token=${TOKEN}`);
    expect(delivery!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(delivery!.body).toMatchObject({ type: "vigie.page", event: "open", dedupKey: expect.stringContaining("api-health_down_"), incident: { severity: "critical", kind: "down" } });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(lines.filter((line) => line.message === "page not delivered, will retry").map((line) => line.fields?.error)).toEqual(["HTTP 503", "HTTP 503", "HTTP 503"]);
  });

  it("sends PagerDuty Events v2 trigger then resolve with the incident id as dedup_key", async () => {
    const time = clock();
    const alerting = createAlerting({
      config: config({ channels: { pd: { type: "webhook", url: `${receiver.url}/v2/enqueue`, format: "pagerduty", routingKey: "${env:PD_KEY}" } } }, fastPolicy),
      store: createMemoryAlertStore(), env, now: time.now, log: memoryLog().log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.onResult(result("us-east-1", "pass", T0 + 60_000));
    await alerting.idle();
    const [trigger, resolve] = receiver.delivered.map((delivery) => delivery.body as Record<string, unknown>);
    expect(trigger).toMatchObject({ routing_key: "pd-routing-key-123", event_action: "trigger", payload: { severity: "critical", source: "api-health", class: "down" } });
    expect(resolve).toEqual({ routing_key: "pd-routing-key-123", event_action: "resolve", dedup_key: trigger!.dedup_key });
    expect(String((trigger!.payload as { summary: string }).summary)).toBe("[CRITICAL] API health (api-health) down in us-east-1");
  });

  it("sends a Slack-shaped message", async () => {
    const alerting = createAlerting({
      config: config({ channels: { slack: { type: "webhook", url: receiver.url, format: "slack" } } }, fastPolicy),
      store: createMemoryAlertStore(), env, now: clock().now, log: memoryLog().log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.idle();
    expect(receiver.delivered[0]!.body).toMatchObject({ text: "[CRITICAL] API health (api-health) down in us-east-1", attachments: [{ color: "#e01e5a" }] });
  });

  it("gives up on a timed-out receiver without leaking the URL's secret, and retries later", async () => {
    const { startHttpTarget } = await import("../fixtures/targets.ts");
    const silent = await startHttpTarget(() => { /* never answers */ });
    const { log, lines } = memoryLog();
    const time = clock();
    const alerting = createAlerting({
      config: config({ channels: { hook: { type: "webhook", url: `${silent.url}/?key=\${env:HOOK_TOKEN}`, timeout: "200ms" } } }, fastPolicy),
      store: createMemoryAlertStore(), env, now: time.now, log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.idle();
    await silent.close();
    const retry = lines.find((line) => line.message === "page not delivered, will retry");
    expect(retry?.fields?.error).toBe("timed out after 200ms (not confirmed: the receiver may have it)");
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it("spreads the retries of pages that failed together (backoff with jitter)", async () => {
    receiver.failNext(100, 503);
    const time = clock();
    const { log, lines } = memoryLog();
    const draws = [0, 0.999];
    const alerting = createAlerting({
      config: config({ channels: { a: { type: "webhook", url: `${receiver.url}/a` }, b: { type: "webhook", url: `${receiver.url}/b` } }, delivery: { backoff: "10s" } }, fastPolicy),
      store: createMemoryAlertStore(), env, now: time.now, random: () => draws.shift() ?? 0.5, log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.idle();
    const retryAts = lines.filter((line) => line.message === "page not delivered, will retry").map((line) => Date.parse(String(line.fields?.retryAt)) - T0);
    // The first step is 10 s; equal jitter takes a random part of up to half of it off.
    expect(retryAts.sort((x, y) => x - y)).toEqual([5_000, 9_995]);
  });

  it("pages a slow receiver at least once, every copy with the same keys, and says on expiry that no try was confirmed", async () => {
    // The receiver gets each request but answers after the channel's timeout: every try arrives, none is confirmed.
    receiver.answerAfter(600);
    const time = clock();
    const { log, lines } = memoryLog();
    const alerting = createAlerting({
      config: config({ channels: { hook: { type: "webhook", url: receiver.url, timeout: "150ms" } }, delivery: { expireAfter: "1m", backoff: "10s", maxBackoff: "20s" } }, fastPolicy),
      store: createMemoryAlertStore(), env, now: time.now, random: () => 0.5, log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.idle();
    for (let i = 0; i < 14; i++) {
      time.advance(5_000);
      await alerting.drainOutbox();
    }
    const copies = receiver.received.filter((copy) => (copy.body as { event?: string }).event === "open");
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(copies.map((copy) => (copy.body as { dedupKey: string }).dedupKey)).size).toBe(1);
    expect(new Set(copies.map((copy) => copy.headers["idempotency-key"])).size).toBe(1);
    expect(copies[0]!.headers["idempotency-key"]).toMatch(/api-health_down_.*open/);
    const expired = lines.filter((line) => line.level === "error" && line.message.startsWith("PAGE EXPIRED"));
    expect(expired.map((line) => line.message)).toEqual(["PAGE EXPIRED, NO ATTEMPT CONFIRMED"]);
    expect(expired[0]!.fields).toMatchObject({
      error: "timed out after 150ms (not confirmed: the receiver may have it)",
      note: `the channel confirmed none of ${copies.length} tries; a try that got no answer (a timeout, a reset) may still have reached the receiver, which can drop copies by dedupKey`,
    });
    expect(lines.some((line) => line.message.includes("UNDELIVERED"))).toBe(false);
  });
});
