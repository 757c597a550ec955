// Loads the config for a command and prints every problem, one `path: message` line each.
import { findConfigFile, loadConfig, DEFAULT_CONFIG_FILES } from "../core/config/index.ts";
import { Config } from "../index.ts";
import type { CliIo } from "./io.ts";

export async function loadForCommand(named: string | undefined, io: CliIo): Promise<Config | undefined> {
  const file = findConfigFile(named, io.cwd);
  if (!file) {
    io.stderr.write(`config: no ${DEFAULT_CONFIG_FILES.join(", ")} in ${io.cwd} (use --config FILE)\n`);
    return undefined;
  }
  const loaded = await loadConfig(file, Config);
  if (loaded.ok) return loaded.config;
  for (const problem of loaded.problems) io.stderr.write(`${problem.path || "config"}: ${problem.message}\n`);
  return undefined;
}
