// Public outages: the ongoing ones right under the banner, the past week's after the services.
import type { FC } from "hono/jsx";
import { STATE_LABEL } from "./labels.ts";
import type { Outage } from "./outages.ts";
import { dateTime, duration, listWords } from "./words.ts";

const When: FC<{ iso: string }> = ({ iso }) => <time datetime={iso}>{dateTime(iso)} UTC</time>;

const OutageItem: FC<{ outage: Outage }> = ({ outage }) => {
  const where = outage.regions.length > 0 ? `In ${listWords(outage.regions)} · ` : "";
  const maintenance = outage.maintenance ? " · during scheduled maintenance" : "";
  if (!outage.resolvedAt) {
    return (
      <li class={`incident state-${outage.maintenance ? "maintenance" : outage.level}`}>
        <p><strong>{outage.probeName}</strong>: {outage.symptom} <span aria-hidden="true">{STATE_LABEL[outage.level].icon}</span> ongoing</p>
        <p class="muted">{where}since <When iso={outage.startedAt} /> · for {duration(outage.durationMs)}{maintenance}</p>
      </li>
    );
  }
  return (
    <li class="incident state-up">
      <p><strong>{outage.probeName}</strong>: {outage.symptom} <span aria-hidden="true">{STATE_LABEL.up.icon}</span> resolved</p>
      <p class="muted">{where}<When iso={outage.startedAt} /> to <When iso={outage.resolvedAt} /> · lasted {duration(outage.durationMs, true)}{maintenance}</p>
    </li>
  );
};

export const OngoingIncidents: FC<{ outages: readonly Outage[] }> = ({ outages }) => (
  outages.length === 0 ? null : (
    <section aria-labelledby="ongoing-title">
      <h2 id="ongoing-title">Ongoing incidents</h2>
      <ul class="incidents">{outages.map((outage) => <OutageItem outage={outage} />)}</ul>
    </section>
  )
);

export const PastIncidents: FC<{ outages: readonly Outage[] }> = ({ outages }) => (
  <section aria-labelledby="past-title">
    <h2 id="past-title">Past incidents</h2>
    {outages.length === 0 ? <p>No incidents in the last 7 days.</p> : <ul class="incidents">{outages.map((outage) => <OutageItem outage={outage} />)}</ul>}
  </section>
);
