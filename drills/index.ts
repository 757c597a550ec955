// The registry of drill kinds (the config union and a kind per name) and the engine built from plain deps.
import { PostgresDrill, startHeartbeats, startSourceCluster } from "./postgres/index.ts";
import { AuroraPitrDrill, RdsPitrDrill, RdsSnapshotDrill } from "./rds/schema.ts";
import { DynamoDbPitrDrill } from "./dynamodb/schema.ts";

import { DrillConfig } from "./config.ts";
export { DrillConfig };
export { drillKinds, kinds, createDrillEngine } from "./kinds.ts";
export type { DrillKindName, DrillKinds, DrillEngineDeps } from "./kinds.ts";

export { startHeartbeats };
export type { Heartbeats } from "./postgres/index.ts";
export { PostgresDrill, RdsPitrDrill, RdsSnapshotDrill, AuroraPitrDrill, DynamoDbPitrDrill, startSourceCluster };
export type { SourceCluster } from "./postgres/index.ts";
export { advance, newRun, resultOf, stopRun, cleanupReserve, createEngine, humanMs, CLEANUP_GRACE_MS } from "./engine.ts";
export type { DrillEngine, DrillCommon, DriveOptions, Next } from "./engine.ts";
export { createDrillStore, DRILL_RESULT_VERSION } from "./store.ts";
export type { DrillStore, DrillRunPage } from "./store.ts";
export { RunState } from "./run-state.ts";
export type { RunState as DrillRunState } from "./run-state.ts";
export { resourceName, resourceTags } from "./kind.ts";
export type { DrillKind, KindContext, StepResult, SweepReport, CleanupReport } from "./kind.ts";
export { DrillFault, DrillLockedError, UnknownDrillError, DrillRecordError } from "./errors.ts";
export { SqlCheck, DrillBase } from "./schema.ts";
export { drillAlertSubjects, drillAlertResults, cleanupSubject } from "./alerting.ts";
export type { DrillClients } from "./clients.ts";
