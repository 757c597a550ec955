// Recovery drills: a section of its own, so the drill work can replace it whole. Plain words, no internal names.
import type { FC } from "hono/jsx";
import type { DrillStatus } from "../status-model.ts";
import { DrillCharts } from "../drill-chart.tsx";

export const DrillsSection: FC<{ drills: readonly DrillStatus[] }> = ({ drills }) => (
  drills.length === 0 ? null : (
    <section aria-labelledby="drills-title">
      <h2 id="drills-title">Recovery drills</h2>
      <table>
        <thead><tr><th scope="col">Drill</th><th scope="col">Last run</th><th scope="col">Result</th></tr></thead>
        <tbody>
          {drills.map((drill) => (
            <tr><td>{drill.id}</td><td>{drill.lastRun?.startedAt ?? "never"}</td><td>{drill.lastRun?.outcome ?? "no data"}</td></tr>
          ))}
        </tbody>
      </table>
      <DrillCharts drills={drills} />
    </section>
  )
);
