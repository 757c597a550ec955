// Config: schema parts, durations, regions, secrets and loading.
export { Duration, Every, MIN_EVERY_MS, parseDuration, formatDuration } from "./duration.ts";
export { AWS_REGIONS, Region } from "./regions.ts";
export { Id, Severity, AlertPolicy, Retries, ProbeBase, WebUrl, buildConfigSchema } from "./schema.ts";
export { envRefs, resolveEnv, redact, displayUrl, withPlaceholdersFilled, REDACTED } from "./secrets.ts";
export { loadConfig, findConfigFile, formatPath, problemsOf, DEFAULT_CONFIG_FILES, CONFIG_LOAD_TIMEOUT_MS } from "./load.ts";
export type { Problem, Loaded } from "./load.ts";
