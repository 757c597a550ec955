// Measurement truth: vigie's HTTP timings against the target server's own clock (accept → last byte written),
// cold (a fresh `vigie test` process per run) and warm, beside curl, alone and under concurrency. Prints, asserts nothing.
// TRUTH_N sets the runs per case (default 15); TRUTH_PARTS picks parts: "single,concurrent,browser" (default all);
// TRUTH_BROWSER_N the runs per page of the browser half (default 5).
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { createBrowserProvider } from "../probes/browser/index.ts";
import { BrowserProbe, HttpProbe, runOnce, type RunnerDeps } from "../probes/index.ts";
import { startHttpIsolate } from "../probes/http/index.ts";
import type { HttpTimings, ProbeResult } from "../core/result/index.ts";
import { makeTestPki } from "../test/fixtures/certs.ts";
import { startPageServer } from "../test/fixtures/browser-pages.ts";
import { browserVsLighthouse } from "./truth-browser.ts";
import { median, startTruthTarget, type ServerStamps } from "./truth-target-client.ts";

const N = Number(process.env.TRUTH_N ?? 15);
const PARTS = new Set((process.env.TRUTH_PARTS ?? "single,concurrent,browser").split(","));
const ROOT = path.join(import.meta.dirname, "..");

interface Sample { total: number; connect: number; tls: number; blocked?: number; noise?: number }

const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "–");

// ---- the target, in a process of its own so its clock is not ours ----
const pki = makeTestPki();
const { ports, stampsOf: serverStamps, close: closeTarget } = await startTruthTarget(pki.valid);
const floorOf = (s: ServerStamps) => s.last - s.accept;

let sequence = 0;
const url = (scheme: "http" | "https", query: string) => `${scheme}://127.0.0.1:${ports[scheme]}/?id=${++sequence}&${query}`;
const idOf = (href: string) => new URL(href).searchParams.get("id")!;
const fromTimings = (t: HttpTimings): Sample => ({ total: t.totalMs, connect: t.connectMs, tls: t.tlsMs, blocked: t.blockedMs ?? NaN, ...(t.noiseMs !== undefined ? { noise: t.noiseMs } : {}) });

const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-truth-"));
const caFile = path.join(dir, "ca.pem");
writeFileSync(caFile, pki.ca.cert);
const probeFor = (href: string) => ({ id: "truth", kind: "http", url: href, timeout: "10s", ...(href.startsWith("https") ? { tls: { ca: pki.ca.cert } } : {}) });

