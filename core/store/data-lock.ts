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
//
// Whether the lock's pid still runs is not enough: pids are reused. A lock bearing this process's own pid but not one
// of its tokens was written by an earlier process that had the same pid, and is stale. On Linux, a process with the
// lock's pid that started after the lock was written cannot have written it (the pid was reused, e.g. after a
// reboot), so that lock is stale too. And pids mean nothing across pid namespaces: a lock written in another one (a
// container before its restart, or another container sharing the folder and the host name) is judged by its
// heartbeat instead: its holder touches it every 10 s, and it is stale once untouched for 60 s.
import { randomUUID } from "node:crypto";
import { closeSync, fstatSync, linkSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const LOCK_FILE = "vigie.lock";

/** How long a process waits for another one to finish taking over a stale lock before it gives up. */
const TAKEOVER_WAIT_MS = 2_000;
/** How often a holder touches its lock, and how long a lock from another pid namespace stays live untouched. */
const HEARTBEAT_MS = 10_000;
const LEASE_MS = 60_000;
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
  /** The holder's pid namespace (Linux, e.g. "pid:[4026531836]"): where its pid means something. */
  pidns?: string;
}

interface LockFile {
  /** Undefined when the file cannot be read as a lock (cut short by a crash): no one can be said to hold it. */
  holder?: Holder;
  /** What names this very file: its holder's token, or its inode when it has none. */
  id: string;
  /** Its modification time, ms: its holder's last heartbeat. */
  touchedAt: number;
}

const TOKEN = /^[0-9a-f-]{36}$/;

/** Tokens of the locks this process holds: the one fact about a lock no file can tell another process. */
const heldHere = new Set<string>();

/** Slack between a process's start as /proc tells it (boot time to the second, ticks of 10 ms) and the wall clock. */
const START_SLACK_MS = 10_000;

/** When the process `pid` started, in ms since the epoch; undefined where /proc cannot tell (not Linux, gone). */
function processStartedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; starttime is field 22, in clock ticks since
    // boot (USER_HZ, 100 on every Linux vigie runs on).
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    const startedAt = (bootSeconds + ticks / 100) * 1000;
    return Number.isFinite(startedAt) ? startedAt : undefined;
  } catch {
    return undefined;
  }
}

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
    const { dev, ino, mtimeMs } = fstatSync(fd);
    let holder: Holder | undefined;
    try {
      const parsed = JSON.parse(readFileSync(fd, "utf8")) as Partial<Holder>;
      if (typeof parsed.pid === "number" && typeof parsed.host === "string") holder = parsed as Holder;
    } catch {
      // Cut short: held by no one.
    }
    const token = holder?.token;
    return { holder, id: typeof token === "string" && TOKEN.test(token) ? token : `inode-${dev}-${ino}`, touchedAt: mtimeMs };
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

function ownPidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
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
  const pidns = ownPidNamespace();
  const mine: Holder = { pid, host, startedAt: new Date().toISOString(), token: randomUUID(), ...(pidns ? { pidns } : {}) };
  const elsewhere = (holder: Holder) => holder.pidns !== undefined && pidns !== undefined && holder.pidns !== pidns;
  /** Whether the holder of a lock (or of a right) touched at `touchedAt` may still be using the folder. */
  const alive = (holder: Holder, touchedAt: number): boolean => {
    // Another host: we cannot tell, ever.
    if (holder.host !== host) return true;
    if (elsewhere(holder)) return Date.now() - touchedAt < LEASE_MS;
    // Our own pid: it is us only if we wrote it (an earlier process with our pid did otherwise).
    if (holder.pid === pid) return holder.token !== undefined && heldHere.has(holder.token);
    if (!isRunning(holder.pid)) return false;
    // It runs, but a process that started after the lock was written is not the one that wrote it.
    const written = Date.parse(holder.startedAt);
    const started = processStartedAt(holder.pid);
    return started === undefined || !Number.isFinite(written) || started <= written + START_SLACK_MS;
  };
  const where = (holder: Holder) =>
    `pid ${holder.pid}${holder.host !== host ? ` on ${holder.host}` : elsewhere(holder) ? " in another pid namespace, a container" : ""}`;
  const lock: DataLock = {
    path: lockPath,
    release() {
      // No one takes over a live process's lock, so what is read here stays until it is removed.
      clearInterval(heartbeat);
      if (readLockFile(lockPath)?.holder?.token === mine.token) rmSync(lockPath, { force: true });
      heldHere.delete(mine.token!);
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
      if (other.holder && alive(other.holder, other.touchedAt)) return { busy: other.holder };
      walked.push(right);
      key = other.id;
    }
    return {};
  };

  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const held = () => {
    heldHere.add(mine.token!);
    // Read by processes in other pid namespaces, which cannot see our pid. Never keeps the process alive.
    heartbeat = setInterval(() => {
      try {
        if (readLockFile(lockPath)?.holder?.token !== mine.token) return;
        const now = new Date();
        utimesSync(lockPath, now, now);
      } catch {
        // A folder gone bad: the database says so louder.
      }
    }, HEARTBEAT_MS);
    heartbeat.unref();
    return lock;
  };

  // Written whole under a private name, then linked into place: the lock file is never seen half written.
  const draft = `${lockPath}.draft-${mine.token}`;
  writeFileSync(draft, `${JSON.stringify(mine)}\n`);
  try {
    let waited = 0;
    for (let attempt = 0; attempt < 1_000; attempt++) {
      if (linkIfAbsent(draft, lockPath)) return held();
      const current = readLockFile(lockPath);
      if (!current) continue; // released between the two looks
      if (current.holder && alive(current.holder, current.touchedAt)) {
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
        return held();
      }
      // Replaced before we got the right (by whoever held it then): look again.
      rmSync(right.ours, { force: true });
    }
    throw new DataLockError(`data folder ${dataDir}: could not take its lock ${lockPath} (other processes keep taking it)`, { pid: 0, host });
  } finally {
    rmSync(draft, { force: true });
  }
}
