// HTTP probe benchmark: timing accuracy against a bare node:http request, and throughput against a bare loop.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import { runProbe } from "../core/runner/index.ts";
import { HttpProbe, runHttpAttempt, userAgent } from "../probes/http/index.ts";

const deps = { region: "bench", now: Date.now, env: {} };

/** A bare request on a fresh connection, timed from just before the request to the last byte. */
function bare(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    http
      // The same request on the wire as the probe's, so the in-process server does the same work for both.
      .get(url, { agent: false, headers: { "user-agent": userAgent(deps.region) } }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(performance.now() - start));
      })
      .on("error", reject);
  });
}

const parsed = new Map<string, HttpProbe>();
async function probe(url: string): Promise<number> {
  // Parsing the config is start-up work, not part of a run.
  let config = parsed.get(url);
  if (!config) parsed.set(url, (config = HttpProbe.parse({ id: "bench", kind: "http", url })));
  const result = await runProbe(config, runHttpAttempt, deps);
  if (result.outcome !== "pass") throw new Error(`bench probe failed: ${result.error?.message}`);
  return result.http!.timings.totalMs;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const delay = Number(new URL(req.url!, "http://x").searchParams.get("delay") ?? 0);
    const reply = () => res.end("ok");
    if (delay > 0) setTimeout(reply, delay);
    else reply();
  });
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function main(): Promise<void> {
  const server = await startServer();
  console.log("# http probe benchmark (server and client in this process, 127.0.0.1)");

  console.log("\n## accuracy: probe totalMs vs a bare node:http request (fresh connection each), interleaved, 40 pairs");
  for (const delay of [50, 200]) {
    const url = `${server.url}/?delay=${delay}`;
    await probe(url);
    await bare(url);
    const diffs: number[] = [];
    const probes: number[] = [];
    const bares: number[] = [];
    for (let i = 0; i < 40; i++) {
      const p = await probe(url);
      const b = await bare(url);
      probes.push(p);
      bares.push(b);
      diffs.push(Math.abs(p - b));
    }
    console.log(`D=${delay} ms  probe median ${median(probes).toFixed(2)} ms  bare median ${median(bares).toFixed(2)} ms  median |probe − bare| ${median(diffs).toFixed(3)} ms (goal ≤ 1 ms)`);
  }

  console.log("\n## throughput: 2,000 requests at concurrency 50, fresh connection each");
  const total = 2000;
  const measure = async (label: string, one: () => Promise<unknown>) => {
    const limit = pLimit(50);
    const start = performance.now();
    await Promise.all(Array.from({ length: total }, () => limit(one)));
    const perSecond = total / ((performance.now() - start) / 1000);
    console.log(`${label.padEnd(14)} ${perSecond.toFixed(0)} req/s`);
    return perSecond;
  };
  // Warm both paths, then alternate to even out the machine's noise.
  for (let round = 0; round < 2; round++) {
    await measure("warm-up bare", () => bare(server.url));
    await measure("warm-up probe", () => probe(server.url));
  }
  const bareRates: number[] = [];
  const probeRates: number[] = [];
  for (let round = 0; round < 5; round++) {
    bareRates.push(await measure("bare", () => bare(server.url)));
    probeRates.push(await measure("vigie probe", () => probe(server.url)));
  }
  const ratio = median(probeRates) / median(bareRates);
  console.log(`median: probe ${median(probeRates).toFixed(0)} probes/s, bare ${median(bareRates).toFixed(0)} req/s, ratio ${ratio.toFixed(2)} (goal ≥ 0.8)`);
  await server.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
