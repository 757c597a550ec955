// Recovery drills: the last run of each drill in plain words (restored in time, or not), then its RTO/RPO chart.
// No messages, paths, SQL or resource names: what a visitor learns is whether recovery was proven, and how fast.
import type { FC } from "hono/jsx";
import type { DrillStatus } from "../status-model.ts";
import { DrillCharts } from "../drill-chart.tsx";
import { dateTime, duration } from "./words.ts";

const OUTCOME: Record<string, string> = {
  pass: "✓ Restored within its objectives",
  fail: "✕ Missed an objective or a check",
  error: "✕ Could not complete",
  interrupted: "! Interrupted",
};

/** Drills often recover in seconds: keep a tenth of a second under a minute. */
const span = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : duration(ms, true));

const achieved = (value: number | null, objective: number) =>
  value === null ? "not measured" : `${span(value)} (objective ${span(objective)})`;

export const DrillsSection: FC<{ drills: readonly DrillStatus[] }> = ({ drills }) => (
  drills.length === 0 ? null : (
    <section aria-labelledby="drills-title">
      <h2 id="drills-title">Recovery drills</h2>
      <p class="muted">Each drill restores a backup into a throwaway copy and checks it: how long recovery took (RTO) and how much recent data was missing (RPO).</p>
      <table>
        <thead><tr><th scope="col">Drill</th><th scope="col">Last run</th><th scope="col">Result</th><th scope="col">Recovery time</th><th scope="col">Data loss window</th></tr></thead>
        <tbody>
          {drills.map((drill) => {
            const run = drill.lastRun;
            return (
              <tr>
                <td>{drill.id}</td>
                <td>{run ? <time datetime={run.startedAt}>{dateTime(run.startedAt)} UTC</time> : "not run yet"}</td>
                <td>{run ? OUTCOME[run.outcome] ?? run.outcome : "no data"}</td>
                <td>{run ? achieved(run.achieved.rtoMs, run.objectives.rtoMs) : "–"}</td>
                <td>{run ? achieved(run.achieved.rpoMs, run.objectives.rpoMs) : "–"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <DrillCharts drills={drills} />
    </section>
  )
);
