// The results store: raw runs, hour and day rollups and the current state per probe × region, on the DynamoDB API.
//
// Every write is idempotent, so a result may be written any number of times and still count once:
// - a run's key is its probe, region and startedAt, so writing it again overwrites it with itself;
// - an hour rollup counts a run with one conditional UpdateItem whose ADD also adds the run's token to the item's
//   `applied` set, on condition the set does not hold it yet: the check and the counting are one atomic
//   single-item write, which is what DynamoDB (and dynalite, which has no transactions) guarantees;
// - a day rollup is never counted into: it is folded from its 24 hour rollups (a pure function of them), so it
//   inherits their exactness; `reconcileDays` folds the days that closed, and a late result (a run in flight at
//   midnight, a spool flushed days after) refolds its own day at once;
// - a run inside a maintenance window (`result.maintenance`) is kept as a raw run and counted, under the same
//   token condition, into its rollup's `maintenance` counter only: runs, outcomes and the histogram never see it,
//   so every uptime and latency figure read from rollups leaves maintenance out with no filtering at read time;
// - the current state only moves forward in time (conditional on an older startedAt).
import {
  BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { latencyMs, type ProbeResult, type Outcome, type ProbeError } from "../result/index.ts";
import { bucketOf, mergeInto, type Histogram } from "./histogram.ts";
import {
  DAY_MS, HOUR_MS, STATE_PK, dayKey, dayPk, hourKey, hourPk, runGsiPk, runGsiSk, runPk, runToken, stateSk,
  startOfDay,
} from "./keys.ts";
import { GSI1, TTL_ATTRIBUTE } from "./table.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

/** How long each kind of item is kept (DynamoDB's TTL deletes it after). */
export interface Retention {
  /** Raw runs. Default 30 days. */
  runsMs: number;
  /** Hour rollups: the 24 h window, latency percentiles, and the source of day rollups. Default 14 days. */
  hoursMs: number;
  /** Day rollups: the 7/30/90-day windows and the daily uptime bars. Default 400 days. */
  daysMs: number;
}

export const DEFAULT_RETENTION: Retention = { runsMs: 30 * DAY_MS, hoursMs: 14 * DAY_MS, daysMs: 400 * DAY_MS };

/**
 * Counts of one probe × region over one hour or one day. Latency counts only runs that got an answer (pass,
 * degraded). Runs in a maintenance window are counted in `maintenance` alone, never in `runs` or the rest.
 */
export interface Rollup {
  /** "2025-01-02T13" for an hour, "2025-01-02" for a day. */
  key: string;
  runs: number;
  pass: number;
  degraded: number;
  fail: number;
  /** Runs inside a maintenance window, left out of every other count; 0 on items written before it existed. */
  maintenance: number;
  histogram: Histogram;
}

/** The last result of a probe in one region. */
export interface RegionState {
  probeId: string;
  region: string;
  startedAt: string;
  outcome: Outcome;
  durationMs: number;
  error?: ProbeError;
}

export interface RunPage {
  items: ProbeResult[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface RunQuery {
  probeId: string;
  /** Only this region; default all regions (newest first across them). */
  region?: string | undefined;
  /** ISO instants bounding startedAt, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Our own faults and bad input (an undecodable cursor); a target being down is never one. */
export class StoreError extends Error {
  override name = "StoreError";
  constructor(readonly code: "bad_cursor" | "unprocessed" | "store", message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ResultStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  retention?: Partial<Retention> | undefined;
  /** Wall clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export interface ResultStore {
  readonly tableName: string;
  readonly retention: Retention;
  /** Stores results: runs in batches, then each one's hour rollup and current state. Safe to repeat. */
  write(results: readonly ProbeResult[]): Promise<void>;
  listRuns(query: RunQuery): Promise<RunPage>;
  /** Every probe × region's last result, in one query. */
  currentStates(): Promise<RegionState[]>;
  /** Hour rollups with keys from `fromHour` to `toHour` inclusive ("2025-01-02T13"). */
  hours(probeId: string, region: string, fromHour: string, toHour: string): Promise<Rollup[]>;
  /** Day rollups with keys from `fromDay` to `toDay` inclusive ("2025-01-02"). */
  days(probeId: string, region: string, fromDay: string, toDay: string): Promise<Rollup[]>;
  /** Folds every closed day (up to yesterday, UTC) not yet folded or behind since the newest folded day. */
  foldClosedDays(probeId: string, region: string): Promise<number>;
  /** Folds the hour rollups of each day in the range into its day rollup, where it is missing or behind. */
  reconcileDays(probeId: string, region: string, fromDay: string, toDay: string): Promise<number>;
  /** Writes day rollups as they are (bench and imports: history too large to replay run by run). */
  putDayRollups(probeId: string, region: string, rollups: readonly Rollup[]): Promise<void>;
  putHourRollups(probeId: string, region: string, rollups: readonly Rollup[]): Promise<void>;
}

const OUTCOMES: readonly Outcome[] = ["pass", "degraded", "fail"];
const BATCH = 25;
/** Runs counted by one rollup write at most (its condition names each run). */
const HOUR_GROUP = 50;
const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

function toRollup(item: Record<string, unknown>): Rollup {
  const histogram: Histogram = {};
  for (const [name, value] of Object.entries(item)) {
    if (/^h\d+$/.test(name) && typeof value === "number") histogram[Number(name.slice(1))] = value;
  }
  return {
    key: item.sk as string,
    runs: (item.runs as number | undefined) ?? 0,
    pass: (item.pass as number | undefined) ?? 0,
    degraded: (item.degraded as number | undefined) ?? 0,
    fail: (item.fail as number | undefined) ?? 0,
    maintenance: (item.maintenance as number | undefined) ?? 0,
    histogram,
  };
}

function rollupItem(pk: string, rollup: Rollup, expiresAt: number): Record<string, unknown> {
  const item: Record<string, unknown> = {
    pk, sk: rollup.key, runs: rollup.runs, pass: rollup.pass, degraded: rollup.degraded, fail: rollup.fail,
    [TTL_ATTRIBUTE]: expiresAt,
  };
  if (rollup.maintenance > 0) item.maintenance = rollup.maintenance;
  for (const [index, count] of Object.entries(rollup.histogram)) if (count > 0) item[`h${index}`] = count;
  return item;
}

export function mergeRollups(key: string, rollups: readonly Rollup[]): Rollup {
  const merged: Rollup = { key, runs: 0, pass: 0, degraded: 0, fail: 0, maintenance: 0, histogram: {} };
  for (const rollup of rollups) {
    merged.runs += rollup.runs;
    merged.pass += rollup.pass;
    merged.degraded += rollup.degraded;
    merged.fail += rollup.fail;
    merged.maintenance += rollup.maintenance;
    mergeInto(merged.histogram, rollup.histogram);
  }
  return merged;
}

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export function createResultStore(options: ResultStoreOptions): ResultStore {
  const { doc, tableName } = options;
  const now = options.now ?? Date.now;
  const retention: Retention = { ...DEFAULT_RETENTION, ...options.retention };

  async function queryAll(input: Omit<QueryCommandInput, "TableName">): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey: start }));
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async function batchPut(items: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH) {
      let requests = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
      // DynamoDB may leave part of a batch unprocessed under load: send the rest again, backing off.
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt === 8) throw new StoreError("unprocessed", `${requests.length} items left unprocessed after 8 tries`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const answer = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (answer.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }
  }

  function runItem(result: ProbeResult): Record<string, unknown> {
    return {
      pk: runPk(result.probeId, result.region),
      sk: result.startedAt,
      gsi1pk: runGsiPk(result.probeId),
      gsi1sk: runGsiSk(result.startedAt, result.region),
      [TTL_ATTRIBUTE]: epochSeconds(Date.parse(result.startedAt) + retention.runsMs),
      data: JSON.stringify(result),
    };
  }

  /**
   * Counts runs of one probe × region × hour into its rollup with one conditional write: all of them, on
   * condition the rollup has counted none. Returns how many it counted. When some were counted already (a replay
   * overlapping what the store had), it counts them one by one, each under its own condition. Runs in
   * maintenance go to the `maintenance` counter alone, but their tokens join `applied` like any other.
   */
  async function countIntoHour(runs: readonly ProbeResult[]): Promise<number> {
    const first = runs[0]!;
    const started = Date.parse(first.startedAt);
    const names: Record<string, string> = { "#runs": "runs", "#applied": "applied", "#ttl": TTL_ATTRIBUTE };
    const counted = runs.filter((run) => !run.maintenance);
    const values: Record<string, unknown> = {
      // Zero when every run was in maintenance: ADD 0 still creates the attribute, so the item reads the same.
      ":runs": counted.length,
      ":tokens": new Set(runs.map((r) => runToken(r.startedAt))),
      ":ttl": epochSeconds(started + HOUR_MS + retention.hoursMs),
    };
    const counts = new Map<string, number>();
    const inMaintenance = runs.length - counted.length;
    if (inMaintenance > 0) counts.set("maintenance", inMaintenance);
    for (const run of counted) {
      counts.set(run.outcome, (counts.get(run.outcome) ?? 0) + 1);
      if (run.outcome !== "fail") {
        const bucket = `h${bucketOf(latencyMs(run))}`;
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      }
    }
    const adds = ["#runs :runs", "#applied :tokens"];
    [...counts].forEach(([name, count], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = count;
      adds.push(`#c${i} :c${i}`);
    });
    const conditions = runs.map((run, i) => {
      values[`:t${i}`] = runToken(run.startedAt);
      return `NOT contains(#applied, :t${i})`;
    });
    try {
      await doc.send(new UpdateCommand({
        TableName: tableName,
        Key: { pk: hourPk(first.probeId, first.region), sk: hourKey(started) },
        UpdateExpression: `ADD ${adds.join(", ")} SET #ttl = :ttl`,
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }));
      return runs.length;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (runs.length === 1) return 0;
      let counted = 0;
      for (const run of runs) counted += await countIntoHour([run]);
      return counted;
    }
  }

  async function putState(result: ProbeResult): Promise<void> {
    const state: RegionState = {
      probeId: result.probeId, region: result.region, startedAt: result.startedAt, outcome: result.outcome,
      durationMs: result.durationMs, ...(result.error ? { error: result.error } : {}),
    };
    try {
      await doc.send(new PutCommand({
        TableName: tableName,
        Item: { pk: STATE_PK, sk: stateSk(result.probeId, result.region), ...state },
        ConditionExpression: "attribute_not_exists(startedAt) OR startedAt <= :startedAt",
        ExpressionAttributeValues: { ":startedAt": result.startedAt },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async function hours(probeId: string, region: string, fromHour: string, toHour: string): Promise<Rollup[]> {
    const items = await queryAll({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": hourPk(probeId, region), ":from": fromHour, ":to": toHour },
    });
    return items.map(toRollup);
  }

  async function days(probeId: string, region: string, fromDay: string, toDay: string): Promise<Rollup[]> {
    const items = await queryAll({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": dayPk(probeId, region), ":from": fromDay, ":to": toDay },
    });
    return items.map(toRollup);
  }

  /**
   * Writes a folded day unless a fuller fold is already there: both counters only grow, so a fold behind the
   * stored one in either is older. (A day folded before `maintenance` existed has none: any fold is as full.)
   */
  async function putFoldedDay(probeId: string, region: string, day: Rollup): Promise<void> {
    try {
      await doc.send(new PutCommand({
        TableName: tableName,
        Item: rollupItem(dayPk(probeId, region), day, epochSeconds(Date.parse(`${day.key}T00:00:00Z`) + DAY_MS + retention.daysMs)),
        ConditionExpression: "(attribute_not_exists(runs) OR runs <= :runs) AND (attribute_not_exists(#maintenance) OR #maintenance <= :maintenance)",
        ExpressionAttributeNames: { "#maintenance": "maintenance" },
        ExpressionAttributeValues: { ":runs": day.runs, ":maintenance": day.maintenance },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async function reconcileDays(probeId: string, region: string, fromDay: string, toDay: string): Promise<number> {
    const [hourRollups, dayRollups] = await Promise.all([
      hours(probeId, region, `${fromDay}T00`, `${toDay}T23`),
      days(probeId, region, fromDay, toDay),
    ]);
    const byDay = new Map<string, Rollup[]>();
    for (const hour of hourRollups) {
      const key = hour.key.slice(0, 10);
      byDay.set(key, [...(byDay.get(key) ?? []), hour]);
    }
    const folded = new Map(dayRollups.map((day) => [day.key, day]));
    let written = 0;
    for (const [key, list] of byDay) {
      const day = mergeRollups(key, list);
      const stored = folded.get(key);
      // An hour may hold maintenance runs only (runs 0): the day is still folded, so it reads as such.
      if (stored && stored.runs === day.runs && stored.maintenance === day.maintenance) continue;
      await putFoldedDay(probeId, region, day);
      written++;
    }
    return written;
  }

  /** The sort key of the first (or last) item of a partition, or undefined when it is empty. */
  async function edgeKey(pk: string, newest: boolean): Promise<string | undefined> {
    const page = await doc.send(new QueryCommand({
      TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk },
      ScanIndexForward: !newest, Limit: 1, ProjectionExpression: "sk",
    }));
    return page.Items?.[0]?.sk as string | undefined;
  }

  async function foldClosedDays(probeId: string, region: string): Promise<number> {
    // From the newest folded day (it may be behind), or the first hour ever counted, to yesterday: however long
    // the process was stopped, no closed day is left unfolded.
    const from = (await edgeKey(dayPk(probeId, region), true)) ?? (await edgeKey(hourPk(probeId, region), false))?.slice(0, 10);
    const yesterday = dayKey(startOfDay(now()) - DAY_MS);
    if (!from || from > yesterday) return 0;
    return reconcileDays(probeId, region, from, yesterday);
  }

  async function write(results: readonly ProbeResult[]): Promise<void> {
    if (results.length === 0) return;
    // One item per key in a batch: DynamoDB rejects a batch that names a key twice.
    const unique = [...new Map(results.map((r) => [`${r.probeId}#${r.region}#${r.startedAt}`, r])).values()];
    await batchPut(unique.map(runItem));
    // Days before today are read from day rollups, so a run that lands on one late (a run in flight at midnight,
    // a spool flushed days after) refolds its day.
    const settled = startOfDay(now());
    const late = new Set<string>();
    // Runs of the same hour rollup are counted together (a spool replay brings many); the state takes the newest.
    const byHour = new Map<string, ProbeResult[]>();
    const newest = new Map<string, ProbeResult>();
    for (const result of unique) {
      const hour = `${result.probeId}#${result.region}#${hourKey(Date.parse(result.startedAt))}`;
      const group = byHour.get(hour) ?? [];
      // A full group moves to a key of its own and a new one starts.
      if (group.length === HOUR_GROUP) byHour.set(`${hour}#${byHour.size}`, group.splice(0));
      byHour.set(hour, [...group, result]);
      const key = `${result.probeId}#${result.region}`;
      if ((newest.get(key)?.startedAt ?? "") < result.startedAt) newest.set(key, result);
    }
    await Promise.all([
      ...[...byHour.values()].map(async (group) => {
        const counted = await countIntoHour(group);
        const first = group[0]!;
        if (counted > 0 && Date.parse(first.startedAt) < settled) {
          late.add(`${first.probeId}\n${first.region}\n${dayKey(Date.parse(first.startedAt))}`);
        }
      }),
      ...[...newest.values()].map(putState),
    ]);
    for (const entry of late) {
      const [probeId, region, day] = entry.split("\n") as [string, string, string];
      await reconcileDays(probeId, region, day, day);
    }
  }

  async function listRuns(query: RunQuery): Promise<RunPage> {
    const from = query.from ?? "0000";
    const to = query.to ?? "9999";
    const input: Omit<QueryCommandInput, "TableName"> = query.region
      ? {
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": runPk(query.probeId, query.region), ":from": from, ":to": to },
          ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor, ["pk", "sk"], { pk: runPk(query.probeId, query.region) }, { within: { sk: [from, to] } }) } : {}),
        }
      : {
          IndexName: GSI1,
          KeyConditionExpression: "gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to",
          // "~" sorts after every region name, so `to` includes runs that started exactly then.
          ExpressionAttributeValues: { ":pk": runGsiPk(query.probeId), ":from": from, ":to": `${to}~` },
          ...(query.cursor ? {
            ExclusiveStartKey: decodeCursor(query.cursor, ["pk", "sk", "gsi1pk", "gsi1sk"], { gsi1pk: runGsiPk(query.probeId) }, {
              within: { gsi1sk: [from, `${to}~`] },
              prefixes: { pk: `${runGsiPk(query.probeId)}#` },
              consistent: (key) => key.gsi1sk === runGsiSk(key.sk!, key.pk!.slice(runGsiPk(query.probeId).length + 1)),
            }),
          } : {}),
        };
    const page = await doc.send(new QueryCommand({ TableName: tableName, ...input, ScanIndexForward: false, Limit: query.limit }));
    const items = (page.Items ?? []).map((item) => JSON.parse(item.data as string) as ProbeResult);
    const cursor = encodeCursor(page.LastEvaluatedKey);
    return cursor ? { items, cursor } : { items };
  }

  async function currentStates(): Promise<RegionState[]> {
    const items = await queryAll({ KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": STATE_PK } });
    return items.map((item) => {
      const { pk: _pk, sk: _sk, ...state } = item;
      return state as unknown as RegionState;
    });
  }

  return {
    tableName,
    retention,
    write,
    listRuns,
    currentStates,
    hours,
    days,
    reconcileDays,
    foldClosedDays,
    putDayRollups: (probeId, region, rollups) =>
      batchPut(rollups.map((r) => rollupItem(dayPk(probeId, region), r, epochSeconds(Date.parse(`${r.key}T00:00:00Z`) + DAY_MS + retention.daysMs)))),
    putHourRollups: (probeId, region, rollups) =>
      batchPut(rollups.map((r) => rollupItem(hourPk(probeId, region), r, epochSeconds(Date.parse(`${r.key}:00:00Z`) + HOUR_MS + retention.hoursMs)))),
  };
}

export { OUTCOMES };
