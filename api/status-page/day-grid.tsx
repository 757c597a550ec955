// The last 90 days of one probe: one disclosure per day, reachable by Tab and by tap, without script.
//
// Each day is a <details>: its summary (a 24 px target, WCAG 2.5.8) says the date and uptime to a screen reader
// and shows a square whose glyph repeats its colour (✕ outage, ! degraded, ⚙ maintenance, an empty outline for no
// data); opening it shows the runs and the public outages of that day. All days share one name, so opening one
// closes the other. The markup is terse on purpose: it is 90 × the number of probes, the bulk of the page.
import type { FC } from "hono/jsx";
import type { DayBucket } from "../status-model.ts";
import type { Outage } from "./outages.ts";
import { clock, duration, longDate, percent, shortDate } from "./words.ts";

export type DayLevel = "up" | "minor" | "major" | "none" | "maintenance";

/** Class letter of each level (the stylesheet draws them). */
const LETTER: Record<DayLevel, string> = { up: "u", minor: "m", major: "x", none: "n", maintenance: "w" };

/**
 * How a day is drawn: an outage below 95 % up, degraded below 99.9 % or when most of its runs were degraded
 * (a day of slow answers is not a good day because each answer came).
 */
export function dayLevel(day: DayBucket): DayLevel {
  if (day.uptime === null) return day.maintenance > 0 ? "maintenance" : "none";
  if (day.uptime < 0.95) return "major";
  if (day.uptime < 0.999 || day.degraded * 2 > day.runs) return "minor";
  return "up";
}

const LEVEL_WORD: Record<DayLevel, string> = { up: "", minor: ", degraded", major: ", outage", none: "", maintenance: "" };

/** What the summary says: "6 Mar: 99.50% up, degraded", "6 Mar: no data". */
export function dayName(day: DayBucket): string {
  const level = dayLevel(day);
  if (level === "none") return `${shortDate(day.date)}: no data`;
  if (level === "maintenance") return `${shortDate(day.date)}: maintenance only`;
  return `${shortDate(day.date)}: ${percent(day.uptime)} up${LEVEL_WORD[level]}`;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** The outages of a probe that overlap a UTC day. */
function outagesOn(day: string, outages: readonly Outage[], now: number): Outage[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  const end = start + 86_400_000;
  return outages.filter((o) => Date.parse(o.startedAt) < end && (o.resolvedAt ? Date.parse(o.resolvedAt) : now) >= start);
}

const DayDetail: FC<{ day: DayBucket; outages: Outage[] }> = ({ day, outages }) => {
  const parts = [longDate(day.date)];
  if (day.runs === 0) parts.push(day.maintenance > 0 ? `only ${plural(day.maintenance, "check")} in maintenance` : "no checks");
  else {
    parts.push(`${percent(day.uptime)} up`, `${plural(day.runs, "check")}: ${day.fail} failed, ${day.degraded} degraded (${percent(day.degraded / day.runs)})`);
    if (day.maintenance > 0) parts.push(`${plural(day.maintenance, "check")} in maintenance, not counted`);
  }
  return (
    <div>
      {parts.join(" · ")}
      {outages.map((o) => (
        <>
          <br />
          {o.resolvedAt
            ? <>{capital(o.symptom)} from <time datetime={o.startedAt}>{clock(o.startedAt)}</time> to <time datetime={o.resolvedAt}>{clock(o.resolvedAt)} UTC</time> ({duration(o.durationMs, true)})</>
            : <>{capital(o.symptom)} since <time datetime={o.startedAt}>{clock(o.startedAt)} UTC</time></>}
        </>
      ))}
    </div>
  );
};

export const DayGrid: FC<{ name: string; days: readonly DayBucket[]; outages: readonly Outage[]; now: number }> = ({ name, days, outages, now }) => (
  <>
    <ol class="days" aria-label={`${name}, last ${days.length} days`}>
      {days.map((day) => (
        <li>
          <details name="d" class={LETTER[dayLevel(day)]}>
            <summary><span>{dayName(day)}</span></summary>
            <DayDetail day={day} outages={outagesOn(day.date, outages, now)} />
          </details>
        </li>
      ))}
    </ol>
    <p class="axis muted" aria-hidden="true"><span>{days.length} days ago</span><span>Today</span></p>
  </>
);
