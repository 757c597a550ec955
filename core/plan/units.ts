// Units each unit of work consumes, measured (not guessed): `npm run bench -- aws` measures them through the real
// write and read paths on dynalite with ReturnConsumedCapacity, and test/plan/units.test.ts fails when the code's
// figures drift from what the store really consumes.

/**
 * DynamoDB write units per stored HTTP result, on average over an hour of one-minute runs in 3 regions: the raw run
 * (+1 for its GSI1 entry, which dynalite does not count), its hour rollup, the region's current state (4 together),
 * and the evaluator's alert state, written once per probe per stream batch (the minute's 3 regions together): 1 WRU
 * without SLOs, 6 with them (the SLO counts make the item ~6 KB), so 1/3 and 2 per result.
 */
export const WRITE_UNITS_PER_RESULT = { withoutSlo: 13 / 3, withSlo: 6 } as const;

/**
 * Read units of one uncached /v1/status refresh per probe × region: its 24 hour rollups, 89 folded days, its share of
 * the state query, and a third of the probe's SLO state read (3 regions). Measured at 50 probes × 3 regions.
 */
export const READ_UNITS_PER_STATUS = { perProbeRegion: 2.28 } as const;

/** Stored bytes of one raw run (item and GSI copy), for storage and continuous backup. */
export const BYTES_PER_RESULT = 1_400;

/** Billed time of one runner invocation beyond its probes' own time (init amortised, store write), ms. */
export const RUNNER_OVERHEAD_MS = 150;

/** Time of one probe run as the cost model assumes it (a typical answer over the internet), ms. */
export const TYPICAL_RUN_MS = { http: 400, browser: 8_000 } as const;

/** Lambda's own log lines per invocation (START, END, REPORT) and ours, bytes. */
export const LOG_BYTES_PER_INVOCATION = 600;
