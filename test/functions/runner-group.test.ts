// The probe group the deploy hands each regional runner (core/plan/runner-group.ts) and how a runner reads it back
// from its package (functions/runner-deps.ts): what it holds, and the clear error for a file of another shape.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLED_CODE, readRunnerGroup, RunnerGroupError, runnerGroup, runnerGroupJson, RUNNER_GROUP_FILE, RUNNER_GROUP_VERSION, withBundledCode } from "../../core/plan/runner-group.ts";
import { browserRunnerGroup } from "../../functions/browser-runner.ts";
import { composeVigie } from "../../core/runtime/index.ts";
import { runnerDeps, runnerDepsOf } from "../../functions/runner-deps.ts";
import { Config } from "../../index.ts";
import exampleConfig from "../../vigie.config.ts";
import { startTestDynamo, type TestDynamo } from "../fixtures/dynamo.ts";

const config = Config.parse({
  project: "acme", home: "us-east-1", regions: ["us-east-1", "eu-west-1"], store: { retention: "90d" },
  probes: [
    { id: "api", kind: "http", url: "https://api.acme.dev/health", every: "1m", tags: ["db"], headers: { authorization: "Bearer ${env:API_TOKEN}" }, assertions: [{ source: "body", op: "matches", target: "o+k" }] },
    { id: "docs", kind: "http", url: "https://docs.acme.dev/", every: "5m", regions: ["eu-west-1"] },
    { id: "shop", kind: "browser", url: "https://shop.acme.dev/", every: "5m", timeout: "30s" },
  ],
  alerts: { maintenance: [{ tags: ["db"], start: "2026-03-02T10:00:00Z", end: "2026-03-02T11:00:00Z" }] },
});
const groupJson = (kind: "http" | "browser") => JSON.parse(runnerGroupJson(config, kind)) as Record<string, unknown>;

describe("runner group", () => {
  it("holds its kind's probes as the config's schema normalized them, unchanged through JSON, with the windows and retention", () => {
    const group = readRunnerGroup(groupJson("http"), "http", "test");
    expect(group.probes).toEqual(config.probes.filter((p) => p.kind === "http"));
    expect(group).toMatchObject({ kind: "http", project: "acme", home: "us-east-1", retentionMs: 90 * 86_400_000 });
    expect(group.maintenance).toEqual(config.alerts!.maintenance);
    expect(readRunnerGroup(groupJson("browser"), "browser", "test").probes.map((p) => p.id)).toEqual(["shop"]);
  });

  it("keeps ${env:…} header values as references: the runner resolves them from its own environment", () => {
    const text = JSON.stringify(runnerGroup(config, "http"));
    expect(text).toContain("Bearer ${env:API_TOKEN}");
  });

  it("marks a journey script in the file, and the browser runner puts back its bundled config's function by probe id", () => {
    const script = async () => {};
    const raw = { project: "acme", regions: ["us-east-1"], probes: [{ id: "cart", kind: "browser", url: "https://shop.acme.dev/", every: "5m", script }, { id: "home", kind: "browser", url: "https://shop.acme.dev/", every: "5m" }] };
    const text = runnerGroupJson(Config.parse(raw), "browser");
    expect(JSON.parse(text).probes.map((p: Record<string, unknown>) => p.script)).toEqual([BUNDLED_CODE, undefined]);
    const group = withBundledCode(readRunnerGroup(JSON.parse(text), "browser", "f", { bundledCode: true }), raw, "f");
    expect(group.probes.map((p) => (p as { script?: unknown }).script)).toEqual([script, undefined]);
    // A runner that does not put code back refuses a file that marks some, naming the field.
    expect(() => readRunnerGroup(JSON.parse(text), "browser", "f")).toThrow(`f: probes[0] (cart).script is code from the config, which the browser runner does not carry; redeploy`);
  });

  it("refuses a file and a bundled config that disagree on a probe's code, naming the probe and the field", () => {
    const raw = { project: "acme", regions: ["us-east-1"], probes: [{ id: "cart", kind: "browser", url: "https://shop.acme.dev/", every: "5m", script: async () => {} }] };
    const marked = readRunnerGroup(JSON.parse(runnerGroupJson(Config.parse(raw), "browser")), "browser", "f", { bundledCode: true });
    const plain = readRunnerGroup(JSON.parse(runnerGroupJson(Config.parse({ ...raw, probes: [{ ...raw.probes[0], script: undefined }] }), "browser")), "browser", "f", { bundledCode: true });
    expect(() => withBundledCode(marked, { ...raw, probes: [{ ...raw.probes[0], script: undefined }] }, "f")).toThrow(`f: probe "cart": the group file marks its script as code, but the bundled config holds no function there; redeploy`);
    expect(() => withBundledCode(marked, { probes: [] }, "f")).toThrow(RunnerGroupError);
    expect(() => withBundledCode(plain, raw, "f")).toThrow(`f: probe "cart": the bundled config holds a function in its script, which the group file does not mark; redeploy`);
  });

  it("will not write anything else JSON cannot carry, naming the field", () => {
    const odd = { project: "acme", home: "us-east-1", probes: [{ id: "x", kind: "browser", every: 1, regions: ["us-east-1"], viewport: { width: () => 1 } }] };
    expect(() => runnerGroupJson(odd, "browser")).toThrow("the browser runner's probe group cannot be written as JSON: probes[0] (x).viewport.width is a function");
    // Nor a string that reads as the code mark, which the runner would take for code.
    const lookalike = Config.parse({ project: "acme", regions: ["us-east-1"], probes: [{ id: "y", kind: "browser", url: "https://shop.acme.dev/", every: "5m", waitFor: BUNDLED_CODE }] });
    expect(() => runnerGroupJson(lookalike, "browser")).toThrow(`the browser runner's probe group cannot be written as JSON: probes[0] (y).waitFor is the string "${BUNDLED_CODE}"`);
  });

  it("gives the browser runner the example config's storefront journey from its bundled config", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vigie-browser-group-"));
    try {
      await writeFile(path.join(dir, RUNNER_GROUP_FILE), runnerGroupJson(Config.parse(exampleConfig), "browser"));
      const storefront = browserRunnerGroup({ LAMBDA_TASK_ROOT: dir }).probes.find((probe) => probe.id === "storefront");
      expect(storefront?.kind === "browser" && typeof storefront.script).toBe("function");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a group of another version, naming both versions and what to do", () => {
    const old = { ...groupJson("http"), version: RUNNER_GROUP_VERSION - 1 };
    expect(() => readRunnerGroup(old, "http", "/var/task/vigie-runner-group.json")).toThrow(
      `/var/task/vigie-runner-group.json: runner group version ${RUNNER_GROUP_VERSION - 1}, this runner reads version ${RUNNER_GROUP_VERSION}; redeploy`,
    );
  });

  it("refuses what is not a runner group, a group of the other kind, and a probe without its interval", () => {
    expect(() => readRunnerGroup({ probes: [] }, "http", "f")).toThrow(/f: not a vigie runner group/);
    expect(() => readRunnerGroup(groupJson("browser"), "http", "f")).toThrow(`f: a group of "browser" probes, handed to the http runner`);
    const bad = groupJson("http");
    delete (bad.probes as Array<Record<string, unknown>>)[1]!.every;
    expect(() => readRunnerGroup(bad, "http", "f")).toThrow("f: probes[1] (docs).every must be a positive number of ms");
    const wrongKind = groupJson("http");
    (wrongKind.probes as Array<Record<string, unknown>>)[0]!.kind = "browser";
    expect(() => readRunnerGroup(wrongKind, "http", "f")).toThrow(/probes\[0\] \(api\) is a "browser" probe in the http group/);
  });
});

