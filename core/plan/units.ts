// Units each unit of work consumes, measured (not guessed): `npm run bench -- aws` measures them through the real
// write and read paths on dynalite with ReturnConsumedCapacity, and test/plan/units.test.ts fails when the code's
// figures drift from what the store really consumes.

/**
 * DynamoDB write units per stored HTTP result, on average over two hours of one-minute runs in 3 regions: the raw run
 * (1; no index copy), its hour rollup, whose same write records it as the hour's last run (1), the probe × region's
 * marker, written once an hour (1/60), and the evaluator's alert state, written deflated (< 1 KB) once per probe per
 * stream batch (the minute's 3 regions together), so 1/3 per result; with SLOs the hour rings live in an item of their
 * own written once an hour (1 WRU deflated, plus 1 to delete the one it replaces). Over the 360 results measured:
 * 846 units without SLOs, 849 with them.
 */
export const WRITE_UNITS_PER_RESULT = { withoutSlo: 846 / 360, withSlo: 849 / 360 } as const;

/**
 * Read units of one uncached /v1/status refresh per probe × region: its 24 hour rollups, 89 folded days, its share of
 * the markers query (its last result comes from the newest hour, read anyway), and a third of the probe's SLO state
 * read (3 regions). Measured at 50 probes × 3 regions.
 */
export const READ_UNITS_PER_STATUS = { perProbeRegion: 2.28 } as const;

/**
 * Stored bytes of one raw run, for storage and continuous backup: ~390 B for the bench's HTTP result (dynalite's item
 * size) plus the 100 B DynamoDB bills per item, rounded up for longer assertion lists and error messages. No index copy.
 */
export const BYTES_PER_RESULT = 600;

/** Billed time of one runner invocation beyond its probes' own time (init amortised, store write), ms. */
export const RUNNER_OVERHEAD_MS = 150;

/** Time of one probe run as the cost model assumes it (a typical answer over the internet), ms. */
export const TYPICAL_RUN_MS = { http: 400, browser: 8_000 } as const;

/** Lambda's own log lines per invocation (START, END, REPORT) and ours, bytes. */
export const LOG_BYTES_PER_INVOCATION = 600;
