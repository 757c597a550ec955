// `vigie validate`: checks the config and says what it holds, or every problem in it.
import type { CliIo } from "../io.ts";
import { loadForCommand } from "../load.ts";

export async function validate(options: { config?: string | undefined }, io: CliIo): Promise<number> {
  const config = await loadForCommand(options.config, io);
  if (!config) return 2;
  io.stdout.write(`config is valid: project ${config.project}, ${config.probes.length} probe${config.probes.length === 1 ? "" : "s"} in ${config.regions.join(", ")}${config.drills.length ? `, ${config.drills.length} drill${config.drills.length === 1 ? "" : "s"}` : ""}\n`);
  return 0;
}
