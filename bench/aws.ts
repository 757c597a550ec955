// AWS figures: write units per result, read units per /v1/status, the monthly cost of 50 HTTP probes × 3 regions every
// minute, the deployed bundles (size, cold init) and one runner invocation of 50 probes against local targets.
//   npm run bench -- aws        (a few minutes; prints, asserts nothing; BENCH_STATUS_PROBES="50,1000" by default)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { build, type Metafile } from "esbuild";
import { measureStatusReadUnits, measureWriteUnits } from "./aws-units.ts";
import { buildPlan, estimateCost, HOME_CONFIG_FILE, homeConfigJson, RUNNER_GROUP_FILE, runnerGroupJson, SIZES } from "../core/plan/index.ts";
import { composeVigie, runGroup, runInvocation } from "../core/runtime/index.ts";
import { ensureTable, startEmbeddedDynamo } from "../core/store/index.ts";
import { runOnce } from "../probes/index.ts";
import { Config, type Probe } from "../index.ts";
import { esbuildOptionsOf, nodejsOptions, nodejsOptionsFor, SDK_FROM_RUNTIME, sdkSourceOf } from "../stacks/bundling.ts";
import rawConfig from "../vigie.config.ts";

const root = path.resolve(import.meta.dirname, "..");
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function writeUnits() {
  console.log("\n-- DynamoDB write units per HTTP result (1 probe × 3 regions × 120 one-minute runs, real write path + evaluator) --");
  for (const slo of [false, true]) {
    for (const batched of [true, false]) {
      const m = await measureWriteUnits({ slo, batched });
      console.log(`SLOs ${slo ? "on " : "off"}, evaluated ${batched ? "a minute's 3 regions per batch (AWS stream)" : "one by one (vigie start)      "}: ${m.perResult.toFixed(2)} WRU/result (store ${m.store.toFixed(2)}: run + hour rollup with its last run + hourly marker; evaluator ${m.evaluator.toFixed(2)}) over ${m.results} results`);
    }
  }
}

async function readUnits() {
  console.log("\n-- DynamoDB read units per uncached /v1/status (3 regions, 24 hours + 89 folded days each, SLO state) --");
  for (const probes of (process.env.BENCH_STATUS_PROBES ?? "50,1000").split(",").map(Number)) {
    const started = performance.now();
    const m = await measureStatusReadUnits(probes);
    console.log(`${probes} probes × 3 regions: ${m.total.toFixed(0)} RRU a refresh, ${m.perProbeRegion.toFixed(2)} per probe × region (measured in ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
}

function monthlyCost() {
  console.log("\n-- monthly cost: 50 HTTP probes × 3 regions every minute (core/plan prices and measured units) --");
  const config = Config.parse({
    project: "fleet", home: "us-east-1", regions: ["us-east-1", "eu-west-1", "ap-southeast-2"],
    probes: Array.from({ length: 50 }, (_, i) => ({ id: `api-${i}`, kind: "http", url: `https://api.acme.dev/${i}`, every: "1m" })),
  });
  for (const slo of [false, true]) {
    const cost = estimateCost(buildPlan(config), { slo });
    const top = [...cost.lines].sort((a, b) => b.usd - a.usd).slice(0, 3).map((l) => `${l.item} $${l.usd.toFixed(2)}`).join(", ");
    console.log(`SLOs ${slo ? "on " : "off"}: vigie $${cost.totalUsd.toFixed(2)} a month (${top}); CloudWatch Synthetics $${cost.syntheticsUsd.toFixed(0)}; ratio ${(cost.totalUsd / cost.syntheticsUsd * 100).toFixed(2)} %`);
  }
}

