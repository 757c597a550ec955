// The SNS channel: publishes a page to a topic with severity and probe as message attributes.
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SnsChannel } from "../schema.ts";
import type { Page } from "../evaluate.ts";
import type { Pager, SendResult } from "./types.ts";
import { pageData, pageSummary } from "./message.ts";

/** Error names the SDK gives to passing trouble: worth a retry from the outbox. */
const RETRYABLE = new Set([
  "ThrottledException", "Throttling", "ThrottlingException", "TooManyRequestsException", "InternalErrorException",
  "InternalError", "ServiceUnavailable", "KMSThrottlingException", "TimeoutError", "RequestTimeout",
]);

/**
 * An SNS subject: ASCII, no line breaks, at most 100 characters (SNS refuses anything else, and
 * email subscribers see it as the mail subject).
 */
export function snsSubject(page: Page): string {
  // Accents are dropped rather than replaced ("très" → "tres"), other non-ASCII becomes "?".
  const ascii = pageSummary(page).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").replace(/[^\x20-\x7e]/g, "?").trim();
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 99)}~`;
}

/**
 * `sns` is a client, or builds one on the first page: the SDK's SNS client is then loaded only by a function that
 * pages, not at the cold start of every function that composes alerting (the API never pages).
 */
export function createSnsPager(channel: SnsChannel, deps: { sns: SNSClient | (() => Promise<SNSClient>); timeoutMs?: number }): Pager {
  const fifo = channel.topicArn.endsWith(".fifo");
  return {
    timeoutMs: deps.timeoutMs ?? 10_000,
    async send(page): Promise<SendResult> {
      const { incident } = page;
      try {
        const { PublishCommand } = await import("@aws-sdk/client-sns");
        const sns = typeof deps.sns === "function" ? await deps.sns() : deps.sns;
        await sns.send(new PublishCommand({
          TopicArn: channel.topicArn,
          Subject: snsSubject(page),
          Message: JSON.stringify(pageData(page)),
          MessageAttributes: {
            severity: { DataType: "String", StringValue: incident.severity },
            probe: { DataType: "String", StringValue: incident.probeId },
            event: { DataType: "String", StringValue: page.event },
            kind: { DataType: "String", StringValue: incident.kind },
            dedupKey: { DataType: "String", StringValue: incident.id },
          },
          // FIFO topics drop repeats of a dedup id for 5 minutes: the page id (incident id + event),
          // since an open and its resolve share the incident id and must both arrive.
          ...(fifo ? { MessageGroupId: incident.probeId, MessageDeduplicationId: page.id.replace(/[^\w!-/:-@[-`{-~]/g, "_").slice(0, 128) } : {}),
        }), { abortSignal: AbortSignal.timeout(deps.timeoutMs ?? 10_000) });
        return { ok: true };
      } catch (error) {
        const name = (error as Error).name;
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const retryable = RETRYABLE.has(name) || (status !== undefined && (status >= 500 || status === 429)) || (error as { $retryable?: unknown }).$retryable !== undefined || status === undefined;
        return { ok: false, retryable, error: `${name}: ${(error as Error).message}` };
      }
    },
  };
}
