// Duration strings ("250ms", "10s", "1m") to milliseconds and back, without the schema library: the runners'
// cold path reads durations too (core/config/duration.ts builds the config's schema on these).
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds in a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Formats milliseconds the way a person writes a duration: 90000 → "1.5m". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const) {
    if (ms >= size) return `${Number((ms / size).toFixed(2))}${unit}`;
  }
  return `${ms}ms`;
}

/** What is wrong with a string that is not a positive duration (the config's schema and the runners' events say it alike). */
export const notADuration = (text: string) => `"${text}" is not a duration (use e.g. "250ms", "10s", "1m", "1h", "1d")`;
