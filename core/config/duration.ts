// Durations in config are human strings ("250ms", "10s", "1m"); the parsed config holds milliseconds.
import { z } from "zod";
import { formatDuration, notADuration, parseDuration } from "./duration-text.ts";

export { formatDuration, parseDuration };

/** A positive duration string such as "250ms", "10s", "1m", "1h" or "1d", parsed to milliseconds. */
export const Duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: "custom", message: notADuration(text) });
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
