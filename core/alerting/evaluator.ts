// The evaluator, alerting's write path: evaluates each stored result, opens stale incidents and reminders on a tick,
// and writes every transition (state, incidents, outbox items) under the state's version check.
// Locally it runs after each write; on AWS on the table's stream (results) and a one-minute schedule (ticks).
import type { ProbeResult } from "../result/probe-result.ts";
import { MaintenanceCalendar } from "./maintenance.ts";
import { applyRemoval, applyResult, applyTick, initialState, type Page, type ProbeAlertState, type ProbeSpec, type Transition } from "./evaluate.ts";
import type { AlertStore, Effects, OutboxItem } from "./store.ts";
import { channelsFor } from "./channels/index.ts";
import { alertsOf, probeSpecs, type AlertingConfig, type AlertLog } from "./rules.ts";
import { AlertingError } from "./errors.ts";

export interface EvaluatorDeps {
  config: AlertingConfig;
  store: AlertStore;
  /** The channels pages are enqueued for (the deliverer's pagers); their order is the outbox's. */
  channelNames: readonly string[];
  /** Hands a just-enqueued page to delivery at once; without it pages wait for the next outbox drain. */
  deliverSoon?: ((outboxId: string) => void) | undefined;
  now: () => number;
  log: AlertLog;
  /**
   * When this evaluator started, epoch ms (default now()): silence is counted from then at the earliest, so a
   * restart after a pause gives every probe fresh intervals instead of paging stale at once.
   */
  startedAt?: number | undefined;
}

export interface Evaluator {
  /** Evaluates one stored result; resolves once the state and any incident are written (pages are enqueued). */
  onResult(result: ProbeResult): Promise<void>;
  /**
   * Evaluates results of one probe together (a stream batch): applied in start order, then one state write for all,
   * so the results of several regions cost one write instead of one each.
   */
  onProbeResults(probeId: string, results: readonly ProbeResult[]): Promise<void>;
  /**
   * Opens stale incidents, sends reminders and held-back pages (enqueued, not delivered: drain the outbox after).
   * The first call also resolves the open incidents of probes no longer in the config. `held` gives the results
   * produced but not yet stored or evaluated (the durable writer's, while the store catches up): newest start per
   * probe and region. They count as heard, so a store outage does not page its probes stale.
   */
  checkStale(held?: ReadonlyMap<string, ReadonlyMap<string, number>>): Promise<void>;
  /** From now on results and ticks are ignored (shutdown). */
  stop(): void;
}

const MAX_WRITE_TRIES = 8;

export function createEvaluator(deps: EvaluatorDeps): Evaluator {
  const { store, now, log, channelNames } = deps;
  const alerts = alertsOf(deps.config);
  const specs = probeSpecs(deps.config);
  const calendar = new MaintenanceCalendar(alerts.maintenance);
  const startedAt = deps.startedAt ?? now();
  // Last state this process wrote or read, by probe; the version check catches any staleness.
  const cache = new Map<string, { state: ProbeAlertState; version: number }>();
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
      if (added && deliverNow) deps.deliverSoon?.(item.id);
    }
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

    async onProbeResults(probeId, results) {
      if (stopped || results.length === 0) return;
      const spec = specs.get(probeId);
      if (!spec) {
        log.warn("results for a probe not in the config, ignored", { probe: probeId, results: results.length });
        return;
      }
      const ordered = [...results].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      await commit(spec.id, (initial) => {
        let state = initial;
        const incidents: Transition["incidents"] = [];
        const pages: Transition["pages"] = [];
        let changed = false;
        for (const result of ordered) {
          if (result.probeId !== spec.id) continue;
          const transition = applyResult(state, result, spec, now(), inMaintenance(spec, Date.parse(result.startedAt)));
          if (transition.duplicate) continue;
          changed = true;
          state = transition.state;
          incidents.push(...transition.incidents);
          pages.push(...transition.pages);
        }
        // An incident updated twice in the batch is written once, as it ended up.
        const latest = [...new Map(incidents.map((incident) => [incident.id, incident])).values()];
        return { state, incidents: latest, pages, skip: !changed };
      });
    },

    async checkStale(held) {
      if (stopped) return;
      const at = now();
      if (!removedSwept) {
        await resolveRemovedProbes(at);
        removedSwept = true;
      }
      for (const spec of specs.values()) {
        const maintenance = inMaintenance(spec, at);
        await commit(spec.id, (state) => {
          const transition = applyTick(state, spec, at, maintenance, alerts.remindEvery, startedAt, held?.get(spec.id));
          return { ...transition, skip: !transition.changed };
        });
      }
    },

    stop() {
      stopped = true;
    },
  };
}
