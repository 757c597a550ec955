// Drill outcomes as alerting subjects: a missed objective, a failed check or an error opens an incident on the drill
// and pages by its severity at once; the next good run resolves it. A failed cleanup has its own subject, so it
// pages at once even while the drill's incident is already open.
import type { DrillResult, ProbeResult } from "../core/result/index.ts";
import type { Severity } from "../core/config/index.ts";

export interface DrillAlertSubject {
  id: string;
  name?: string | undefined;
  every: number;
  regions: string[];
  tags: string[];
  alert: { severity: Severity; after: number; recoverAfter: number; quorum: number };
}

/** The subject id of a drill's cleanup. */
export const cleanupSubject = (drillId: string) => `${drillId}:cleanup`;

/** What alerting watches for each drill: the drill itself and its cleanup, each failing after one bad run. */
export function drillAlertSubjects(drills: ReadonlyArray<{ id: string; name?: string | undefined; every: number; tags: string[]; alert: { severity: Severity } }>, home: string): DrillAlertSubject[] {
  return drills.flatMap((drill) => {
    const alert = { severity: drill.alert.severity, after: 1, recoverAfter: 1, quorum: 1 };
    const base = { every: drill.every, regions: [home], tags: drill.tags, alert };
    return [
      { id: drill.id, name: `${drill.name ?? drill.id} (DR drill)`, ...base },
      { id: cleanupSubject(drill.id), name: `${drill.name ?? drill.id} (DR drill cleanup)`, ...base },
    ];
  });
}

const CATEGORY: Record<string, NonNullable<ProbeResult["error"]>["category"]> = { validate: "assertion", timeout: "timeout" };

/** The results alerting evaluates for one drill run (none for a run interrupted by a person with nothing left behind). */
export function drillAlertResults(result: DrillResult, home: string): ProbeResult[] {
  const at = result.startedAt;
  const durationMs = Math.max(0, Date.parse(result.finishedAt) - Date.parse(at));
  const common = { kind: `drill:${result.kind}`, region: home, startedAt: at, durationMs, assertions: result.validation };
  const results: ProbeResult[] = [];
  const cleanupFailed = result.cleanup.outcome === "failed";
  if (result.outcome !== "interrupted") {
    const failed = result.outcome !== "pass" && !(cleanupFailed && result.error?.category === "cleanup" && !result.error.message.includes("(and "));
    results.push({
      probeId: result.drillId, ...common, outcome: failed ? "fail" : "pass",
      ...(failed && result.error ? { error: { category: CATEGORY[result.error.category] ?? "internal", message: `${result.error.category}: ${result.error.message}` } } : {}),
    });
  }
  if (result.outcome !== "interrupted" || cleanupFailed) {
    results.push({
      probeId: cleanupSubject(result.drillId), ...common, outcome: cleanupFailed ? "fail" : "pass",
      ...(cleanupFailed ? { error: { category: "internal", message: `left behind: ${result.cleanup.resources.map((r) => `${r.kind} ${r.id}`).join(", ")}` } } : {}),
    });
  }
  return results;
}
