// Alerting as one object: evaluate each stored result, tick for staleness and reminders, deliver pages from the outbox.
import type { ProbeResult } from "../result/probe-result.ts";
import type { IncidentReader } from "../result/incident.ts";
import { Alerts, type MaintenanceWindow } from "./schema.ts";
import { MaintenanceCalendar } from "./maintenance.ts";
import { objectivesFor, objectiveStatus, type ObjectiveStatus } from "./slo.ts";
import { applyRemoval, applyResult, applyTick, burnEvidence, initialState, type AlertIncident, type Page, type ProbeAlertState, type ProbeSpec, type Transition } from "./evaluate.ts";
import type { AlertStore, Effects, OutboxItem } from "./store.ts";
import { buildPagers, channelsFor, type PagerDeps } from "./channels/index.ts";
import type { Pager } from "./channels/types.ts";
import { pageSummary } from "./channels/message.ts";

/** The parts of the parsed config alerting reads (structural, so core does not import the probe registry). */
export interface AlertingConfig {
  regions: readonly string[];
  probes: ReadonlyArray<{
    id: string;
    name?: string | undefined;
    every: number;
    regions?: readonly string[] | undefined;
    tags?: readonly string[] | undefined;
    alert?: { severity: ProbeSpec["severity"]; after: number; recoverAfter: number; quorum?: number | undefined } | undefined;
  }>;
  alerts?: Alerts | undefined;
}

export interface AlertLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface AlertingDeps extends PagerDeps {
  config: AlertingConfig;
  store: AlertStore;
  /** Pagers by channel name; default: built from `config.alerts.channels`. Tests pass their own. */
  pagers?: Record<string, Pager>;
  /** The clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Uniform in [0, 1), for retry jitter. Default Math.random; tests pin it. */
  random?: () => number;
  log?: AlertLog;
}

export interface SloStatus {
  probeId: string;
  objectives: ObjectiveStatus[];
}

export interface Alerting {
  /** Evaluates one stored result; resolves once the state and any incident are written (pages go out in the background). */
  onResult(result: ProbeResult): Promise<void>;
  /**
   * Opens stale incidents, sends reminders and held-back pages, retries due pages. Call every few seconds.
   * The first call also resolves the open incidents of probes no longer in the config.
   */
  tick(): Promise<void>;
  /** Incidents newest first, for GET /v1/incidents and the status page. */
  incidents: IncidentReader;
  /** Error budget and burn rates of each objective of a probe (empty when it has no SLO). */
  sloStatus(probeId: string): Promise<SloStatus>;
  /** The maintenance window covering a probe at an instant (default now), for the status page and uptime math. */
  maintenance(probeId: string, at?: number): MaintenanceWindow | undefined;
  /** Sends every page due now; returns how many were delivered. */
  drainOutbox(): Promise<number>;
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>;
  /** Waits for deliveries in flight; later calls do nothing. */
  stop(): Promise<void>;
}

