// The aurora-pitr kind: RestoreDBClusterToPointInTime into a private, tagged cluster, add one small instance to it,
// wait for both with backoff, check over SQL, then delete the instance and, once it is gone, the cluster — each
// only after its tags are checked, both with SkipFinalSnapshot.
import {
  CreateDBInstanceCommand, DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand,
  RestoreDBClusterToPointInTimeCommand, type DBCluster, type DBInstance,
  RDSClient,
} from "@aws-sdk/client-rds";
import { awsFault, awsTags, backoffMs, record, sweepEachRegion, sweepVerdict, tagMismatch } from "../aws.ts";
import { DrillFault } from "../errors.ts";
import { perRegion } from "../../core/runtime/aws-client-options.ts";
import type { DrillClients } from "../clients.ts";
import { resourceName, type CleanupReport, type DrillKind, type KindContext, type StepResult, type SweepReport } from "../kind.ts";
import type { RunState } from "../run-state.ts";
import { sqlCopyStage } from "./sql-stages.ts";
import type { AuroraPitrDrill } from "./schema.ts";
import { awsClientOptions } from "../../core/runtime/aws-client-options.ts";

interface AuroraData { restorePoint?: string | null; engine?: string; instanceRequested?: boolean; polls?: number; address?: string; port?: number }
const dataOf = (run: RunState) => run.data as AuroraData;
const gone = (error: unknown) => ["DBClusterNotFoundFault", "DBInstanceNotFoundFault", "DBInstanceNotFound", "DBClusterNotFound"].includes((error as Error).name);

async function cluster(rds: RDSClient, id: string): Promise<DBCluster | undefined> {
  try {
    return (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0];
  } catch (error) {
    if (gone(error)) return undefined;
    throw error;
  }
}

async function instance(rds: RDSClient, id: string): Promise<DBInstance | undefined> {
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  } catch (error) {
    if (gone(error)) return undefined;
    throw error;
  }
}

async function restore(rds: RDSClient, drill: AuroraPitrDrill, run: RunState): Promise<StepResult> {
  const name = resourceName(run.drillId, run.runId);
  if (run.resources.length === 0) {
    return { status: "wait", ms: 0, resources: [{ kind: "rds-cluster", id: name }, { kind: "rds-instance", id: name }] };
  }
  try {
    const source = await cluster(rds, drill.source.cluster);
    if (!source) throw new DrillFault("backup", `no Aurora cluster "${drill.source.cluster}"`);
    const target = drill.restoreTo === "latest" ? undefined : run.t0! - drill.restoreTo;
    await rds.send(new RestoreDBClusterToPointInTimeCommand({
      SourceDBClusterIdentifier: drill.source.cluster, DBClusterIdentifier: name, RestoreType: "full-copy",
      ...(target === undefined ? { UseLatestRestorableTime: true } : { RestoreToTime: new Date(target) }),
      DBSubnetGroupName: drill.restore.subnetGroup, VpcSecurityGroupIds: drill.restore.securityGroups,
      DeletionProtection: false, CopyTagsToSnapshot: false, Tags: awsTags(run.drillId, run.runId),
    }));
    const restorePoint = target === undefined ? source.LatestRestorableTime?.toISOString() ?? null : new Date(target).toISOString();
    return { status: "done", data: { restorePoint, engine: source.Engine }, ...(target !== undefined ? { rpoFrom: target } : {}), detail: `cluster ${name} from ${drill.source.cluster} at ${restorePoint ?? "latest"}` };
  } catch (error) {
    throw error instanceof DrillFault ? error : awsFault(error, "restore", "restore");
  }
}

async function recover(rds: RDSClient, drill: AuroraPitrDrill, run: RunState): Promise<StepResult> {
  const name = resourceName(run.drillId, run.runId);
  const data = dataOf(run);
  const polls = data.polls ?? 0;
  const later: StepResult = { status: "wait", ms: backoffMs(polls), data: { polls: polls + 1 } };
  try {
    const copy = await cluster(rds, name);
    if (copy?.Status === "failed" || copy?.Status?.startsWith("incompatible")) throw new DrillFault("recover", `the cluster ${name} is ${copy.Status}`);
    if (copy?.Status !== "available") return later;
    if (!data.instanceRequested) {
      await rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: name, DBClusterIdentifier: name, Engine: data.engine ?? copy.Engine, DBInstanceClass: drill.restore.instanceClass,
        PubliclyAccessible: false, AutoMinorVersionUpgrade: false, Tags: awsTags(run.drillId, run.runId),
      }));
      return { status: "wait", ms: backoffMs(0), data: { instanceRequested: true, polls: 1 } };
    }
    const member = await instance(rds, name);
    if (member?.DBInstanceStatus === "failed") throw new DrillFault("recover", `the instance ${name} is failed`);
    if (member?.DBInstanceStatus !== "available" || !copy.Endpoint) return later;
    return { status: "done", data: { address: copy.Endpoint, port: copy.Port ?? 5432 }, detail: `cluster ${name} and its instance available` };
  } catch (error) {
    throw error instanceof DrillFault ? error : awsFault(error, "recover", "recover");
  }
}

