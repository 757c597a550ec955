// Where a Lambda's results go: the home table, and a queue for what the table did not take within the invocation
// (a Lambda has no durable disk). The queue's consumer writes them later; the store's writes are idempotent.
import type { ProbeResult } from "../result/probe-result.ts";
import type { ResultStore } from "../store/results-store.ts";

/** Sends one message body to the overflow queue (SQS on AWS). */
export type EnqueueResults = (body: string) => Promise<void>;

export interface SinkOutcome {
  stored: number;
  queued: number;
  /** Why the table did not take them, when it did not. */
  error?: string;
}

/** SQS takes 256 KiB a message; results are split well below it. */
export const MAX_MESSAGE_BYTES = 200_000;

/** Splits results into JSON arrays of at most `maxBytes` each (one result above it still goes alone). */
export function resultMessages(results: readonly ProbeResult[], maxBytes = MAX_MESSAGE_BYTES): string[] {
  const messages: string[] = [];
  let batch: string[] = [];
  let size = 2;
  for (const result of results) {
    const json = JSON.stringify(result);
    if (batch.length > 0 && size + json.length + 1 > maxBytes) {
      messages.push(`[${batch.join(",")}]`);
      batch = [];
      size = 2;
    }
    batch.push(json);
    size += json.length + 1;
  }
  if (batch.length > 0) messages.push(`[${batch.join(",")}]`);
  return messages;
}

/** Writes to the table within `timeoutMs`; on failure or timeout, queues every result instead (writing twice is harmless). */
export async function storeOrQueue(results: readonly ProbeResult[], deps: { store: Pick<ResultStore, "write">; enqueue: EnqueueResults; timeoutMs: number }): Promise<SinkOutcome> {
  if (results.length === 0) return { stored: 0, queued: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      deps.store.write(results),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`the table did not answer within ${deps.timeoutMs} ms`)), deps.timeoutMs); }),
    ]);
    return { stored: results.length, queued: 0 };
  } catch (error) {
    for (const body of resultMessages(results)) await deps.enqueue(body);
    return { stored: 0, queued: results.length, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