describe("a runner's deps", () => {
  let dir: string;
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "vigie-runner-group-"));
    dynamo = await startTestDynamo();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await dynamo?.close();
  });
  const env = { LAMBDA_TASK_ROOT: "", VIGIE_TABLE: "acme", VIGIE_HOME_REGION: "us-east-1", AWS_REGION: "eu-west-1" };

  it("reads the group beside the bundle (LAMBDA_TASK_ROOT) and runs in Lambda's region", async () => {
    await writeFile(path.join(dir, RUNNER_GROUP_FILE), runnerGroupJson(config, "http"));
    const deps = runnerDeps("http", { ...env, LAMBDA_TASK_ROOT: dir });
    expect(deps.region).toBe("eu-west-1");
    expect(deps.group.probes.map((p) => p.id)).toEqual(["api", "docs"]);
  });

  it("refuses to build from a group file of an older version, naming the file", async () => {
    await writeFile(path.join(dir, RUNNER_GROUP_FILE), JSON.stringify({ ...groupJson("http"), version: 0 }));
    expect(() => runnerDeps("http", { ...env, LAMBDA_TASK_ROOT: dir })).toThrow(RunnerGroupError);
    expect(() => runnerDeps("http", { ...env, LAMBDA_TASK_ROOT: dir })).toThrow(`${path.join(dir, RUNNER_GROUP_FILE)}: runner group version 0`);
  });

  it("names the file when the package has no group or a broken one", async () => {
    const empty = await mkdtemp(path.join(dir, "empty-"));
    expect(() => runnerDeps("http", { ...env, LAMBDA_TASK_ROOT: empty })).toThrow(`${path.join(empty, RUNNER_GROUP_FILE)}: the http runner's probe group cannot be read`);
    await writeFile(path.join(empty, RUNNER_GROUP_FILE), "{\"format\":");
    expect(() => runnerDeps("http", { ...env, LAMBDA_TASK_ROOT: empty })).toThrow(/probe group is not JSON/);
  });

  it("answers maintenance as the alert read view does, from the group's windows", () => {
    const deps = runnerDepsOf(readRunnerGroup(groupJson("http"), "http", "test"), {
      client: dynamo.client, tableName: dynamo.tableName, region: "us-east-1", env: {}, now: Date.now, log: () => {}, enqueue: async () => {},
    });
    const readView = composeVigie({ client: dynamo.client, tableName: dynamo.tableName, config, env: {}, now: Date.now, log: () => {} }).readView;
    for (const [probe, at] of [["api", "2026-03-02T10:30:00Z"], ["api", "2026-03-02T11:00:00Z"], ["docs", "2026-03-02T10:30:00Z"], ["gone", "2026-03-02T10:30:00Z"]] as const) {
      expect(deps.inMaintenance(probe, Date.parse(at)), `${probe} at ${at}`).toBe(readView.maintenance(probe, Date.parse(at)) !== undefined);
    }
    expect(deps.inMaintenance("api", Date.parse("2026-03-02T10:30:00Z"))).toBe(true);
  });
});