/** Alerting's own fault (not a target's): the store refused, or a state kept changing under us. */
export class AlertingError extends Error {
  override readonly name = "AlertingError";
  constructor(readonly code: "conflict" | "unknown-probe", message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const MAX_WRITE_TRIES = 8;

/** An AlertLog over a function taking whole lines (as `vigie start`'s hook context `log` does): one JSON object a line. */
export function alertLogFromLines(write: (line: string) => void): AlertLog {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    write(JSON.stringify({ level, msg: message, module: "alerting", ...fields }));
  };
  return { info: line("info"), warn: line("warn"), error: line("error") };
}

function jsonLog(stream: Pick<NodeJS.WriteStream, "write">): AlertLog {
  return alertLogFromLines((line) => stream.write(`${line}\n`));
}

/** Resolves each probe's alert policy with its defaults: quorum 2 when it runs in 2+ regions, else 1. */
export function probeSpecs(config: AlertingConfig): Map<string, ProbeSpec> {
  const slos = config.alerts?.slos ?? [];
  return new Map(config.probes.map((probe) => {
    const regions = probe.regions ?? config.regions;
    const tags = probe.tags ?? [];
    const spec: ProbeSpec = {
      id: probe.id, name: probe.name, every: probe.every, regions, tags,
      severity: probe.alert?.severity ?? "high",
      after: probe.alert?.after ?? 2,
      recoverAfter: probe.alert?.recoverAfter ?? 2,
      quorum: Math.min(probe.alert?.quorum ?? (regions.length >= 2 ? 2 : 1), Math.max(regions.length, 1)),
      objectives: objectivesFor({ id: probe.id, tags }, slos),
    };
    return [probe.id, spec];
  }));
}

/**
 * Logged when a page's retries end at `expireAfter`. No try was confirmed by the channel, which is not the same as
 * nothing arrived: a try that timed out may have reached a slow receiver (the copies it got share a dedupKey).
 */
export const PAGE_EXPIRED = "PAGE EXPIRED, NO ATTEMPT CONFIRMED";

/** What an expiry may mean for the receiver: unconfirmed is not undelivered. */
function expiryNote(attempts: number): { note: string } {
  return {
    note: attempts === 0
      ? "no try was made before the page expired"
      : `the channel confirmed none of ${attempts} tr${attempts === 1 ? "y" : "ies"}; a try that got no answer (a timeout, a reset) may still have reached the receiver, which can drop copies by dedupKey`,
  };
}

export function createAlerting(deps: AlertingDeps): Alerting {
  const alerts = deps.config.alerts ?? Alerts.parse({});
  const now = deps.now ?? Date.now;
  const log = deps.log ?? jsonLog(deps.stderr ?? process.stderr);
  const store = deps.store;
  const specs = probeSpecs(deps.config);
  const calendar = new MaintenanceCalendar(alerts.maintenance);
  const pagers = deps.pagers ?? buildPagers(alerts.channels, deps);
  const channelNames = Object.keys(pagers);
  const startedAt = now();
  // Last state this process wrote or read, by probe; the version check catches any staleness.
  const cache = new Map<string, { state: ProbeAlertState; version: number }>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  let removedSwept = false;

  const inMaintenance = (spec: ProbeSpec, at: number) => calendar.active(spec, at) !== undefined;

  function outboxItems(pages: readonly Page[]): OutboxItem[] {
    return pages.flatMap((page) => channelsFor(page.incident.severity, alerts.routes, channelNames).map((channel) => ({
      id: `${page.id}@${channel}`, channel, page, status: "pending" as const, attempts: 0,
      nextAttemptAt: page.at, expireAt: page.at + alerts.delivery.expireAfter,
    })));
  }

  async function load(probeId: string): Promise<{ state: ProbeAlertState; version: number }> {
    const cached = cache.get(probeId);
    if (cached) return cached;
    const stored = await store.getState(probeId);
    if (!stored) return { state: initialState(probeId, startedAt), version: 0 };
    // A writer may have died between its state write and its effects: finish them (idempotent).
    // Pages past their expiry are left out: their outbox items may already be gone (TTL) after being sent.
    const at = now();
    const pending = { incidents: stored.pending.incidents, outbox: stored.pending.outbox.filter((item) => item.expireAt > at) };
    if (pending.incidents.length > 0 || pending.outbox.length > 0) await applyEffects(pending, stored.version, false);
    const loaded = { state: stored.state, version: stored.version };
    cache.set(probeId, loaded);
    return loaded;
  }

  async function applyEffects(effects: Effects, version: number, deliverNow: boolean): Promise<void> {
    for (const incident of effects.incidents) await store.putIncident(incident, version);
    for (const item of effects.outbox) {
      const added = await store.enqueue(item);
      if (added && deliverNow) track(deliver(item.id));
    }
  }

  function track(promise: Promise<unknown>): void {
    const settled = promise.catch((error: unknown) => log.error("page delivery crashed", { error: String(error) })).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  }

  /** Writes a transition computed by `step` from the current state; retries on a lost race with the fresh state. */
  async function commit(probeId: string, step: (state: ProbeAlertState) => (Transition & { skip?: boolean }) | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
      const current = await load(probeId);
      const transition = step(current.state);
      if (!transition || transition.skip) return;
      const effects: Effects = { incidents: transition.incidents, outbox: outboxItems(transition.pages) };
      const won = await store.putState(transition.state, current.version, effects);
      if (!won) {
        cache.delete(probeId);
        continue;
      }
      cache.set(probeId, { state: transition.state, version: current.version + 1 });
      for (const incident of transition.incidents) {
        if (incident.resolvedAt === undefined && !incident.paged && incident.reminders === 0) {
          log.info("incident opened during maintenance, not paged", { incident: incident.id, probe: incident.probeId });
        }
      }
      try {
        await applyEffects(effects, current.version + 1, true);
      } catch (error) {
        // The effects stay in the state item's `pending`; the next reader applies them.
        cache.delete(probeId);
        throw error;
      }
      return;
    }
    throw new AlertingError("conflict", `alert state of ${probeId} kept changing under ${MAX_WRITE_TRIES} tries`);
  }

  const random = deps.random ?? Math.random;
  /**
   * The wait before the next try: the exponential step, less a random part of up to half of it ("equal jitter").
   * Pages that failed together (a receiver down for everyone) do not come back together, and a receiver that is
   * merely slow is not hit on a fixed beat.
   */
  function backoff(attempts: number): number {
    const step = Math.min(alerts.delivery.maxBackoff, alerts.delivery.backoff * 2 ** Math.max(0, attempts - 1));
    return Math.round(step / 2 + (step / 2) * random());
  }

