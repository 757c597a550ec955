import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { acquireDataLock, DataLockError, LOCK_FILE } from "../../core/store/data-lock.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-lock-"));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has exited (a crashed vigie's, as far as its lock can tell). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

/** A child process that takes a folder's lock when told to (test/fixtures/lock-contender.ts). */
interface Contender {
  pid: number;
  /** Sends "go DIR" and resolves once it is armed (spinning until DIR/go exists). */
  arm(dir: string): Promise<void>;
  /** Its answer, once armed and started. */
  answer(): Promise<{ won: boolean; name?: string; message?: string }>;
}

async function startContender(children: ChildProcessWithoutNullStreams[]): Promise<Contender> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "../fixtures/lock-contender.ts")]);
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await answers.next();
    if (done) throw new Error(`lock contender ${child.pid} ended: ${stderr}`);
    return value as string;
  };
  expect(await next()).toBe("ready");
  return {
    pid: child.pid!,
    async arm(dir) {
      child.stdin.write(`go ${dir}\n`);
      expect(await next()).toBe("armed");
    },
    async answer() {
      return JSON.parse(await next()) as { won: boolean; name?: string; message?: string };
    },
  };
}

describe("data folder lock", () => {
  it("refuses a second holder, naming the folder and the holder's pid", () => {
    const dir = tempDir();
    const lock = acquireDataLock(dir);
    expect(() => acquireDataLock(dir)).toThrow(DataLockError);
    expect(() => acquireDataLock(dir)).toThrow(`data folder ${dir} is in use by another vigie (pid ${process.pid}`);
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    acquireDataLock(dir).release();
  });

  it("takes over a lock whose process died", () => {
    const dir = tempDir();
    const pid = deadPid();
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z" }));
    const lock = acquireDataLock(dir);
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it("takes over a lock file cut short by a crash", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_FILE), '{"pid":12');
    acquireDataLock(dir).release();
  });

  it("never takes over a lock written on another host", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: "elsewhere", startedAt: "2025-01-01T00:00:00.000Z" }));
    expect(() => acquireDataLock(dir)).toThrow(/in use by another vigie \(pid \d+ on elsewhere/);
  });

  it("lets exactly one of many processes take over the same stale lock, and the others name the winner", { timeout: 120_000 }, async () => {
    const children: ChildProcessWithoutNullStreams[] = [];
    try {
      const contenders = await Promise.all(Array.from({ length: 8 }, () => startContender(children)));
      const root = tempDir();
      const pid = deadPid();
      // Each round: a fresh folder holding the lock of a crashed process, and every contender told to take it
      // at the same moment. The winner keeps holding it (it lives on), so every loser must see it as in use.
      for (let round = 0; round < 60; round++) {
        const dir = path.join(root, String(round));
        mkdirSync(dir);
        writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z" }));
        await Promise.all(contenders.map((contender) => contender.arm(dir)));
        writeFileSync(path.join(dir, "go"), "");
        const answers = await Promise.all(contenders.map((contender) => contender.answer()));
        const winners = contenders.filter((_, i) => answers[i]!.won);
        expect(winners.map((winner) => winner.pid), `round ${round}: ${JSON.stringify(answers)}`).toHaveLength(1);
        for (const answer of answers.filter((a) => !a.won)) {
          expect(answer, `round ${round}`).toMatchObject({ name: "DataLockError" });
          expect(answer.message, `round ${round}`).toContain(`data folder ${dir} is in use by another vigie (pid ${winners[0]!.pid},`);
        }
        expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: winners[0]!.pid });
      }
    } finally {
      for (const child of children) child.stdin.end();
    }
  });

  it("takes over a stale lock whose take-over was left half done by a process that died too", () => {
    const dir = tempDir();
    const [crashed, taker] = [randomUUID(), randomUUID()];
    const stale = (token: string) => JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z", token });
    writeFileSync(path.join(dir, LOCK_FILE), stale(crashed));
    // The right to take over the crashed lock, held by a process that died before using it.
    writeFileSync(path.join(dir, `${LOCK_FILE}.takeover-${crashed}`), stale(taker));
    const lock = acquireDataLock(dir);
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("waits for a live process taking over a stale lock, then names it", () => {
    const dir = tempDir();
    const crashed = randomUUID();
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z", token: crashed }));
    // A live process holds the right to take it over (pid 1 always runs) and has not finished.
    writeFileSync(path.join(dir, `${LOCK_FILE}.takeover-${crashed}`), JSON.stringify({ pid: 1, host: os.hostname(), startedAt: new Date().toISOString(), token: randomUUID() }));
    expect(() => acquireDataLock(dir, { takeoverWaitMs: 0 })).toThrow(
      `data folder ${dir}: its stale lock is being taken over by another vigie (pid 1) that has not finished in 0 s`,
    );
    // Nothing of ours is left behind, and the stale lock and the right are untouched.
    expect(readdirSync(dir).sort()).toEqual([LOCK_FILE, `${LOCK_FILE}.takeover-${crashed}`]);
  });

  it("takes over a lock bearing this process's pid that this process did not write (a restarted container)", () => {
    const dir = tempDir();
    for (const token of [randomUUID(), undefined]) {
      writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z", token }));
      const lock = acquireDataLock(dir);
      expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), "utf8")).token).not.toBe(token);
      // Its own lock, though, it still refuses to take twice.
      expect(() => acquireDataLock(dir)).toThrow(`data folder ${dir} is in use by another vigie (pid ${process.pid}`);
      lock.release();
    }
  });

  it.runIf(process.platform === "linux")("takes over a lock whose pid now belongs to a process started after it was written, and no other", async () => {
    const dir = tempDir();
    // A live process that started now: it cannot have written a lock dated 2025 (its pid was reused).
    const other = spawn(process.execPath, ["-e", "process.stdin.resume()"]);
    try {
      await new Promise((resolve) => other.once("spawn", resolve));
      const lockOf = (startedAt: string) => JSON.stringify({ pid: other.pid, host: os.hostname(), startedAt, token: randomUUID() });
      writeFileSync(path.join(dir, LOCK_FILE), lockOf("2025-01-01T00:00:00.000Z"));
      acquireDataLock(dir).release();
      // Written after it started: it may hold it.
      writeFileSync(path.join(dir, LOCK_FILE), lockOf(new Date().toISOString()));
      expect(() => acquireDataLock(dir)).toThrow(`data folder ${dir} is in use by another vigie (pid ${other.pid},`);
    } finally {
      other.kill();
    }
  });

  it.runIf(process.platform === "linux")("judges a lock from another pid namespace (a container) by its heartbeat, not its pid", () => {
    const dir = tempDir();
    const file = path.join(dir, LOCK_FILE);
    // pid 1 of another container with this host name: its pid says nothing here, its heartbeat is fresh.
    writeFileSync(file, JSON.stringify({ pid: 1, host: os.hostname(), startedAt: new Date().toISOString(), token: randomUUID(), pidns: "pid:[1]" }));
    expect(() => acquireDataLock(dir)).toThrow(`data folder ${dir} is in use by another vigie (pid 1 in another pid namespace, a container,`);
    // Untouched for over a minute: that container is gone (a crash before its restart).
    const old = new Date(Date.now() - 61_000);
    utimesSync(file, old, old);
    const lock = acquireDataLock(dir);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ pid: process.pid, pidns: expect.stringMatching(/^pid:\[\d+\]$/) });
    lock.release();
  });

  it("touches its lock every 10 s while it holds it, and stops once released", () => {
    const dir = tempDir();
    const file = path.join(dir, LOCK_FILE);
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"], now: Date.parse("2030-01-01T00:00:00Z") });
    try {
      const lock = acquireDataLock(dir);
      const old = new Date("2029-01-01T00:00:00Z");
      utimesSync(file, old, old);
      vi.advanceTimersByTime(9_999);
      expect(statSync(file).mtimeMs).toBe(old.getTime());
      vi.advanceTimersByTime(1);
      expect(statSync(file).mtimeMs).toBe(Date.parse("2030-01-01T00:00:10Z"));
      lock.release();
      writeFileSync(file, "{}");
      utimesSync(file, old, old);
      vi.advanceTimersByTime(60_000);
      expect(statSync(file).mtimeMs).toBe(old.getTime());
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not release a lock another process took over", () => {
    const dir = tempDir();
    const lock = acquireDataLock(dir);
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z" }));
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true);
  });
});
