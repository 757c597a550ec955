// The table's stream as the evaluator reads it: which records are new raw runs, and the result each one holds.
import { ProbeResult } from "../result/probe-result.ts";
import { RUN_PK_PREFIX } from "../store/keys.ts";

/** A stream record's NewImage, in DynamoDB's attribute-value JSON. */
export type StreamImage = Record<string, { S?: string } | Record<string, unknown>>;

/**
 * The stream filter the stack puts on the evaluator's event source: inserted raw runs only (a rewrite of the same run
 * changes nothing, so DynamoDB writes no record for it). Rollups, state and alert items never wake the evaluator.
 */
export const RUN_INSERT_FILTER = { eventName: ["INSERT"], dynamodb: { NewImage: { pk: { S: [{ prefix: RUN_PK_PREFIX }] } } } };

/** The result a raw-run image holds, parsed; undefined for any other item. A run that does not parse throws. */
export function resultOfImage(image: StreamImage | undefined): ProbeResult | undefined {
  const pk = (image?.pk as { S?: string } | undefined)?.S;
  const data = (image?.data as { S?: string } | undefined)?.S;
  if (!pk?.startsWith(RUN_PK_PREFIX) || data === undefined) return undefined;
  return ProbeResult.parse(JSON.parse(data));
}
