// The RDS instance kinds: rds-pitr (RestoreDBInstanceToPointInTime) and rds-snapshot (from the newest automated or
// a named snapshot). The copy is private, small, tagged, waited for with backoff, checked over SQL, then deleted
// with SkipFinalSnapshot — only after its tags are checked.
import {
  DeleteDBInstanceCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand, type DBInstance,
  RDSClient,
} from "@aws-sdk/client-rds";
import { awsFault, awsTags, backoffMs, record, sweepEachRegion, sweepVerdict, tagMismatch } from "../aws.ts";
import { DrillFault } from "../errors.ts";
import { perRegion } from "../../core/runtime/aws-client-options.ts";
import type { DrillClients } from "../clients.ts";
import { resourceName, type DrillKind, type KindContext, type StepResult, type SweepReport } from "../kind.ts";
import type { RunState } from "../run-state.ts";
import { sqlCopyStage } from "./sql-stages.ts";
import type { RdsDrill } from "./schema.ts";
import { awsClientOptions } from "../../core/runtime/aws-client-options.ts";

interface RdsData {
  requested?: boolean;
  restorePoint?: string | null;
  polls?: number;
  address?: string;
  port?: number;
}

const FAILED_STATES = new Set(["failed", "incompatible-restore", "incompatible-parameters", "incompatible-network", "storage-full", "inaccessible-encryption-credentials"]);
const dataOf = (run: RunState) => run.data as RdsData;

async function describe(rds: RDSClient, id: string): Promise<DBInstance | undefined> {
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  } catch (error) {
    if ((error as Error).name === "DBInstanceNotFoundFault" || (error as Error).name === "DBInstanceNotFound") return undefined;
    throw error;
  }
}


async function restore(rds: RDSClient, drill: RdsDrill, run: RunState, ctx: KindContext): Promise<StepResult> {
  const name = resourceName(run.drillId, run.runId);
  if (!dataOf(run).requested && !run.resources.length) {
    // Recorded before the call, so a crash right after it still cleans the instance up.
    return { status: "wait", ms: 0, resources: [{ kind: "rds-instance", id: name }] };
  }
  const common = {
    DBInstanceClass: drill.restore.instanceClass, DBSubnetGroupName: drill.restore.subnetGroup, VpcSecurityGroupIds: drill.restore.securityGroups,
    PubliclyAccessible: false, MultiAZ: false, DeletionProtection: false, AutoMinorVersionUpgrade: false, CopyTagsToSnapshot: false,
    Tags: awsTags(run.drillId, run.runId),
  };
  try {
    if (drill.kind === "rds-pitr") {
      const target = drill.restoreTo === "latest" ? undefined : run.t0! - drill.restoreTo;
      const source = await describe(rds, drill.source.instance);
      if (!source) throw new DrillFault("backup", `no RDS instance "${drill.source.instance}"`);
      const latest = source.LatestRestorableTime?.toISOString() ?? null;
      await rds.send(new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: drill.source.instance, TargetDBInstanceIdentifier: name,
        ...(target === undefined ? { UseLatestRestorableTime: true } : { RestoreTime: new Date(target) }), ...common,
      }));
      const restorePoint = target === undefined ? latest : new Date(target).toISOString();
      return { status: "done", data: { requested: true, restorePoint }, ...(target !== undefined ? { rpoFrom: target } : {}), detail: `${name} from ${drill.source.instance} at ${restorePoint ?? "latest"}` };
    }
    let snapshot: { DBSnapshotIdentifier?: string | undefined; SnapshotCreateTime?: Date | undefined } | undefined;
    if (drill.source.snapshot) {
      snapshot = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: drill.source.snapshot }))).DBSnapshots?.[0];
    } else {
      const found = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: drill.source.instance, SnapshotType: "automated" }))).DBSnapshots ?? [];
      snapshot = found.filter((s) => s.SnapshotCreateTime).sort((a, b) => b.SnapshotCreateTime!.getTime() - a.SnapshotCreateTime!.getTime())[0];
    }
    if (!snapshot?.DBSnapshotIdentifier) throw new DrillFault("backup", `no ${drill.source.snapshot ? `snapshot "${drill.source.snapshot}"` : `automated snapshot of "${drill.source.instance}"`}`);
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: name, DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier, ...common }));
    const restorePoint = snapshot.SnapshotCreateTime?.toISOString() ?? null;
    return { status: "done", data: { requested: true, restorePoint }, detail: `${name} from snapshot ${snapshot.DBSnapshotIdentifier} (${restorePoint ?? "?"})` };
  } catch (error) {
    throw error instanceof DrillFault ? error : awsFault(error, "restore", "restore");
  }
}

