// Paging latency inside `vigie start`: from a probe's failing (or recovering) result to its page reaching a webhook.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { alertingHooks, startVigie } from "../cli/commands/start.ts";
import { Config } from "../index.ts";

const PAGES = 60;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function listen(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function main(): Promise<void> {
  // A target that alternates down and up on every request: with after 1 and recoverAfter 1, every result is a transition.
  let requests = 0;
  const target = await listen((_req, res) => {
    res.statusCode = requests++ % 2 === 0 ? 503 : 200;
    res.end();
  });
  const received: Array<{ at: number; event: string; incident: { startedAt: string; resolvedAt?: string } }> = [];
  const hook = await listen((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ ...(JSON.parse(body) as { event: string; incident: { startedAt: string; resolvedAt?: string } }), at: Date.now() });
      res.writeHead(202).end();
    });
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), "vigie-bench-paging-"));
  const config = Config.parse({
    project: "bench",
    regions: ["us-east-1"],
    probes: [{ id: "flip", kind: "http", url: target.url, every: "1s", timeout: "500ms", alert: { after: 1, recoverAfter: 1 } }],
    alerts: { channels: { hook: { type: "webhook", url: hook.url, format: "json" } } },
  });
  const running = await startVigie(config, { port: 0, dataDir, env: {}, hooks: alertingHooks });
  const deadline = Date.now() + 60_000;
  while (received.length < PAGES && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await running.stop();

  // Each page is caused by the run that started at its incident's start (open) or resolution (resolve).
  const runs = await (async () => {
    const again = await startVigie(config, { port: 0, dataDir, env: {} });
    const page = await again.store.listRuns({ probeId: "flip", limit: 500 });
    await again.stop();
    return new Map(page.items.map((run) => [run.startedAt, Date.parse(run.startedAt) + run.durationMs]));
  })();
  const latencies = received
    .map((page) => {
      const cause = page.event === "resolve" ? page.incident.resolvedAt : page.incident.startedAt;
      const finished = cause ? runs.get(cause) : undefined;
      return finished === undefined ? undefined : page.at - finished;
    })
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);

  console.log("# paging latency in vigie start: result produced → durable writer → dynalite → evaluator → outbox → webhook");
  console.log(`pages: ${received.length} received, ${latencies.length} matched to their run`);
  if (latencies.length > 0) {
    console.log(`p50 ${percentile(latencies, 50).toFixed(1)} ms  p95 ${percentile(latencies, 95).toFixed(1)} ms  max ${latencies.at(-1)!.toFixed(1)} ms (pages every 1 s, Date.now() resolution at the receiver)`);
  }
  target.server.close();
  hook.server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
