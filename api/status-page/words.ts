// Plain words for the public page and feeds: percentages, durations, dates and times, always in UTC.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Rounded down, so "100%" means untouched: two decimals, none at exactly 100 %. */
export const percent = (value: number | null) => (value === null ? "no data" : `${(Math.floor(value * 100_000) / 1000).toFixed(value === 1 ? 0 : 2)}%`);

export const ms = (value: number | null) => (value === null ? "no data" : `${Math.round(value)} ms`);

/**
 * "45 s", "7 min", "2 h 5 min", "3 d 4 h"; with `seconds`, minutes under ten also keep their seconds ("3 min 40 s"),
 * for a resolved incident whose length is known exactly.
 */
export function duration(totalMs: number, seconds = false): string {
  const s = Math.max(0, Math.floor(totalMs / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return seconds && m < 10 && s % 60 > 0 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 > 0 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 > 0 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "6 Mar" from "2025-03-06". */
export function shortDate(day: string): string {
  const [, month, date] = day.split("-");
  return `${Number(date)} ${MONTHS[Number(month) - 1]}`;
}

/** "Thu 6 Mar 2025" from "2025-03-06". */
export function longDate(day: string): string {
  const weekday = WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()];
  return `${weekday} ${shortDate(day)} ${day.slice(0, 4)}`;
}

/** "12:22" (UTC) from an ISO instant. */
export const clock = (iso: string) => new Date(iso).toISOString().slice(11, 16);

/** "10 Mar 12:22" (UTC) from an ISO instant. */
export const dateTime = (iso: string) => `${shortDate(new Date(iso).toISOString().slice(0, 10))} ${clock(iso)}`;

/** "us-east-1", "us-east-1 and eu-west-1", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
