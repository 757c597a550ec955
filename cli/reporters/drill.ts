// How `vigie drill` shows a run: stages live with a ticking time on a terminal, plain lines when piped, and the verdict.
import type { DrillResult } from "../../core/result/index.ts";
import { humanMs, type RunState } from "../../drills/index.ts";
import type { Paint } from "./table.ts";

const MARK = { pass: "✓", fail: "✗", skipped: "–" } as const;

export interface DrillView {
  /** Called with the state after every step. */
  progress(run: RunState): void;
  /** Stops the ticking line. */
  close(): void;
}

export function drillView(out: { write(text: string): unknown; isTTY?: boolean }, paint: Paint, stages: readonly string[], now: () => number): DrillView {
  const live = Boolean(out.isTTY);
  let shown = 0;
  let current: { name: string; since: number } | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = () => {
    if (current) out.write(`\r\x1b[2K  ${paint("cyan", "…")} ${current.name.padEnd(9)} ${humanMs(now() - current.since).padStart(8)}`);
  };
  return {
    progress(run) {
      for (const stage of run.stages.slice(shown)) {
        if (live && current) out.write("\r\x1b[2K");
        const style = stage.outcome === "pass" ? "green" : stage.outcome === "fail" ? "red" : "gray";
        out.write(`  ${paint(style, MARK[stage.outcome])} ${stage.name.padEnd(9)} ${(stage.outcome === "skipped" ? "skipped" : humanMs(stage.durationMs)).padStart(8)}${stage.detail ? `  ${paint("gray", stage.detail)}` : ""}\n`);
        current = undefined;
      }
      shown = run.stages.length;
      const name = run.phase === "cleanup" ? "cleanup" : run.phase === "run" ? stages[run.stage] : undefined;
      if (live && name && current?.name !== name) {
        current = { name, since: run.stageStartedAt ?? now() };
        timer ??= setInterval(tick, 100);
        tick();
      }
      if (!name) this.close();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** "RTO 41.2 s (objective 10m) ✓ · RPO 3.1 s (objective 1m) ✓" and the outcome. */
export function drillSummary(result: DrillResult, paint: Paint): string {
  const part = (name: string, achieved: number | null, objective: number) => {
    const met = achieved !== null && achieved <= objective;
    return `${name} ${achieved === null ? "not measured" : humanMs(achieved)} (objective ${humanMs(objective)}) ${paint(met ? "green" : "red", met ? "✓" : "✗")}`;
  };
  const lines = [`${part("RTO", result.achieved.rtoMs, result.objectives.rtoMs)} · ${part("RPO", result.achieved.rpoMs, result.objectives.rpoMs)}`];
  for (const check of result.validation) {
    lines.push(`  ${paint(check.passed ? "green" : "red", check.passed ? "✓" : "✗")} ${check.description}${check.actual === undefined ? "" : paint("gray", ` (got ${JSON.stringify(check.actual)})`)}`);
  }
  const style = result.outcome === "pass" ? "green" : "red";
  lines.push(`${paint(style, result.outcome)} ${result.drillId} run ${result.runId}${result.error ? `: ${result.error.category}: ${result.error.message}` : ""}`);
  if (result.cleanup.outcome !== "done") lines.push(paint("red", `cleanup ${result.cleanup.outcome}: ${result.cleanup.resources.map((r) => `${r.kind} ${r.id}`).join(", ")}`));
  return `${lines.join("\n")}\n`;
}
