// What each function's deployed bundle carries (esbuild with the options stacks/ gives SST, stacks/bundling.ts): the
// runners load no config schema, no alerting and no drill code; only the drill function carries the drill engine.
// Sizes and cold init are measured by `npm run bench -- aws`, not asserted here.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { homeConfigJson, HOME_CONFIG_FILE } from "../../core/plan/home-config.ts";
import { runnerGroupJson, RUNNER_GROUP_FILE } from "../../core/plan/runner-group.ts";
import { createResultStore, ensureTable, startEmbeddedDynamo } from "../../core/store/index.ts";
import { Config } from "../../index.ts";
import exampleConfig from "../../vigie.config.ts";
import { esbuildOptionsOf, NEVER_ON_LAMBDA, nodejsOptionsFor } from "../../stacks/bundling.ts";
import { startHttpTarget } from "../fixtures/targets.ts";

const root = path.resolve(import.meta.dirname, "../..");

/** The source files and packages a function's bundle holds code of. */
async function contents(name: string): Promise<string[]> {
  return (await bundleOf(name)).files;
}

/** A function's bundle, built with the options stacks/ deploys it with. */
async function bundleOf(name: string) {
  const result = await build({ ...esbuildOptionsOf(nodejsOptionsFor(`functions/${name}.handler`), `/bundles/functions/${name}.mjs`), entryPoints: [path.join(root, "functions", `${name}.ts`)], write: false, metafile: true, logLevel: "silent" });
  // The entry and its chunks (code behind a dynamic import, split into files of its own).
  const files = Object.values(result.metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([file]) => file));
  // What loads at cold start: the entry's file and the chunks it imports statically, with the packages left out of the
  // bundle that those import statically. A dynamic import's target is a chunk of its own, loaded when that code runs.
  const outputs = result.metafile.outputs;
  const startOutputs = new Set<string>();
  // (A dynamic import's target is an entry point of the build too: the function's own entry is the one asked for.)
  const pending = Object.keys(outputs).filter((file) => outputs[file]!.entryPoint === `functions/${name}.ts`);
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (startOutputs.has(file)) continue;
    startOutputs.add(file);
    for (const i of outputs[file]!.imports) if (!i.external && i.kind === "import-statement") pending.push(i.path);
  }
  const atStart = [...startOutputs].flatMap((file) => Object.entries(outputs[file]!.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([input]) => input));
  const externalAtStart = [...new Set([...startOutputs].flatMap((file) => outputs[file]!.imports.filter((i) => i.external && i.kind === "import-statement").map((i) => i.path)))];
  return { files, atStart, externalAtStart, outputs: Object.keys(outputs).length };
}
/**
 * Calls a built handler as Lambda's runtime does: a fresh Node process that imports the handler's file and awaits
 * `call` (an expression over `handler`), printing `print` (an expression over `out`), with only `env`.
 */