  async function deliver(id: string): Promise<boolean> {
    const at = now();
    const pagerFor = (channel: string) => pagers[channel];
    const peek = await store.getOutboxItem(id);
    if (!peek || peek.status !== "pending") return false;
    const pager = pagerFor(peek.channel);
    const claimed = await store.claim(id, at, (pager?.timeoutMs ?? 10_000) + 5_000);
    if (!claimed) return false;
    const context = { page: claimed.page.id, channel: claimed.channel, incident: claimed.page.incident.id, probe: claimed.page.incident.probeId, summary: pageSummary(claimed.page), attempts: claimed.attempts };
    if (!pager) {
      await store.settle(id, { status: "failed", error: "no such channel" }, at);
      log.error("PAGE LOST: its channel is not configured", context);
      return false;
    }
    if (at >= claimed.expireAt) {
      await store.settle(id, { status: "expired", error: claimed.lastError ?? "expired before a try" }, at);
      // The claim counted itself as a try; none was made.
      log.error(PAGE_EXPIRED, { ...context, attempts: claimed.attempts - 1, lastError: claimed.lastError, ...expiryNote(claimed.attempts - 1) });
      return false;
    }
    const result = await pager.send(claimed.page);
    const after = now();
    if (result.ok) {
      await store.settle(id, { status: "sent" }, after);
      log.info("page sent", context);
      return true;
    }
    const next = after + backoff(claimed.attempts);
    if (!result.retryable) {
      await store.settle(id, { status: "failed", error: result.error }, after);
      log.error("PAGE REFUSED BY CHANNEL, not retried", { ...context, error: result.error });
    } else if (next >= claimed.expireAt) {
      await store.settle(id, { status: "expired", error: result.error }, after);
      log.error(PAGE_EXPIRED, { ...context, error: result.error, ...expiryNote(claimed.attempts) });
    } else {
      await store.settle(id, { status: "pending", nextAttemptAt: next, error: result.error }, after);
      log.warn("page not delivered, will retry", { ...context, error: result.error, retryAt: new Date(next).toISOString() });
    }
    return false;
  }

  async function drainOutbox(): Promise<number> {
    await Promise.all([...inFlight]);
    let delivered = 0;
    const seen = new Set<string>();
    for (;;) {
      const due = (await store.due(now(), 100)).filter((item) => !seen.has(item.id));
      if (due.length === 0) return delivered;
      for (const item of due) seen.add(item.id);
      const results = await Promise.all(due.map((item) => deliver(item.id)));
      delivered += results.filter(Boolean).length;
    }
  }

  /** Resolves the open incidents of probes no longer in the config: no result or tick would ever reach them. */
  async function resolveRemovedProbes(at: number): Promise<void> {
    const removed = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.list({ status: "open", limit: 500, ...(cursor ? { cursor } : {}) });
      for (const incident of page.items) if (!specs.has(incident.probeId)) removed.add(incident.probeId);
      cursor = page.cursor;
    } while (cursor);
    for (const probeId of removed) {
      log.info("probe removed from the config: resolving its open incidents", { probe: probeId });
      await commit(probeId, (state) => {
        const transition = applyRemoval(state, at);
        return { ...transition, skip: !transition.changed };
      });
    }
  }

  return {
    async onResult(result) {
      if (stopped) return;
      const spec = specs.get(result.probeId);
      if (!spec) {
        log.warn("result for a probe not in the config, ignored", { probe: result.probeId });
        return;
      }
      const maintenance = inMaintenance(spec, Date.parse(result.startedAt));
      await commit(spec.id, (state) => {
        const transition = applyResult(state, result, spec, now(), maintenance);
        return { ...transition, skip: transition.duplicate };
      });
    },

    async tick() {
      if (stopped) return;
      const at = now();
      if (!removedSwept) {
        await resolveRemovedProbes(at);
        removedSwept = true;
      }
      for (const spec of specs.values()) {
        const maintenance = inMaintenance(spec, at);
        await commit(spec.id, (state) => {
          const transition = applyTick(state, spec, at, maintenance, alerts.remindEvery, startedAt);
          return { ...transition, skip: !transition.changed };
        });
      }
      await drainOutbox();
    },

    incidents: { list: (query) => store.list(query) },

    async sloStatus(probeId) {
      const spec = specs.get(probeId);
      if (!spec || spec.objectives.length === 0) return { probeId, objectives: [] };
      const { state } = await load(probeId);
      const at = now();
      const counts = state.slo && state.slo.keys.join("|") === spec.objectives.map((objective) => objective.key).join("|") ? state.slo.counts : undefined;
      if (!counts) {
        return { probeId, objectives: spec.objectives.map((objective) => ({
          key: objective.key, label: objective.label, kind: objective.kind, target: objective.target, windowMs: objective.windowMs,
          total: 0, bad: 0, sli: undefined, budgetRemaining: 1, burnRates: { "5m": 0, "30m": 0, "1h": 0, "6h": 0, "3d": 0 }, alert: undefined,
        })) };
      }
      return { probeId, objectives: spec.objectives.map((_, index) => objectiveStatus(counts, spec.objectives, index, at, burnEvidence(spec))) };
    },

    maintenance(probeId, at) {
      const spec = specs.get(probeId);
      return spec ? calendar.active(spec, at ?? now()) : undefined;
    },

    drainOutbox,

    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },

    async stop() {
      stopped = true;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

export type { AlertIncident };
