// Lambda entry on the overflow queue: writes the results a runner could not store. Writes are idempotent (a run's key
// and its rollup token), so a message delivered twice counts once; a message that fails is reported alone. The event
// and each result are checked by hand, as the evaluator checks its stream (no schema library at cold start): the
// messages come from vigie's own runners, which built each result to the schema.
import { isObject } from "../core/config/json-object.ts";
import { checkProbeResult } from "../core/result/probe-result-check.ts";
import type { ProbeResult } from "../core/result/probe-result.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";

/** The records of an SQS event (message id and body), or a TypeError naming what is missing. */
export function sqsRecordsOf(event: unknown): Array<{ messageId: string; body: string }> {
  const records = isObject(event) ? event.Records : undefined;
  if (!Array.isArray(records)) throw new TypeError("queue consumer: not an SQS event: Records must be a list");
  return records.map((record: unknown, index) => {
    const { messageId, body } = isObject(record) ? record : {};
    if (typeof messageId !== "string" || typeof body !== "string") throw new TypeError(`queue consumer: Records[${index}] needs a string messageId and body`);
    return { messageId, body };
  });
}

/** The results a queued message holds: a JSON list of results, each checked. */
function queuedResults(body: string): ProbeResult[] {
  const value: unknown = JSON.parse(body);
  if (!Array.isArray(value)) throw new TypeError("a queued message holds a list of results");
  return value.map((result) => checkProbeResult<ProbeResult>(result));
}

export function createQueueConsumerHandler(deps: Pick<LambdaDeps, "vigie" | "log">) {
  return async (event: unknown) => {
    const batchItemFailures: Array<{ itemIdentifier: string }> = [];
    for (const record of sqsRecordsOf(event)) {
      try {
        await deps.vigie.store.write(queuedResults(record.body));
      } catch (error) {
        deps.log(JSON.stringify({ level: "error", msg: "queued results not written, will retry", messageId: record.messageId, error: (error as Error).message }));
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

const built = once(() => createQueueConsumerHandler(lambdaDeps(process.env)));
export const handler = (event: unknown) => built()(event);
