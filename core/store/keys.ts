// Keys and time buckets of the items core/store owns (see table.ts for the whole layout).
const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Every raw run's partition key starts with this (the evaluator's stream filter matches it). */
export const RUN_PK_PREFIX = "RUN#";
export const runPk = (probeId: string, region: string) => `${RUN_PK_PREFIX}${probeId}#${region}`;
export const hourPk = (probeId: string, region: string) => `ROLLUP#H#${probeId}#${region}`;
export const dayPk = (probeId: string, region: string) => `ROLLUP#D#${probeId}#${region}`;
export const STATE_PK = "STATE";
export const stateSk = (probeId: string, region: string) => `${probeId}#${region}`;

/** "2025-01-02T13" for any instant in that UTC hour. */
export const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);
/** "2025-01-02" for any instant in that UTC day. */
export const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const hourStart = (key: string) => Date.parse(`${key}:00:00.000Z`);
export const dayStart = (key: string) => Date.parse(`${key}T00:00:00.000Z`);
export const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
export { HOUR_MS };

/** The token a rollup records for a run it has counted: the run's start, epoch ms in base 36 (8 chars). */
export const runToken = (startedAt: string) => Date.parse(startedAt).toString(36);

/** The days from `from` to `to` inclusive, as day keys. */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = startOfDay(fromMs); t <= toMs; t += DAY_MS) days.push(dayKey(t));
  return days;
}
