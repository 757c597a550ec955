import { describe, expect, it } from "vitest";
import { createApp } from "../../api/app.ts";
import type { StatusProbe } from "../../api/status-model.ts";
import type { RegionMarker, ResultStore } from "../../core/store/index.ts";

const probes: StatusProbe[] = Array.from({ length: 3 }, (_, i) => ({ id: `p${i}`, kind: "http", every: 60_000, timeout: 10_000, regions: ["us-east-1"] }));

/** A store whose reads wait until the test lets them answer, counting the hour reads. */
function slowStore() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  const reads = new Set<string>();
  const startedAt = new Date(Date.now() - 1_000).toISOString();
  const marker: RegionMarker = { probeId: "p1", region: "us-east-1", startedAt, outcome: "pass", durationMs: 12, hour: startedAt.slice(0, 13) };
  const store = {
    markers: async () => { await gate; return [marker]; },
    hours: async (probeId: string) => { reads.add(probeId); return []; },
    days: async () => [],
  } as unknown as ResultStore;
  return { store, open, reads };
}

describe("status while the first model is read", () => {
  it("answers a warming model past the warm-up, then the real one; probes that never ran are not read", async () => {
    const { store, open, reads } = slowStore();
    const app = createApp({ store, probes, apiKeys: [], statusWarmupMs: 0 });
    const first = await (await app.request("/v1/status")).json();
    expect(first).toMatchObject({ warming: true, state: "unknown" });
    expect(first.probes.map((p: { id: string; state: string }) => [p.id, p.state])).toEqual([["p0", "unknown"], ["p1", "unknown"], ["p2", "unknown"]]);

    open();
    let body = first;
    for (let i = 0; i < 100 && body.warming; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      body = await (await app.request("/v1/status")).json();
    }
    expect(body.warming).toBeUndefined();
    expect(body.probes.map((p: { id: string; state: string }) => [p.id, p.state])).toEqual([["p0", "unknown"], ["p1", "up"], ["p2", "unknown"]]);
    // Only p1 has a state, so only p1's hours were read.
    expect([...reads]).toEqual(["p1"]);
  });

  it("waits for the first model when no warm-up is set", async () => {
    const { store, open } = slowStore();
    const app = createApp({ store, probes, apiKeys: [] });
    const answer = app.request("/v1/status");
    open();
    expect((await (await answer).json()).warming).toBeUndefined();
  });
});
