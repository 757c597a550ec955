// The validate and measure stages of a restored RDS instance or Aurora cluster: SQL over `pg` to the address RDS
// reported, as the drill's `connect` user. The same for every RDS engine kind.
import type pg from "pg";
import { resolveEnv } from "../../core/config/secrets.ts";
import { DrillFault } from "../errors.ts";
import type { KindContext, StepResult } from "../kind.ts";
import { measureStage, validateStage } from "../sql.ts";
import type { SqlCheck } from "../schema.ts";

interface SqlCopyDrill {
  connect: { user: string; password: string; database: string };
  validate: readonly SqlCheck[];
  freshness?: { sql: string } | undefined;
}

/** What the restore step recorded of the copy. */
interface CopyData {
  address?: string | undefined;
  port?: number | undefined;
  restorePoint?: string | null | undefined;
}

function connection(drill: SqlCopyDrill, data: CopyData, ctx: KindContext): pg.ClientConfig {
  const password = resolveEnv(drill.connect.password, ctx.env, new Set());
  if (!password.ok) throw new DrillFault("config", `environment variable ${password.missing.join(", ")} not set (connect.password)`);
  // TLS without verifying the certificate: the copy is private to the drill's VPC and lives for minutes.
  return { host: data.address!, port: data.port!, user: drill.connect.user, password: password.value, database: drill.connect.database, ssl: { rejectUnauthorized: false } };
}

export function sqlCopyStage(stage: "validate" | "measure", drill: SqlCopyDrill, data: CopyData, ctx: KindContext): Promise<StepResult> {
  if (stage === "validate") {
    // Nothing to run: ready is when RDS reports the copy available.
    if (drill.validate.length === 0) return Promise.resolve({ status: "done", readyAt: ctx.now(), detail: "no checks: ready when RDS reported it available" });
    return validateStage(connection(drill, data, ctx), drill.validate, ctx.now);
  }
  const restorePoint = data.restorePoint ?? null;
  if (!drill.freshness) return Promise.resolve({ status: "done", restorePoint, newestData: restorePoint, detail: `restore point ${restorePoint ?? "unknown"} (no freshness query: used as newest data)` });
  return measureStage(connection(drill, data, ctx), drill.freshness, restorePoint);
}
