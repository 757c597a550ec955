// The SQL stages every PostgreSQL-engine kind shares: run the checks on the copy, then find its newest data.
import pg from "pg";
import type { AssertionResult } from "../core/result/index.ts";
import { compare } from "../probes/http/assertions.ts";
import { DrillFault } from "./errors.ts";
import type { StepResult } from "./kind.ts";
import type { SqlCheck } from "./schema.ts";

const ACTUAL_MAX = 200;

export function capActual(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" && value.length > ACTUAL_MAX) return `${value.slice(0, ACTUAL_MAX)}…`;
  if (typeof value === "bigint") return value.toString();
  return value;
}

export async function connectCopy(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ connectionTimeoutMillis: 5_000, ...config });
  client.on("error", () => {});
  await client.connect();
  return client;
}

const withCopy = async (config: pg.ClientConfig, use: (client: pg.Client) => Promise<StepResult>): Promise<StepResult> => {
  const client = await connectCopy(config).catch((error: unknown) => {
    throw new DrillFault("validate", `cannot connect to the copy: ${(error as Error).message}`);
  });
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
};

/** Runs every check; T_ready is when the last answer arrived, if all passed. A failed check does not stop the run. */
export function validateStage(config: pg.ClientConfig, checks: readonly SqlCheck[], now: () => number): Promise<StepResult> {
  return withCopy(config, async (client) => {
    const verdicts: AssertionResult[] = [];
    for (const check of checks) {
      const description = `${check.sql} ${check.expect.op}${check.expect.op === "exists" ? "" : ` ${JSON.stringify(check.expect.target)}`}`;
      try {
        const result = await client.query({ text: check.sql, rowMode: "array" });
        const row = result.rows[0] as unknown[] | undefined;
        const actual = row === undefined ? undefined : row[0] === null ? null : capActual(row[0]);
        verdicts.push({ description, passed: compare(check.expect.op, actual, check.expect.target), actual: actual === undefined ? "no rows" : actual });
      } catch (error) {
        verdicts.push({ description, passed: false, actual: capActual(`query failed: ${(error as Error).message}`) });
      }
    }
    const readyAt = now();
    const failed = verdicts.filter((v) => !v.passed).length;
    if (failed > 0) {
      return { status: "failed", fatal: false, validation: verdicts, fault: new DrillFault("validate", `${failed} of ${verdicts.length} checks failed`) };
    }
    return { status: "done", validation: verdicts, readyAt, detail: `${verdicts.length} check${verdicts.length === 1 ? "" : "s"} passed` };
  });
}

/**
 * The newest data: the freshness query's timestamp; without one, `fallback` (the restore point the engine
 * reported, or PostgreSQL's pg_last_xact_replay_timestamp()).
 */
export function measureStage(config: pg.ClientConfig, freshness: { sql: string } | undefined, fallback?: string | null): Promise<StepResult> {
  return withCopy(config, async (client) => {
    let restorePoint = fallback ?? null;
    if (fallback === undefined) {
      const replay = await client.query<{ at: Date | null }>("select pg_last_xact_replay_timestamp() as at");
      restorePoint = replay.rows[0]?.at ? replay.rows[0].at.toISOString() : null;
    }
    if (!freshness) {
      return { status: "done", restorePoint, newestData: restorePoint, detail: `restore point ${restorePoint ?? "unknown"} (no freshness query: used as newest data)` };
    }
    let value: unknown;
    try {
      value = ((await client.query({ text: freshness.sql, rowMode: "array" })).rows[0] as unknown[] | undefined)?.[0];
    } catch (error) {
      return { status: "failed", fatal: false, restorePoint, fault: new DrillFault("validate", `freshness query failed: ${(error as Error).message}`) };
    }
    const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) {
      return { status: "failed", fatal: false, restorePoint, fault: new DrillFault("validate", `freshness query returned ${JSON.stringify(capActual(value ?? null))}, not a timestamp`) };
    }
    const newestData = new Date(ms).toISOString();
    return { status: "done", restorePoint, newestData, detail: `newest data ${newestData}, restore point ${restorePoint ?? "unknown"}` };
  });
}
