// The outbox deliverer: sends due pages through their channel's pager, with backoff, expiry and a lease per try.
// It runs beside the evaluator locally; on AWS in its own function on a one-minute schedule.
import type { Alerts } from "./schema.ts";
import type { AlertStore } from "./store.ts";
import type { Pager } from "./channels/types.ts";
import { pageSummary } from "./channels/message.ts";
import type { AlertLog } from "./rules.ts";

export interface DelivererDeps {
  store: AlertStore;
  /** Delivery settings (backoff, expiry) from the config's alerts. */
  alerts: Alerts;
  pagers: Record<string, Pager>;
  now: () => number;
  /** Uniform in [0, 1), for retry jitter. Default Math.random; tests pin it. */
  random?: () => number;
  log: AlertLog;
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

export interface Deliverer {
  /** Tries one outbox item now; true when it was sent. */
  deliver(id: string): Promise<boolean>;
  /** Delivers in the background (the evaluator hands over what it just enqueued); `idle` waits for it. */
  deliverSoon(id: string): void;
  /** Sends every page due now; returns how many were delivered. */
  drainOutbox(): Promise<number>;
  /** Resolves when no background delivery is in flight. */
  idle(): Promise<void>;
  /** Pages sent by this deliverer so far, in the background or not. */
  readonly sent: number;
}

export function createDeliverer(deps: DelivererDeps): Deliverer {
  const { store, alerts, pagers, now, log } = deps;
  const inFlight = new Set<Promise<unknown>>();
  let sent = 0;

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
    const peek = await store.getOutboxItem(id);
    if (!peek || peek.status !== "pending") return false;
    const pager = pagers[peek.channel];
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
      sent++;
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

  function deliverSoon(id: string): void {
    const settled = deliver(id).catch((error: unknown) => log.error("page delivery crashed", { error: String(error) })).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  }

  async function idle(): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
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

  return { deliver, deliverSoon, drainOutbox, idle, get sent() { return sent; } };
}
