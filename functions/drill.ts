// Lambda entry of a drill step, called by the drill's Step Functions state machine: advances the run once with the
// drill engine (functions/drill-engine.ts, the composition's `drillEngine` factory) and says how long to wait.
import { z } from "zod";
import { advanceDrill, type DrillStep } from "../core/runtime/drill-steps.ts";
import type { Vigie } from "../core/runtime/index.ts";
import { lambdaDeps, once } from "./lambda-deps.ts";

// The first step has no run yet (the schedule starts the execution with `{ "drillId": … }`): the engine starts one.
// After a failed step, Step Functions adds the error (`{ Error, Cause }`) beside the last good input.
const DrillEvent = z.object({
  drillId: z.string().min(1), run: z.unknown().optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export function createDrillHandler(deps: { vigie: Pick<Vigie, "drills"> }) {
  return async (event: unknown): Promise<DrillStep> => {
    const engine = deps.vigie.drills;
    if (!engine) throw new Error("no drill engine in this build: the drill Lambda is composed with one (functions/lambda-deps.ts)");
    const input = DrillEvent.safeParse(event);
    if (!input.success) throw new TypeError(`drill step: the event needs a drillId (the schedule's input): ${input.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ")}`);
    return advanceDrill(engine, input.data);
  };
}

const built = once(() => createDrillHandler(lambdaDeps(process.env)));
export const handler = (event: unknown) => built()(event);
