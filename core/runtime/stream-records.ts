// The table's stream as the evaluator reads it: which records are new raw runs, and the result each one holds.
import { checkProbeResult } from "../result/probe-result-check.ts";
import type { ProbeResult } from "../result/probe-result.ts";
import type { Evaluator } from "../alerting/evaluator.ts";
import { RUN_PK_PREFIX } from "../store/keys.ts";

/** A stream record's NewImage, in DynamoDB's attribute-value JSON. */
export type StreamImage = Record<string, { S?: string } | Record<string, unknown>>;

/**
 * The stream filter the stack puts on the evaluator's event source: inserted raw runs only (a rewrite of the same run
 * changes nothing, so DynamoDB writes no record for it). Rollups, state and alert items never wake the evaluator.
 */
export const RUN_INSERT_FILTER = { eventName: ["INSERT"], dynamodb: { NewImage: { pk: { S: [{ prefix: RUN_PK_PREFIX }] } } } };

/**
 * The result a raw-run image holds, parsed and checked (the fields alerting reads, without the schema library: the
 * evaluator's cold start loads none); undefined for any other item. A run that is not a result throws.
 */
export function resultOfImage(image: StreamImage | undefined): ProbeResult | undefined {
  const pk = (image?.pk as { S?: string } | undefined)?.S;
  const data = (image?.data as { S?: string } | undefined)?.S;
  if (!pk?.startsWith(RUN_PK_PREFIX) || data === undefined) return undefined;
  return checkProbeResult<ProbeResult>(JSON.parse(data));
}

export interface StreamRecord {
  SequenceNumber: string;
  NewImage?: StreamImage | undefined;
}

/**
 * Evaluates a stream batch probe by probe (one alert-state write per probe). Returns the sequence number to retry
 * from: the first record of the earliest probe whose evaluation failed (results already applied are recognised as
 * duplicates on the retry). A record that is not a valid result is logged and skipped: no retry could fix it.
 */
export async function evaluateStreamBatch(records: readonly StreamRecord[], deps: { evaluator: Pick<Evaluator, "onProbeResults">; log: (line: string) => void }): Promise<string | undefined> {
  const byProbe = new Map<string, { first: string; results: ProbeResult[] }>();
  for (const record of records) {
    let result: ProbeResult | undefined;
    try {
      result = resultOfImage(record.NewImage);
    } catch (error) {
      deps.log(JSON.stringify({ level: "error", msg: "stream record is not a valid result, skipped", sequence: record.SequenceNumber, error: (error as Error).message }));
    }
    if (!result) continue;
    const group = byProbe.get(result.probeId) ?? { first: record.SequenceNumber, results: [] };
    group.results.push(result);
    byProbe.set(result.probeId, group);
  }
  const failed: bigint[] = [];
  for (const [probeId, group] of byProbe) {
    try {
      await deps.evaluator.onProbeResults(probeId, group.results);
    } catch (error) {
      deps.log(JSON.stringify({ level: "error", msg: "evaluation failed, the stream retries from here", probe: probeId, sequence: group.first, error: (error as Error).message }));
      failed.push(BigInt(group.first));
    }
  }
  return failed.length === 0 ? undefined : String(failed.reduce((min, n) => (n < min ? n : min)));
}
