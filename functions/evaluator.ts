// Lambda entry on the table's stream (filtered by the stack to inserted raw runs): evaluates the batch probe by probe
// (core/runtime/stream-records.ts) and delivers the pages it opens; a failed probe reports its first record, so the
// stream retries from there.
import { z } from "zod";
import { evaluateStreamBatch, type StreamImage } from "../core/runtime/index.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";

const StreamEvent = z.object({ Records: z.array(z.object({ dynamodb: z.object({ SequenceNumber: z.string(), NewImage: z.record(z.string(), z.any()).optional() }) })) });

export function createEvaluatorHandler(deps: Pick<LambdaDeps, "vigie" | "log">) {
  return async (event: unknown) => {
    const records = StreamEvent.parse(event).Records.map(({ dynamodb }) => ({ SequenceNumber: dynamodb.SequenceNumber, NewImage: dynamodb.NewImage as StreamImage | undefined }));
    const retryFrom = await evaluateStreamBatch(records, { evaluator: deps.vigie.evaluator, log: deps.log });
    await deps.vigie.deliverer.idle();
    return { batchItemFailures: retryFrom ? [{ itemIdentifier: retryFrom }] : [] };
  };
}

const built = once(() => createEvaluatorHandler(lambdaDeps(process.env)));
export const handler = (event: unknown) => built()(event);
