import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseDuration, problemsOf } from "../../core/config/index.ts";
import { Config } from "../../index.ts";

const dir = mkdtempSync(path.join(tmpdir(), "vigie-config-"));
function file(name: string, text: string) {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
}

const probe = (extra: Record<string, unknown> = {}) => ({ id: "api", kind: "http", url: "https://api.acme.dev/health", ...extra });

function problems(config: unknown) {
  const parsed = Config.safeParse(config);
  if (parsed.success) return [];
  return problemsOf(parsed.error, Config).map((p) => `${p.path}: ${p.message}`);
}

describe("config", () => {
  it("fills defaults: durations in ms, probe regions from the config, home as the default region", () => {
    const config = Config.parse({ project: "acme", probes: [probe(), probe({ id: "eu", regions: ["eu-west-1"], every: "30s", timeout: "250ms" })] });
    expect(config.home).toBe("us-east-1");
    expect(config.regions).toEqual(["us-east-1"]);
    expect(config.probes[0]).toMatchObject({ every: 60_000, timeout: 10_000, method: "GET", regions: ["us-east-1"], maxBodyBytes: 1_048_576 });
    expect(config.probes[1]).toMatchObject({ every: 30_000, timeout: 250, regions: ["eu-west-1"] });
  });

  it("reads durations", () => {
    expect([parseDuration("250ms"), parseDuration("10s"), parseDuration("1m"), parseDuration("1h"), parseDuration("1d"), parseDuration("1.5s")]).toEqual([250, 10_000, 60_000, 3_600_000, 86_400_000, 1500]);
    expect(parseDuration("10")).toBeUndefined();
    expect(parseDuration("ten seconds")).toBeUndefined();
  });

  it("reports an invalid URL with its path", () => {
    expect(problems({ project: "acme", probes: [probe(), probe({ id: "b", url: "not a url" })] })).toEqual(["probes[1].url: Invalid URL"]);
  });

  it("rejects a URL that is not http or https", () => {
    expect(problems({ project: "acme", probes: [probe({ url: "ftp://files.acme.dev/" })] })).toEqual(["probes[0].url: Invalid URL: the scheme must be http or https, not ftp"]);
  });

  it("accepts ${env:NAME} in a URL", () => {
    expect(problems({ project: "acme", probes: [probe({ url: "https://${env:HOST}/health?key=${env:KEY}" })] })).toEqual([]);
  });

  it("reports duplicate ids", () => {
    expect(problems({ project: "acme", probes: [probe(), probe({ url: "https://b.dev" })] })).toEqual(['probes[1].id: duplicate id "api" (also probes[0])']);
  });

  it("refuses an every below the floor of 1s, naming the floor, for every probe kind", () => {
    expect(problems({ project: "acme", probes: [probe({ every: "250ms", timeout: "100ms" })] })).toEqual([
      "probes[0].every: 250ms is below the floor for every (1s): a probe runs at most once a second",
    ]);
    expect(problems({ project: "acme", probes: [{ id: "page", kind: "browser", url: "https://acme.dev", every: "999ms", timeout: "500ms", quietWindow: "0" }] })).toEqual([
      "probes[0].every: 999ms is below the floor for every (1s): a probe runs at most once a second",
    ]);
    expect(problems({ project: "acme", probes: [probe({ every: "1s", timeout: "500ms" })] })).toEqual([]);
  });

  it("reports bad durations", () => {
    expect(problems({ project: "acme", probes: [probe({ every: "5 minutes" })] })).toEqual([
      'probes[0].every: "5 minutes" is not a duration (use e.g. "250ms", "10s", "1m", "1h", "1d")',
    ]);
    expect(problems({ project: "acme", probes: [probe({ timeout: "0s" })] })).toHaveLength(1);
  });

  it("reports an unknown field as an error, suggesting the field meant", () => {
    expect(problems({ project: "acme", probes: [probe({ timout: "5s" })] })).toEqual(['probes[0].timout: unknown field (did you mean "timeout"?)']);
    expect(problems({ project: "acme", extra: 1 })).toEqual(["extra: unknown field"]);
  });

  it("reports retries that cannot fit in the interval", () => {
    expect(problems({ project: "acme", probes: [probe({ every: "30s", timeout: "10s", retries: { count: 3 } })] })).toEqual([
      "probes[0].retries.count: 4 tries of 10s (40s) must fit in every (30s)",
    ]);
    expect(problems({ project: "acme", probes: [probe({ every: "30s", timeout: "10s", retries: { count: 2 } })] })).toEqual([]);
  });

  it("reports a region that is not an AWS region", () => {
    expect(problems({ project: "acme", regions: ["us-east-1", "eu-west-9"] })).toEqual(['regions[1]: "eu-west-9" is not an AWS region (e.g. us-east-1, eu-west-1)']);
    expect(problems({ project: "acme", probes: [probe({ regions: ["mars-1"] })] })).toEqual(['probes[0].regions[0]: "mars-1" is not an AWS region (e.g. us-east-1, eu-west-1)']);
  });

  it("reports thresholds where degraded is not below fail", () => {
    expect(problems({ project: "acme", probes: [probe({ thresholds: { degradedMs: 500, failMs: 500 } })] })).toEqual(["probes[0].thresholds.degradedMs: degradedMs must be lower than failMs"]);
  });

  it("reports an unknown probe kind and a bad assertion", () => {
    expect(problems({ project: "acme", probes: [{ id: "x", kind: "smtp" }, probe({ assertions: [{ source: "body", op: "matches", target: "(" }, { source: "status", op: "equals", target: 200 }] })] })).toEqual([
      "probes[0].kind: Invalid discriminator value. Expected 'http' | 'browser'",
      "probes[1].assertions[0].target: matches needs a valid regular expression as target (RE2 syntax: no lookaround or backreferences)",
      'probes[1].assertions[1].op: Invalid option: expected one of "eq"|"neq"|"lt"|"lte"|"gt"|"gte"|"contains"|"notContains"|"matches"|"exists"',
    ]);
  });

  it("reports every mistake in one file together", async () => {
    const json = file(
      "many.json",
      JSON.stringify({
        project: "Acme Corp",
        regions: ["moon-1"],
        probes: [
          probe({ url: "nope", timout: "1s" }),
          probe({ every: "often", thresholds: { degradedMs: 900, failMs: 100 } }),
        ],
      }),
    );
    const loaded = await loadConfig(json, Config);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.problems.map((p) => p.path).sort()).toEqual(
      ["project", "regions[0]", "probes[0].url", "probes[0].timout", "probes[1].id", "probes[1].every", "probes[1].thresholds.degradedMs"].sort(),
    );
  });

  it("loads a TypeScript config that uses defineConfig", async () => {
    const ts = file(
      "vigie.config.ts",
      `import { defineConfig } from ${JSON.stringify(path.resolve("index.ts"))};
       const base: string = "https://api.acme.dev";
       export default defineConfig({ project: "acme", probes: [{ id: "api", kind: "http", url: base + "/health" }] });`,
    );
    const loaded = await loadConfig(ts, Config);
    expect(loaded.ok && loaded.config.probes[0]?.url).toBe("https://api.acme.dev/health");
  });

  it("names the file when it cannot be read", async () => {
    const broken = await loadConfig(file("broken.json", "{ not json"), Config);
    expect(!broken.ok && broken.problems[0]?.message).toMatch(/^cannot read broken\.json: /);
    const missing = await loadConfig(path.join(dir, "absent.ts"), Config);
    expect(!missing.ok && missing.problems[0]?.message).toMatch(/not found$/);
  });

  it("gives up on a TypeScript config that never finishes loading, naming the file", async () => {
    const ts = file("never.config.ts", "await new Promise(() => {});\nexport default { project: \"acme\" };\n");
    const loaded = await loadConfig(ts, Config, { timeoutMs: 300 });
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.problems).toEqual([
      { path: "", message: `never.config.ts did not finish loading within 0.3s (does it await something that never settles?): ${ts}` },
    ]);
  });
});

describe("vigie validate on a config that never settles", () => {
  it("exits 2 with a message naming the file, not 13 with nothing", async () => {
    const ts = file("hangs.config.ts", "await new Promise(() => {});\nexport default {};\n");
    const bin = path.resolve("bin/vigie.js");
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, "validate", "--config", ts], { env: { ...process.env, VIGIE_CONFIG_TIMEOUT: "500ms" } }, (error, _stdout, stderr) =>
        resolve({ code: error ? (error as { code?: number }).code ?? null : 0, stderr }));
    });
    expect(run).toEqual({ code: 2, stderr: `config: hangs.config.ts did not finish loading within 0.5s (does it await something that never settles?): ${ts}\n` });
  });
});
