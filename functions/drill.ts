// Lambda entry of a drill step, called by the drill's Step Functions state machine: advances the run once with the
// drill engine (functions/drill-engine.ts, the composition's `drillEngine` factory) and says how long to wait.
import { z } from "zod";
import { awsUnreachable } from "../core/runtime/aws-client-options.ts";
import { advanceDrill, type DrillStep } from "../core/runtime/drill-steps.ts";
import type { Vigie } from "../core/runtime/index.ts";
import { drillAlertResults } from "../drills/alerting.ts";
import { drillStepper } from "./drill-engine.ts";
import { lambdaDeps, type LambdaDeps } from "./lambda-deps.ts";
import { once } from "./once.ts";

// The first step has no run yet (the schedule starts the execution with `{ "drillId": … }`): the engine starts one.
// The Start state adds the execution's ARN, handed back at every step. After a failed step, Step Functions adds the
// error (`{ Error, Cause }`) beside the last good input.
const DrillEvent = z.object({
  drillId: z.string().min(1), run: z.unknown().optional(), execution: z.string().min(1).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export function createDrillHandler(deps: { vigie: Pick<Vigie, "drills"> }) {
  return async (event: unknown): Promise<DrillStep> => {
    const engine = deps.vigie.drills;
    if (!engine) throw new Error("no drill engine in this build: the drill Lambda is composed with one (drillLambdaDeps)");
    const input = DrillEvent.safeParse(event);
    if (!input.success) throw new TypeError(`drill step: the event needs a drillId (the schedule's input): ${input.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ")}`);
    try {
      return await advanceDrill(engine, input.data);
    } catch (error) {
      // From a VPC with no route to an AWS API, say so (the step's error is what Step Functions records).
      const unreachable = awsUnreachable(error, `drill ${input.data.drillId}`);
      throw unreachable ? new Error(unreachable, { cause: error }) : error;
    }
  };
}

/** The home deps with the drill engine: only this entry imports it (and with it the drill kinds, pg, the RDS client). */
export function drillLambdaDeps(env: NodeJS.ProcessEnv): LambdaDeps {
  const deps: LambdaDeps = lambdaDeps(env, {
    // Drills alert as `vigie start`'s do: each finished result goes through the evaluator as a subject of its own.
    // Pages wait for housekeeping's outbox delivery (within a minute): a drill Lambda in a VPC then needs no route to
    // SNS or to a webhook, only to DynamoDB, RDS and Step Functions (stacks/ adds endpoints for those on request).
    deliverInline: false,
    drillEngine: (context) => drillStepper(context, {
      clients: { region: deps.home },
      onResult: async (result) => { for (const r of drillAlertResults(result, deps.home)) await deps.vigie.evaluator.onResult(r); },
    }),
  });
  return deps;
}

const built = once(() => createDrillHandler(drillLambdaDeps(process.env)));
export const handler = (event: unknown) => built()(event);
