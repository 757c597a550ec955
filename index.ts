// vigie's public entry: `defineConfig` and the types a config file is written against.
import type { z } from "zod";
import { buildConfigSchema } from "./core/config/schema.ts";
import { ProbeConfig } from "./probes/schema.ts";
import { DrillConfig } from "./drills/config.ts";

/** The whole config file, validated. */
// Pure: a bundle that imports this file for `defineConfig` only (a config bundled with the browser runner) leaves the
// schema and zod out.
export const Config = /* @__PURE__ */ buildConfigSchema(ProbeConfig, DrillConfig);
export type Config = z.infer<typeof Config>;
/** What a config file is written as: durations as strings, defaults left out. */
export type ConfigInput = z.input<typeof Config>;
export type Probe = Config["probes"][number];
export type Drill = Config["drills"][number];

/** Types a config; it changes nothing, validation happens when vigie loads it. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}

export type { ProbeResult, DrillResult } from "./core/result/index.ts";
