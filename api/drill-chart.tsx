// The status page's recovery drill charts: achieved RTO and RPO of the last runs against their objective lines (SVG).
import type { FC } from "hono/jsx";
import type { DrillStatus } from "./status-model.ts";

const W = 300;
const H = 80;

const human = (ms: number) => (ms < 1_000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 3_600_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

const MetricChart: FC<{ label: string; objective: number; values: Array<{ at: string; value: number | null; outcome: string }> }> = ({ label, objective, values }) => {
  const top = Math.max(objective * 1.25, ...values.map((v) => v.value ?? 0)) || 1;
  const slot = W / Math.max(values.length, 1);
  const y = (ms: number) => H - (ms / top) * H;
  const met = values.filter((v) => v.value !== null && v.value <= objective).length;
  return (
    <figure class="drill-chart">
      <figcaption class="muted">{label}: objective {human(objective)}, met in {met} of {values.length} runs</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 2}`} width="100%" height={H + 2} role="img" aria-label={`${label} of the last ${values.length} runs against the objective of ${human(objective)}`}>
        {values.map((v, i) => v.value === null
          ? <text x={i * slot + slot / 2} y={H} text-anchor="middle" font-size="10" fill="var(--down)"><title>{`${v.at}: not measured (${v.outcome})`}</title>✕</text>
          : <rect x={i * slot + slot * 0.15} width={slot * 0.7} y={y(v.value)} height={Math.max(1, H - y(v.value))} fill={v.value <= objective ? "var(--up)" : "var(--down)"}><title>{`${v.at}: ${human(v.value)} (${v.value <= objective ? "met" : "missed"})`}</title></rect>)}
        <line x1="0" x2={W} y1={y(objective)} y2={y(objective)} stroke="var(--fg)" stroke-dasharray="4 3" stroke-width="1" />
      </svg>
    </figure>
  );
};

/** One pair of charts (RTO, RPO) per drill that has runs. */
export const DrillCharts: FC<{ drills: readonly DrillStatus[] }> = ({ drills }) => (
  <>
    {drills.filter((drill) => drill.lastRun && (drill.recent?.length ?? 0) > 0).map((drill) => (
      <div class="drill-charts">
        <h3>{drill.id}</h3>
        <MetricChart label="RTO" objective={drill.lastRun!.objectives.rtoMs} values={drill.recent!.map((r) => ({ at: r.startedAt, value: r.rtoMs, outcome: r.outcome }))} />
        <MetricChart label="RPO" objective={drill.lastRun!.objectives.rpoMs} values={drill.recent!.map((r) => ({ at: r.startedAt, value: r.rpoMs, outcome: r.outcome }))} />
      </div>
    ))}
  </>
);
