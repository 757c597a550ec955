import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Config } from "../../index.ts";
import { startVigie } from "../../cli/commands/start.ts";
import type { ProbeResult } from "../../core/result/index.ts";

const TOKEN = "e2e-secret-token-42";
const API_KEY = "e2e-api-key";
let target: http.Server;
let targetUrl: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "vigie-start-"));
  target = http.createServer((req, res) => {
    const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
    res.writeHead(authorized ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: authorized ? "ok" : "no" }));
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});
afterAll(async () => {
  target?.closeAllConnections();
  await new Promise((resolve) => target?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function configFor(file: string): string {
  const config = {
    project: "e2e",
    regions: ["us-east-1", "eu-west-1"],
    probes: [{
      id: "e2e-health", name: "E2E health", kind: "http", url: `${targetUrl}/health?key=\${env:E2E_TOKEN}`,
      headers: { authorization: "Bearer ${env:E2E_TOKEN}" }, every: "1s", timeout: "500ms",
      assertions: [{ source: "status", op: "eq", target: 200 }],
    }],
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Child { process: ChildProcessWithoutNullStreams; url: string; stdout: () => string; stderr: () => string; exited: Promise<number | null> }

async function startChild(configFile: string, dataDir: string): Promise<Child> {
  const child = spawn(process.execPath, ["bin/vigie.js", "start", "--config", configFile, "--port", "0", "--data", dataDir], {
    env: { ...process.env, VIGIE_API_KEYS: API_KEY, E2E_TOKEN: TOKEN, NO_COLOR: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => { stdout += chunk; });
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await until("the URL on stdout", async () => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1], 60_000);
  return { process: child, url, stdout: () => stdout, stderr: () => stderr, exited };
}

const json = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  return { status: response.status, text: await response.text() };
};

describe("vigie start", () => {
  it("probes on schedule, serves status and results, drains on SIGTERM, and keeps history across a restart", async () => {
    const configFile = configFor(path.join(dir, "vigie.config.json"));
    const dataDir = path.join(dir, "data");
    const first = await startChild(configFile, dataDir);

    const status = await until("both regions up in /v1/status", async () => {
      const body = JSON.parse((await json(`${first.url}v1/status`)).text);
      const probe = body.probes[0];
      return probe.state === "up" && probe.regions.every((r: { lastRunAt: string | null }) => r.lastRunAt) ? body : undefined;
    });
    expect(status.probes[0].regions.map((r: { region: string }) => r.region)).toEqual(["us-east-1", "eu-west-1"]);
    expect((await json(first.url)).text).toContain("E2E health");

    const results = (url: string) => json(`${url}v1/probes/e2e-health/results?limit=500`, { authorization: `Bearer ${API_KEY}` });
    expect((await json(`${first.url}v1/probes/e2e-health/results`)).status).toBe(401);
    const before = await until("four results", async () => {
      const items = JSON.parse((await results(first.url)).text).items as ProbeResult[];
      return items.length >= 4 ? items : undefined;
    });
    expect(before.every((r) => r.outcome === "pass")).toBe(true);

    first.process.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/SIGTERM: finishing runs in progress[\s\S]*stopped \(\d+ results stored/);

    const second = await startChild(configFile, dataDir);
    try {
      const page = await results(second.url);
      expect(page.status).toBe(200);
      const after = JSON.parse(page.text).items as ProbeResult[];
      const startedBefore = new Set(before.map((r) => `${r.startedAt}#${r.region}`));
      expect(after.filter((r) => startedBefore.has(`${r.startedAt}#${r.region}`))).toHaveLength(before.length);
      const restarted = JSON.parse((await json(`${second.url}v1/status`)).text);
      expect(restarted.probes[0].uptime["24h"]).toBe(1);
      for (const body of [page.text, JSON.stringify(restarted), (await json(second.url)).text]) expect(body).not.toContain(TOKEN);
    } finally {
      second.process.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    }
  }, 120_000);

  it("calls the result hooks after each stored result and runs the ticks, in process", async () => {
    const config = Config.parse({
      project: "hooks", regions: ["us-east-1", "eu-west-1"],
      probes: [{ id: "hooked", kind: "http", url: `${targetUrl}/`, every: "1s", timeout: "500ms" }],
    });
    const seen: ProbeResult[] = [];
    let ticks = 0;
    let stopped = false;
    const running = await startVigie(config, {
      port: 0, dataDir: path.join(dir, "hooks"), env: { E2E_TOKEN: TOKEN },
      hooks: ({ tableName }) => {
        expect(tableName).toBe("vigie");
        return {
          onResult: [async (result) => { seen.push(result); }],
          ticks: [{ name: "evaluator", everyMs: 200, run: async () => { ticks++; } }],
          onStop: [async () => { stopped = true; }],
        };
      },
    });
    try {
      await until("results from both regions", async () => (new Set(seen.map((r) => r.region)).size === 2 ? true : undefined));
      await until("a few ticks", async () => (ticks >= 2 ? true : undefined));
      // The hook saw each result after it was stored: it is in the store.
      const stored = await running.store.listRuns({ probeId: "hooked", region: seen[0]!.region, limit: 100 });
      expect(stored.items.map((r) => r.startedAt)).toContain(seen[0]!.startedAt);
    } finally {
      await running.stop();
    }
    expect(stopped).toBe(true);
    expect(running.writer.pending()).toBe(0);
  }, 60_000);
});
