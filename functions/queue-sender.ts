// The overflow queue as the runners see it: results the home table did not take, sent for the queue consumer.
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { FUNCTION_ENV as ENV } from "../core/plan/plan.ts";
import type { EnqueueResults } from "../core/runtime/result-sink.ts";

/** Sends results to the overflow queue. */
export function queueSender(sqs: SQSClient, queueUrl: string | undefined): EnqueueResults {
  return async (body) => {
    if (!queueUrl) throw new Error(`${ENV.queueUrl} is not set: results the table refused cannot be queued`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  };
}