async function recover(rds: RDSClient, run: RunState): Promise<StepResult> {
  const name = resourceName(run.drillId, run.runId);
  let instance: DBInstance | undefined;
  try {
    instance = await describe(rds, name);
  } catch (error) {
    throw awsFault(error, "recover", "describe");
  }
  const polls = dataOf(run).polls ?? 0;
  const status = instance?.DBInstanceStatus;
  if (status && FAILED_STATES.has(status)) throw new DrillFault("recover", `the copy ${name} is ${status}`);
  if (status === "available" && instance?.Endpoint?.Address) {
    return { status: "done", data: { address: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432 }, detail: `${name} available` };
  }
  return { status: "wait", ms: backoffMs(polls), data: { polls: polls + 1 } };
}

async function cleanup(rds: RDSClient, run: RunState): Promise<{ ok: boolean; message?: string }> {
  const left: string[] = [];
  for (const resource of run.resources) {
    if (resource.kind !== "rds-instance") continue;
    try {
      if (resource.id !== resourceName(run.drillId, run.runId)) {
        left.push(`${resource.id} (refused to delete: not named ${resourceName(run.drillId, run.runId)})`);
        continue;
      }
      const instance = await describe(rds, resource.id);
      if (!instance || instance.DBInstanceStatus === "deleting") continue;
      const why = tagMismatch(instance.TagList, run.drillId, run.runId);
      if (why) {
        left.push(`${resource.id} (refused to delete: ${why})`);
        continue;
      }
      await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: resource.id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    } catch (error) {
      left.push(`${resource.id} (${(error as Error).name}: ${(error as Error).message})`);
    }
  }
  return left.length === 0 ? { ok: true } : { ok: false, message: left.join("; ") };
}

/** Every DB instance of the region, page by page (DescribeDBInstances filters by exact id only, not by a prefix). */
export async function* allInstances(rds: RDSClient): AsyncGenerator<DBInstance> {
  let Marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBInstancesCommand({ ...(Marker ? { Marker } : {}) }));
    yield* page?.DBInstances ?? [];
    Marker = page?.Marker;
  } while (Marker);
}

/** Deletes the instances of `drills` no live run owns (sweepVerdict); an Aurora cluster's instances are the aurora kind's. */
async function sweep(rds: RDSClient, drills: readonly RdsDrill[], live: ReadonlySet<string>, ctx: KindContext): Promise<SweepReport> {
  const report: SweepReport = { removed: [], refused: [] };
  for await (const instance of allInstances(rds)) {
    const id = instance.DBInstanceIdentifier;
    if (!id || instance.DBClusterIdentifier || instance.DBInstanceStatus === "deleting") continue;
    const verdict = sweepVerdict(id, instance.TagList, drills, live, ctx.now());
    record(report, `rds-instance ${id}`, verdict);
    if (!verdict.delete) continue;
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    report.removed.push(`rds-instance ${id}`);
  }
  return report;
}

/** The RDS kinds over one client (built by the caller: a region's client, or a mock in tests). */
export function rdsKind(clients: DrillClients): DrillKind<RdsDrill> {
  const client = perRegion(clients.rds, clients.region, (region) => new RDSClient(awsClientOptions(region)));
  return {
    stages: ["restore", "recover", "validate", "measure"],
    step(stage, drill, run, ctx) {
      switch (stage) {
        case "restore": return restore(client(drill?.region), drill, run, ctx);
        case "recover": return recover(client(drill?.region), run);
        case "validate":
        case "measure":
          return sqlCopyStage(stage, drill, dataOf(run), ctx);
        default: throw new DrillFault("internal", `no stage "${stage}" in the RDS kinds`);
      }
    },
    cleanup: (drill, run) => cleanup(client(drill?.region), run),
    sweep: (ctx, live, drills) => sweepEachRegion(drills, (region, inRegion) => sweep(client(region), inRegion, live, ctx)),
  };
}
