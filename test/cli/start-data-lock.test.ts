import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Config } from "../../index.ts";
import { startVigie, type RunningVigie } from "../../cli/commands/start.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("vigie start on a data folder in use", () => {
  it("refuses at once with exit 1, naming the folder and the process that holds it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-start-lock-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, "vigie.config.json");
    writeFileSync(configFile, JSON.stringify({ project: "locked", probes: [] }));
    const dataDir = path.join(dir, "data");
    const running: RunningVigie = await startVigie(Config.parse({ project: "locked", probes: [] }), { dataDir, env: {}, port: 0 });
    cleanups.push(() => running.stop());

    const child = spawn(process.execPath, ["bin/vigie.js", "start", "--config", configFile, "--port", "0", "--data", dataDir], { env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));

    expect(code).toBe(1);
    expect(stderr).toContain(`data folder ${dataDir} is in use by another vigie (pid ${process.pid}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("lets exactly one of several starts take over a lock left by a crash; the others exit 1 naming it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-start-lock-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, "vigie.config.json");
    writeFileSync(configFile, JSON.stringify({ project: "locked", probes: [] }));
    const dataDir = path.join(dir, "data");
    mkdirSync(dataDir);
    const crashed = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(path.join(dataDir, "vigie.lock"), JSON.stringify({ pid: Number(crashed.stdout), host: os.hostname(), startedAt: "2025-01-01T00:00:00.000Z" }));

    const starts = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, ["bin/vigie.js", "start", "--config", configFile, "--port", "0", "--data", dataDir], { env: { ...process.env, NO_COLOR: "1" } });
      cleanups.push(() => { if (child.exitCode === null) child.kill("SIGKILL"); });
      const out = { stdout: "", stderr: "" };
      child.stderr.on("data", (chunk) => { out.stderr += chunk; });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      // Either it serves (it holds the folder) or it exits.
      const outcome = new Promise<"serving" | "exited">((resolve) => {
        child.stdout.on("data", (chunk) => {
          out.stdout += chunk;
          if (out.stdout.includes("status page and API on")) resolve("serving");
        });
        void exited.then(() => resolve("exited"));
      });
      return { child, out, exited, outcome };
    });
    const outcomes = await Promise.all(starts.map((start) => start.outcome));

    const winners = starts.filter((_, i) => outcomes[i] === "serving");
    expect(winners, JSON.stringify(starts.map((start) => start.out))).toHaveLength(1);
    const winner = winners[0]!;
    expect(JSON.parse(readFileSync(path.join(dataDir, "vigie.lock"), "utf8"))).toMatchObject({ pid: winner.child.pid });
    for (const loser of starts.filter((start) => start !== winner)) {
      expect(await loser.exited).toBe(1);
      expect(loser.out.stderr).toContain(`start: data folder ${dataDir} is in use by another vigie (pid ${winner.child.pid},`);
    }
    winner.child.kill("SIGTERM");
    expect(await winner.exited).toBe(0);
  });
});
