import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
});
