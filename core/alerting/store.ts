// Alert state, incidents and the page outbox, on the single vigie table (or in memory for tests and benches).
//
// Items owned by alerting (pk / sk):
//   ALERT#<probeId>     / STATE                 one per probe: `body`, the raw-deflated JSON of { state, pending }:
//                                                the evaluator state and the incident upserts and outbox items
//                                                of the write, re-applied by whoever reads it next, so a crash
//                                                between the state write and its effects loses nothing; and a
//                                                `version` number every write is conditional on. Deflated, the
//                                                item stays under 1 KB (one write unit) where its JSON is ~1.6 KB.
//                                                With SLOs, `state` holds the SLO counts but their closed
//                                                hours (the current hour's counts are `hourNow`), and
//                                                `sloHours` names the item holding those:
//   ALERT#<probeId>     / SLOH#<version>#<id>    the SLO hour rings with the current hour zeroed (deflated JSON
//                                                in `hours`): up to a window's hours per objective, ~4–6 KB of
//                                                JSON for 30 days. They change only when the hour rolls over or a late
//                                                result lands in a closed hour, so this item is written about
//                                                once an hour, not on every state write; a state write
//                                                writes a new one (a key of its own, so a writer that loses
//                                                the version race leaves the winner's alone) and deletes the
//                                                one it replaced. TTL: the rings' length after their hour.
//                                                A state item of the earlier layout (JSON strings `state` and
//                                                `pending`, whole rings in `state`, no `sloHours`) reads as is
//                                                and is rewritten in this one by its next write.
//   INCIDENT#<probeId>  / <startedAt>#<id>       one per incident (JSON in `incident`, `rev` = state version
//                                                that wrote it, `resolvedAt` while resolved);
//                                                GSI1: gsi1pk "INCIDENTS", gsi1sk <startedAt>#<id> (newest first).
//   OUTBOX#<pageId>@<channel> / OUTBOX           one per page per channel (JSON in `page`), `status`
//                                                pending | sent | expired | failed, `attempts`, `leaseUntil`;
//                                                while pending, GSI1: gsi1pk "OUTBOX#pending", gsi1sk
//                                                <nextAttemptAt, 15 digits>#<id>. Sent/expired/failed items keep
//                                                their key for 7 days (`expiresAt` TTL) so a re-applied
//                                                `pending` cannot page twice.
import {
  ConditionalCheckFailedException,
} from "@aws-sdk/client-dynamodb";
import { createHash, randomUUID } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Incident, IncidentReader } from "../result/incident.ts";
import type { AlertIncident, Page, ProbeAlertState } from "./evaluate.ts";
import type { SloCounts } from "./slo.ts";
import { decodeCursor, encodeCursor } from "../store/cursor.ts";

export type OutboxStatus = "pending" | "sent" | "expired" | "failed";

export interface OutboxItem {
  /** `<page id>@<channel>`. */
  id: string;
  channel: string;
  page: Page;
  status: OutboxStatus;
  attempts: number;
  /** When the next try is due, epoch ms. */
  nextAttemptAt: number;
  /** After this, epoch ms, the page is dropped (and logged as lost). */
  expireAt: number;
  lastError?: string | undefined;
  leaseUntil?: number | undefined;
}

/** What a state write must bring about besides the state: applied idempotently, possibly twice. */
export interface Effects {
  incidents: AlertIncident[];
  outbox: OutboxItem[];
}

export interface StoredState {
  state: ProbeAlertState;
  /** 0 when nothing is stored yet. */
  version: number;
  pending: Effects;
}

export type IncidentQuery = Parameters<IncidentReader["list"]>[0];

