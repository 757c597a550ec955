// Incident: a period during which a probe was down, degraded, stale or burning its error budget.
import { z } from "zod";
import { ProbeError } from "./probe-result.ts";

export const IncidentKind = z.enum(["down", "degraded", "stale", "burn-rate"]);
export type IncidentKind = z.infer<typeof IncidentKind>;

export const Incident = z.object({
  /** Stable id; also the dedup key of every page about it. */
  id: z.string(),
  probeId: z.string(),
  kind: IncidentKind,
  severity: z.enum(["critical", "high", "medium", "low"]),
  /** Regions failing when it opened (and any that joined later). */
  regions: z.array(z.string()),
  startedAt: z.string(),
  resolvedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** The first error seen, already free of secrets. */
  firstError: ProbeError.optional(),
  /** True when it opened inside a maintenance window: recorded and shown, never paged. */
  maintenance: z.boolean().optional(),
  /** Burn-rate incidents: the objective burning, e.g. "availability 99.9% over 30d". */
  objective: z.string().optional(),
});
export type Incident = z.infer<typeof Incident>;

/** How the API and status page read incidents, whoever stores them. */
export interface IncidentReader {
  list(query: { status: "open" | "resolved" | "all"; probeId?: string; limit: number; cursor?: string }): Promise<{ items: Incident[]; cursor?: string }>;
}
