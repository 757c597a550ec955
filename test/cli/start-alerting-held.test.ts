// The wiring of `vigie start`'s alerting tick: the stale check is told what the durable writer holds.
import { expect, it } from "vitest";
import { alertingHooks, type HookContext } from "../../cli/commands/start.ts";
import { Config } from "../../index.ts";

it("hands the stale check the results the writer holds, read afresh on every tick", async () => {
  const seen: unknown[] = [];
  let held = new Map([["p", new Map([["us-east-1", 1]])]]);
  const context = {
    config: Config.parse({ project: "wiring", probes: [] }),
    held: () => held,
    vigie: {
      evaluator: { checkStale: async (h?: unknown) => { seen.push(h); } },
      deliverer: { drainOutbox: async () => {} },
      readView: { incidents: undefined, maintenance: () => undefined },
    },
  } as unknown as HookContext;
  const [tick] = alertingHooks(context).ticks!;
  await tick!.run(0);
  const first = held;
  held = new Map();
  await tick!.run(5_000);
  expect(seen).toEqual([first, new Map()]);
  expect(seen[0]).toBe(first);
});
