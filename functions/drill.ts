// Lambda entry of a drill step, called by the drill's Step Functions state machine: advances the run once with the
// drill engine (issue 11 provides it through the composition's `drillEngine` factory) and says how long to wait.
import { z } from "zod";
import { advanceDrill, type DrillStep } from "../core/runtime/drill-steps.ts";
import type { Vigie } from "../core/runtime/index.ts";
import { lambdaDeps, once } from "./lambda-deps.ts";

// The first step has no run yet (the schedule starts the execution with `{}`): the engine starts one.
const DrillEvent = z.object({ run: z.unknown().optional() });

export function createDrillHandler(deps: { vigie: Pick<Vigie, "drills"> }) {
  return async (event: unknown): Promise<DrillStep> => {
    const engine = deps.vigie.drills;
    if (!engine) throw new Error("no drill engine in this build: drills deploy once the drill engine exists (issue 11)");
    return advanceDrill(engine, DrillEvent.parse(event));
  };
}

const built = once(() => createDrillHandler(lambdaDeps(process.env)));
export const handler = (event: unknown) => built()(event);
