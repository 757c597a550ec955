// Channels: a pager per configured channel, and the severity routes that pick channels for a page.
import type { SNSClient } from "@aws-sdk/client-sns";
import type { Writable } from "node:stream";
import type { AlertSeverity, Channel, Routes } from "../schema.ts";
import { SEVERITIES, severityRank } from "../severity.ts";
import { createLogPager } from "./log.ts";
import { createSnsPager } from "./sns.ts";
import { createWebhookPager } from "./webhook.ts";
import type { Pager } from "./types.ts";
import { arnRegion, awsClientOptions, perRegion } from "../../runtime/aws-client-options.ts";

export interface PagerDeps {
  fetch?: typeof globalThis.fetch;
  env?: NodeJS.ProcessEnv;
  /** An SNS client; default: one built for the topic's region on first SNS channel. */
  sns?: SNSClient;
  stdout?: Pick<Writable, "write">;
  stderr?: Pick<Writable, "write">;
}

/** Builds one pager per channel. */
export function buildPagers(channels: Record<string, Channel>, deps: PagerDeps = {}): Record<string, Pager> {
  const pagers: Record<string, Pager> = {};
  // One client per topic region, built (and the SDK's SNS client loaded) on the first page to it.
  // One SNS client per topic region, its package loaded on the first page.
  const snsFor = perRegion<Promise<SNSClient>>(undefined, undefined, (region) => import("@aws-sdk/client-sns").then(({ SNSClient }) => new SNSClient(awsClientOptions(region))));
  for (const [name, channel] of Object.entries(channels)) {
    if (channel.type === "log") {
      pagers[name] = createLogPager(channel.stream === "stdout" ? deps.stdout ?? process.stdout : deps.stderr ?? process.stderr);
    } else if (channel.type === "webhook") {
      pagers[name] = createWebhookPager(channel, { fetch: deps.fetch ?? globalThis.fetch, env: deps.env ?? process.env });
    } else {
      const region = arnRegion(channel.topicArn);
      pagers[name] = createSnsPager(channel, { sns: deps.sns ?? (() => snsFor(region)) });
    }
  }
  return pagers;
}

/** The channels a severity goes to: those listed at it or at any milder severity; every channel when there are no routes. */
export function channelsFor(severity: AlertSeverity, routes: Routes | undefined, channelNames: readonly string[]): string[] {
  if (!routes) return [...channelNames];
  const rank = severityRank(severity);
  const names = SEVERITIES.filter((level) => severityRank(level) >= rank).flatMap((level) => routes[level] ?? []);
  return [...new Set(names)];
}

export { createLogPager, createSnsPager, createWebhookPager };
export { snsSubject } from "./sns.ts";
export { webhookBody } from "./webhook.ts";
export { pageSummary, pageDetails, pageData } from "./message.ts";
export type { Pager, SendResult } from "./types.ts";
