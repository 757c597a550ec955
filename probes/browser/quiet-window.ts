// The quiet window a browser run waits for, apart from the schema: the browser runner reads it on its cold path,
// which loads no schema library.

/** Lighthouse's quiet window, used when the probe's timeout leaves room for it. */
export const DEFAULT_QUIET_WINDOW_MS = 5_000;

/**
 * The quiet window a run uses, ms (0: off): the one written, else Lighthouse's 5 s, or half the timeout when that
 * is shorter, so that a short timeout the user wrote never meets a default that cannot fit in it.
 */
export function quietWindowOf(probe: { quietWindow?: number | undefined; timeout: number }): number {
  return probe.quietWindow ?? Math.min(DEFAULT_QUIET_WINDOW_MS, Math.floor(probe.timeout / 2));
}
