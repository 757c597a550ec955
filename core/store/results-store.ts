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
// - the current state (the last result of a probe × region) is no item of its own written on every result: the hour
//   rollup's same write records its newest run (`lastAt`, `lastOutcome`, `lastMs`, `lastError`), on the extra
//   condition that it records none newer; a small marker item per probe × region (pk STATE) names its newest hour and
//   is written once an hour, when a write creates that hour's rollup (so it lists what ran, and where to read the
//   last result). Markers only move forward in time.
//
// Raw runs carry no secondary index copy: a probe's runs across regions are read by merging its regions' partitions
// (the regions are its markers), which writes nothing extra on the hot path. Data written by the earlier layout
// (a full state item per probe × region written on every result, a GSI1 copy of each run) reads as is: an old state
// item is a marker with no `hour`, and an hour rollup without `lastAt` leaves the marker's state as the last one.
import {
  BatchGetCommand, BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { latencyMs, type ProbeResult, type Outcome, type ProbeError } from "../result/index.ts";
import { bucketOf, mergeInto, type Histogram } from "./histogram.ts";
import {
  DAY_MS, HOUR_MS, STATE_PK, dayKey, dayPk, hourKey, hourPk, runPk, runToken, stateSk, startOfDay,
} from "./keys.ts";
import { TTL_ATTRIBUTE } from "./table.ts";
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
  /** Hour rollups: the newest run counted into the hour (absent on day rollups and on hours written before it existed). */
  last?: RegionState | undefined;
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

/**
 * What a probe × region's marker says: its newest hour with runs, and the state of a run of that hour (the one that
 * created the hour's rollup). The exact last result is the `last` of that hour's rollup, when it is newer.
 */
export interface RegionMarker extends RegionState {
  hour: string;
}

/** The newer of a marker's state and the last runs recorded by hour rollups (any order). */
export function newestState(marker: RegionState | undefined, hours: readonly Rollup[]): RegionState | undefined {
  let newest: RegionState | undefined = marker && stripHour(marker);
  for (const hour of hours) if (hour.last && (!newest || hour.last.startedAt > newest.startedAt)) newest = hour.last;
  return newest;
}

function stripHour(state: RegionState): RegionState {
  const { hour: _hour, ...rest } = state as RegionMarker;
  return rest;
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
  /**
   * Stores results: runs in batches, then each one's hour rollup (whose update also records the hour's last run), then
   * the marker of each probe × region whose hour is new. Safe to repeat.
   */
  write(results: readonly ProbeResult[]): Promise<void>;
  listRuns(query: RunQuery): Promise<RunPage>;
  /** Every probe × region's last result: one query of the markers, one batched read of each one's newest hour. */
  currentStates(): Promise<RegionState[]>;
  /**
   * Every probe × region with results, as its marker says (one query): which ran, and a state at most an hour older
   * than the last one. A reader that reads the hours anyway (the status model) completes it with `newestState`.
   */
  markers(): Promise<RegionMarker[]>;
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
const BATCH_GET = 100;
/** Runs counted by one rollup write at most (its condition names each run). */
const HOUR_GROUP = 50;
const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

/** The last run an hour rollup records, or undefined (days, and hours written before it was recorded). */
function lastOf(item: Record<string, unknown>, probeId: string, region: string): RegionState | undefined {
  if (typeof item.lastAt !== "string") return undefined;
  return {
    probeId, region, startedAt: item.lastAt, outcome: item.lastOutcome as Outcome, durationMs: item.lastMs as number,
    ...(item.lastError ? { error: item.lastError as ProbeError } : {}),
  };
}

function toRollup(item: Record<string, unknown>, owner?: { probeId: string; region: string }): Rollup {
  const histogram: Histogram = {};
  for (const [name, value] of Object.entries(item)) {
    if (/^h\d+$/.test(name) && typeof value === "number") histogram[Number(name.slice(1))] = value;
  }
  const last = owner && lastOf(item, owner.probeId, owner.region);
  return {
    key: item.sk as string,
    runs: (item.runs as number | undefined) ?? 0,
    pass: (item.pass as number | undefined) ?? 0,
    degraded: (item.degraded as number | undefined) ?? 0,
    fail: (item.fail as number | undefined) ?? 0,
    maintenance: (item.maintenance as number | undefined) ?? 0,
    histogram,
    ...(last ? { last } : {}),
  };
}

function rollupItem(pk: string, rollup: Rollup, expiresAt: number): Record<string, unknown> {
  const item: Record<string, unknown> = {
    pk, sk: rollup.key, runs: rollup.runs, pass: rollup.pass, degraded: rollup.degraded, fail: rollup.fail,
    [TTL_ATTRIBUTE]: expiresAt,
  };
  if (rollup.maintenance > 0) item.maintenance = rollup.maintenance;
  for (const [index, count] of Object.entries(rollup.histogram)) if (count > 0) item[`h${index}`] = count;
  if (rollup.last) Object.assign(item, lastAttributes(rollup.last));
  return item;
}

function lastAttributes(state: RegionState): Record<string, unknown> {
  return { lastAt: state.startedAt, lastOutcome: state.outcome, lastMs: state.durationMs, ...(state.error ? { lastError: state.error } : {}) };
}

function stateOf(result: ProbeResult): RegionState {
  return {
    probeId: result.probeId, region: result.region, startedAt: result.startedAt, outcome: result.outcome,
    durationMs: result.durationMs, ...(result.error ? { error: { category: result.error.category, message: result.error.message } } : {}),
  };
}

const newestOf = (runs: readonly ProbeResult[]) => runs.reduce((a, b) => (b.startedAt > a.startedAt ? b : a));

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
      [TTL_ATTRIBUTE]: epochSeconds(Date.parse(result.startedAt) + retention.runsMs),
      data: JSON.stringify(result),
    };
  }

  /**
   * Counts runs of one probe × region × hour into its rollup with one conditional write: all of them, on
   * condition the rollup has counted none, recording the newest as the hour's last run on condition it records none
   * newer. When that is refused, it counts them all without touching the last run (they are older than it); when that
   * is refused too (a replay overlapping what the store had), one by one, each under its own condition, and then
   * records the newest it counted as the last run where it is newer. Runs in maintenance go to the `maintenance` counter alone, but their tokens join `applied`
   * like any other. Says how many it counted and whether its write created the rollup (the hour is new).
   */
  async function countIntoHour(runs: readonly ProbeResult[], recordLast = true): Promise<{ counted: number; created: boolean }> {
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
    const sets = ["#ttl = :ttl"];
    const removes: string[] = [];
    if (recordLast) {
      const last = stateOf(newestOf(runs));
      sets.push("lastAt = :lastAt", "lastOutcome = :lastOutcome", "lastMs = :lastMs");
      Object.assign(values, { ":lastAt": last.startedAt, ":lastOutcome": last.outcome, ":lastMs": last.durationMs });
      if (last.error) {
        sets.push("lastError = :lastError");
        values[":lastError"] = last.error;
      } else removes.push("lastError");
      conditions.push("(attribute_not_exists(lastAt) OR lastAt <= :lastAt)");
    }
    try {
      const { Attributes } = await doc.send(new UpdateCommand({
        TableName: tableName,
        Key: { pk: hourPk(first.probeId, first.region), sk: hourKey(started) },
        UpdateExpression: `ADD ${adds.join(", ")} SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        // What the counters were before: none when this write created the hour. Costs no extra capacity.
        ReturnValues: "UPDATED_OLD",
      }));
      return { counted: runs.length, created: Attributes?.applied === undefined };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Refused: the hour records a newer last run (runs arriving late, as a queue's do), or some run was counted
      // before. Counting them all without the last run tells the two apart in one more write.
      if (recordLast) return countIntoHour(runs, false);
      if (runs.length === 1) return { counted: 0, created: false };
      // Some were counted before: each on its own, then the newest of those counted now as the last run if it is.
      let created = false;
      const fresh: ProbeResult[] = [];
      for (const run of runs) {
        const one = await countIntoHour([run], false);
        if (one.counted > 0) fresh.push(run);
        created ||= one.created;
      }
      if (fresh.length > 0) await recordLastRun(newestOf(fresh));
      return { counted: fresh.length, created };
    }
  }

  /** Records a run as its hour's last unless the hour records a newer one. */
  async function recordLastRun(run: ProbeResult): Promise<void> {
    const last = stateOf(run);
    try {
      await doc.send(new UpdateCommand({
        TableName: tableName,
        Key: { pk: hourPk(run.probeId, run.region), sk: hourKey(Date.parse(run.startedAt)) },
        UpdateExpression: `SET lastAt = :lastAt, lastOutcome = :lastOutcome, lastMs = :lastMs${last.error ? ", lastError = :lastError" : " REMOVE lastError"}`,
        ConditionExpression: "attribute_not_exists(lastAt) OR lastAt < :lastAt",
        ExpressionAttributeValues: { ":lastAt": last.startedAt, ":lastOutcome": last.outcome, ":lastMs": last.durationMs, ...(last.error ? { ":lastError": last.error } : {}) },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Points the probe × region's marker at `hour`, with `result`'s state, unless it already names that hour or a
   * later one (or, for a marker of the earlier layout, which names no hour, a newer result).
   */
  async function putMarker(result: ProbeResult, hour: string): Promise<void> {
    try {
      await doc.send(new PutCommand({
        TableName: tableName,
        Item: { pk: STATE_PK, sk: stateSk(result.probeId, result.region), ...stateOf(result), hour },
        ConditionExpression: "#hour < :hour OR (attribute_not_exists(#hour) AND (attribute_not_exists(startedAt) OR startedAt <= :startedAt))",
        ExpressionAttributeNames: { "#hour": "hour" },
        ExpressionAttributeValues: { ":hour": hour, ":startedAt": result.startedAt },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Once a day is folded, a marker still naming one of its hours belongs to a probe × region that stopped that day:
   * it takes the hour's last run, so its state stays exact after the hour rollup expires (its TTL).
   */
  async function settleMarker(probeId: string, region: string, hour: Rollup): Promise<void> {
    if (!hour.last) return;
    const { probeId: _p, region: _r, ...state } = hour.last;
    try {
      await doc.send(new UpdateCommand({
        TableName: tableName,
        Key: { pk: STATE_PK, sk: stateSk(probeId, region) },
        UpdateExpression: `SET startedAt = :startedAt, outcome = :outcome, durationMs = :durationMs${state.error ? ", #error = :error" : ""}${state.error ? "" : " REMOVE #error"}`,
        ConditionExpression: "#hour = :hour AND startedAt < :startedAt",
        ExpressionAttributeNames: { "#hour": "hour", "#error": "error" },
        ExpressionAttributeValues: {
          ":hour": hour.key, ":startedAt": state.startedAt, ":outcome": state.outcome, ":durationMs": state.durationMs,
          ...(state.error ? { ":error": state.error } : {}),
        },
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
    return items.map((item) => toRollup(item, { probeId, region }));
  }

  async function days(probeId: string, region: string, fromDay: string, toDay: string): Promise<Rollup[]> {
    const items = await queryAll({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": dayPk(probeId, region), ":from": fromDay, ":to": toDay },
    });
    return items.map((item) => toRollup(item));
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
      await settleMarker(probeId, region, list.reduce((a, b) => (b.key > a.key ? b : a)));
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
    // Runs of the same hour rollup are counted together (a spool replay brings many).
    const byHour = new Map<string, ProbeResult[]>();
    for (const result of unique) {
      const hour = `${result.probeId}#${result.region}#${hourKey(Date.parse(result.startedAt))}`;
      const group = byHour.get(hour) ?? [];
      // A full group moves to a key of its own and a new one starts.
      if (group.length === HOUR_GROUP) byHour.set(`${hour}#${byHour.size}`, group.splice(0));
      byHour.set(hour, [...group, result]);
    }
    // By probe × region, the newest hour whose marker may need to move: one this write created, or one with a run
    // counted before (a replay: the write that counted it may have died before moving the marker).
    const marks = new Map<string, { hour: string; run: ProbeResult }>();
    await Promise.all([...byHour.values()].map(async (group) => {
      const { counted, created } = await countIntoHour(group);
      const first = group[0]!;
      if (counted > 0 && Date.parse(first.startedAt) < settled) {
        late.add(`${first.probeId}\n${first.region}\n${dayKey(Date.parse(first.startedAt))}`);
      }
      if (!created && counted === group.length) return;
      const key = `${first.probeId}#${first.region}`;
      const hour = hourKey(Date.parse(first.startedAt));
      const run = newestOf(group);
      const mark = marks.get(key);
      if (!mark || mark.hour < hour || (mark.hour === hour && mark.run.startedAt < run.startedAt)) marks.set(key, { hour, run });
    }));
    // After the rollups: a marker never names an hour whose rollup is not there yet.
    await Promise.all([...marks.values()].map(({ hour, run }) => putMarker(run, hour)));
    for (const entry of late) {
      const [probeId, region, day] = entry.split("\n") as [string, string, string];
      await reconcileDays(probeId, region, day, day);
    }
  }

  async function markers(): Promise<RegionMarker[]> {
    const items = await queryAll({ KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": STATE_PK } });
    return items.map(toMarker);
  }

  /** A marker item as read; one of the earlier layout (a state item with no `hour`) names the hour of its state. */
  function toMarker(item: Record<string, unknown>): RegionMarker {
    const { pk: _pk, sk: _sk, hour, ...state } = item;
    return { ...(state as unknown as RegionState), hour: typeof hour === "string" ? hour : hourKey(Date.parse(state.startedAt as string)) };
  }

  async function currentStates(): Promise<RegionState[]> {
    const found = await markers();
    const byHourPk = new Map(found.map((marker) => [hourPk(marker.probeId, marker.region), marker]));
    const newest = new Map(found.map((marker) => [marker, newestState(marker, [])!]));
    const keys = found.map((marker) => ({ pk: hourPk(marker.probeId, marker.region), sk: marker.hour }));
    for (let i = 0; i < keys.length; i += BATCH_GET) {
      let pending: Array<Record<string, unknown>> = keys.slice(i, i + BATCH_GET);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 8) throw new StoreError("unprocessed", `${pending.length} keys left unprocessed after 8 tries`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const answer = await doc.send(new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ProjectionExpression: "pk, lastAt, lastOutcome, lastMs, lastError" } },
        }));
        for (const item of answer.Responses?.[tableName] ?? []) {
          const marker = byHourPk.get(item.pk as string);
          const last = marker && lastOf(item, marker.probeId, marker.region);
          if (marker && last && last.startedAt > newest.get(marker)!.startedAt) newest.set(marker, last);
        }
        pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
    }
    return [...newest.values()];
  }

  /** The regions a probe has results in (its markers). */
  async function regionsOf(probeId: string): Promise<string[]> {
    const items = await queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :probe)",
      ExpressionAttributeValues: { ":pk": STATE_PK, ":probe": stateSk(probeId, "") },
      ProjectionExpression: "sk",
    });
    return items.map((item) => (item.sk as string).slice(stateSk(probeId, "").length));
  }

  async function listRuns(query: RunQuery): Promise<RunPage> {
    const from = query.from ?? "0000";
    const to = query.to ?? "9999";
    if (query.region) {
      const page = await doc.send(new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": runPk(query.probeId, query.region), ":from": from, ":to": to },
        ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor, ["pk", "sk"], { pk: runPk(query.probeId, query.region) }, { within: { sk: [from, to] } }) } : {}),
        ScanIndexForward: false, Limit: query.limit,
      }));
      const items = (page.Items ?? []).map((item) => JSON.parse(item.data as string) as ProbeResult);
      const cursor = encodeCursor(page.LastEvaluatedKey);
      return cursor ? { items, cursor } : { items };
    }
    // Across regions: newest first by (startedAt, region), merged from each region's partition. The cursor is the
    // key of the last run returned; a page starts strictly after it in that order.
    const prefix = runPk(query.probeId, "");
    const after = query.cursor ? decodeCursor(query.cursor, ["pk", "sk"], {}, { within: { sk: [from, to] }, prefixes: { pk: prefix } }) : undefined;
    const afterRegion = after?.pk?.slice(prefix.length);
    const regions = await regionsOf(query.probeId);
    if (after && !regions.includes(afterRegion!)) throw new StoreError("bad_cursor", "cursor is not one this API returned for this listing");
    const pages = await Promise.all(regions.map(async (region) => {
      // A run at the cursor's instant comes after it only in a region that sorts before the cursor's.
      const upper = after?.sk ?? to;
      const page = await doc.send(new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": runPk(query.probeId, region), ":from": from, ":to": upper },
        ScanIndexForward: false, Limit: query.limit + 1,
      }));
      const items = (page.Items ?? []).filter((item) => !after || item.sk !== after.sk || region < afterRegion!);
      return { region, items, more: page.LastEvaluatedKey !== undefined };
    }));
    const merged = pages.flatMap(({ region, items }) => items.map((item) => ({ region, sk: item.sk as string, data: item.data as string })))
      .sort((a, b) => (a.sk === b.sk ? (a.region < b.region ? 1 : -1) : a.sk < b.sk ? 1 : -1));
    const taken = merged.slice(0, query.limit);
    const items = taken.map((item) => JSON.parse(item.data) as ProbeResult);
    const more = merged.length > query.limit || pages.some((page) => page.more);
    const last = taken.at(-1);
    return more && last ? { items, cursor: encodeCursor({ pk: runPk(query.probeId, last.region), sk: last.sk })! } : { items };
  }

  return {
    tableName,
    retention,
    write,
    listRuns,
    currentStates,
    markers,
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
