// The status page: server-rendered HTML with inline CSS and SVG, no script, no external asset; it refreshes itself.
import type { FC } from "hono/jsx";
import type { Incident } from "../core/result/index.ts";
import { DrillCharts } from "./drill-chart.tsx";
import type { DayBucket, ProbeState, ProbeStatus, RegionProbeState, SloView, StatusModel } from "./status-model.ts";

/** Each state is told by a word and an icon; colour only repeats it. */
const STATE_LABEL: Record<ProbeState, { icon: string; word: string; overall: string }> = {
  up: { icon: "✓", word: "Operational", overall: "All systems operational" },
  degraded: { icon: "!", word: "Degraded", overall: "Some systems degraded" },
  down: { icon: "✕", word: "Down", overall: "Major outage" },
  unknown: { icon: "?", word: "No data", overall: "No data yet" },
  maintenance: { icon: "⚙", word: "Maintenance", overall: "Scheduled maintenance" },
};
const REGION_WORD: Record<RegionProbeState, string> = { up: "up", degraded: "degraded", down: "down", unknown: "no data" };

const CSS = `
:root{--up:#1a7f37;--degraded:#9a6700;--down:#cf222e;--unknown:#6e7781;--maintenance:#0969da;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--empty:#d1d9e0}
@media (prefers-color-scheme:dark){:root{--up:#3fb950;--degraded:#d29922;--down:#f85149;--unknown:#9198a1;--maintenance:#58a6ff;--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--empty:#30363d}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main,footer{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0}
.overall{font-size:1.2rem;font-weight:600;padding:.75rem 1rem;border:2px solid currentColor;border-radius:.5rem}
.state-up{color:var(--up)}.state-degraded{color:var(--degraded)}.state-down{color:var(--down)}.state-unknown{color:var(--unknown)}.state-maintenance{color:var(--maintenance)}
.muted{color:var(--muted);font-size:.875rem}
ul.probes,ul.regions,ul.incidents{list-style:none;margin:0;padding:0}
.probe{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.5rem 0}
.probe-head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;align-items:baseline}
.probe-state{font-weight:600;margin:0}
ul.regions{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.25rem 0;font-size:.875rem}
.dot{font-size:.75rem}
.facts{margin:.25rem 0;font-size:.875rem}
.note{margin:.25rem 0;font-size:.875rem;color:var(--fg)}
ul.slo{list-style:none;margin:.25rem 0;padding:0;font-size:.875rem}
.burn{font-weight:600}
.bars{display:block;width:100%;height:2.25rem;margin-top:.25rem}
.bar-none{fill:var(--empty)}.bar-maintenance{fill:var(--maintenance)}.bar-up{fill:var(--up)}.bar-minor{fill:var(--degraded)}.bar-major{fill:var(--down)}
.axis{display:flex;justify-content:space-between;margin:0}
.incident{border-left:4px solid currentColor;padding:.25rem .75rem;margin:.5rem 0}
.incident p{margin:0;color:var(--fg)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line)}
`;

const percent = (value: number | null) => (value === null ? "no data" : `${(Math.floor(value * 100_000) / 1000).toFixed(value === 1 ? 0 : 2)}%`);
const ms = (value: number | null) => (value === null ? "no data" : `${Math.round(value)} ms`);

function barClass(day: DayBucket): string {
  if (day.uptime === null) return day.maintenance > 0 ? "bar-maintenance" : "bar-none";
  if (day.uptime >= 0.999) return "bar-up";
  if (day.uptime >= 0.95) return "bar-minor";
  return "bar-major";
}

function dayTitle(day: DayBucket): string {
  const maintenance = `${day.maintenance} ${day.maintenance === 1 ? "run" : "runs"} in maintenance, not counted`;
  if (day.runs === 0) return `${day.date}: ${day.maintenance > 0 ? `maintenance only (${maintenance})` : "no data"}`;
  return `${day.date}: ${percent(day.uptime)} up (${day.runs} runs, ${day.fail} failed, ${day.degraded} degraded${day.maintenance > 0 ? `; ${maintenance}` : ""})`;
}

