// How a drill run is driven on AWS: Step Functions loops Wait → a drill Lambda that calls the engine's `advance` once.
// The state machine and the Lambda share this step shape, so each side only has to agree with this file.
import type { DrillEngine } from "./compose.ts";

/** What the drill Lambda returns to the state machine (and receives back as its next input, minus `next`). */
export interface DrillStep {
  /** The drill the state machine drives (the schedule starts the execution with `{ "drillId": … }`). */
  drillId: string;
  /** The Step Functions execution driving the run (its ARN, from the Start state), handed back at every step. */
  execution?: string;
  /** The run's state as the engine keeps it (opaque here); absent when the next step is to start a run. */
  run?: unknown;
  next: "wait" | "done";
  /** Set when next is "wait": how long Step Functions waits before the next step. */
  waitSeconds?: number;
}

/** Step Functions waits whole seconds: a wait is rounded up, and at least one second. */
export const waitSecondsOf = (waitMs: number) => Math.max(1, Math.ceil(waitMs / 1000));

/** One step: the engine advances the run once; its answer becomes the state machine's next move. */
export async function advanceDrill(engine: DrillEngine, input: { drillId: string; run?: unknown; execution?: string | undefined; error?: { Error?: string; Cause?: string } | undefined }): Promise<DrillStep> {
  const failed = input.error ? `${input.error.Error ?? "error"}: ${input.error.Cause ?? "?"}` : undefined;
  const { drillId, execution } = input;
  const { run, next } = await engine.advance({ drillId, ...(input.run !== undefined ? { run: input.run } : {}), ...(failed ? { failed } : {}), ...(execution ? { execution } : {}) });
  const step = { drillId, ...(execution ? { execution } : {}), ...(run !== undefined ? { run } : {}) };
  return next === "done" ? { ...step, next: "done" } : { ...step, next: "wait", waitSeconds: waitSecondsOf(next.waitMs) };
}

/**
 * The standard state machine of one drill (Amazon States Language): Start (adds the execution's ARN to the input) →
 * Advance (the drill Lambda, retried on Lambda's own transient faults) → Done? → Wait `waitSeconds` → Advance … until
 * the engine says done. A step that fails anyway (the Lambda timed out or crashed) goes to Abandon with the last good
 * input and the error: the run is stopped as an error and the loop goes on with its cleanup. When the first step
 * failed, the input has no run: Abandon finds the run this execution started (if it got that far) by the execution's
 * ARN and cleans it up the same way; if there is none (the drill's lock was another live run's), it fails the
 * execution, touching nothing.
 */
export function drillStateMachine(functionArn: string, options: { timeoutS?: number } = {}): Record<string, unknown> {
  // Advance and Abandon call the same Lambda the same way: the input (with `error` on Abandon) is the event.
  const invokeDrillLambda = {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: functionArn, "Payload.$": "$" },
    OutputPath: "$.Payload",
    Retry: [{ ErrorEquals: ["Lambda.ServiceException", "Lambda.TooManyRequestsException", "Lambda.SdkClientException"], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
    Next: "Done?",
  };
  return {
    Comment: "vigie drill: advance the run, wait as long as the engine asks, until it is done",
    ...(options.timeoutS ? { TimeoutSeconds: options.timeoutS } : {}),
    StartAt: "Start",
    States: {
      Start: { Type: "Pass", Parameters: { "drillId.$": "$.drillId", "execution.$": "$$.Execution.Id" }, Next: "Advance" },
      Advance: { ...invokeDrillLambda, Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Abandon" }] },
      Abandon: invokeDrillLambda,
      "Done?": { Type: "Choice", Choices: [{ Variable: "$.next", StringEquals: "done", Next: "Done" }], Default: "Wait" },
      Wait: { Type: "Wait", SecondsPath: "$.waitSeconds", Next: "Advance" },
      Done: { Type: "Succeed" },
    },
  };
}
