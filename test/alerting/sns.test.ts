import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { createAlerting } from "../../core/alerting/create-alerting.ts";
import { createMemoryAlertStore } from "../../core/alerting/store.ts";
import { snsSubject } from "../../core/alerting/channels/sns.ts";
import { buildPagers } from "../../core/alerting/channels/index.ts";
import type { Page } from "../../core/alerting/evaluate.ts";
import { clock, config, memoryLog, result, T0 } from "./harness.ts";

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const topicArn = "arn:aws:sns:us-east-1:123456789012:vigie-pages";

function throttled(): Error {
  return Object.assign(new Error("Rate exceeded"), { name: "ThrottledException", $metadata: { httpStatusCode: 400 } });
}

describe("SNS channel (aws-sdk-client-mock)", () => {
  it("publishes with severity and probe attributes and a readable subject", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const alerting = createAlerting({
      config: config({ channels: { oncall: { type: "sns", topicArn } } }),
      store: createMemoryAlertStore(), sns: new SNSClient({ region: "us-east-1" }), now: clock().now, log: memoryLog().log,
    });
    for (const [n, region] of [[1, "us-east-1"], [2, "us-east-1"], [3, "eu-west-1"], [4, "eu-west-1"]] as const) {
      await alerting.onResult(result(region, "fail", T0 + n * 60_000));
    }
    await alerting.idle();
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.TopicArn).toBe(topicArn);
    expect(input.Subject).toBe("[CRITICAL] API health (api-health) down in eu-west-1, us-east-1");
    expect(input.MessageAttributes).toMatchObject({
      severity: { DataType: "String", StringValue: "critical" },
      probe: { DataType: "String", StringValue: "api-health" },
      event: { DataType: "String", StringValue: "open" },
    });
    const message = JSON.parse(input.Message!) as { dedupKey: string; incident: { id: string; firstError: { category: string } } };
    expect(message.dedupKey).toBe(message.incident.id);
    expect(input.MessageAttributes!.dedupKey!.StringValue).toBe(message.incident.id);
    expect(message.incident.firstError.category).toBe("connect");
  });

  it("builds its client on the first page, in the topic's region, when none is handed in", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-lazy" });
    const pagers = buildPagers({ oncall: { type: "sns", topicArn: "arn:aws:sns:eu-west-1:123456789012:vigie-pages" } }, { env: {} });
    const alerting = createAlerting({
      config: config({ channels: { oncall: { type: "sns", topicArn: "arn:aws:sns:eu-west-1:123456789012:vigie-pages" } } }),
      store: createMemoryAlertStore(), pagers, now: clock().now, log: memoryLog().log,
    });
    for (const [n, region] of [[1, "us-east-1"], [2, "us-east-1"], [3, "eu-west-1"], [4, "eu-west-1"]] as const) {
      await alerting.onResult(result(region, "fail", T0 + n * 60_000));
    }
    await alerting.idle();
    const [call] = sns.commandCalls(PublishCommand);
    expect(call!.args[0].input.TopicArn).toBe("arn:aws:sns:eu-west-1:123456789012:vigie-pages");
    expect(await (call!.thisValue as SNSClient).config.region()).toBe("eu-west-1");
  });

  it("retries a throttled publish from the outbox until it goes through", async () => {
    sns.on(PublishCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ MessageId: "m-2" });
    const time = clock();
    const { log, lines } = memoryLog();
    const alerting = createAlerting({
      config: config({ channels: { oncall: { type: "sns", topicArn } } }, { alert: { severity: "high", after: 1, recoverAfter: 1, quorum: 1 } }),
      store: createMemoryAlertStore(), sns: new SNSClient({ region: "us-east-1" }), now: time.now, log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.idle();
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    time.advance(5_000);
    await alerting.drainOutbox();
    time.advance(10_000);
    expect(await alerting.drainOutbox()).toBe(1);
    time.advance(600_000);
    expect(await alerting.drainOutbox()).toBe(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
    expect(lines.filter((line) => line.level === "warn").map((line) => line.fields?.error)).toEqual(["ThrottledException: Rate exceeded", "ThrottledException: Rate exceeded"]);
  });

  it("sets a FIFO dedup id per page (open and resolve differ) on a .fifo topic", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-3" });
    const alerting = createAlerting({
      config: config({ channels: { oncall: { type: "sns", topicArn: `${topicArn}.fifo` } } }, { alert: { severity: "high", after: 1, recoverAfter: 1, quorum: 1 } }),
      store: createMemoryAlertStore(), sns: new SNSClient({ region: "us-east-1" }), now: clock().now, log: memoryLog().log,
    });
    await alerting.onResult(result("us-east-1", "fail", T0));
    await alerting.onResult(result("us-east-1", "pass", T0 + 60_000));
    await alerting.idle();
    const [open, resolve] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(open!.MessageGroupId).toBe("api-health");
    expect(open!.MessageDeduplicationId).not.toBe(resolve!.MessageDeduplicationId);
    expect(resolve!.Subject).toMatch(/^\[RESOLVED\] API health \(api-health\) down \(lasted 1m\)$/);
  });

  it("keeps the subject to 100 ASCII characters on one line", () => {
    const page = {
      id: "x:open", event: "open", at: T0,
      incident: { id: "x", probeId: "a".repeat(64), probeName: "Paiement — très\nlong nom de sonde ".repeat(4), kind: "down", severity: "critical", regions: ["us-east-1", "eu-west-1", "ap-south-1"], startedAt: new Date(T0).toISOString(), maintenance: false, paged: true, reminders: 0 },
    } satisfies Page;
    const subject = snsSubject(page);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.startsWith("[CRITICAL] Paiement ? tres long nom de sonde Paiement")).toBe(true);
  });
});
