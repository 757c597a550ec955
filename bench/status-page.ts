// Status page figures: bytes of `/` raw and gzipped at 5, 50 and 500 probes, and its time to first byte at 500.
//   npx tsx bench/status-page.ts      (a few minutes, most of it loading rollups; prints, asserts nothing; BENCH_PROBES changes 500)
import type { AddressInfo } from "node:net";
import http from "node:http";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { serve, type ServerType } from "@hono/node-server";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createApp, computeStatus, renderStatusPage, type StatusProbe } from "../api/index.ts";
import type { Incident, ProbeResult } from "../core/result/index.ts";
import { bucketOf, createResultStore, ensureTable, startEmbeddedDynamo, type ResultStore, type Rollup } from "../core/store/index.ts";

const MAX_PROBES = Number(process.env.BENCH_PROBES ?? 500);
const REGIONS = ["us-east-1", "eu-west-1"];
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.now();
const REQUESTS = 40;

const probes: StatusProbe[] = Array.from({ length: MAX_PROBES }, (_, i) => ({
  id: `probe-${String(i).padStart(3, "0")}`, name: `Service ${i}`, kind: "http", every: 60_000, timeout: 10_000, regions: REGIONS,
}));

/** One-minute runs over `runs` minutes: a few failures on some days, an outage now and then, latencies around 80 ms. */
function rollup(key: string, runs: number, seed: number): Rollup {
  const fail = seed % 23 === 0 ? Math.ceil(runs * 0.3) : seed % 7 === 0 ? Math.ceil(runs * 0.002) : 0;
  const degraded = seed % 11 === 0 ? Math.ceil(runs * 0.6) : seed % 5 === 0 ? Math.ceil(runs * 0.01) : 0;
  const answered = runs - fail;
  const histogram = { [bucketOf(45)]: Math.round(answered * 0.3), [bucketOf(80)]: Math.round(answered * 0.5), [bucketOf(300)]: answered - Math.round(answered * 0.3) - Math.round(answered * 0.5) };
  return { key, runs, pass: answered - degraded, degraded, fail, maintenance: 0, histogram };
}

async function load(store: ResultStore): Promise<number> {
  let items = 0;
  const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const jobs: Array<() => Promise<void>> = [];
  probes.forEach((probe, p) => {
    for (const [r, region] of REGIONS.entries()) {
      const days = Array.from({ length: 89 }, (_, i) => rollup(dayKey(NOW - (i + 1) * DAY), 1440, i * 3 + p * 7 + r));
      const hours: Rollup[] = [];
      for (let t = Math.floor((NOW - DAY) / HOUR) * HOUR + HOUR; t <= NOW; t += HOUR) hours.push(rollup(new Date(t).toISOString().slice(0, 13), 60, t / HOUR + p));
      items += days.length + hours.length;
      jobs.push(async () => {
        await store.putDayRollups(probe.id, region, days);
        await store.putHourRollups(probe.id, region, hours);
      });
    }
  });
  for (let i = 0; i < jobs.length; i += 8) await Promise.all(jobs.slice(i, i + 8).map((job) => job()));
  await store.write(probes.flatMap((probe, p) => REGIONS.map((region): ProbeResult => ({
    probeId: probe.id, kind: "http", region, startedAt: new Date(NOW - 30_000).toISOString(), durationMs: 80,
    outcome: p % 97 === 3 ? "fail" : "pass", ...(p % 97 === 3 ? { error: { category: "connect" as const, message: "connection refused" } } : {}), assertions: [],
  }))));
  return items;
}

/** A few public outages, as alerting would list them: one open, some resolved this week. */
const incidents: Incident[] = probes.filter((_, p) => p % 97 === 3).map((probe, i) => ({
  id: `inc-${probe.id}`, probeId: probe.id, kind: "down", severity: "high", regions: REGIONS, startedAt: new Date(NOW - (i + 1) * 3 * HOUR).toISOString(),
  ...(i === 0 ? {} : { resolvedAt: new Date(NOW - (i + 1) * 3 * HOUR + 20 * 60_000).toISOString(), durationMs: 20 * 60_000 }),
  firstError: { category: "connect", message: "connection refused" },
}));

