// The top of the page: the overall state, and each service affected now, what is wrong, where and for how long.
import type { FC } from "hono/jsx";
import type { ProbeStatus, StatusModel } from "../status-model.ts";
import { STATE_LABEL } from "./labels.ts";
import { sentenceOf, type Affected } from "./outages.ts";
import { duration } from "./words.ts";

/** "Orders API is not responding in 2 of 2 regions · for 8 min"; "Orders API is recovering (not responding for 8 min)". */
export function affectedLine(affected: Affected): string {
  if (affected.recovering) return `${affected.name} is recovering (${affected.symptom}${affected.forMs !== undefined ? ` for ${duration(affected.forMs)}` : ""})`;
  const where = affected.of > 1 && affected.regions > 0 ? ` in ${affected.regions} of ${affected.of} regions` : "";
  const since = affected.forMs !== undefined ? ` · for ${duration(affected.forMs)}` : "";
  return `${affected.name} ${sentenceOf(affected.symptom)}${where}${since}`;
}

export const Banner: FC<{ model: StatusModel; affected: readonly Affected[] }> = ({ model, affected }) => {
  const overall = STATE_LABEL[model.state];
  const inMaintenance: ProbeStatus[] = model.probes.filter((p) => p.state === "maintenance");
  return (
    <div id="banner">
      <div class={`banner state-${model.state}`} role="status">
        <p class="overall"><span aria-hidden="true">{overall.icon}</span> {overall.overall}</p>
        {affected.length > 0 ? <ul>{affected.map((a) => <li>{affectedLine(a)}</li>)}</ul> : null}
      </div>
      {inMaintenance.length > 0 && model.state !== "maintenance" ? (
        <p class="note"><span class="state-maintenance" aria-hidden="true">{STATE_LABEL.maintenance.icon}</span> Under scheduled maintenance: {inMaintenance.map((p) => p.name).join(", ")}.</p>
      ) : null}
    </div>
  );
};
