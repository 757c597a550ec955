// The data folder's lock: one `vigie start` per folder, and a lock left by a process that died is taken over.
//
// The lock is a file, `DIR/vigie.lock`, holding the owner's pid, host and a token of its own (a random UUID). It is
// written whole under a private name and linked into place, which fails when the lock exists: of two processes
// starting together exactly one gets it, and no one ever reads it half written.
//
// A lock whose pid no longer runs on this host is stale (a crash, a SIGKILL) and is taken over. Reading it, finding it
// stale and replacing it are separate steps, so a take-over needs a right that only one process can hold: the file
// `DIR/vigie.lock.takeover-<token of the stale lock>`, created with link(2) too (so, once per stale lock). Its holder
// reads the lock again, and only if it is still that stale lock renames its own over it, in one step: the lock never
// goes missing during a take-over, so no newcomer slips in, and no live lock is ever moved or removed. Every other
// process waits for the holder to finish, then finds the new lock live and refuses, naming it. A right whose holder
// died too (between the two steps) is itself stale: the next process takes the right over the same way, with a file
// named after that holder's token, so rights form a chain that one process walks to its end.
// A lock written on another host (a shared folder) is never taken over.
import { randomUUID } from "node:crypto";
import { closeSync, fstatSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const LOCK_FILE = "vigie.lock";

/** How long a process waits for another one to finish taking over a stale lock before it gives up. */
const TAKEOVER_WAIT_MS = 2_000;
/** Rights whose holders all died, walked before giving up (each one needs a crash between two system calls). */
const MAX_RIGHTS = 16;

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
  /** Absent from locks written before tokens existed. */
  token?: string;
}

interface LockFile {
  /** Undefined when the file cannot be read as a lock (cut short by a crash): no one can be said to hold it. */
  holder?: Holder;
  /** What names this very file: its holder's token, or its inode when it has none. */
  id: string;
}

const TOKEN = /^[0-9a-f-]{36}$/;

/** Reads a lock (or a take-over right); undefined when there is no such file. */
function readLockFile(file: string): LockFile | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const { dev, ino } = fstatSync(fd);
    let holder: Holder | undefined;
    try {
      const parsed = JSON.parse(readFileSync(fd, "utf8")) as Partial<Holder>;
      if (typeof parsed.pid === "number" && typeof parsed.host === "string") holder = parsed as Holder;
    } catch {
      // Cut short: held by no one.
    }
    const token = holder?.token;
    return { holder, id: typeof token === "string" && TOKEN.test(token) ? token : `inode-${dev}-${ino}` };
  } finally {
    closeSync(fd);
  }
}

/** Links `from` to `to`; false when `to` exists. */
function linkIfAbsent(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
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

/** A synchronous pause (the lock is taken before anything else runs). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the lock of `dataDir` (which must exist), or throws DataLockError naming the folder and the holder. */
export function acquireDataLock(
  dataDir: string,
  options: { pid?: number; host?: string; /** default 2 s */ takeoverWaitMs?: number } = {},
): DataLock {
  const takeoverWaitMs = options.takeoverWaitMs ?? TAKEOVER_WAIT_MS;
  const pid = options.pid ?? process.pid;
  const host = options.host ?? os.hostname();
  const lockPath = path.join(dataDir, LOCK_FILE);
  const mine: Holder = { pid, host, startedAt: new Date().toISOString(), token: randomUUID() };
  /** Whether `holder` may still be using the folder: it runs, or we cannot tell (another host). */
  const alive = (holder: Holder) => holder.host !== host || holder.pid === pid || isRunning(holder.pid);
  const where = (holder: Holder) => `pid ${holder.pid}${holder.host === host ? "" : ` on ${holder.host}`}`;
  const lock: DataLock = {
    path: lockPath,
    release() {
      // No one takes over a live process's lock, so what is read here stays until it is removed.
      if (readLockFile(lockPath)?.holder?.token === mine.token) rmSync(lockPath, { force: true });
    },
  };

  /** The right to replace the stale lock `id`: ours (with the dead holders' rights walked to reach it), or busy. */
  const claimRight = (id: string): { ours: string; walked: string[] } | { busy?: Holder } => {
    const walked: string[] = [];
    let key = id;
    for (let step = 0; step < MAX_RIGHTS; step++) {
      const right = `${lockPath}.takeover-${key}`;
      if (linkIfAbsent(draft, right)) return { ours: right, walked };
      const other = readLockFile(right);
      if (!other) continue; // given up meanwhile by a holder that lost: try it again
      if (other.holder && alive(other.holder)) return { busy: other.holder };
      walked.push(right);
      key = other.id;
    }
    return {};
  };

  // Written whole under a private name, then linked into place: the lock file is never seen half written.
  const draft = `${lockPath}.draft-${mine.token}`;
  writeFileSync(draft, `${JSON.stringify(mine)}\n`);
  try {
    let waited = 0;
    for (let attempt = 0; attempt < 1_000; attempt++) {
      if (linkIfAbsent(draft, lockPath)) return lock;
      const current = readLockFile(lockPath);
      if (!current) continue; // released between the two looks
      if (current.holder && alive(current.holder)) {
        const holder = current.holder;
        throw new DataLockError(
          `data folder ${dataDir} is in use by another vigie (${where(holder)}, since ${holder.startedAt}); ` +
          `stop it, or give this one another folder with --data`,
          { pid: holder.pid, host: holder.host },
        );
      }
      const right = claimRight(current.id);
      if (!("ours" in right)) {
        // Another process is taking it over: it takes a few system calls, unless that process is stopped.
        if (waited >= takeoverWaitMs) {
          const by = right.busy ? ` (${where(right.busy)})` : "";
          throw new DataLockError(
            `data folder ${dataDir}: its stale lock is being taken over by another vigie${by} that has not finished in ` +
            `${takeoverWaitMs / 1000} s; if no vigie runs on it, delete ${lockPath}.takeover-* and start again`,
            { pid: right.busy?.pid ?? 0, host: right.busy?.host ?? host },
          );
        }
        const ms = Math.min(2 ** attempt, 100, takeoverWaitMs - waited);
        pause(ms);
        waited += ms;
        continue;
      }
      // Ours: no one else may replace this stale lock now. Is it still the one we found stale?
      if (readLockFile(lockPath)?.id === current.id) {
        renameSync(draft, lockPath);
        for (const dead of right.walked) rmSync(dead, { force: true });
        rmSync(right.ours, { force: true });
        return lock;
      }
      // Replaced before we got the right (by whoever held it then): look again.
      rmSync(right.ours, { force: true });
    }
    throw new DataLockError(`data folder ${dataDir}: could not take its lock ${lockPath} (other processes keep taking it)`, { pid: 0, host });
  } finally {
    rmSync(draft, { force: true });
  }
}