/** Where alerting keeps its data. Every state change goes through `putState`'s version check. */
export interface AlertStore extends IncidentReader {
  getState(probeId: string): Promise<StoredState | undefined>;
  /** Writes when the stored version is still `expected`; false when another writer got there first. */
  putState(state: ProbeAlertState, expected: number, pending: Effects): Promise<boolean>;
  /** Upserts unless a newer revision is stored. */
  putIncident(incident: AlertIncident, rev: number): Promise<void>;
  getIncident(probeId: string, startedAt: string, id: string): Promise<AlertIncident | undefined>;
  /** Adds an outbox item; false when one with that id exists (already enqueued, maybe already sent). */
  enqueue(item: OutboxItem): Promise<boolean>;
  /** Pending items due at `now`, oldest first. */
  due(now: number, limit: number): Promise<OutboxItem[]>;
  /** Takes a pending item for `leaseMs` and counts an attempt; undefined when someone else holds it or it is done. */
  claim(id: string, now: number, leaseMs: number): Promise<OutboxItem | undefined>;
  /** Ends an item (sent, expired, failed) or puts it back for a later try (pending). */
  settle(id: string, outcome: { status: "sent" | "expired" | "failed"; error?: string } | { status: "pending"; nextAttemptAt: number; error: string }, now: number): Promise<void>;
  getOutboxItem(id: string): Promise<OutboxItem | undefined>;
}

const KEEP_DONE_SECONDS = 7 * 86_400;
const PAD = 15;

/** Incidents as the API shows them: the shared model, without paging bookkeeping. */
function publicIncident(incident: AlertIncident): Incident & { maintenance: boolean; objective?: string } {
  const { lastPagedAt: _paged, reminders: _reminders, paged: _wasPaged, supersededBy: _superseded, probeName: _name, ...shown } = incident;
  return shown;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === "ConditionalCheckFailedException";
}

/** The SLO hour rings as the SLO hours item holds them: the current hour's slot zeroed (it lives in the state item). */
interface ClosedHours {
  hour: number;
  hourTotal: number[];
  hourBad: number[][];
}

/** SLO counts as the state item holds them: the hour rings left out, the current hour's counts kept. */
type OpenCounts = Omit<SloCounts, "hourTotal" | "hourBad"> & { hourNow: { total: number; bad: number[] }; hourRing: number };

function splitHours(counts: SloCounts): { closed: ClosedHours; open: OpenCounts } {
  const { hourTotal, hourBad, ...rest } = counts;
  const slot = counts.hour % hourTotal.length;
  const zeroed = (ring: readonly number[]) => ring.map((value, i) => (i === slot ? 0 : value));
  return {
    closed: { hour: counts.hour, hourTotal: zeroed(hourTotal), hourBad: hourBad.map(zeroed) },
    open: { ...rest, hourNow: { total: hourTotal[slot]!, bad: hourBad.map((ring) => ring[slot]!) }, hourRing: hourTotal.length },
  };
}

function joinHours(open: OpenCounts, closed: ClosedHours | undefined): SloCounts {
  const { hourNow, hourRing, ...rest } = open;
  // A hours item gone (its TTL: the rings' length without a write) held nothing the window still counts: zeros.
  const zeros = () => new Array<number>(hourRing).fill(0);
  const hourTotal = closed ? [...closed.hourTotal] : zeros();
  const hourBad = closed ? closed.hourBad.map((ring) => [...ring]) : hourNow.bad.map(zeros);
  const slot = open.hour % hourTotal.length;
  hourTotal[slot] = hourNow.total;
  hourBad.forEach((ring, i) => { ring[slot] = hourNow.bad[i] ?? 0; });
  return { ...rest, hourTotal, hourBad };
}

const digestOf = (json: string) => createHash("sha1").update(json).digest("base64");
const deflate = (json: string) => deflateRawSync(json);
const inflate = (bytes: unknown) => inflateRawSync(bytes as Uint8Array).toString("utf8");

