// The drill slot: the drill Lambda advances a run once per invocation, and the state machine's loop (walked here
// state by state from its Amazon States Language) drives it to the end. The engine is a stand-in until issue 11.
import { expect, it } from "vitest";
import { createDrillHandler } from "../../functions/drill.ts";
import { drillStateMachine, type DrillEngine } from "../../core/runtime/index.ts";

/** A stand-in engine: three stages, each asking for a wait before the next, as a restore would. */
function stagedEngine(calls: string[]): DrillEngine {
  const stages = ["restore", "recover", "validate", "cleanup"];
  return {
    async advance(run) {
      const state = (run ?? { stage: 0 }) as { stage: number };
      calls.push(stages[state.stage]!);
      const next = { stage: state.stage + 1 };
      return { run: next, next: next.stage >= stages.length ? "done" : { waitMs: 1_500 * next.stage } };
    },
  };
}

/** Walks the definition: Task → Choice → Wait → Task …, recording each wait, until it succeeds. */
async function runStateMachine(definition: Record<string, any>, invoke: (payload: unknown) => Promise<unknown>) {
  let state = definition.StartAt as string;
  let data: any = {};
  const waits: number[] = [];
  for (let steps = 0; steps < 100; steps++) {
    const node = definition.States[state];
    if (node.Type === "Succeed") return { data, waits };
    if (node.Type === "Task") data = await invoke(data);
    if (node.Type === "Choice") {
      const match = node.Choices.find((choice: any) => data[choice.Variable.slice(2)] === choice.StringEquals);
      state = match ? match.Next : node.Default;
      continue;
    }
    if (node.Type === "Wait") waits.push(data[node.SecondsPath.slice(2)]);
    state = node.Next;
  }
  throw new Error("the state machine did not end");
}

it("advances a run once per invocation and waits as long as the engine asks, until done", async () => {
  const calls: string[] = [];
  const handler = createDrillHandler({ vigie: { drills: stagedEngine(calls) } });
  const definition = drillStateMachine("arn:aws:lambda:us-east-1:123456789012:function:acme-prod-drill");
  expect(definition.States).toMatchObject({ Advance: { Parameters: { FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:acme-prod-drill" } } });

  const { data, waits } = await runStateMachine(definition, (payload) => handler(payload));
  expect(calls).toEqual(["restore", "recover", "validate", "cleanup"]);
  expect(waits).toEqual([2, 3, 5]);
  expect(data).toEqual({ run: { stage: 4 }, next: "done" });
});

it("refuses to run without a drill engine, saying why", async () => {
  await expect(createDrillHandler({ vigie: { drills: undefined } })({ run: {} })).rejects.toThrow(/no drill engine in this build/);
});