/** Whole percent, or one decimal under 10 %, rounded down so "100 %" means untouched. */
function budgetPercent(value: number): string {
  const shown = value >= 0.1 ? Math.floor(value * 100) : Math.floor(value * 1000) / 10;
  return `${shown} %`;
}

const rate = (value: number) => `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10}×`;

/** Error budget left in words, and a fast or slow burn said in words and an icon. */
const SloLine: FC<{ objective: SloView }> = ({ objective }) => {
  const budget = objective.budgetRemaining <= 0 ? "Error budget spent" : `Error budget ${budgetPercent(objective.budgetRemaining)} left`;
  const fastPair = objective.burnRates["1h"] >= 14.4 && objective.burnRates["5m"] >= 14.4;
  return (
    <li>
      {budget} <span class="muted">({objective.label})</span>
      {objective.alert === "page" ? (
        <> · <span class="burn state-down"><span aria-hidden="true">▲</span> Burning fast: {fastPair ? `${rate(objective.burnRates["1h"])} the sustainable rate over the last hour` : `${rate(objective.burnRates["6h"])} the sustainable rate over 6 hours`}</span></>
      ) : objective.alert === "ticket" ? (
        <> · <span class="burn state-degraded"><span aria-hidden="true">△</span> Burning slowly: {rate(objective.burnRates["3d"])} the sustainable rate over 3 days</span></>
      ) : null}
    </li>
  );
};

const UptimeBars: FC<{ probe: ProbeStatus }> = ({ probe }) => {
  const width = 5;
  return (
    <svg class="bars" viewBox={`0 0 ${probe.days.length * width} 30`} preserveAspectRatio="none" role="img"
      aria-label={`${probe.name}: ${percent(probe.uptime["90d"])} uptime over 90 days`}>
      {probe.days.map((day, i) => (
        <rect x={i * width} y={0} width={width - 1} height={30} class={barClass(day)}>
          <title>{dayTitle(day)}</title>
        </rect>
      ))}
    </svg>
  );
};

const ProbeCard: FC<{ probe: ProbeStatus }> = ({ probe }) => {
  const label = STATE_LABEL[probe.state];
  return (
    <li class="probe">
      <article aria-labelledby={`probe-${probe.id}`}>
        <div class="probe-head">
          <h3 id={`probe-${probe.id}`}>{probe.name}</h3>
          <p class={`probe-state state-${probe.state}`}><span aria-hidden="true">{label.icon}</span> {label.word}</p>
        </div>
        {probe.maintenance ? (
          <p class="note">Under scheduled maintenance{probe.maintenance.reason ? `: ${probe.maintenance.reason}` : ""}. Runs during it are left out of uptime.</p>
        ) : null}
        <ul class="regions" aria-label="Regions">
          {probe.regions.map((region) => (
            <li>
              <span class={`dot state-${region.state}`} aria-hidden="true">●</span> {region.region}: {REGION_WORD[region.state]}
            </li>
          ))}
        </ul>
        <p class="facts">
          p95 {ms(probe.latency.p95)} · uptime 24 h {percent(probe.uptime["24h"])} · 90 days {percent(probe.uptime["90d"])}
        </p>
        {probe.slo.length > 0 ? (
          <ul class="slo" aria-label="Service level objectives">{probe.slo.map((objective) => <SloLine objective={objective} />)}</ul>
        ) : null}
        <UptimeBars probe={probe} />
        <p class="axis muted" aria-hidden="true"><span>90 days ago</span><span>Today</span></p>
      </article>
    </li>
  );
};

function incidentClass(incident: Incident): string {
  if (incident.resolvedAt) return "up";
  if (incident.maintenance) return "maintenance";
  return incident.kind === "degraded" ? "degraded" : "down";
}

