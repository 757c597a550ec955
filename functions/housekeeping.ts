// Lambda entry on the one-minute schedule: stale checks and reminders, the page outbox (retries included), and
// folding closed days into day rollups.
import { lambdaDeps, once, type LambdaDeps } from "./lambda-deps.ts";

export function createHousekeepingHandler(deps: Pick<LambdaDeps, "vigie" | "log">) {
  return async () => {
    const outcome = await deps.vigie.housekeeping();
    if (outcome.delivered > 0 || outcome.folded > 0) deps.log(JSON.stringify({ level: "info", msg: "housekeeping", ...outcome }));
    return outcome;
  };
}

const built = once(() => createHousekeepingHandler(lambdaDeps(process.env)));
export const handler = () => built()();
