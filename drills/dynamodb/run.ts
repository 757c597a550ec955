// The dynamodb-pitr kind: RestoreTableToPointInTime into vigie-drill-<drill>-<run> (on-demand), tag it once ACTIVE,
// check items with GetItem, then delete it — only after its tags are checked.
import {
  DeleteTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand, GetItemCommand, ListTablesCommand, ListTagsOfResourceCommand,
  RestoreTableToPointInTimeCommand, TagResourceCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { AssertionResult } from "../../core/result/index.ts";
import { compare } from "../../probes/http/assertions.ts";
import { awsFault, awsTags, backoffMs, record, sweepEachRegion, sweepVerdict, tagMismatch } from "../aws.ts";
import { DrillFault } from "../errors.ts";
import { perRegion } from "../../core/runtime/aws-client-options.ts";
import type { DrillClients } from "../clients.ts";
import { parseResourceName, resourceName, type CleanupReport, type DrillKind, type KindContext, type StepResult, type SweepReport } from "../kind.ts";
import type { RunState } from "../run-state.ts";
import { capActual } from "../sql.ts";
import type { DynamoDbPitrDrill } from "./schema.ts";
import { awsClientOptions } from "../../core/runtime/aws-client-options.ts";

interface TableData { requested?: boolean; restorePoint?: string | null; polls?: number; arn?: string }
const dataOf = (run: RunState) => run.data as TableData;
const notFound = (error: unknown) => (error as Error).name === "ResourceNotFoundException";

async function restore(db: DynamoDBClient, drill: DynamoDbPitrDrill, run: RunState): Promise<StepResult> {
  const name = resourceName(run.drillId, run.runId);
  if (!dataOf(run).requested && run.resources.length === 0) return { status: "wait", ms: 0, resources: [{ kind: "dynamodb-table", id: name }] };
  try {
    const target = drill.restoreTo === "latest" ? undefined : run.t0! - drill.restoreTo;
    const backups = await db.send(new DescribeContinuousBackupsCommand({ TableName: drill.source.table }));
    const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    if (pitr?.PointInTimeRecoveryStatus !== "ENABLED") throw new DrillFault("backup", `point-in-time recovery is not enabled on table "${drill.source.table}"`);
    await db.send(new RestoreTableToPointInTimeCommand({
      SourceTableName: drill.source.table, TargetTableName: name, BillingModeOverride: "PAY_PER_REQUEST",
      ...(target === undefined ? { UseLatestRestorableTime: true } : { RestoreDateTime: new Date(target) }),
    }));
    const restorePoint = target === undefined ? pitr.LatestRestorableDateTime?.toISOString() ?? null : new Date(target).toISOString();
    return { status: "done", data: { requested: true, restorePoint }, ...(target !== undefined ? { rpoFrom: target } : {}), detail: `${name} from ${drill.source.table} at ${restorePoint ?? "latest"}` };
  } catch (error) {
    throw error instanceof DrillFault ? error : awsFault(error, "restore", "restore");
  }
}

async function recover(db: DynamoDBClient, run: RunState): Promise<StepResult> {
  const name = resourceName(run.drillId, run.runId);
  const polls = dataOf(run).polls ?? 0;
  try {
    const table = (await db.send(new DescribeTableCommand({ TableName: name }))).Table;
    if (table?.TableStatus === "ACTIVE" && table.TableArn) {
      // RestoreTableToPointInTime takes no tags: the copy is tagged as soon as it can be, before anything reads it.
      await db.send(new TagResourceCommand({ ResourceArn: table.TableArn, Tags: awsTags(run.drillId, run.runId) }));
      return { status: "done", data: { arn: table.TableArn }, detail: `${name} active` };
    }
  } catch (error) {
    if (!notFound(error)) throw awsFault(error, "recover", "describe");
  }
  return { status: "wait", ms: backoffMs(polls), data: { polls: polls + 1 } };
}

async function validate(db: DynamoDBClient, drill: DynamoDbPitrDrill, run: RunState, ctx: KindContext): Promise<StepResult> {
  const name = resourceName(run.drillId, run.runId);
  const verdicts: AssertionResult[] = [];
  for (const check of drill.validate) {
    const description = `${JSON.stringify(check.key)} ${check.expect.attribute} ${check.expect.op}${check.expect.op === "exists" ? "" : ` ${JSON.stringify(check.expect.target)}`}`;
    try {
      const found = (await db.send(new GetItemCommand({ TableName: name, Key: marshall(check.key), ConsistentRead: true }))).Item;
      const item = found ? unmarshall(found) : undefined;
      const actual = item ? item[check.expect.attribute] : undefined;
      verdicts.push({ description, passed: compare(check.expect.op, actual, check.expect.target), actual: item ? capActual(actual ?? "no such attribute") : "no such item" });
    } catch (error) {
      verdicts.push({ description, passed: false, actual: capActual(`GetItem failed: ${(error as Error).name}: ${(error as Error).message}`) });
    }
  }
  const readyAt = ctx.now();
  const failed = verdicts.filter((v) => !v.passed).length;
  if (failed > 0) return { status: "failed", fatal: false, validation: verdicts, fault: new DrillFault("validate", `${failed} of ${verdicts.length} checks failed`) };
  return { status: "done", validation: verdicts, readyAt, detail: `${verdicts.length} check${verdicts.length === 1 ? "" : "s"} passed` };
}

async function cleanup(db: DynamoDBClient, run: RunState): Promise<CleanupReport> {
  const left: string[] = [];
  const later: string[] = [];
  let retryAfterMs = 0;
  for (const resource of run.resources) {
    if (resource.kind !== "dynamodb-table") continue;
    try {
      if (resource.id !== resourceName(run.drillId, run.runId)) {
        left.push(`${resource.id} (refused to delete: not named ${resourceName(run.drillId, run.runId)})`);
        continue;
      }
      let table;
      try {
        table = (await db.send(new DescribeTableCommand({ TableName: resource.id }))).Table;
      } catch (error) {
        if (notFound(error)) continue;
        throw error;
      }
      if (!table?.TableArn || table.TableStatus === "DELETING") continue;
      const tags = (await db.send(new ListTagsOfResourceCommand({ ResourceArn: table.TableArn }))).Tags;
      const why = tagMismatch(tags, run.drillId, run.runId);
      // No vigie tag at all: the restore (which takes no tags) made it and the run died before tagging it. The name is
      // this run's and the run recorded it before asking for the restore, so it is tagged as the recover stage would
      // have, once ACTIVE, and deleted at the next look (so the tag is there for the delete's IAM condition).
      const untagged = !(tags ?? []).some((tag) => tag.Key?.startsWith("vigie:"));
      if (why && untagged && table.TableStatus === "CREATING") {
        later.push(`${resource.id} is still being restored (untagged until ACTIVE); deleted once it is`);
        retryAfterMs = Math.max(retryAfterMs, 30_000);
        continue;
      }
      if (why && untagged && table.TableStatus === "ACTIVE") {
        await db.send(new TagResourceCommand({ ResourceArn: table.TableArn, Tags: awsTags(run.drillId, run.runId) }));
        later.push(`${resource.id} tagged as this run's; deleted at the next look`);
        retryAfterMs = Math.max(retryAfterMs, 15_000);
        continue;
      }
      if (why) {
        left.push(`${resource.id} (refused to delete: ${why})`);
        continue;
      }
      await db.send(new DeleteTableCommand({ TableName: resource.id }));
    } catch (error) {
      left.push(`${resource.id} (${(error as Error).name}: ${(error as Error).message})`);
    }
  }
  if (left.length === 0 && later.length > 0) return { ok: false, retryAfterMs, message: later.join("; ") };
  return left.length === 0 ? { ok: true } : { ok: false, message: [...left, ...later].join("; ") };
}

/** Deletes the tables of `drills` no live run owns (sweepVerdict), looked up only for names that could be one. */
async function sweep(db: DynamoDBClient, drills: readonly DynamoDbPitrDrill[], live: ReadonlySet<string>, ctx: KindContext): Promise<SweepReport> {
  const report: SweepReport = { removed: [], refused: [] };
  let start: string | undefined;
  do {
    const page = await db.send(new ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}) }));
    for (const name of page?.TableNames ?? []) {
      const parsed = parseResourceName(name);
      // Named like one of these drills' leftovers (its own tags assumed): only then is it worth two more calls.
      if (!parsed || !sweepVerdict(name, awsTags(parsed.drillId, parsed.runId), drills, live, ctx.now()).delete) continue;
      let table;
      try {
        table = (await db.send(new DescribeTableCommand({ TableName: name }))).Table;
      } catch (error) {
        if (notFound(error)) continue;
        throw error;
      }
      if (!table?.TableArn || table.TableStatus === "DELETING") continue;
      const tags = (await db.send(new ListTagsOfResourceCommand({ ResourceArn: table.TableArn }))).Tags;
      const verdict = sweepVerdict(name, tags, drills, live, ctx.now());
      record(report, `dynamodb-table ${name}`, verdict);
      if (!verdict.delete) continue;
      await db.send(new DeleteTableCommand({ TableName: name }));
      report.removed.push(`dynamodb-table ${name}`);
    }
    start = page?.LastEvaluatedTableName;
  } while (start);
  return report;
}

export function dynamoDbKind(clients: DrillClients): DrillKind<DynamoDbPitrDrill> {
  const client = perRegion(clients.dynamodb, clients.region, (region) => new DynamoDBClient(awsClientOptions(region)));
  return {
    stages: ["restore", "recover", "validate", "measure"],
    step(stage, drill, run, ctx) {
      switch (stage) {
        case "restore": return restore(client(drill?.region), drill, run);
        case "recover": return recover(client(drill?.region), run);
        case "validate": return validate(client(drill?.region), drill, run, ctx);
        case "measure": {
          // A restored table has no commit log to ask: its newest data is the restore point.
          const restorePoint = dataOf(run).restorePoint ?? null;
          return Promise.resolve({ status: "done", restorePoint, newestData: restorePoint, detail: `restore point ${restorePoint ?? "unknown"}` });
        }
        default: throw new DrillFault("internal", `no stage "${stage}" in the dynamodb-pitr kind`);
      }
    },
    cleanup: (drill, run) => cleanup(client(drill?.region), run),
    sweep: (ctx, live, drills) => sweepEachRegion(drills, (region, inRegion) => sweep(client(region), inRegion, live, ctx)),
  };
}