const IncidentItem: FC<{ incident: Incident; names: Map<string, string> }> = ({ incident, names }) => (
  <li class={`incident state-${incidentClass(incident)}`}>
    <p>
      <strong>{names.get(incident.probeId) ?? incident.probeId}</strong>: {incident.kind}{incident.objective ? ` of ${incident.objective}` : ""}
      {incident.resolvedAt ? " (resolved)" : " (ongoing)"} · {incident.severity} · {incident.regions.join(", ")}
      {incident.maintenance ? " · during scheduled maintenance" : ""}
    </p>
    <p class="muted">
      since <time datetime={incident.startedAt}>{incident.startedAt.replace("T", " ").slice(0, 16)} UTC</time>
      {incident.resolvedAt ? <> until <time datetime={incident.resolvedAt}>{incident.resolvedAt.replace("T", " ").slice(0, 16)} UTC</time></> : null}
      {incident.firstError ? ` · ${incident.firstError.message}` : ""}
    </p>
  </li>
);

export const StatusPage: FC<{ model: StatusModel; title: string; refreshSeconds: number }> = ({ model, title, refreshSeconds }) => {
  const overall = STATE_LABEL[model.state];
  const names = new Map(model.probes.map((p) => [p.id, p.name]));
  const inMaintenance = model.probes.filter((p) => p.state === "maintenance");
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="refresh" content={String(refreshSeconds)} />
        <title>{`${title} status`}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <header>
          <h1>{title} status</h1>
          <p class={`overall state-${model.state}`} role="status"><span aria-hidden="true">{overall.icon}</span> {overall.overall}</p>
          {inMaintenance.length > 0 && model.state !== "maintenance" ? (
            <p class="note"><span class="state-maintenance" aria-hidden="true">{STATE_LABEL.maintenance.icon}</span> Under scheduled maintenance: {inMaintenance.map((p) => p.name).join(", ")}.</p>
          ) : null}
          <p class="muted">Updated <time datetime={model.generatedAt}>{model.generatedAt.replace("T", " ").slice(0, 19)} UTC</time>; this page refreshes every {refreshSeconds} s.</p>
        </header>
        <main>
          <section aria-labelledby="probes-title">
            <h2 id="probes-title">Services</h2>
            {model.probes.length === 0 ? <p>No probes are configured.</p> : (
              <ul class="probes">{model.probes.map((probe) => <ProbeCard probe={probe} />)}</ul>
            )}
          </section>
          <section aria-labelledby="incidents-title">
            <h2 id="incidents-title">Incidents</h2>
            {model.openIncidents.length + model.recentIncidents.length === 0 ? <p>No incidents in the last 7 days.</p> : (
              <ul class="incidents">
                {[...model.openIncidents, ...model.recentIncidents].map((incident) => <IncidentItem incident={incident} names={names} />)}
              </ul>
            )}
          </section>
          {model.drills.length > 0 ? (
            <section aria-labelledby="drills-title">
              <h2 id="drills-title">Recovery drills</h2>
              <table>
                <thead><tr><th scope="col">Drill</th><th scope="col">Last run</th><th scope="col">Result</th></tr></thead>
                <tbody>
                  {model.drills.map((drill) => (
                    <tr><td>{drill.id}</td><td>{drill.lastRun?.startedAt ?? "never"}</td><td>{drill.lastRun?.outcome ?? "no data"}</td></tr>
                  ))}
                </tbody>
              </table>
              <DrillCharts drills={model.drills} />
            </section>
          ) : null}
        </main>
        <footer class="muted">Monitored by vigie · times in UTC</footer>
      </body>
    </html>
  );
};

export async function renderStatusPage(model: StatusModel, title: string, refreshSeconds = 30): Promise<string> {
  return `<!doctype html>${await (<StatusPage model={model} title={title} refreshSeconds={refreshSeconds} />).toString()}`;
}
