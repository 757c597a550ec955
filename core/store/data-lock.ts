// The data folder's lock: one `vigie start` per folder, and a lock left by a process that died is taken over.
//
// The lock is a file, `DIR/vigie.lock`, holding the owner's pid and host. It is created with O_EXCL, so of two
// processes starting together exactly one gets it. A lock whose pid no longer runs on this host is stale (a crash,
// a SIGKILL) and is taken over: it is renamed away under a name of our own first, so two processes taking over
// the same stale lock cannot both win. A lock written on another host (a shared folder) is never taken over.
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const LOCK_FILE = "vigie.lock";

export class DataLockError extends Error {
  override name = "DataLockError";
  readonly code = "data_locked";
  constructor(message: string, readonly holder: { pid: number; host: string }) {
    super(message);
  }
}

export interface DataLock {
  readonly path: string;
  /** Removes the lock if it is still ours. */
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, "utf8")) as Partial<Holder>;
    return typeof holder.pid === "number" && typeof holder.host === "string" ? (holder as Holder) : undefined;
  } catch {
    // Unreadable or cut short (a crash while writing it): no one can be said to hold it.
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock of `dataDir` (which must exist), or throws DataLockError naming the folder and the holder. */
export function acquireDataLock(dataDir: string, options: { pid?: number; host?: string } = {}): DataLock {
  const pid = options.pid ?? process.pid;
  const host = options.host ?? os.hostname();
  const lockPath = path.join(dataDir, LOCK_FILE);
  const mine: Holder = { pid, host, startedAt: new Date().toISOString() };
  // Written whole under a private name, then linked into place: the lock file is never seen half written.
  const draft = `${lockPath}.${pid}.${process.hrtime.bigint()}`;
  writeFileSync(draft, `${JSON.stringify(mine)}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, lockPath);
        return {
          path: lockPath,
          release() {
            const holder = readHolder(lockPath);
            if (holder?.pid === pid && holder.host === host) rmSync(lockPath, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = readHolder(lockPath);
      if (holder && (holder.host !== host || holder.pid === pid || isRunning(holder.pid))) {
        throw new DataLockError(
          `data folder ${dataDir} is in use by another vigie (pid ${holder.pid}${holder.host === host ? "" : ` on ${holder.host}`}, ` +
          `since ${holder.startedAt}); stop it, or give this one another folder with --data`,
          { pid: holder.pid, host: holder.host },
        );
      }
      // Stale: its process is gone. Move it aside under our own name; only one taker can move a given file.
      const aside = `${lockPath}.stale.${pid}`;
      try {
        renameSync(lockPath, aside);
        const moved = readHolder(aside);
        if (moved && moved.pid !== holder?.pid) {
          // Someone else took it over between our read and our rename: theirs is live, put it back.
          try {
            linkSync(aside, lockPath);
          } finally {
            unlinkSync(aside);
          }
          continue;
        }
        unlinkSync(aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    throw new DataLockError(`data folder ${dataDir}: could not take its lock ${lockPath} (other processes keep taking it)`, { pid: 0, host });
  } finally {
    rmSync(draft, { force: true });
  }
}