// Each function as stacks/index.ts deploys it: its entry, its `nodejs` options (stacks/bundling.ts: every function
// bundles the SDK), and the file the deploy writes beside the bundle (a runner's
// probe group, the home functions' config). `event` is a first call that builds the handler's deps and touches no AWS
// service; without one, only the import is timed.
const FUNCTIONS: Array<{ name: string; event?: unknown; group?: "http" | "browser"; home?: true }> = [
  { name: "http-runner", event: { mode: "test", probes: [] }, group: "http" },
  { name: "browser-runner", event: { mode: "test", probes: [] }, group: "browser" },
  { name: "api", event: { version: "2.0", routeKey: "$default", rawPath: "/healthz", rawQueryString: "", headers: { host: "x" }, requestContext: { http: { method: "GET", path: "/healthz", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" }, domainName: "x", stage: "$default", requestId: "r", timeEpoch: 0 }, isBase64Encoded: false }, home: true },
  { name: "evaluator", event: { Records: [] }, home: true },
  { name: "queue-consumer", event: { Records: [] }, home: true },
  { name: "housekeeping", home: true },
  { name: "drill", home: true },
];

/**
 * A package's minified bytes: all its files, and those loaded at cold start (the entry and the chunks it imports
 * statically; a chunk behind a dynamic import loads when that code first runs).
 */
function sizesOf(metafile: Metafile, entry: string): { total: number; atStart: number } {
  const outputs = Object.fromEntries(Object.entries(metafile.outputs).map(([file, output]) => [path.resolve(root, file), output]));
  const atStart = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (atStart.has(file)) continue;
    atStart.add(file);
    for (const i of outputs[file]?.imports ?? []) if (!i.external && i.kind === "import-statement") pending.push(path.resolve(root, i.path));
  }
  const bytes = (files: string[]) => files.reduce((sum, file) => sum + (outputs[file]?.bytes ?? 0), 0);
  return { total: bytes(Object.keys(outputs)), atStart: bytes([...atStart]) };
}

/** The largest contributors to a bundle, by package (or source folder), from esbuild's metafile. */
function topInputs(metafile: Metafile, count: number): string {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      const key = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split("/").slice(0, 2).join("/");
      sizes.set(key, (sizes.get(key) ?? 0) + input.bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, bytes]) => `${key} ${(bytes / 1024).toFixed(0)}`).join(", ");
}

async function bundles() {
  console.log("\n-- bundles as deployed (SST 4.17.1's esbuild options from stacks/bundling.ts) and cold init in a fresh Node process (median of 10) --");
  console.log(`(with the runtime's SDK, ${SDK_FROM_RUNTIME.join(", ")} is left out and loaded from the Lambda runtime; KB are KiB of the minified .mjs files, chunks included)`);
  const config = Config.parse(rawConfig);
  // Inside node_modules, so the packages a bundle leaves out (the SDK, Chromium as `nodejs.install` ships them) resolve.
  mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
  const dir = mkdtempSync(path.join(root, "node_modules", ".cache", "vigie-bundles-"));
  try {
    // A yardstick for this machine's load: importing zod alone (the config's schema library) in the same kind of process.
    const yardstick = path.join(dir, "zod-only.mjs");
    writeFileSync(yardstick, `const t0 = performance.now(); await import("zod"); process.stdout.write(String(performance.now() - t0));`);
    const zodTimes = Array.from({ length: 10 }, () => Number(spawnSync(process.execPath, [yardstick], { encoding: "utf8" }).stdout));
    console.log(`(yardstick: importing zod alone takes ${median(zodTimes).toFixed(0)} ms here; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
    // A port certainly closed: bound, then let go.
    const closedPort = await new Promise<number>((resolve) => {
      const server = http.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    for (const fn of FUNCTIONS) {
      const entry = path.join(root, "functions", `${fn.name}.ts`);
      // As deployed, and with the SDK from the other source, for comparison: both timed, their runs taken in turn.
      const deployed = nodejsOptionsFor(`functions/${fn.name}.handler`);
      const other = nodejsOptions(deployed.install, sdkSourceOf(deployed) === "runtime" ? "bundled" : "runtime");
      const variants = await Promise.all([deployed, other].map(async (nodejs, index) => {
        // As SST lays out the package: the handler under functions/, copied files at the root (LAMBDA_TASK_ROOT).
        const pkg = path.join(dir, `${fn.name}${index === 0 ? "" : "-other"}`);
        const outfile = path.join(pkg, "functions", `${fn.name}.mjs`);
        const { metafile } = await build({ ...esbuildOptionsOf(nodejs, outfile), entryPoints: [entry], metafile: true, logLevel: "silent" });
        // The HTTP runner's group gets a probe of a closed local port: its first run times the container's warm-up.
        const grouped = fn.group === "http" ? Config.parse({ ...rawConfig, probes: [...(rawConfig.probes ?? []), { id: "bench-closed", kind: "http", url: `http://127.0.0.1:${closedPort}/`, every: "1m" }] }) : config;
        if (fn.group) writeFileSync(path.join(pkg, RUNNER_GROUP_FILE), runnerGroupJson(grouped, fn.group));
        if (fn.home) writeFileSync(path.join(pkg, HOME_CONFIG_FILE), homeConfigJson(config));
        const probe = path.join(pkg, "init.mjs");
        writeFileSync(probe, [
          `const t0 = performance.now();`,
          `const m = await import(${JSON.stringify(outfile)});`,
          `const t1 = performance.now();`,
          fn.event ? `await m.handler(${JSON.stringify(fn.event)}, { getRemainingTimeInMillis: () => 60000 });` : "",
          `const t2 = performance.now();`,
          fn.group === "http" ? `await m.handler({ mode: "test", probes: ["bench-closed"] }, { getRemainingTimeInMillis: () => 60000 });` : "",
          `process.stdout.write(JSON.stringify([t2 - t0, t1 - t0, performance.now() - t2]));`,
        ].join("\n"));
        return { pkg, probe, metafile: metafile!, sizes: sizesOf(metafile!, outfile), times: [] as number[], imports: [] as number[], firstRuns: [] as number[] };
      }));
      for (let i = 0; i < 10; i++) {
        for (const variant of variants) {
          const run = spawnSync(process.execPath, [variant.probe], { encoding: "utf8", env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: variant.pkg, AWS_LAMBDA_FUNCTION_NAME: `bench-${fn.name}`, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", VIGIE_TABLE: "vigie", VIGIE_QUEUE_URL: "https://sqs.invalid/q" } });
          if (run.status !== 0) throw new Error(`${fn.name}: ${run.stderr.slice(0, 1500)}`);
          const [total, imported, firstRun] = JSON.parse(run.stdout) as [number, number, number];
          variant.times.push(total);
          variant.imports.push(imported);
          variant.firstRuns.push(firstRun);
        }
      }
      const [main, alt] = variants as [typeof variants[0], typeof variants[0]];
      const kb = (bytes: number) => (bytes / 1024).toFixed(0);
      const size = ({ sizes }: typeof main) => `${kb(sizes.total)} KB${sizes.atStart < sizes.total ? ` (${kb(sizes.atStart)} KB loaded at cold start)` : ""}`;
      const sdk = (nodejs: typeof deployed) => (sdkSourceOf(nodejs) === "runtime" ? "the runtime's SDK" : "the SDK bundled");
      console.log(`${fn.name.padEnd(15)} ${size(main)} with ${sdk(deployed)}: cold init ${median(main.times).toFixed(0)} ms (import ${median(main.imports).toFixed(0)} ms${fn.event ? ", then the first call builds the handler" : ""})`);
      if (fn.group === "http") console.log(`${"".padEnd(15)} its first invocation that runs a probe (one to a closed local port) then takes ${median(main.firstRuns).toFixed(0)} ms: the container's HTTP warm-up, once`);
      console.log(`${"".padEnd(15)} with ${sdk(other)} instead: ${size(alt)}, cold init ${median(alt.times).toFixed(0)} ms (import ${median(alt.imports).toFixed(0)} ms)`);
      console.log(`${"".padEnd(15)} largest: ${topInputs(main.metafile, 5)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runnerGroup() {
  console.log("\n-- one HTTP runner invocation: 50 probes against local targets (20–200 ms each), stored on dynalite --");
  const server = http.createServer((req, res) => {
    const delay = Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms") ?? 0);
    setTimeout(() => res.end("ok"), delay);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const config = Config.parse({
    project: "bench", regions: ["eu-west-1"],
    probes: Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, kind: "http", url: `http://127.0.0.1:${port}/?ms=${20 + Math.round((180 * i) / 49)}`, every: "1m" })),
  });
  const dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, "bench");
  const vigie = composeVigie({ client: dynamo.client, tableName: "bench", config, env: {}, now: Date.now, log: () => {} });
  const deps = (probes: Probe[]) => ({
    probes, kind: "http", region: "eu-west-1", run: (probe: Probe) => runOnce(probe, { region: "eu-west-1", now: Date.now, env: {} }),
    store: vigie.store, enqueue: async () => {}, secrets: [], inMaintenance: () => false, now: Date.now,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), log: () => {}, spreadMs: 0,
  });
  try {
    const slowest = config.probes.at(-1)!;
    const alone: number[] = [];
    const group: number[] = [];
    const probesOnly: number[] = [];
    const aloneOnly: number[] = [];
    const groupDeps = { region: "eu-west-1", run: (probe: Probe) => runOnce(probe, { region: "eu-west-1", now: Date.now, env: {} }), now: Date.now, sleep: async () => {}, deadline: Date.now() + 3_600_000, spreadMs: 0 };
    for (let round = 0; round < 5; round++) {
      let t = performance.now();
      await runInvocation({ mode: "scheduled", every: 60_000 }, deps([slowest]));
      alone.push(performance.now() - t);
      t = performance.now();
      await runInvocation({ mode: "scheduled", every: 60_000 }, deps(config.probes));
      group.push(performance.now() - t);
      t = performance.now();
      await runGroup([slowest], groupDeps);
      aloneOnly.push(performance.now() - t);
      t = performance.now();
      await runGroup(config.probes, groupDeps);
      probesOnly.push(performance.now() - t);
    }
    const gbSeconds = (median(group) / 1000) * (SIZES.http.memoryMb / 1024);
    console.log(`probes only: slowest alone ${median(aloneOnly).toFixed(0)} ms, the group of 50 ${median(probesOnly).toFixed(0)} ms: ratio ${(median(probesOnly) / median(aloneOnly)).toFixed(2)}× (median of 5)`);
    console.log(`whole invocation (probes + storing on in-process dynalite): slowest alone ${median(alone).toFixed(0)} ms, the group ${median(group).toFixed(0)} ms: ratio ${(median(group) / median(alone)).toFixed(2)}×`);
    console.log(`billed: ${gbSeconds.toFixed(4)} GB-s an invocation at ${SIZES.http.memoryMb} MB (plus the 1 s start spread when deployed: ${((median(group) + 1000) / 1000 * SIZES.http.memoryMb / 1024).toFixed(4)} GB-s)`);
    console.log(`(load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
  } finally {
    server.close();
    await dynamo.close();
  }
}

// BENCH_ONLY=units|cost|reads|bundles|runner runs one part.
const only = process.env.BENCH_ONLY;
if (!only || only === "units") await writeUnits();
if (!only || only === "cost") monthlyCost();
if (!only || only === "reads") await readUnits();
if (!only || only === "bundles") await bundles();
if (!only || only === "runner") await runnerGroup();