/** The store on DynamoDB (or dynalite): single-item conditional writes only, no transactions. */
export function createDynamoAlertStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): AlertStore {
  const { doc, tableName: TableName } = deps;
  /** By probe: the SLO hours item the stored state (at `version`) names, and a digest of its content. */
  const hoursKnown = new Map<string, { version: number; ref: string; digest: string }>();
  const hoursKey = (probeId: string, ref: string) => ({ pk: `ALERT#${probeId}`, sk: `SLOH#${ref}` });
  const dropHours = (probeId: string, ref: string) =>
    doc.send(new DeleteCommand({ TableName, Key: hoursKey(probeId, ref) })).then(() => undefined, () => undefined);
  const outboxKey = (id: string) => ({ pk: `OUTBOX#${id}`, sk: "OUTBOX" });
  const toOutbox = (item: Record<string, unknown>): OutboxItem => ({
    id: item.id as string,
    channel: item.channel as string,
    page: JSON.parse(item.page as string) as Page,
    status: item.status as OutboxStatus,
    attempts: item.attempts as number,
    nextAttemptAt: item.nextAttemptAt as number,
    expireAt: item.expireAt as number,
    lastError: item.lastError as string | undefined,
    leaseUntil: item.leaseUntil as number | undefined,
  });
  const dueKey = (at: number, id: string) => `${String(Math.max(0, Math.floor(at))).padStart(PAD, "0")}#${id}`;

  return {
    async getState(probeId) {
      // A writer replaces the hours item once an hour and then deletes the old one: a read of a state naming one
      // just deleted reads the state again.
      for (let attempt = 0; ; attempt++) {
        const { Item } = await doc.send(new GetCommand({ TableName, Key: { pk: `ALERT#${probeId}`, sk: "STATE" }, ConsistentRead: true }));
        if (!Item) return undefined;
        // The earlier layout kept `state` and `pending` as JSON strings of their own.
        const body = Item.body === undefined
          ? { state: JSON.parse(Item.state as string) as ProbeAlertState, pending: JSON.parse(Item.pending as string) as Effects }
          : (JSON.parse(inflate(Item.body)) as { state: ProbeAlertState; pending: Effects });
        const state = body.state;
        const stored = { state, version: Item.version as number, pending: body.pending };
        const ref = Item.sloHours as string | undefined;
        if (!ref || !state.slo) return stored;
        const hours = await doc.send(new GetCommand({ TableName, Key: hoursKey(probeId, ref), ConsistentRead: true }));
        if (!hours.Item && attempt < 2) continue;
        const json = hours.Item ? inflate(hours.Item.hours) : undefined;
        const closed = json ? (JSON.parse(json) as ClosedHours) : undefined;
        state.slo = { keys: state.slo.keys, counts: joinHours(state.slo.counts as unknown as OpenCounts, closed) };
        if (json) hoursKnown.set(probeId, { version: stored.version, ref, digest: digestOf(json) });
        return stored;
      }
    },

    async putState(state, expected, pending) {
      const item: Record<string, unknown> = { pk: `ALERT#${state.probeId}`, sk: "STATE", version: expected + 1 };
      let stored: ProbeAlertState = state;
      const known = hoursKnown.get(state.probeId);
      let written: string | undefined;
      if (state.slo) {
        const { closed, open } = splitHours(state.slo.counts);
        const json = JSON.stringify(closed);
        const digest = digestOf(json);
        let ref = known?.version === expected && known.digest === digest ? known.ref : undefined;
        if (!ref) {
          ref = `${expected + 1}#${randomUUID().slice(0, 8)}`;
          const expiresAt = (closed.hour + closed.hourTotal.length + 24) * 3_600;
          await doc.send(new PutCommand({ TableName, Item: { ...hoursKey(state.probeId, ref), hours: deflate(json), expiresAt } }));
          written = ref;
        }
        stored = { ...state, slo: { keys: state.slo.keys, counts: open as unknown as SloCounts } };
        item.sloHours = ref;
        hoursKnown.set(state.probeId, { version: expected + 1, ref, digest });
      } else hoursKnown.delete(state.probeId);
      item.body = deflate(JSON.stringify({ state: stored, pending }));
      try {
        await doc.send(new PutCommand({
          TableName,
          Item: item,
          ConditionExpression: expected === 0 ? "attribute_not_exists(pk)" : "version = :expected",
          ...(expected === 0 ? {} : { ExpressionAttributeValues: { ":expected": expected } }),
        }));
      } catch (error) {
        hoursKnown.delete(state.probeId);
        // Only a lost race says the state was not written; after any other error it may have been, naming it.
        if (!isConditionFailure(error)) throw error;
        if (written) await dropHours(state.probeId, written);
        return false;
      }
      // The state no longer names the hours item it replaced.
      if (known && known.version === expected && known.ref !== item.sloHours) await dropHours(state.probeId, known.ref);
      return true;
    },

    async putIncident(incident, rev) {
      try {
        await doc.send(new PutCommand({
          TableName,
          Item: {
            pk: `INCIDENT#${incident.probeId}`, sk: `${incident.startedAt}#${incident.id}`,
            gsi1pk: "INCIDENTS", gsi1sk: `${incident.startedAt}#${incident.id}`,
            rev, incident: JSON.stringify(incident), ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
          },
          ConditionExpression: "attribute_not_exists(pk) OR rev <= :rev",
          ExpressionAttributeValues: { ":rev": rev },
        }));
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async getIncident(probeId, startedAt, id) {
      const { Item } = await doc.send(new GetCommand({ TableName, Key: { pk: `INCIDENT#${probeId}`, sk: `${startedAt}#${id}` }, ConsistentRead: true }));
      return Item ? (JSON.parse(Item.incident as string) as AlertIncident) : undefined;
    },

    async list(query) {
      const limit = Math.max(1, Math.min(query.limit, 500));
      const filter = query.status === "open" ? "attribute_not_exists(resolvedAt)" : query.status === "resolved" ? "attribute_exists(resolvedAt)" : undefined;
      const base: QueryCommandInput = query.probeId
        ? { TableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": `INCIDENT#${query.probeId}` } }
        : { TableName, IndexName: "GSI1", KeyConditionExpression: "gsi1pk = :pk", ExpressionAttributeValues: { ":pk": "INCIDENTS" } };
      const items: Array<Record<string, unknown>> = [];
      let start: Record<string, unknown> | undefined = query.cursor === undefined || query.cursor === "" ? undefined : query.probeId
        ? decodeCursor(query.cursor, ["pk", "sk"], { pk: `INCIDENT#${query.probeId}` })
        : decodeCursor(query.cursor, ["pk", "sk", "gsi1pk", "gsi1sk"], { gsi1pk: "INCIDENTS" }, {
          // An incident's index key is its table sort key (see putIncident): anything else was edited.
          prefixes: { pk: "INCIDENT#" }, consistent: (key) => key.gsi1sk === key.sk,
        });
      let cursor: string | undefined;
      // A filter applies after Limit, so keep reading pages until `limit` items matched.
      for (;;) {
        const page = await doc.send(new QueryCommand({
          ...base, ScanIndexForward: false, Limit: filter ? Math.max(limit, 50) : limit - items.length,
          ...(filter ? { FilterExpression: filter } : {}), ...(start ? { ExclusiveStartKey: start } : {}),
        }));
        const found = page.Items ?? [];
        const taken = found.slice(0, limit - items.length);
        items.push(...taken);
        if (items.length >= limit) {
          if (taken.length < found.length || page.LastEvaluatedKey) {
            const last = items[items.length - 1]!;
            cursor = encodeCursor(query.probeId ? { pk: last.pk, sk: last.sk } : { pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk });
          }
          break;
        }
        if (!page.LastEvaluatedKey) break;
        start = page.LastEvaluatedKey;
      }
      return { items: items.map((item) => publicIncident(JSON.parse(item.incident as string) as AlertIncident)), ...(cursor ? { cursor } : {}) };
    },

    async enqueue(item) {
      try {
        await doc.send(new PutCommand({
          TableName,
          Item: {
            ...outboxKey(item.id), id: item.id, channel: item.channel, page: JSON.stringify(item.page), status: "pending",
            attempts: item.attempts, nextAttemptAt: item.nextAttemptAt, expireAt: item.expireAt,
            gsi1pk: "OUTBOX#pending", gsi1sk: dueKey(item.nextAttemptAt, item.id),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }));
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async due(now, limit) {
      const { Items } = await doc.send(new QueryCommand({
        TableName, IndexName: "GSI1", KeyConditionExpression: "gsi1pk = :pk AND gsi1sk <= :until",
        ExpressionAttributeValues: { ":pk": "OUTBOX#pending", ":until": `${dueKey(now, "")}~` }, Limit: limit,
      }));
      return (Items ?? []).map(toOutbox);
    },

    async claim(id, now, leaseMs) {
      try {
        const { Attributes } = await doc.send(new UpdateCommand({
          TableName, Key: outboxKey(id),
          UpdateExpression: "SET leaseUntil = :until, attempts = attempts + :one",
          ConditionExpression: "#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":until": now + leaseMs, ":one": 1, ":pending": "pending", ":now": now },
          ReturnValues: "ALL_NEW",
        }));
        return Attributes ? toOutbox(Attributes) : undefined;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async settle(id, outcome, now) {
      if (outcome.status === "pending") {
        await doc.send(new UpdateCommand({
          TableName, Key: outboxKey(id),
          UpdateExpression: "SET nextAttemptAt = :next, gsi1sk = :due, lastError = :error REMOVE leaseUntil",
          ExpressionAttributeValues: { ":next": outcome.nextAttemptAt, ":due": dueKey(outcome.nextAttemptAt, id), ":error": outcome.error },
        }));
        return;
      }
      await doc.send(new UpdateCommand({
        TableName, Key: outboxKey(id),
        UpdateExpression: `SET #status = :status, settledAt = :now, expiresAt = :ttl${outcome.error ? ", lastError = :error" : ""} REMOVE gsi1pk, gsi1sk, leaseUntil`,
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": outcome.status, ":now": now, ":ttl": Math.floor(now / 1000) + KEEP_DONE_SECONDS, ...(outcome.error ? { ":error": outcome.error } : {}) },
      }));
    },

    async getOutboxItem(id) {
      const { Item } = await doc.send(new GetCommand({ TableName, Key: outboxKey(id), ConsistentRead: true }));
      return Item ? toOutbox(Item) : undefined;
    },
  };
}

/** The same contract in memory: for tests of the evaluator wiring and the in-memory bench path. */
export function createMemoryAlertStore(): AlertStore {
  const states = new Map<string, { state: string; version: number; pending: string }>();
  const incidents = new Map<string, { incident: AlertIncident; rev: number }>();
  const outbox = new Map<string, OutboxItem>();
  const copy = <T>(value: T): T => structuredClone(value);
  const sortKey = (incident: AlertIncident) => `${incident.startedAt}#${incident.id}`;
  return {
    async getState(probeId) {
      const stored = states.get(probeId);
      return stored && { state: JSON.parse(stored.state) as ProbeAlertState, version: stored.version, pending: JSON.parse(stored.pending) as Effects };
    },
    async putState(state, expected, pending) {
      if ((states.get(state.probeId)?.version ?? 0) !== expected) return false;
      states.set(state.probeId, { state: JSON.stringify(state), version: expected + 1, pending: JSON.stringify(pending) });
      return true;
    },
    async putIncident(incident, rev) {
      const key = `${incident.probeId}#${sortKey(incident)}`;
      if ((incidents.get(key)?.rev ?? -1) <= rev) incidents.set(key, { incident: copy(incident), rev });
    },
    async getIncident(probeId, startedAt, id) {
      return copy(incidents.get(`${probeId}#${startedAt}#${id}`)?.incident);
    },
    async list(query) {
      const all = [...incidents.values()].map((entry) => entry.incident)
        .filter((incident) => (query.probeId ? incident.probeId === query.probeId : true))
        .filter((incident) => (query.status === "open" ? !incident.resolvedAt : query.status === "resolved" ? Boolean(incident.resolvedAt) : true))
        .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1));
      const from = query.cursor ? all.findIndex((incident) => sortKey(incident) < query.cursor!) : 0;
      const items = from < 0 ? [] : all.slice(from, from + query.limit);
      const more = from >= 0 && from + query.limit < all.length;
      return { items: items.map(publicIncident), ...(more ? { cursor: sortKey(items[items.length - 1]!) } : {}) };
    },
    async enqueue(item) {
      if (outbox.has(item.id)) return false;
      outbox.set(item.id, copy({ ...item, status: "pending" }));
      return true;
    },
    async due(now, limit) {
      return [...outbox.values()].filter((item) => item.status === "pending" && item.nextAttemptAt <= now)
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt).slice(0, limit).map(copy);
    },
    async claim(id, now, leaseMs) {
      const item = outbox.get(id);
      if (!item || item.status !== "pending" || (item.leaseUntil !== undefined && item.leaseUntil > now)) return undefined;
      item.leaseUntil = now + leaseMs;
      item.attempts += 1;
      return copy(item);
    },
    async settle(id, outcome) {
      const item = outbox.get(id);
      if (!item) return;
      item.status = outcome.status;
      item.leaseUntil = undefined;
      if (outcome.error) item.lastError = outcome.error;
      if (outcome.status === "pending") item.nextAttemptAt = outcome.nextAttemptAt;
    },
    async getOutboxItem(id) {
      return copy(outbox.get(id));
    },
  };
}
