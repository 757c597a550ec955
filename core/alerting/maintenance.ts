// Is a probe in maintenance at an instant? One-off and weekly windows, weekly ones in their own time zone.
import type { MaintenanceWindow } from "./schema.ts";

const DAY_MS = 86_400_000;

/** The offset (local − UTC, in ms) of a zone at an instant, read through Intl so DST is the zone's own. */
function offsetAt(format: Intl.DateTimeFormat, instant: number): number {
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(instant)) if (part.type !== "literal") parts[part.type] = Number(part.value);
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  return local - Math.floor(instant / 1000) * 1000;
}

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
  });
}

/** The instant at which a zone's wall clock reads `localMs` (a UTC-encoded wall time); in a DST gap, the instant just after. */
function instantOf(format: Intl.DateTimeFormat, localMs: number): number {
  const guess = localMs - offsetAt(format, localMs);
  return localMs - offsetAt(format, guess);
}

/** The windows of one config, compiled for cheap checks on every result. */
export class MaintenanceCalendar {
  readonly #windows: Array<MaintenanceWindow & { format?: Intl.DateTimeFormat }>;

  constructor(windows: readonly MaintenanceWindow[]) {
    this.#windows = windows.map((window) => (window.kind === "weekly" ? { ...window, format: zoneFormat(window.timeZone) } : { ...window }));
  }

  /** The window covering a probe at an instant, or undefined. */
  active(probe: { id: string; tags: readonly string[] }, at: number): MaintenanceWindow | undefined {
    for (const window of this.#windows) {
      if (!window.probes.includes(probe.id) && !window.tags.some((tag) => probe.tags.includes(tag))) continue;
      if (window.kind === "once") {
        if (at >= window.startMs && at < window.endMs) return window;
        continue;
      }
      const format = window.format!;
      // Walk back over every local day whose window could still be open at `at`.
      const localNow = at + offsetAt(format, at);
      const today = Math.floor(localNow / DAY_MS) * DAY_MS;
      const daysBack = Math.ceil(window.durationMs / DAY_MS) + 1;
      for (let back = 0; back <= daysBack; back++) {
        const day = today - back * DAY_MS;
        if (!window.days.includes(new Date(day).getUTCDay())) continue;
        const start = instantOf(format, day + window.startMinute * 60_000);
        if (at >= start && at < start + window.durationMs) return window;
      }
    }
    return undefined;
  }
}