/** Time to the response's first byte (its status line) and to its last, on a fresh connection each time. */
function timedGet(url: string, encoding: string): Promise<{ ttfb: number; total: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const request = http.get(url, { headers: { "accept-encoding": encoding }, agent: false }, (response) => {
      const ttfb = performance.now() - start;
      let bytes = 0;
      response.on("data", (chunk: Buffer) => { bytes += chunk.length; });
      response.on("end", () => resolve({ ttfb, total: performance.now() - start, bytes }));
    });
    request.on("error", reject);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function listen(count: number, store: ResultStore, statusCacheMs?: number): Promise<{ url: string; server: ServerType }> {
  const app = createApp({ store, probes: probes.slice(0, count), apiKeys: [], now: Date.now, title: "Acme", ...(statusCacheMs ? { statusCacheMs } : {}), incidents: { list: async (q) => ({ items: incidents.filter((i) => q.status === "all" || (q.status === "open") === !i.resolvedAt) }) } });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function main(): Promise<void> {
  const dynamo = await startEmbeddedDynamo();
  try {
    console.log(`status page bench: up to ${MAX_PROBES} probes × ${REGIONS.length} regions, 90 days of rollups (dynalite in memory, Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)})`);
    await ensureTable(dynamo.client, "bench-status");
    const store = createResultStore({ doc: DynamoDBDocumentClient.from(dynamo.client), tableName: "bench-status", now: () => NOW });
    const loadStart = performance.now();
    const items = await load(store);
    console.log(`  ${items} rollup items loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

    for (const count of [5, 50, 500].filter((n) => n <= MAX_PROBES)) {
      const { url, server } = await listen(count, store);
      const first = await timedGet(url, "gzip");
      const raw = await timedGet(url, "identity");
      const gzip = await timedGet(url, "gzip");
      console.log(`  ${String(count).padStart(3)} probes: / is ${kb(raw.bytes)} raw, ${kb(gzip.bytes)} gzipped (${(gzip.bytes / count / 1024).toFixed(2)} KiB per probe; goal ≤ 2); first request (model + render + gzip) TTFB ${fmt(first.ttfb)}`);
      if (count === MAX_PROBES) {
        const measure = async (label: string, target: string) => {
          const runs: Record<string, Array<{ ttfb: number; total: number }>> = { gzip: [], identity: [] };
          for (let i = 0; i < REQUESTS; i++) for (const encoding of ["gzip", "identity"]) runs[encoding]!.push(await timedGet(target, encoding));
          for (const [encoding, list] of Object.entries(runs)) {
            console.log(`    ${label}, ${encoding}: TTFB median ${fmt(median(list.map((r) => r.ttfb)))}, p95 ${fmt(p95(list.map((r) => r.ttfb)))}; whole response median ${fmt(median(list.map((r) => r.total)))} (${REQUESTS} requests)`);
          }
        };
        // As deployed (model kept 5 s): the model refresh and the new rendering run in the background of the same
        // process every 5 s, and requests that arrive meanwhile wait for the event loop.
        await measure("default (model refreshed every 5 s)", url);
        // The cost of serving alone: the model kept 10 minutes, so nothing else runs.
        const quiet = await listen(count, store, 600_000);
        await timedGet(quiet.url, "gzip");
        await measure("serving only (model kept)", quiet.url);
        await new Promise((resolve) => quiet.server.close(resolve));
        // Once per model refresh (every 5 s at most) one request renders and gzips the page again.
        const model = await computeStatus({ store, probes: probes.slice(0, count), now: Date.now });
        const renders: number[] = [];
        for (let i = 0; i < 5; i++) {
          const start = performance.now();
          await renderStatusPage(model, { title: "Acme" });
          renders.push(performance.now() - start);
        }
        console.log(`    render of the page from a model: median ${fmt(median(renders))} of 5`);
      }
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    await dynamo.close();
  }
}

await main();