async function invokeFresh(pkg: string, bundle: string, call: string, print: string, env: Record<string, string>) {
  const invoke = path.join(pkg, "invoke.mjs");
  writeFileSync(invoke, `const { handler } = await import(${JSON.stringify(bundle)}); const out = await ${call}; process.stdout.write(JSON.stringify(${print}));`);
  const child = spawn(process.execPath, [invoke], { env: { PATH: process.env.PATH!, LAMBDA_TASK_ROOT: pkg, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  return { code, stdout, stderr };
}
const packageOf = (file: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];

describe("deployed bundles", () => {
  it("keep the config, its schema library, alerting, drills and every AWS client but DynamoDB's and SQS's out of the HTTP runner", async () => {
    const files = await contents("http-runner");
    const packages = new Set(files.map(packageOf).filter(Boolean));
    expect([...packages].filter((p) => ["zod", "pg", "jiti", "hono"].includes(p!))).toEqual([]);
    expect([...packages].filter((p) => p!.startsWith("@aws-sdk/client-")).sort()).toEqual(["@aws-sdk/client-dynamodb", "@aws-sdk/client-sqs"]);
    expect(files.filter((f) => f.startsWith("drills/") || f.startsWith("api/") || f === "vigie.config.ts" || f === "index.ts" || (f.startsWith("core/alerting/") && f !== "core/alerting/maintenance.ts"))).toEqual([]);
  }, 60_000);

  it("load the RE2 engine in the HTTP runner on its first `matches` only, not at cold start", async () => {
    const { atStart, files } = await bundleOf("http-runner");
    expect(files.map(packageOf)).toContain("re2js");
    expect(atStart.filter((f) => packageOf(f) === "re2js")).toEqual([]);
  }, 60_000);

  it("give the drill engine, its kinds and pg to the drill function only", async () => {
    for (const name of ["api", "evaluator", "housekeeping", "queue-consumer", "browser-runner"]) {
      const files = await contents(name);
      // The drill records (runs, results, their schemas) are read by the API and alerting; the engine and kinds are not.
      const records = ["drills/store.ts", "drills/drill-results.ts", "drills/run-state.ts", "drills/errors.ts", "drills/alerting.ts", "drills/config.ts"];
      expect(files.filter((f) => (f.startsWith("drills/") && !records.includes(f) && !f.endsWith("/schema.ts") && f !== "drills/schema.ts") || f === "functions/drill-engine.ts"), name).toEqual([]);
      expect(files.map(packageOf).filter((p) => p === "pg" || p === "jiti"), name).toEqual([]);
    }
    const drill = await contents("drill");
    expect(drill).toEqual(expect.arrayContaining(["drills/engine.ts", "functions/drill-engine.ts", "drills/postgres/run.ts"]));
  }, 60_000);

  it("load no schema library and no config schema at cold start in the home functions that run often: they read the config the deploy validated", async () => {
    for (const name of ["housekeeping", "evaluator", "api", "queue-consumer"]) {
      const { atStart } = await bundleOf(name);
      expect(atStart.filter((f) => packageOf(f) === "zod" || ["index.ts", "vigie.config.ts", "core/config/schema.ts", "probes/schema.ts", "drills/config.ts"].includes(f)), name).toEqual([]);
      expect(atStart, name).toContain("core/plan/home-config.ts");
    }
  }, 60_000);

  it("carry no schema library in the browser runner: it reads its group file and takes each journey from the config bundled with it", async () => {
    const { files } = await bundleOf("browser-runner");
    expect(files.filter((f) => packageOf(f) === "zod" || ["core/config/schema.ts", "probes/schema.ts", "probes/browser/schema.ts", "drills/config.ts"].includes(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(["vigie.config.ts", "core/plan/runner-group.ts"]));
    mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
    const pkg = mkdtempSync(path.join(root, "node_modules", ".cache", "vigie-bundle-test-"));
    try {
      writeFileSync(path.join(pkg, RUNNER_GROUP_FILE), runnerGroupJson(Config.parse(exampleConfig), "browser"));
      const bundle = path.join(pkg, "functions", "browser-runner.mjs");
      await build({ ...esbuildOptionsOf(nodejsOptionsFor("functions/browser-runner.handler"), bundle), entryPoints: [path.join(root, "functions", "browser-runner.ts")], logLevel: "silent" });
      const { code, stdout, stderr } = await invokeFresh(pkg, bundle, `import(${JSON.stringify(bundle)}).then((m) => m.browserRunnerGroup(process.env))`, "out.probes.map((p) => [p.id, typeof p.script])", { AWS_REGION: "us-east-1", VIGIE_TABLE: "acme" });
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout)).toEqual([["storefront", "function"]]);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  }, 60_000);

  it("load no schema library, no pg and no RDS or Step Functions client at the drill function's cold start: a kind's code loads on its first step", async () => {
    const { atStart, files } = await bundleOf("drill");
    expect(atStart.filter((f) => ["zod", "pg", "pg-pool", "pg-protocol", "jsonpath-plus", "@aws-sdk/client-rds", "@aws-sdk/client-sfn", "@aws-sdk/client-sns"].includes(packageOf(f)!)
      || /^drills\/(postgres|rds|dynamodb)\/|^drills\/(sql|config|schema|run-state|index)\.ts$/.test(f))).toEqual([]);
    expect(atStart.map(packageOf)).toEqual(expect.arrayContaining(["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb"]));
    expect(atStart).toEqual(expect.arrayContaining(["functions/drill-engine.ts", "drills/engine.ts", "drills/run-state-check.ts"]));
    // Each kind is in the deployed package, in a chunk of its own, and zod in none of them.
    expect(files).toEqual(expect.arrayContaining(["drills/postgres/run.ts", "drills/rds/run.ts", "drills/rds/aurora.ts", "drills/dynamodb/run.ts"]));
    expect(files.filter((f) => packageOf(f) === "zod")).toEqual([]);
  }, 60_000);

  it("load every chunk of the drill function's package in a fresh process: each kind's code links to its bundled client or pg", async () => {
    mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
    const pkg = mkdtempSync(path.join(root, "node_modules", ".cache", "vigie-bundle-test-"));
    try {
      const result = await build({ ...esbuildOptionsOf(nodejsOptionsFor("functions/drill.handler"), path.join(pkg, "functions", "drill.mjs")), entryPoints: [path.join(root, "functions", "drill.ts")], metafile: true, logLevel: "silent" });
      const files = Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file));
      const kinds = Object.entries(result.metafile.outputs).filter(([, output]) => /^drills\/(postgres|rds|dynamodb)\//.test(output.entryPoint ?? "")).map(([file]) => path.resolve(root, file));
      expect(kinds).toHaveLength(4);
      const load = path.join(pkg, "load.mjs");
      writeFileSync(load, `for (const file of ${JSON.stringify(files)}) await import(file); const kinds = await Promise.all(${JSON.stringify(kinds)}.map((file) => import(file))); process.stdout.write(JSON.stringify(kinds.map((m) => Object.keys(m).sort())));`);
      const run = spawnSync(process.execPath, [load], { encoding: "utf8", env: { PATH: process.env.PATH, AWS_REGION: "us-east-1" } });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).flat()).toEqual(expect.arrayContaining(["postgresKind", "rdsKind", "auroraKind", "dynamoDbKind"]));
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  }, 60_000);

  it("bundle the pinned AWS SDK in every function, the runtime's left unused", async () => {
    for (const name of ["http-runner", "api", "evaluator", "housekeeping", "queue-consumer", "drill", "browser-runner"]) {
      const { atStart, externalAtStart, files } = await bundleOf(name);
      expect(externalAtStart.filter((p) => p.startsWith("@aws-sdk/") || NEVER_ON_LAMBDA.includes(p)), name).toEqual([]);
      expect(atStart.map(packageOf), name).toContain("@aws-sdk/client-dynamodb");
      // The SDK's own on-demand parts stay out of the cold start: the credential providers but the environment's.
      expect(atStart.filter((f) => /@aws-sdk\/(credential-provider-(sso|ini|process|web-identity|login)|nested-clients)\//.test(f)), name).toEqual([]);
      // And what it never loads on Lambda is not in the package at all (stacks/bundling.ts, NEVER_ON_LAMBDA).
      expect(files.filter((f) => /@aws-sdk\/(credential-provider-(sso|ini|process|web-identity|login)|nested-clients|token-providers)\/|\/bowser\/|submodules\/event-streams\//.test(f)), name).toEqual([]);
    }
  }, 120_000);

  it("load the SNS client only when they page, not at cold start", async () => {
    for (const name of ["api", "evaluator", "housekeeping"]) {
      const { atStart, files } = await bundleOf(name);
      expect(files.map(packageOf), name).toContain("@aws-sdk/client-sns");
      expect(atStart.filter((f) => packageOf(f) === "@aws-sdk/client-sns"), name).toEqual([]);
    }
  }, 60_000);

  it("run as deployed with the SDK bundled: the API's bundle answers /v1/status from a real table (dynalite) through its own SDK, where nothing outside its package can load", async () => {
    const dynamo = await startEmbeddedDynamo();
    // Outside this project: no node_modules above the package, so what the bundle leaves out (NEVER_ON_LAMBDA) cannot load.
    const pkg = mkdtempSync(path.join(tmpdir(), "vigie-bundle-test-"));
    try {
      await ensureTable(dynamo.client, "acme");
      const config = Config.parse({ project: "acme", regions: ["us-east-1"], probes: [{ id: "home", kind: "http", url: "https://acme.dev", every: "1m" }] });
      writeFileSync(path.join(pkg, HOME_CONFIG_FILE), homeConfigJson(config));
      const bundle = path.join(pkg, "functions", "api.mjs");
      await build({ ...esbuildOptionsOf(nodejsOptionsFor("functions/api.handler"), bundle), entryPoints: [path.join(root, "functions", "api.ts")], logLevel: "silent" });
      const event = { version: "2.0", routeKey: "$default", rawPath: "/v1/status", rawQueryString: "", headers: { host: "x" }, requestContext: { http: { method: "GET", path: "/v1/status", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" }, domainName: "x", stage: "$default", requestId: "r", timeEpoch: 0 }, isBase64Encoded: false };
      // Where the SDK is sent: dynalite, by the SDK's own service-specific endpoint variable; keys from the environment.
      const { code, stdout, stderr } = await invokeFresh(pkg, bundle, `handler(${JSON.stringify(event)}, {})`, "out", { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, VIGIE_TABLE: "acme" });
      expect(code, stderr).toBe(0);
      expect(spawnSync(process.execPath, ["--input-type=module", "-e", `await import("bowser")`], { cwd: pkg, encoding: "utf8" }).stderr).toContain("ERR_MODULE_NOT_FOUND");
      const out = JSON.parse(stdout) as { statusCode: number; body: string; isBase64Encoded: boolean };
      expect(out.statusCode, out.body).toBe(200);
      const body = out.isBase64Encoded ? Buffer.from(out.body, "base64").toString() : out.body;
      expect(body).toContain('"home"');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
      await dynamo.close();
    }
  }, 60_000);

  it("run as deployed: the bundled HTTP runner's scheduled run stores its result in a real table (dynalite), where nothing outside its package can load, with the role's keys or a container credentials endpoint", async () => {
    const dynamo = await startEmbeddedDynamo();
    const target = await startHttpTarget((_req, res) => res.end("ok"));
    // A container credentials endpoint, as the SDK's fromHttp reads it (loopback http is allowed).
    let served = 0;
    const credentials = await startHttpTarget((_req, res) => {
      served++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ AccessKeyId: "container", SecretAccessKey: "x", Token: "t", Expiration: new Date(Date.now() + 3_600_000).toISOString() }));
    });
    const pkg = mkdtempSync(path.join(tmpdir(), "vigie-bundle-test-"));
    try {
      await ensureTable(dynamo.client, "acme");
      const config = Config.parse({ project: "acme", regions: ["us-east-1"], probes: [{ id: "home", kind: "http", url: target.url, every: "1m" }] });
      writeFileSync(path.join(pkg, RUNNER_GROUP_FILE), runnerGroupJson(config, "http"));
      const bundle = path.join(pkg, "functions", "http-runner.mjs");
      await build({ ...esbuildOptionsOf(nodejsOptionsFor("functions/http-runner.handler"), bundle), entryPoints: [path.join(root, "functions", "http-runner.ts")], logLevel: "silent" });
      const lambda = { AWS_LAMBDA_FUNCTION_NAME: "acme-ci-http-runner", AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, VIGIE_TABLE: "acme", VIGIE_QUEUE_URL: "https://sqs.invalid/q" };
      const setups: Array<[string, Record<string, string>]> = [
        // The SDK's default chain passes over the keys when AWS_PROFILE is set, and would reach the shared-config
        // provider, which is not in the package.
        ["the role's keys, AWS_PROFILE set too", { ...lambda, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_SESSION_TOKEN: "t", AWS_PROFILE: "someone" }],
        ["a container credentials endpoint, no keys", { ...lambda, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${credentials.url}/creds` }],
      ];
      for (const [setup, env] of setups) {
        const { code, stdout, stderr } = await invokeFresh(pkg, bundle, `handler({ every: "1m" }, { getRemainingTimeInMillis: () => 60000 })`, "out", env);
        expect(code, `${setup}: ${stderr}`).toBe(0);
        expect(JSON.parse(stdout), setup).toMatchObject({ mode: "scheduled", region: "us-east-1", ran: 1, stored: 1 });
      }
      expect(served).toBeGreaterThan(0);
      const { items } = await createResultStore({ doc: DynamoDBDocumentClient.from(dynamo.client), tableName: "acme" }).listRuns({ probeId: "home", limit: 10 });
      expect(items).toMatchObject([{ probeId: "home", outcome: "pass" }, { probeId: "home", outcome: "pass" }]);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
      await target.close();
      await credentials.close();
      await dynamo.close();
    }
  }, 60_000);

  it("run as deployed: the bundled HTTP runner decides a costly `matches` on its worker thread, which is the bundle itself", async () => {
    // A 50 KB body is far past what is matched inline: the match goes to a worker, which starts from the bundle's entry file.
    const target = await startHttpTarget((_req, res) => res.end(`${"x".repeat(50_000)} ok-marker`));
    mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
    const pkg = mkdtempSync(path.join(root, "node_modules", ".cache", "vigie-bundle-test-"));
    try {
      const config = Config.parse({ project: "acme", regions: ["us-east-1"], probes: [{ id: "big", kind: "http", url: target.url, every: "1m", assertions: [{ source: "body", op: "matches", target: "ok-mark[a-z]+" }] }] });
      writeFileSync(path.join(pkg, RUNNER_GROUP_FILE), runnerGroupJson(config, "http"));
      const bundle = path.join(pkg, "functions", "http-runner.mjs");
      await build({ ...esbuildOptionsOf(nodejsOptionsFor("functions/http-runner.handler"), bundle), entryPoints: [path.join(root, "functions", "http-runner.ts")], logLevel: "silent" });
      // The Lambda's environment: its package root, a region, the stack's table, which test mode never reaches.
      const { code, stdout, stderr } = await invokeFresh(pkg, bundle, `handler({ mode: "test" }, { getRemainingTimeInMillis: () => 60000 })`, "out.results", { AWS_REGION: "us-east-1", VIGIE_TABLE: "acme" });
      expect(code, stderr).toBe(0);
      const [result] = JSON.parse(stdout) as Array<{ outcome: string; assertions: Array<{ description: string; passed: boolean }> }>;
      expect(result!.assertions.find((a) => a.description.startsWith("body matches")), stdout).toMatchObject({ passed: true });
      expect(result!.outcome).toBe("pass");
    } finally {
      rmSync(pkg, { recursive: true, force: true });
      await target.close();
    }
  }, 60_000);
});
