// `vigie start` as a child process: a stop signal relayed twice (npm and tsx pass on the one a terminal sends
// the whole group) still drains the run in progress and stores its result.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHttpTarget, type Target } from "../fixtures/targets.ts";
import { waitFor } from "../fixtures/wait.ts";

let target: Target;
let requests = 0;
beforeAll(async () => {
  // Slow enough that a run is always in progress when the signals come.
  target = await startHttpTarget((_req, res) => {
    requests++;
    setTimeout(() => res.end("ok"), 1_500);
  });
});
afterAll(() => target?.close());

it("drains and stores the run in progress when SIGTERM arrives twice", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "vigie-signals-"));
  const config = path.join(dir, "vigie.config.json");
  writeFileSync(config, JSON.stringify({ project: "sig", probes: [{ id: "slow", kind: "http", url: `${target.url}/`, every: "2s", timeout: "2s" }] }));
  const child = spawn(process.execPath, ["bin/vigie.js", "start", "--config", config, "--port", "0", "--data", path.join(dir, "data")], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  // Wait until a run is in flight (the target has a request), then send the signal twice, as a wrapper would.
  const deadline = Date.now() + 15_000;
  while (requests === 0) {
    if (Date.now() > deadline) throw new Error("no run started");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGTERM");
  // Apart, as a relay comes: two pending signals of one kind would merge into one.
  await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill("SIGTERM");
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(code).toBe(0);
  expect(stderr).toContain("vigie: SIGTERM: finishing runs in progress");
  expect(stderr).toMatch(/vigie: stopped \([1-9]\d* results? stored this run\)/);
});

it("stops cleanly when SIGTERM arrives while it is still starting, before it says it serves", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "vigie-signals-"));
  const config = path.join(dir, "vigie.config.json");
  writeFileSync(config, JSON.stringify({ project: "sig", probes: [] }));
  const dataDir = path.join(dir, "data");
  const child = spawn(process.execPath, ["bin/vigie.js", "start", "--config", config, "--port", "0", "--data", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  // The lock is the first thing start-up takes; the database and the server come after it.
  await waitFor("the data folder's lock", () => existsSync(path.join(dataDir, "vigie.lock")), { everyMs: 2 });
  child.kill("SIGTERM");
  expect(await exited, stderr).toEqual({ code: 0, signal: null });
  expect(stderr).toContain("vigie: SIGTERM: finishing runs in progress");
  expect(stderr).toMatch(/vigie: stopped \(0 results stored this run\)/);
  expect(existsSync(path.join(dataDir, "vigie.lock"))).toBe(false);
  void stdout;
});