/** A fresh `vigie test` process, as a user (or a new Lambda container) runs it: the first request of a process. */
async function vigieCold(href: string): Promise<Sample> {
  const file = path.join(dir, `config-${idOf(href)}.json`);
  writeFileSync(file, JSON.stringify({ project: "truth", probes: [probeFor(href)] }));
  const child = spawn(process.execPath, [path.join(ROOT, "bin/vigie.js"), "test", "--config", file, "--reporter", "json"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  await new Promise((resolve) => child.on("close", resolve));
  const result = JSON.parse(out.trim().split("\n")[0]!) as ProbeResult;
  if (!result.http || result.outcome === "fail") throw new Error(`vigie test failed: ${out}`);
  return fromTimings(result.http.timings);
}

const deps: RunnerDeps = { region: "bench", now: Date.now, env: {} };
/** The same runner in this long-lived process, after warm-up runs. */
async function vigieWarm(href: string): Promise<Sample> {
  const result = await runOnce(HttpProbe.parse(probeFor(href)), deps);
  if (!result.http || result.outcome === "fail") throw new Error(`probe failed: ${result.error?.message}`);
  return fromTimings(result.http.timings);
}

/**
 * Node's own client with nothing of vigie's: `http(s).get` on a fresh connection (no agent: its own socket), timed from just before
 * the call to the response's `end`, in this long-lived process. What Node's HTTP and TLS stack cost by itself
 * (vigie warm runs on the same stack), beside curl's C client; connect and TLS from the socket's events.
 */
const bareAgentOptions = { ca: pki.ca.cert };
async function nodeBare(href: string): Promise<Sample> {
  const secure = href.startsWith("https");
  return new Promise<Sample>((resolve, reject) => {
    const start = performance.now();
    let attempt = NaN;
    let connected = NaN;
    let secured = NaN;
    // The socket is made here, so its connection attempt can be heard (Node hands it to the request a tick later).
    const createConnection = (options: object) => {
      const socket = secure ? tls.connect(options as tls.ConnectionOptions) : net.connect(options as net.NetConnectOpts);
      socket.once("connectionAttempt", () => (attempt = performance.now()));
      return socket;
    };
    // No agent: Node uses `createConnection` only then (with `agent: false` it makes an agent of its own).
    const request = (secure ? https : http).get(href, { createConnection, ...(secure ? bareAgentOptions : {}) }, (res) => {
      res.on("data", () => {});
      res.prependListener("end", () => {
        const end = performance.now();
        resolve({ total: end - start, connect: connected - attempt, tls: secure ? secured - connected : 0 });
      });
    });
    request.on("socket", (socket) => {
      socket.prependListener("connect", () => (connected = performance.now()));
      if (secure) socket.once("secureConnect", () => (secured = performance.now()));
    });
    request.on("error", reject);
  });
}

const hasCurl = spawnSync("curl", ["--version"]).status === 0;
async function curl(href: string): Promise<Sample> {
  const child = spawn("curl", ["-s", "-o", "/dev/null", "--cacert", caFile, "-w", "%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}", href], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  await new Promise((resolve) => child.on("close", resolve));
  const [lookup, connect, app, , total] = out.trim().split(" ").map((s) => Number(s) * 1000) as [number, number, number, number, number];
  return { total, connect: connect - lookup, tls: app > 0 ? app - connect : 0 };
}

type Client = "vigie cold" | "vigie warm" | "node bare" | "curl";
const CLIENTS: Array<[Client, (href: string) => Promise<Sample>]> = [["vigie cold", vigieCold], ["vigie warm", vigieWarm], ["node bare", nodeBare], ...(hasCurl ? [["curl", curl] as [Client, (href: string) => Promise<Sample>]] : [])];

const CASES = [
  { name: "waits 20 ms", query: "wait=20" },
  { name: "waits 100 ms", query: "wait=100" },
  { name: "waits 300 ms", query: "wait=300" },
  { name: "trickled body (10 × 100 B, 10 ms apart)", query: "trickle=10" },
  { name: "1 MiB body", query: "bytes=1048576" },
];

async function single() {
  console.log(`\n## one request at a time: medians of ${N} runs per case, clients interleaved; floor = the server's accept → last byte written`);
  console.log(`(vigie cold: a fresh \`vigie test\` process per run; vigie warm: the same runner in a long-lived process; node bare: Node's own \`http(s).get\`, no agent, in that process${hasCurl ? "; curl -w" : "; curl not installed"})\n`);
  for (let i = 0; i < 5; i++) {
    for (const scheme of ["https", "http"] as const) {
      await vigieWarm(url(scheme, "wait=0"));
      await nodeBare(url(scheme, "wait=0"));
    }
  }
  // TLS: each client's handshake against the one the target saw on that client's own runs (clients differ: curl's
  // offer makes the target's handshake longer), as the median of the two and of the per-run difference.
  const header = ["case", "floor", ...CLIENTS.map(([c]) => c), ...CLIENTS.map(([c]) => `|${c} − floor|`), ...CLIENTS.map(([c]) => `connect ${c}`), ...CLIENTS.map(([c]) => `tls ${c} / server's`), ...CLIENTS.map(([c]) => `tls ${c} − server's`), "blocked vigie cold", "blocked vigie warm"];
  console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  for (const scheme of ["http", "https"] as const) {
    for (const kase of CASES) {
      const floors: number[] = [];
      const byClient = new Map<Client, { total: number[]; error: number[]; connect: number[]; tls: number[]; serverTls: number[]; tlsGap: number[]; blocked: number[] }>();
      for (const [client] of CLIENTS) byClient.set(client, { total: [], error: [], connect: [], tls: [], serverTls: [], tlsGap: [], blocked: [] });
      for (let i = 0; i < N; i++) {
        for (const [client, run] of CLIENTS) {
          const href = url(scheme, kase.query);
          const sample = await run(href);
          const s = await serverStamps(idOf(href));
          const floor = floorOf(s);
          floors.push(floor);
          const row = byClient.get(client)!;
          if (s.tls !== undefined) {
            const serverTls = s.tls - (s.tlsStart ?? s.accept);
            row.serverTls.push(serverTls);
            row.tlsGap.push(sample.tls - serverTls);
          }
          row.total.push(sample.total);
          row.error.push(Math.abs(sample.total - floor));
          row.connect.push(sample.connect);
          row.tls.push(sample.tls);
          row.blocked.push(sample.blocked ?? NaN);
        }
      }
      const rows = CLIENTS.map(([c]) => byClient.get(c)!);
      console.log(`| ${[`${scheme} ${kase.name}`, f(median(floors)), ...rows.map((r) => f(median(r.total))), ...rows.map((r) => f(median(r.error))), ...rows.map((r) => f(median(r.connect), 2)), ...rows.map((r) => (scheme === "https" ? `${f(median(r.tls), 2)} / ${f(median(r.serverTls), 2)}` : "–")), ...rows.map((r) => (scheme === "https" ? f(median(r.tlsGap), 2) : "–")), f(median(byClient.get("vigie cold")!.blocked), 2), f(median(byClient.get("vigie warm")!.blocked), 2)].join(" | ")} |`);
    }
  }
}

/** Rounds of 8 probes at once (20 ms server wait, http and https alternating), optionally beside a browser probe looping. */
async function concurrentRounds(label: string, run: (href: string) => Promise<Sample>, rounds: number) {
  const errors: number[] = [];
  const connects: number[] = [];
  const noises: number[] = [];
  const blocked: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const hrefs = Array.from({ length: 8 }, (_, i) => url(i % 2 ? "https" : "http", "wait=20"));
    const samples = await Promise.all(hrefs.map(run));
    for (const [i, href] of hrefs.entries()) {
      const s = await serverStamps(idOf(href));
      errors.push(Math.abs(samples[i]!.total - floorOf(s)));
      connects.push(samples[i]!.connect);
      blocked.push(samples[i]!.blocked ?? NaN);
      if (samples[i]!.noise !== undefined) noises.push(samples[i]!.noise!);
    }
  }
  const sorted = [...errors].sort((a, b) => a - b);
  console.log(`| ${label} | ${errors.length} | ${f(median(errors))} | ${f(sorted[Math.floor(sorted.length * 0.95)]!)} | ${f(sorted.at(-1)!)} | ${f(median(blocked), 2)} | ${f(median(connects), 2)} | ${f(median(noises))} | ${f(Math.max(...noises))} |`);
}

async function concurrent() {
  console.log(`\n## under concurrency, in one process (${N} rounds of 8 probes at once, server waits 20 ms, half http half https)\n`);
  console.log("| setting | runs | median |total − floor| | p95 | max | blocked median | connect median | noiseMs median | noiseMs max |\n|---|---|---|---|---|---|---|---|---|");
  const isolate = startHttpIsolate();
  const isolated = async (href: string): Promise<Sample> => {
    const result = await runOnce(HttpProbe.parse(probeFor(href)), { ...deps, httpIsolate: isolate });
    if (!result.http || result.outcome === "fail") throw new Error(`probe failed: ${result.error?.message}`);
    return fromTimings(result.http.timings);
  };
  for (let i = 0; i < 3; i++) await isolated(url("http", "wait=0"));
  await concurrentRounds("8 HTTP probes at once", vigieWarm, N);
  await concurrentRounds("8 HTTP probes at once, on the HTTP thread", isolated, N);
  const pages = await startPageServer();
  const provider = createBrowserProvider({ concurrency: 1 });
  await provider.browser();
  const browserDeps: RunnerDeps = { ...deps, browser: provider, artifactsDir: path.join(dir, "artifacts") };
  let browsing = true;
  const browserRuns: ProbeResult[] = [];
  const loop = (async () => {
    const probe = BrowserProbe.parse({ id: "beside", kind: "browser", url: pages.url("/typical"), quietWindow: "500ms", timeout: "30s" });
    while (browsing) browserRuns.push(await runOnce(probe, browserDeps));
  })();
  // Let the browser probe get going before measuring beside it.
  while (browserRuns.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  await concurrentRounds("8 HTTP probes at once beside a browser probe", vigieWarm, N);
  await concurrentRounds("8 HTTP probes at once beside a browser probe, on the HTTP thread (as vigie start runs them)", isolated, N);
  browsing = false;
  await isolate.close();
  await loop;
  await provider.close();
  await pages.close();
  console.log(`\n(the browser probe ran ${browserRuns.length} times alongside; its noiseMs median ${f(median(browserRuns.map((r) => r.browser?.noiseMs ?? NaN)))})`);
}

try {
  console.log(`# measurement truth (127.0.0.1, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  if (PARTS.has("single")) await single();
  if (PARTS.has("concurrent")) await concurrent();
  if (PARTS.has("browser")) await browserVsLighthouse(Number(process.env.TRUTH_BROWSER_N ?? 5));
} finally {
  closeTarget();
  rmSync(dir, { recursive: true, force: true });
}
