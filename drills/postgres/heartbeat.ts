// Heartbeats (opt-in): vigie writes the time into the source every few seconds, so a drill can find the newest
// committed data in its copy without a freshness query of the team's own.
import pg from "pg";
import { resolveEnv } from "../../core/config/secrets.ts";
import type { PostgresDrill } from "./schema.ts";

/** The table vigie keeps in the source: one row per drill, its `at` updated on every beat. */
export const HEARTBEAT_TABLE = "vigie_heartbeat";
export const heartbeatSql = (drillId: string) => ({ sql: `select at from ${HEARTBEAT_TABLE} where drill = '${drillId}'` });

export interface Heartbeats {
  /** Writes one beat for every drill now (also what the timer does). */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a writer per drill with `freshness.heartbeat`; a beat that fails is logged and tried again next time. */
export function startHeartbeats(drills: readonly PostgresDrill[], deps: { env: NodeJS.ProcessEnv; log: (line: string) => void; timers?: boolean }): Heartbeats {
  const writers = drills.flatMap((drill) => {
    const heartbeat = drill.freshness && "heartbeat" in drill.freshness ? drill.freshness.heartbeat : undefined;
    if (!heartbeat) return [];
    let client: pg.Client | undefined;
    let ready = false;
    const beat = async () => {
      try {
        if (!client) {
          const url = resolveEnv(heartbeat.url, deps.env, new Set());
          if (!url.ok) throw new Error(`environment variable ${url.missing.join(", ")} not set (freshness.heartbeat.url)`);
          client = new pg.Client({ connectionString: url.value, connectionTimeoutMillis: 5_000 });
          client.on("error", () => { client = undefined; ready = false; });
          await client.connect();
        }
        if (!ready) {
          await client.query(`create table if not exists ${HEARTBEAT_TABLE} (drill text primary key, at timestamptz not null)`);
          ready = true;
        }
        await client.query(`insert into ${HEARTBEAT_TABLE} (drill, at) values ($1, clock_timestamp()) on conflict (drill) do update set at = excluded.at`, [drill.id]);
      } catch (error) {
        await client?.end().catch(() => {});
        client = undefined;
        ready = false;
        deps.log(`drill ${drill.id}: heartbeat not written: ${(error as Error).message}`);
      }
    };
    const timer = deps.timers === false ? undefined : setInterval(() => void beat(), heartbeat.every);
    return [{ beat, stop: async () => { clearInterval(timer); await client?.end().catch(() => {}); } }];
  });
  return {
    async beat() { await Promise.all(writers.map((w) => w.beat())); },
    async stop() { await Promise.all(writers.map((w) => w.stop())); },
  };
}
