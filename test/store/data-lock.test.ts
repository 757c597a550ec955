import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
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

  it("does not release a lock another process took over", () => {
    const dir = tempDir();
    const lock = acquireDataLock(dir);
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z" }));
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true);
  });
});
