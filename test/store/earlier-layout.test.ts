// A data folder written by the earlier layout (`vigie start --data` before the write-cost work) opens with its
// history whole: a state item per probe × region written on every result, a GSI1 copy of every raw run, hour rollups
// with no last run. Nothing is migrated: the new code reads those items as they are and writes its own beside them.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { computeStatus, type StatusProbe } from "../../api/index.ts";
import { createResultStore } from "../../core/store/results-store.ts";
import { startEmbeddedDynamo } from "../../core/store/dynalite.ts";
import { ensureTable } from "../../core/store/table.ts";
import type { ProbeResult } from "../../core/result/index.ts";
import { makeResult } from "../fixtures/results.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-earlier-layout-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABLE = "vigie";
const NOW = Date.parse("2025-03-10T12:30:00Z");
const REGIONS = ["us-east-1", "eu-west-1"];

/** Every item the earlier layout left after a probe × region's runs of one hour (oldest first). */
function earlierItems(runs: readonly ProbeResult[]): Array<Record<string, unknown>> {
  const result = runs.at(-1)!;
  const { probeId, region, startedAt } = result;
  const fail = runs.filter((r) => r.outcome === "fail").length;
  return [
    ...runs.map((run) => ({
      pk: `RUN#${probeId}#${region}`, sk: run.startedAt, gsi1pk: `RUN#${probeId}`, gsi1sk: `${run.startedAt}#${region}`,
      expiresAt: Math.floor(Date.parse(run.startedAt) / 1000) + 30 * 86_400, data: JSON.stringify(run),
    })),
    {
      pk: `ROLLUP#H#${probeId}#${region}`, sk: startedAt.slice(0, 13), runs: runs.length, pass: runs.length - fail, degraded: 0, fail,
      h20: runs.length - fail, applied: new Set(runs.map((r) => Date.parse(r.startedAt).toString(36))), expiresAt: Math.floor(NOW / 1000) + 14 * 86_400,
    },
    {
      pk: "STATE", sk: `${probeId}#${region}`, probeId, region, startedAt, outcome: result.outcome, durationMs: result.durationMs,
      ...(result.error ? { error: result.error } : {}),
    },
  ];
}

describe("a data folder of the earlier layout", () => {
  it("opens with its states, rollups and runs across regions, and takes new results beside them", async () => {
    // Written by the earlier layout: 3 runs per region in the 12:00 hour, the last one failing in eu-west-1.
    const before = await startEmbeddedDynamo({ path: dir });
    await ensureTable(before.client, TABLE);
    const writer = DynamoDBDocumentClient.from(before.client, { marshallOptions: { removeUndefinedValues: true } });
    const runs = REGIONS.flatMap((region) => [0, 1, 2].map((m) => makeResult({
      probeId: "legacy", region, startedAt: new Date(Date.parse("2025-03-10T12:00:00Z") + m * 60_000 + (region === "eu-west-1" ? 0 : 1)).toISOString(),
      outcome: region === "eu-west-1" && m === 2 ? "fail" : "pass", durationMs: 20,
    })));
    for (const region of REGIONS) {
      for (const Item of earlierItems(runs.filter((r) => r.region === region))) await writer.send(new PutCommand({ TableName: TABLE, Item }));
    }
    await before.close();

    const dynamo = await startEmbeddedDynamo({ path: dir });
    try {
      await ensureTable(dynamo.client, TABLE);
      const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
      const store = createResultStore({ doc, tableName: TABLE, now: () => NOW });
      const newest = (region: string) => runs.filter((r) => r.region === region).at(-1)!;

      expect((await store.currentStates()).sort((a, b) => a.region.localeCompare(b.region))).toEqual([
        { probeId: "legacy", region: "eu-west-1", startedAt: newest("eu-west-1").startedAt, outcome: "fail", durationMs: 20, error: { category: "connect", message: "fail on purpose" } },
        { probeId: "legacy", region: "us-east-1", startedAt: newest("us-east-1").startedAt, outcome: "pass", durationMs: 20 },
      ]);
      const listed = await store.listRuns({ probeId: "legacy", limit: 4 });
      const rest = await store.listRuns({ probeId: "legacy", limit: 4, cursor: listed.cursor });
      expect([...listed.items, ...rest.items].map((r) => r.startedAt)).toEqual(runs.map((r) => r.startedAt).sort().reverse());
      expect(rest.cursor).toBeUndefined();

      const probe: StatusProbe = { id: "legacy", kind: "http", every: 60_000, timeout: 10_000, regions: REGIONS };
      const status = await computeStatus({ store, probes: [probe], now: () => Date.parse("2025-03-10T12:03:00Z") });
      expect(status.probes[0]!.regions.map((r) => [r.region, r.state, r.lastRunAt])).toEqual([
        ["us-east-1", "up", newest("us-east-1").startedAt], ["eu-west-1", "down", newest("eu-west-1").startedAt],
      ]);
      expect(status.probes[0]!.uptime["24h"]).toBe(0.83333);

      // New results: a replay of an old one counts nothing; one in the same hour becomes the last; the next hour moves
      // the marker into the new layout.
      await store.write([newest("us-east-1")]);
      await store.write([makeResult({ probeId: "legacy", region: "eu-west-1", startedAt: "2025-03-10T12:03:00.000Z" })]);
      expect((await store.hours("legacy", "eu-west-1", "2025-03-10T12", "2025-03-10T12"))[0]).toMatchObject({ runs: 4 });
      expect((await store.hours("legacy", "us-east-1", "2025-03-10T12", "2025-03-10T12"))[0]).toMatchObject({ runs: 3 });
      expect((await store.currentStates()).find((s) => s.region === "eu-west-1")).toEqual({ probeId: "legacy", region: "eu-west-1", startedAt: "2025-03-10T12:03:00.000Z", outcome: "pass", durationMs: 100 });
      await store.write([makeResult({ probeId: "legacy", region: "eu-west-1", startedAt: "2025-03-10T13:00:00.000Z" })]);
      expect((await store.markers()).find((m) => m.region === "eu-west-1")).toMatchObject({ hour: "2025-03-10T13", startedAt: "2025-03-10T13:00:00.000Z" });
      expect((await store.listRuns({ probeId: "legacy", limit: 100 })).items).toHaveLength(8);
    } finally {
      await dynamo.close();
    }
  }, 60_000);
});
