// Loads the config for a command and prints every problem, one `path: message` line each.
import { findConfigFile, loadConfig, parseDuration, DEFAULT_CONFIG_FILES } from "../core/config/index.ts";
import { Config } from "../index.ts";
import type { CliIo } from "./io.ts";

export type Reporter = "table" | "json";

/**
 * What a reporting command (test, drill, plan) needs before it runs: a known `--reporter` (default table) and the
 * config. Either problem is printed; undefined then means exit 2.
 */
export async function loadForReport(options: { config?: string | undefined; reporter?: string | undefined }, io: CliIo): Promise<{ config: Config; reporter: Reporter } | undefined> {
  const reporter = options.reporter ?? "table";
  if (reporter !== "table" && reporter !== "json") {
    io.stderr.write(`--reporter: must be table or json, not "${reporter}"\n`);
    return undefined;
  }
  const config = await loadForCommand(options.config, io);
  return config ? { config, reporter } : undefined;
}

export async function loadForCommand(named: string | undefined, io: CliIo): Promise<Config | undefined> {
  const file = findConfigFile(named, io.cwd);
  if (!file) {
    io.stderr.write(`config: no ${DEFAULT_CONFIG_FILES.join(", ")} in ${io.cwd} (use --config FILE)\n`);
    return undefined;
  }
  // A config that loads secrets or data at load time may need longer than the default 10 s.
  const wait = io.env.VIGIE_CONFIG_TIMEOUT;
  const timeoutMs = wait === undefined || wait === "" ? undefined : parseDuration(wait);
  if (timeoutMs !== undefined && timeoutMs <= 0 || wait && timeoutMs === undefined) {
    io.stderr.write(`VIGIE_CONFIG_TIMEOUT: "${wait}" is not a duration (use e.g. "10s", "1m")\n`);
    return undefined;
  }
  const loaded = await loadConfig(file, Config, timeoutMs === undefined ? {} : { timeoutMs });
  if (loaded.ok) return loaded.config;
  for (const problem of loaded.problems) io.stderr.write(`${problem.path || "config"}: ${problem.message}\n`);
  return undefined;
}
