// One service: its state in words, its regions, latency, uptime, error budgets and 90 days.
import type { FC } from "hono/jsx";
import type { ProbeStatus, SloView } from "../status-model.ts";
import { DayGrid } from "./day-grid.tsx";
import { REGION_WORD, STATE_LABEL } from "./labels.ts";
import type { Outage } from "./outages.ts";
import { ms, percent } from "./words.ts";

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

export const ProbeCard: FC<{ probe: ProbeStatus; outages: readonly Outage[]; now: number }> = ({ probe, outages, now }) => {
  const label = STATE_LABEL[probe.state];
  return (
    <li class="probe">
      <article aria-labelledby={`probe-${probe.id}`}>
        <div class="probe-head">
          <h3 id={`probe-${probe.id}`}>{probe.name}</h3>
          <p class={`probe-state state-${probe.state}`}><span aria-hidden="true">{label.icon}</span> {label.word}</p>
        </div>
        {probe.maintenance ? (
          <p class="note">Under scheduled maintenance{probe.maintenance.reason ? `: ${probe.maintenance.reason}` : ""}. Checks during it are left out of uptime.</p>
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
        <DayGrid name={probe.name} days={probe.days} outages={outages.filter((o) => o.probeId === probe.id)} now={now} />
      </article>
    </li>
  );
};
