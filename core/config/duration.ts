// Durations in config are human strings ("250ms", "10s", "1m"); the parsed config holds milliseconds.
import { z } from "zod";

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

/** A positive duration string such as "250ms", "10s", "1m", "1h" or "1d", parsed to milliseconds. */
export const Duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a duration (use e.g. "250ms", "10s", "1m", "1h", "1d")` });
    return z.NEVER;
  }
  return ms;
});

/**
 * The shortest `every` a probe may have. Each run is counted into its hour rollup under a token of its own (see
 * core/store/results-store.ts), so the floor bounds that item: at most 3,600 runs an hour, about 30 KB of tokens,
 * far below DynamoDB's 400 KB item limit (which runs every 70 ms would reach within the hour).
 */
export const MIN_EVERY_MS = 1_000;

/** A probe's interval: a duration of at least MIN_EVERY_MS. */
export const Every = Duration.refine((ms) => ms >= MIN_EVERY_MS, {
  error: (issue) => `${formatDuration(issue.input as number)} is below the floor for every (${formatDuration(MIN_EVERY_MS)}): a probe runs at most once a second`,
});
