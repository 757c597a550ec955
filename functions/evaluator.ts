// Lambda entry on the table's stream (filtered by the stack to inserted raw runs): evaluates each result in order and
// delivers the pages it opens. On a failure it reports that record, so the stream retries from it (nothing after it
// is evaluated out of order).
import { z } from "zod";
import { resultOfImage, type StreamImage } from "../core/runtime/stream-records.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";

const StreamEvent = z.object({ Records: z.array(z.object({ dynamodb: z.object({ SequenceNumber: z.string(), NewImage: z.record(z.string(), z.any()).optional() }) })) });

export function createEvaluatorHandler(deps: Pick<LambdaDeps, "vigie" | "log">) {
  return async (event: unknown) => {
    for (const { dynamodb: record } of StreamEvent.parse(event).Records) {
      try {
        const result = resultOfImage(record.NewImage as StreamImage | undefined);
        if (result) await deps.vigie.evaluator.onResult(result);
      } catch (error) {
        deps.log(JSON.stringify({ level: "error", msg: "evaluation failed, the stream retries from here", sequence: record.SequenceNumber, error: (error as Error).message }));
        await deps.vigie.deliverer.idle();
        return { batchItemFailures: [{ itemIdentifier: record.SequenceNumber }] };
      }
    }
    await deps.vigie.deliverer.idle();
    return { batchItemFailures: [] };
  };
}

const built = once(() => createEvaluatorHandler(lambdaDeps(process.env)));
export const handler = (event: unknown) => built()(event);
