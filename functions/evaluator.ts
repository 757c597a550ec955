// Lambda entry on the table's stream (filtered by the stack to inserted raw runs): evaluates the batch probe by probe
// (core/runtime/stream-records.ts) and delivers the pages it opens; a failed probe reports its first record, so the
// stream retries from there. The event is checked by hand, not with a schema: this function loads no zod at cold start.
import { isObject } from "../core/config/json-object.ts";
import { evaluateStreamBatch, type StreamImage, type StreamRecord } from "../core/runtime/index.ts";
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";

/** The records of a DynamoDB stream event (sequence number and new image), or a TypeError naming what is missing. */
export function streamRecordsOf(event: unknown): StreamRecord[] {
  const records = isObject(event) ? event.Records : undefined;
  if (!Array.isArray(records)) throw new TypeError("evaluator: not a DynamoDB stream event: Records must be a list");
  return records.map((record: unknown, index) => {
    const change = isObject(record) ? record.dynamodb : undefined;
    if (!isObject(change) || typeof change.SequenceNumber !== "string") throw new TypeError(`evaluator: Records[${index}].dynamodb.SequenceNumber must be a string`);
    if (change.NewImage !== undefined && !isObject(change.NewImage)) throw new TypeError(`evaluator: Records[${index}].dynamodb.NewImage must be an object`);
    return { SequenceNumber: change.SequenceNumber, NewImage: change.NewImage as StreamImage | undefined };
  });
}

export function createEvaluatorHandler(deps: Pick<LambdaDeps, "vigie" | "log">) {
  return async (event: unknown) => {
    const retryFrom = await evaluateStreamBatch(streamRecordsOf(event), { evaluator: deps.vigie.evaluator, log: deps.log });
    await deps.vigie.deliverer.idle();
    return { batchItemFailures: retryFrom ? [{ itemIdentifier: retryFrom }] : [] };
  };
}

const built = once(() => createEvaluatorHandler(lambdaDeps(process.env)));
export const handler = (event: unknown) => built()(event);
