// Lambda entry of a drill step, called by the drill's Step Functions state machine: advances the run once with the
// drill engine (functions/drill-engine.ts, the composition's `drillEngine` factory) and says how long to wait.
import { isObject } from "../core/config/json-object.ts";
import { awsUnreachable } from "../core/runtime/aws-client-options.ts";
import { advanceDrill, type DrillStep } from "../core/runtime/drill-steps.ts";
import type { Vigie } from "../core/runtime/index.ts";
import { drillAlertResults } from "../drills/alerting.ts";
import { drillStepper } from "./drill-engine.ts";
import { lambdaDeps, type LambdaDeps } from "./lambda-deps.ts";
import { once } from "./once.ts";

type DrillEvent = Parameters<typeof advanceDrill>[1];

/**
 * The step's event, checked by hand (the drill Lambda loads no zod), or the problems with it. The first step has no
 * run yet (the schedule starts the execution with `{ "drillId": … }`): the engine starts one. The Start state adds the
 * execution's ARN, handed back at every step. After a failed step, Step Functions adds the error (`{ Error, Cause }`)
 * beside the last good input. The run itself is checked by the engine.
 */
function readDrillEvent(event: unknown): { event: DrillEvent } | { problems: string[] } {
  if (!isObject(event)) return { problems: ["event: not an object"] };
  const { drillId, run, execution, error } = event;
  const problems: string[] = [];
  const nonEmpty = (value: unknown) => typeof value === "string" && value.length > 0;
  const optionalString = (value: unknown) => value === undefined || typeof value === "string";
  if (!nonEmpty(drillId)) problems.push("drillId: a non-empty string is required");
  if (execution !== undefined && !nonEmpty(execution)) problems.push("execution: must be a non-empty string");
  if (error !== undefined && !(isObject(error) && optionalString(error.Error) && optionalString(error.Cause))) problems.push("error: must hold an optional Error and Cause, strings");
  if (problems.length > 0) return { problems };
  return { event: { drillId: drillId as string, ...(run !== undefined ? { run } : {}), ...(execution !== undefined ? { execution: execution as string } : {}), ...(error !== undefined ? { error: error as DrillEvent["error"] } : {}) } };
}

export function createDrillHandler(deps: { vigie: Pick<Vigie, "drills"> }) {
  return async (event: unknown): Promise<DrillStep> => {
    const engine = deps.vigie.drills;
    if (!engine) throw new Error("no drill engine in this build: the drill Lambda is composed with one (drillLambdaDeps)");
    const input = readDrillEvent(event);
    if ("problems" in input) throw new TypeError(`drill step: the event needs a drillId (the schedule's input): ${input.problems.join("; ")}`);
    try {
      return await advanceDrill(engine, input.event);
    } catch (error) {
      // From a VPC with no route to an AWS API, say so (the step's error is what Step Functions records).
      const unreachable = awsUnreachable(error, `drill ${input.event.drillId}`);
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