async function cleanup(rds: RDSClient, run: RunState): Promise<CleanupReport> {
  const name = resourceName(run.drillId, run.runId);
  const refused: string[] = [];
  try {
    for (const resource of run.resources) {
      if (resource.id !== name) refused.push(`${resource.kind} ${resource.id} (refused to delete: not named ${name})`);
    }
    if (refused.length) return { ok: false, message: refused.join("; ") };
    // The instance first: a cluster with an instance cannot be deleted.
    const member = await instance(rds, name);
    if (member) {
      if (member.DBInstanceStatus !== "deleting") {
        const why = tagMismatch(member.TagList, run.drillId, run.runId);
        if (why) return { ok: false, message: `rds-instance ${name} (refused to delete: ${why}); rds-cluster ${name} kept with it` };
        await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
      }
      return { ok: false, retryAfterMs: 15_000, message: `rds-instance ${name} is being deleted; rds-cluster ${name} waits for it` };
    }
    const copy = await cluster(rds, name);
    if (!copy || copy.Status === "deleting") return { ok: true };
    const why = tagMismatch(copy.TagList, run.drillId, run.runId);
    if (why) return { ok: false, message: `rds-cluster ${name} (refused to delete: ${why})` };
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: name, SkipFinalSnapshot: true }));
    return { ok: true };
  } catch (error) {
    return { ok: false, message: `${name} (${(error as Error).name}: ${(error as Error).message})` };
  }
}

/**
 * Deletes the clusters of `drills` no live run owns (sweepVerdict): their instance first, each checked the same way;
 * the cluster itself on a later sweep, once its instance is gone (a cluster with an instance cannot be deleted).
 */
async function sweep(rds: RDSClient, drills: readonly AuroraPitrDrill[], live: ReadonlySet<string>, ctx: KindContext): Promise<SweepReport> {
  const report: SweepReport = { removed: [], refused: [] };
  let Marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClustersCommand({ ...(Marker ? { Marker } : {}) }));
    for (const copy of page?.DBClusters ?? []) {
      const id = copy.DBClusterIdentifier;
      if (!id || copy.Status === "deleting") continue;
      const verdict = sweepVerdict(id, copy.TagList, drills, live, ctx.now());
      record(report, `rds-cluster ${id}`, verdict);
      if (!verdict.delete) continue;
      const members = (copy.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter((m): m is string => Boolean(m));
      for (const memberId of members) {
        const member = await instance(rds, memberId);
        if (!member || member.DBInstanceStatus === "deleting") continue;
        const ok = sweepVerdict(memberId, member.TagList, drills, live, ctx.now());
        record(report, `rds-instance ${memberId}`, ok);
        if (!ok.delete) continue;
        await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: memberId, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
        report.removed.push(`rds-instance ${memberId} (rds-cluster ${id} goes once it is gone)`);
      }
      if (members.length > 0) continue;
      await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true }));
      report.removed.push(`rds-cluster ${id}`);
    }
    Marker = page?.Marker;
  } while (Marker);
  return report;
}

export function auroraKind(clients: DrillClients): DrillKind<AuroraPitrDrill> {
  const client = perRegion(clients.rds, clients.region, (region) => new RDSClient(awsClientOptions(region)));
  return {
    stages: ["restore", "recover", "validate", "measure"],
    step(stage, drill, run, ctx) {
      const rds = client(drill.region);
      switch (stage) {
        case "restore": return restore(rds, drill, run);
        case "recover": return recover(rds, drill, run);
        case "validate":
        case "measure":
          return sqlCopyStage(stage, drill, dataOf(run), ctx);
        default: throw new DrillFault("internal", `no stage "${stage}" in the aurora-pitr kind`);
      }
    },
    cleanup: (drill, run) => cleanup(client(drill?.region), run),
    sweep: (ctx, live, drills) => sweepEachRegion(drills, (region, inRegion) => sweep(client(region), inRegion, live, ctx)),
  };
}
