// The webhook channel: POSTs a page as plain JSON, a Slack message or a PagerDuty Events v2 event.
//
// The URL, header values and routing key may hold `${env:NAME}`; they are resolved per send and
// every resolved value is scrubbed from the errors this returns, so no secret reaches a log.
import { redact, resolveEnv } from "../../config/secrets.ts";
import type { WebhookChannel } from "../schema.ts";
import type { Page } from "../evaluate.ts";
import type { Pager, SendResult } from "./types.ts";
import { pageData, pageDetails, pageSummary } from "./message.ts";

export interface WebhookDeps {
  fetch: typeof globalThis.fetch;
  env: NodeJS.ProcessEnv;
}

const PAGERDUTY_SEVERITY = { critical: "critical", high: "error", medium: "warning", low: "info" } as const;

/** The request body for a page in one of the three formats. */
export function webhookBody(format: WebhookChannel["format"], page: Page, routingKey?: string): unknown {
  if (format === "slack") {
    const color = page.event === "resolve" ? "#2eb67d" : page.incident.severity === "critical" ? "#e01e5a" : "#ecb22e";
    return {
      text: pageSummary(page),
      attachments: [{ color, text: pageDetails(page), footer: `vigie · ${page.incident.id}` }],
    };
  }
  if (format === "pagerduty") {
    const { incident } = page;
    const base = { routing_key: routingKey, dedup_key: incident.id, event_action: page.event === "resolve" ? "resolve" : "trigger" };
    if (page.event === "resolve") return base;
    return {
      ...base,
      payload: {
        summary: pageSummary(page).slice(0, 1024),
        source: incident.probeId,
        severity: PAGERDUTY_SEVERITY[incident.severity],
        timestamp: incident.startedAt,
        component: incident.probeId,
        group: incident.regions.join(","),
        class: incident.kind,
        custom_details: pageData(page).incident,
      },
    };
  }
  return pageData(page);
}

export function createWebhookPager(channel: WebhookChannel, deps: WebhookDeps): Pager {
  return {
    timeoutMs: channel.timeout,
    async send(page): Promise<SendResult> {
      const secrets = new Set<string>();
      const url = resolveEnv(channel.url, deps.env, secrets);
      // Every try of one page carries the same key: a receiver can drop the copies an unconfirmed try leads to.
      const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "vigie-alerting", "idempotency-key": page.id };
      const missing = url.ok ? [] : [...url.missing];
      for (const [name, template] of Object.entries(channel.headers ?? {})) {
        const value = resolveEnv(template, deps.env, secrets);
        if (value.ok) headers[name.toLowerCase()] = value.value;
        else missing.push(...value.missing);
      }
      const routingKey = channel.routingKey === undefined ? undefined : resolveEnv(channel.routingKey, deps.env, secrets);
      if (routingKey && !routingKey.ok) missing.push(...routingKey.missing);
      if (missing.length > 0 || !url.ok) {
        return { ok: false, retryable: false, error: `missing environment variables: ${[...new Set(missing)].join(", ")}` };
      }
      const body = JSON.stringify(webhookBody(channel.format, page, routingKey?.ok ? routingKey.value : undefined));
      try {
        const response = await deps.fetch(url.value, { method: "POST", headers, body, signal: AbortSignal.timeout(channel.timeout), redirect: "manual" });
        await response.arrayBuffer().catch(() => undefined);
        if (response.status >= 200 && response.status < 300) return { ok: true };
        // 408, 429 and 5xx are the receiver's passing trouble; any other status will not change on retry.
        const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
        return { ok: false, retryable, error: `HTTP ${response.status}` };
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = (error as Error).name === "TimeoutError" ? `timed out after ${channel.timeout}ms (not confirmed: the receiver may have it)` : `${(error as Error).message}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ""}`;
        return { ok: false, retryable: true, error: redact(reason, secrets) };
      }
    },
  };
}
