import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.ts";
import type { CliIo } from "../../cli/io.ts";
import { ProbeResult } from "../../core/result/index.ts";
import { startHttpTarget, type Target } from "../fixtures/targets.ts";

const dir = mkdtempSync(path.join(tmpdir(), "vigie-cli-"));
const SECRET = "s3cret-value-91f2";

function writeConfig(name: string, config: unknown) {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env, cwd: dir, now: Date.now };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

let server: Target;
let good: string;
let mixed: string;
beforeAll(async () => {
  server = await startHttpTarget((req, res) => {
    if (req.url?.startsWith("/down")) res.statusCode = 503;
    res.end(`echo ${req.headers.authorization ?? ""} ${req.url}`);
  });
  good = writeConfig("good.json", {
    project: "acme",
    regions: ["us-east-1", "eu-west-1"],
    probes: [
      { id: "home", kind: "http", url: `${server.url}/`, headers: { authorization: "Bearer ${env:TOKEN}" } },
      { id: "eu-only", kind: "http", url: `${server.url}/eu`, regions: ["eu-west-1"] },
    ],
  });
  mixed = writeConfig("mixed.json", {
    project: "acme",
    probes: [
      { id: "up", kind: "http", url: `${server.url}/`, headers: { authorization: "Bearer ${env:TOKEN}" }, assertions: [{ source: "body", op: "contains", target: "welcome" }] },
      { id: "down", kind: "http", url: `${server.url}/down`, headers: { "x-api-key": "${env:TOKEN}" } },
    ],
  });
});
afterAll(() => server.close());

describe("vigie validate", () => {
  it("exits 0 on a valid config", async () => {
    const { code, stdout } = await cli(["validate", "--config", good]);
    expect(code).toBe(0);
    expect(stdout).toBe("config is valid: project acme, 2 probes in us-east-1, eu-west-1\n");
  });

  it("exits 2 with one `path: message` line per problem on stderr", async () => {
    const bad = writeConfig("bad.json", { project: "acme", probes: [{ id: "a", kind: "http", url: "x" }, { id: "a", kind: "http", url: "http://b", timout: "1s" }] });
    const { code, stdout, stderr } = await cli(["validate", "--config", bad]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n").sort()).toEqual(
      ["probes[0].url: Invalid URL", 'probes[1].id: duplicate id "a" (also probes[0])', 'probes[1].timout: unknown field (did you mean "timeout"?)'].sort(),
    );
  });

  it("accepts a browser probe whose short timeout leaves no room for the default quiet window, and warns which it used", async () => {
    const short = writeConfig("short.json", { project: "acme", probes: [{ id: "page", kind: "browser", url: "https://acme.dev", timeout: "3s" }] });
    const { code, stdout, stderr } = await cli(["validate", "--config", short]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^config is valid/);
    expect(stderr).toBe("warning: probes[0].quietWindow: not set, and the 5s default does not fit in the 3s timeout: 1.5s is used (half the timeout); set it to choose\n");
  });

  it("says when there is no config", async () => {
    const { code, stderr } = await cli(["validate"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^config: no vigie\.config\.ts/);
  });
});

describe("vigie test", () => {
  it("prints one ProbeResult JSON per line with --reporter json, and exits 0 when none failed", async () => {
    const { code, stdout, stderr } = await cli(["test", "--config", good, "--reporter", "json"], { TOKEN: SECRET });
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const lines = stdout.trim().split("\n").map((line) => ProbeResult.parse(JSON.parse(line)));
    expect(lines.map((r) => [r.probeId, r.outcome, r.region])).toEqual([["home", "pass", "local"], ["eu-only", "pass", "local"]]);
  });

  it("exits 1 when a probe failed, and the table names the first failing assertion", async () => {
    const { code, stdout } = await cli(["test", "--config", mixed], { TOKEN: SECRET });
    expect(code).toBe(1);
    expect(stdout).toMatch(/✗ fail {6}up .*\n +└ assertion: body contains "welcome", got "echo \[redacted\] \/"/);
    expect(stdout).toMatch(/✗ fail {6}down .* 503 /);
    expect(stdout).toMatch(/0 passed, 2 failed in/);
    expect(stdout).not.toMatch(/\u001b\[/);
  });

  it("never prints a literal header value or query value the target echoes", async () => {
    const echo = writeConfig("echo.json", {
      project: "acme",
      probes: [{ id: "echo", kind: "http", url: `${server.url}/down?token=LITQUERYVALUE9`, headers: { authorization: "LITERALHEADERSECRET" } }],
    });
    const table = await cli(["test", "--config", echo]);
    const json = await cli(["test", "--config", echo, "--reporter", "json"]);
    expect(table.code).toBe(1);
    for (const output of [table.stdout, json.stdout]) {
      expect(output).not.toContain("LITERALHEADERSECRET");
      expect(output).not.toContain("LITQUERYVALUE9");
    }
  });

  it("runs only the probes named with --probe", async () => {
    const { stdout } = await cli(["test", "--config", good, "--probe", "eu-only", "--reporter", "json"], { TOKEN: SECRET });
    expect(stdout.trim().split("\n").map((l) => JSON.parse(l).probeId)).toEqual(["eu-only"]);
  });

  it("runs the probes of one region with --region, labelled with it", async () => {
    const { stdout } = await cli(["test", "--config", good, "--region", "us-east-1", "--reporter", "json"], { TOKEN: SECRET });
    expect(stdout.trim().split("\n").map((l) => [JSON.parse(l).probeId, JSON.parse(l).region])).toEqual([["home", "us-east-1"]]);
  });

  it("exits 2 on an unknown probe, region, reporter or option", async () => {
    expect((await cli(["test", "--config", good, "--probe", "nope"])).stderr).toBe('--probe: no probe with id "nope" (known: home, eu-only)\n');
    expect((await cli(["test", "--config", good, "--region", "ap-south-1"])).stderr).toMatch(/^--region: no probe runs in "ap-south-1"/);
    expect((await cli(["test", "--config", good, "--reporter", "xml"])).code).toBe(2);
    expect((await cli(["test", "--bogus"])).code).toBe(2);
    expect((await cli(["test", "--config", path.join(dir, "bad.json")])).code).toBe(2);
  });
});

describe("secrets through the real command", () => {
  const run = promisify(execFile);
  const bin = path.resolve("bin/vigie.js");
  async function vigie(args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, TOKEN: SECRET, NO_COLOR: "1" } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it("never prints a ${env:…} value, on success or failure, in either reporter", async () => {
    const outputs = await Promise.all([
      vigie(["test", "--config", good, "--reporter", "json"]),
      vigie(["test", "--config", good]),
      vigie(["test", "--config", mixed, "--reporter", "json"]),
      vigie(["test", "--config", mixed]),
    ]);
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 1, 1]);
    for (const { stdout, stderr } of outputs) {
      expect(stdout + stderr).not.toContain(SECRET);
    }
    expect(outputs[2]!.stdout).toContain("[redacted]");
    // Four fresh processes compiling the CLI at once: seconds each on a quiet machine, far more on a loaded one.
  }, 180_000);
});
