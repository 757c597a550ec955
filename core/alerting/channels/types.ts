// The contract every channel meets: send one page, say whether it got there and whether to try again.
import type { Page } from "../evaluate.ts";

export type SendResult = { ok: true } | { ok: false; retryable: boolean; error: string };

/** A channel, built once from config; `send` never throws for a refused or failed delivery. */
export interface Pager {
  /** Longest a send may take, so the outbox can lease the page for longer than that. */
  readonly timeoutMs: number;
  send(page: Page): Promise<SendResult>;
}
