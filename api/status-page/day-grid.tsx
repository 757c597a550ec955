// The last 90 days of one probe: one disclosure per day, reachable by Tab and by tap, without script.
//
// Each day is a <details>: its summary (a 24 px target, WCAG 2.5.8) says the date and uptime to a screen reader
// and shows a square whose glyph repeats its colour (✕ outage, ! degraded, ⚙ maintenance, an empty outline for no
// data); opening it shows the runs and the public outages of that day. All days share one name, so opening one
// closes the other. The markup is terse on purpose: it is 90 × the number of probes, the bulk of the page.
import { raw } from "hono/html";
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

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ESCAPES[c]!);
const time = (iso: string, text: string) => `<time datetime="${escape(iso)}">${text}</time>`;

/** What opening a day shows: its date, uptime, checks and its public outages. */
function dayDetail(day: DayBucket, outages: readonly Outage[]): string {
  const parts = [longDate(day.date)];
  if (day.runs === 0) parts.push(day.maintenance > 0 ? `only ${plural(day.maintenance, "check")} in maintenance` : "no checks");
  else {
    parts.push(`${percent(day.uptime)} up`, `${plural(day.runs, "check")}: ${day.fail} failed, ${day.degraded} degraded (${percent(day.degraded / day.runs)})`);
    if (day.maintenance > 0) parts.push(`${plural(day.maintenance, "check")} in maintenance, not counted`);
  }
  let html = parts.join(" · ");
  for (const o of outages) {
    html += o.resolvedAt
      ? `<br>${capital(o.symptom)} from ${time(o.startedAt, clock(o.startedAt))} to ${time(o.resolvedAt, `${clock(o.resolvedAt)} UTC`)} (${duration(o.durationMs, true)})`
      : `<br>${capital(o.symptom)} since ${time(o.startedAt, `${clock(o.startedAt)} UTC`)}`;
  }
  return html;
}

/**
 * The grid as HTML, built as a string: it is most of the page (90 days × probes), and string building renders 500
 * probes about ten times faster than JSX elements would. Every value in it is ours (dates, counts, fixed words)
 * but the probe name, which is escaped.
 */
export function dayGridHtml(name: string, days: readonly DayBucket[], outages: readonly Outage[], now: number): string {
  let html = `<ol class="days" aria-label="${escape(`${name}, last ${days.length} days`)}">`;
  for (const day of days) {
    const letter = LETTER[dayLevel(day)];
    // Up is the stylesheet's default: most days are, so they carry no class.
    html += `<li><details name="d"${letter === "u" ? "" : ` class="${letter}"`}><summary><span>${dayName(day)}</span></summary><div>${dayDetail(day, outagesOn(day.date, outages, now))}</div></details></li>`;
  }
  return `${html}</ol><p class="axis muted" aria-hidden="true"><span>${days.length} days ago</span><span>Today</span></p>`;
}

export const DayGrid: FC<{ name: string; days: readonly DayBucket[]; outages: readonly Outage[]; now: number }> = ({ name, days, outages, now }) =>
  raw(dayGridHtml(name, days, outages, now));
