// What a page says, in words a person reads at 3 a.m.: shared by every channel.
import { formatDuration } from "../../config/duration-text.ts";
import type { Page } from "../evaluate.ts";

const KIND_WORDS = { down: "down", degraded: "degraded", stale: "stale (no results)", "burn-rate": "burning its error budget" } as const;

/** One line: "[CRITICAL] api-health down in eu-west-1, us-east-1" / "[RESOLVED] api-health down (lasted 5m)". */
export function pageSummary(page: Page): string {
  const { incident } = page;
  const name = incident.probeName && incident.probeName !== incident.probeId ? `${incident.probeName} (${incident.probeId})` : incident.probeId;
  const what = incident.kind === "burn-rate" && incident.objective ? `${KIND_WORDS[incident.kind]}: ${incident.objective}` : KIND_WORDS[incident.kind];
  if (page.event === "resolve") {
    const lasted = incident.durationMs !== undefined ? ` (lasted ${formatDuration(incident.durationMs)})` : "";
    return `[RESOLVED] ${name} ${what}${lasted}${incident.resolvedBecause ? `: ${incident.resolvedBecause}` : ""}`;
  }
  const prefix = page.event === "remind" ? `[${incident.severity.toUpperCase()} reminder #${incident.reminders}]` : `[${incident.severity.toUpperCase()}]`;
  const where = incident.kind === "burn-rate" ? "" : ` in ${incident.regions.join(", ")}`;
  return `${prefix} ${name} ${what}${where}`;
}

/** A longer body: the summary, when it started, the first error. */
export function pageDetails(page: Page): string {
  const { incident } = page;
  const lines = [pageSummary(page), `incident: ${incident.id}`, `started: ${incident.startedAt}`];
  if (incident.resolvedAt) lines.push(`resolved: ${incident.resolvedAt}`);
  if (incident.firstError) lines.push(`first error (${incident.firstError.category}): ${incident.firstError.message}`);
  return lines.join("\n");
}

/** The page as JSON-safe data, for the json webhook, the log line and the SNS message. */
export function pageData(page: Page) {
  const { incident } = page;
  return {
    type: "vigie.page",
    event: page.event,
    summary: pageSummary(page),
    dedupKey: incident.id,
    incident: {
      id: incident.id, probeId: incident.probeId, probeName: incident.probeName, kind: incident.kind, severity: incident.severity,
      regions: incident.regions, startedAt: incident.startedAt, resolvedAt: incident.resolvedAt, durationMs: incident.durationMs,
      firstError: incident.firstError, objective: incident.objective, reminders: incident.reminders, resolvedBecause: incident.resolvedBecause,
    },
    at: new Date(page.at).toISOString(),
  };
}
