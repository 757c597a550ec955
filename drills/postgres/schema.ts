// The `postgres` drill kind's config: where the backups are, where to restore to, what to check and measure.
import path from "node:path";
import { z } from "zod";
import { Duration } from "../../core/config/index.ts";
import { DrillBase, RestoreTo, SqlCheck } from "../schema.ts";

const AbsolutePath = z.string().min(1).refine((p) => path.isAbsolute(p), { error: "must be an absolute path" });

/** A base backup folder (one sub-folder per base backup, newest by name wins) and a WAL archive folder. */
export const FileBackup = z.strictObject({
  /** Folder of base backups, each a copy of a data directory with its backup_label. Example: "/backups/base". */
  baseDir: AbsolutePath,
  /** The WAL archive an `archive_command` fills. Example: "/backups/wal". */
  walDir: AbsolutePath,
});

/** Commands for pgBackRest / WAL-G users: one restores a base backup into `%d`, one is the restore_command. */
export const CommandBackup = z.strictObject({
  /** Restores the newest base backup into the empty folder %d. Example: "pgbackrest --stanza=main restore --pg1-path=%d". */
  restoreCommand: z.string().min(1).refine((c) => c.includes("%d"), { error: "must contain %d (the data folder to restore into)" }),
  /** PostgreSQL's restore_command (%f, %p). Example: "pgbackrest --stanza=main archive-get %f \"%p\"". */
  walCommand: z.string().min(1).refine((c) => c.includes("%f") && c.includes("%p"), { error: "must contain %f and %p (as a restore_command)" }),
});

export const PostgresDrill = DrillBase.extend({
  kind: z.literal("postgres"),
  /** Where the backups are. */
  backup: z.union([FileBackup, CommandBackup]),
  /** Folder with initdb, pg_ctl and postgres of the same major version as the backup. Default: the binaries installed with vigie (PostgreSQL 17). */
  bin: AbsolutePath.optional(),
  /** "latest" replays all archived WAL; a duration restores to that long before T0. Default "latest". Example: "15m". */
  restoreTo: RestoreTo.default("latest"),
  /** Database the checks and the freshness query run in. Default "postgres". */
  database: z.string().min(1).default("postgres"),
  /** Role vigie connects as to the copy (the copy trusts local connections). Default "postgres". */
  user: z.string().min(1).default("postgres"),
  /** Checks on the copy; RTO counts until all pass. Default []. */
  validate: z.array(SqlCheck).default([]),
  /**
   * How the newest committed data is found: a query returning a timestamp, or a heartbeat vigie writes into the
   * source (`vigie start` upserts the time into table vigie_heartbeat every `every`). Without it, the restore point.
   * Example: { sql: "select max(created_at) from orders" } or { heartbeat: { url: "postgres://vigie:${env:PW}@db:5432/orders", every: "5s" } }.
   */
  freshness: z.union([
    z.strictObject({ sql: z.string().min(1) }),
    z.strictObject({
      heartbeat: z.strictObject({
        /** The source's connection URL; ${env:NAME} allowed (resolved at run time, never stored). */
        url: z.string().regex(/^postgres(ql)?:\/\//, { error: "must be a postgres:// URL" }),
        /** Default "5s". */
        every: Duration.prefault("5s"),
      }),
    }),
  ]).optional(),
});
export type PostgresDrill = z.infer<typeof PostgresDrill>;
export type PostgresDrillInput = z.input<typeof PostgresDrill>;
