// Lambda entry on the overflow queue: writes the results a runner could not store. Writes are idempotent (a run's key
// and its rollup token), so a message delivered twice counts once; a message that fails is reported alone.
import { z } from "zod";
import { ProbeResult } from "../core/result/index.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";

const SqsEvent = z.object({ Records: z.array(z.object({ messageId: z.string(), body: z.string() })) });
const QueuedResults = z.array(ProbeResult);

export function createQueueConsumerHandler(deps: Pick<LambdaDeps, "vigie" | "log">) {
  return async (event: unknown) => {
    const batchItemFailures: Array<{ itemIdentifier: string }> = [];
    for (const record of SqsEvent.parse(event).Records) {
      try {
        await deps.vigie.store.write(QueuedResults.parse(JSON.parse(record.body)));
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
