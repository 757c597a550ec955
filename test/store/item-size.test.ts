import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { MIN_EVERY_MS } from "../../core/config/index.ts";
import { createResultStore, mergeRollups } from "../../core/store/results-store.ts";
import { createDurableWriter } from "../../core/store/durable-writer.ts";
import { hourPk } from "../../core/store/keys.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";
import { makeResult } from "../fixtures/results.ts";

/** dynalite's own measure of an item, the one it checks against DynamoDB's 400 KB limit. */
const itemSize = (createRequire(import.meta.url)("dynalite/db/index.js") as { itemSize(item: Record<string, AttributeValue>): number }).itemSize;
const LIMIT = 400 * 1024;

let dynamo: TestDynamo;
beforeAll(async () => { dynamo = await startTestDynamo(); });
afterAll(async () => { await dynamo?.close(); });

async function everyItem(): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.client.send(new ScanCommand({ TableName: dynamo.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe("item sizes at the floor of every", () => {
  it("keeps every item far below the item limit with a probe run every second for an hour and more", async () => {
    const start = Date.parse("2025-03-10T09:00:00Z");
    // Runs every MIN_EVERY_MS for 1 h 10 min, each a little late as real runs are, some failing, the slowest at the
    // top of the histogram: as many distinct tokens, outcomes and latency buckets as an hour can hold.
    const count = Math.round((3_600_000 + 600_000) / MIN_EVERY_MS);
    const results = Array.from({ length: count }, (_, i) => makeResult({
      probeId: "busy", startedAt: new Date(start + i * MIN_EVERY_MS + (i % 7)).toISOString(),
      outcome: i % 13 === 0 ? "fail" : i % 5 === 0 ? "degraded" : "pass", durationMs: 1 + (i % 1_500) * 3,
    }));
    const clock = start + count * MIN_EVERY_MS;
    const store = createResultStore({ doc: dynamo.doc, tableName: dynamo.tableName, now: () => clock });
    const logs: string[] = [];
    const writer = createDurableWriter({ store, batchSize: 500, log: (line) => logs.push(line) });
    for (const result of results) writer.write(result);
    await writer.flush();
    await writer.close();
    expect(writer.stats).toMatchObject({ stored: count, rejected: 0 });
    expect(logs).toEqual([]);

    const hours = await store.hours("busy", "us-east-1", "2025-03-10T09", "2025-03-10T10");
    expect(hours.map((h) => h.runs)).toEqual([3_600_000 / MIN_EVERY_MS, count - 3_600_000 / MIN_EVERY_MS]);
    expect(mergeRollups("all", hours).runs).toBe(count);

    const items = await everyItem();
    const largest = items.reduce((a, b) => (itemSize(b) > itemSize(a) ? b : a));
    // The full hour is the largest item: about 8 bytes per counted run (its token), plus its counters and buckets.
    expect(largest.pk?.S).toBe(hourPk("busy", "us-east-1"));
    expect(largest.sk?.S).toBe("2025-03-10T09");
    expect(itemSize(largest)).toBeLessThan(LIMIT / 10);
  }, 120_000);
});
