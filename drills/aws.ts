// What the AWS kinds share: tags, permission errors, and the wait between looks at a resource being created.
import { CLEANUP_GRACE_MS } from "./engine.ts";
import { DrillFault } from "./errors.ts";
import { parseResourceName, resourceName, resourceTags, runCreatedAt, type SweepReport } from "./kind.ts";
import type { DrillErrorCategory } from "../core/result/index.ts";

/** The run's tags as AWS takes them. */
export const awsTags = (drillId: string, runId: string) => Object.entries(resourceTags(drillId, runId)).map(([Key, Value]) => ({ Key, Value }));

/** Why a resource's tags are not this run's, or undefined when both tags match. */
export function tagMismatch(tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined, drillId: string, runId: string): string | undefined {
  const want = resourceTags(drillId, runId);
  const have = Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  const wrong = Object.entries(want).filter(([key, value]) => have[key] !== value);
  return wrong.length === 0 ? undefined : `its tags ${wrong.map(([key]) => `${key}=${JSON.stringify(have[key] ?? null)}`).join(", ")} are not ${wrong.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(", ")}`;
}

const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException", "InvalidClientTokenId"]);

/** An AWS SDK error as a stage failure: permission problems say so, the rest take `category`. */
export function awsFault(error: unknown, category: DrillErrorCategory, what: string): DrillFault {
  const name = (error as { name?: string }).name ?? "Error";
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const denied = DENIED.has(name) || status === 403;
  return new DrillFault(denied ? "permission" : category, `${what}: ${name}: ${(error as Error).message}`, { cause: error });
}

/** 5 s, 10 s, 20 s, 40 s, then every 60 s: how long to wait before the `polls`th look. */
export const backoffMs = (polls: number) => Math.min(60_000, 5_000 * 2 ** Math.max(0, polls));

/** What a sweep does with one resource it found: delete it, leave it be (not a leftover of these drills), or refuse. */
export type SweepVerdict = { delete: true } | { delete: false; refused?: string };

/**
 * Whether a resource found by a sweep is a leftover of one of `drills` to delete: named `vigie-drill-<drill>-<run>`
 * for a drill in `drills`, owned by no run in `live`, tagged with that same drill and run, and older than the drill's
 * timeout and cleanup grace. The age rule matters on AWS: the runs of another table (a `vigie start` beside the
 * deployed stack, another stage) are not in `live`, but no run of the drill can still own a copy that old.
 */
export function sweepVerdict(
  name: string, tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
  drills: ReadonlyArray<{ id: string; timeout: number }>, live: ReadonlySet<string>, now: number,
): SweepVerdict {
  const parsed = parseResourceName(name);
  const drill = parsed && drills.find((d) => d.id === parsed.drillId);
  if (!parsed || !drill || live.has(name) || resourceName(parsed.drillId, parsed.runId) !== name) return { delete: false };
  const createdAt = runCreatedAt(parsed.runId);
  if (createdAt === undefined || now - createdAt < drill.timeout + CLEANUP_GRACE_MS) return { delete: false };
  const why = tagMismatch(tags, parsed.drillId, parsed.runId);
  return why ? { delete: false, refused: why } : { delete: true };
}

/** Adds one verdict to a report (a refusal names the resource and why). */
export function record(report: SweepReport, id: string, verdict: SweepVerdict): void {
  if (!verdict.delete && verdict.refused) report.refused.push({ id, why: verdict.refused });
}

/**
 * Sweeps a kind's drills region by region (a drill's own `region`, or the clients' default), one report for all:
 * `sweepRegion` gets the region and the drills that live in it.
 */
export async function sweepEachRegion<D extends { region?: string | undefined }>(
  drills: readonly D[],
  sweepRegion: (region: string | undefined, drills: D[]) => Promise<SweepReport>,
): Promise<SweepReport> {
  const report: SweepReport = { removed: [], refused: [] };
  for (const region of new Set(drills.map((d) => d.region))) {
    const swept = await sweepRegion(region, drills.filter((d) => d.region === region));
    report.removed.push(...swept.removed);
    report.refused.push(...swept.refused);
  }
  return report;
}
