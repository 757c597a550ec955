// The `postgres` drill kind: config schema, the kind, and the binaries it runs.
export { PostgresDrill, FileBackup, CommandBackup } from "./schema.ts";
export type { PostgresDrillInput } from "./schema.ts";
export { postgresKind, drillsFolder, TAG_FILE } from "./run.ts";
export { pgInstall, runTool, chownTree, freePort, stopServer, postmasterPid, PG_USER } from "./cluster.ts";
export type { PgInstall, ToolResult } from "./cluster.ts";
export { startSourceCluster } from "./source.ts";
export type { SourceCluster, SourceOptions } from "./source.ts";
export { startHeartbeats, HEARTBEAT_TABLE } from "./heartbeat.ts";
export type { Heartbeats } from "./heartbeat.ts";
