// `vigie validate`: checks the config and says what it holds, or every problem in it.
import { formatDuration } from "../../core/config/duration.ts";
import { DEFAULT_QUIET_WINDOW_MS, quietWindowOf } from "../../probes/browser/schema.ts";
import type { Config } from "../../index.ts";
import type { CliIo } from "../io.ts";
import { loadForCommand } from "../load.ts";

/**
 * Choices vigie made for the user that they may want to know about: warnings, printed without failing validation.
 * Today: a browser probe whose timeout is too short for the default quiet window gets a shorter one.
 */
export function configWarnings(config: Config): string[] {
  return config.probes.flatMap((probe, index) => {
    if (probe.kind !== "browser" || probe.quietWindow !== undefined) return [];
    const used = quietWindowOf(probe);
    if (used === DEFAULT_QUIET_WINDOW_MS) return [];
    return [`probes[${index}].quietWindow: not set, and the ${formatDuration(DEFAULT_QUIET_WINDOW_MS)} default does not fit in the ${formatDuration(probe.timeout)} timeout: ${formatDuration(used)} is used (half the timeout); set it to choose`];
  });
}

export async function validate(options: { config?: string | undefined }, io: CliIo): Promise<number> {
  const config = await loadForCommand(options.config, io);
  if (!config) return 2;
  for (const warning of configWarnings(config)) io.stderr.write(`warning: ${warning}\n`);
  io.stdout.write(`config is valid: project ${config.project}, ${config.probes.length} probe${config.probes.length === 1 ? "" : "s"} in ${config.regions.join(", ")}${config.drills.length ? `, ${config.drills.length} drill${config.drills.length === 1 ? "" : "s"}` : ""}\n`);
  return 0;
}
