// `vigie start` at scale: 10,000 probes × 1 region, started as the CLI starts it, in a process of its own.
//   npx tsx bench/store-scale.ts          (100 s: every probe runs once or more and the model then reads every history;
//                                         run by bench/store.ts too; SCALE_PROBES, SCALE_SECONDS change it)
// Prints how long after the spawn /v1/status first answers (and whether that model was still warming), when it
// first answers with a complete model, and the resident memory of vigie's process and of its database's process.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

const PROBES = Number(process.env.SCALE_PROBES ?? 10_000);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 100);

/** Resident set size of a process, MB (0 once it is gone). */
function rssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The database process vigie started (its child running dynalite-process.ts). */
function databaseOf(pid: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("dynalite-process")) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

export async function measureScale(): Promise<void> {
  let hits = 0;
  const target = http.createServer((_req, res) => { hits++; res.end("ok"); });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-bench-scale-"));
  const configFile = path.join(dir, "scale.config.json");
  writeFileSync(configFile, JSON.stringify({
    project: "scale", regions: ["us-east-1"],
    probes: Array.from({ length: PROBES }, (_, i) => ({ id: `probe-${i}`, kind: "http", url: `${url}/p${i}`, every: "1m", timeout: "5s" })),
  }));
  const started = performance.now();
  const vigie = spawn(process.execPath, [path.join(import.meta.dirname, "../bin/vigie.js"), "start", "--config", configFile, "--port", "0", "--data", path.join(dir, "data")], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  vigie.stdout.on("data", (chunk) => { stdout += chunk; });
  vigie.stderr.on("data", (chunk) => { stderr += chunk; });
  const exited = new Promise<void>((resolve) => vigie.on("exit", () => resolve()));

  let listeningMs: number | undefined;
  let firstStatus: { ms: number; warming: boolean; bytes: number } | undefined;
  let completeMs: number | undefined;
  let peakVigie = 0;
  let peakDb = 0;
  let databasePid: number | undefined;
  const statusTimes: number[] = [];
  const deadline = started + SECONDS * 1000;
  while (performance.now() < deadline) {
    peakVigie = Math.max(peakVigie, rssMb(vigie.pid!));
    databasePid ??= databaseOf(vigie.pid!);
    if (databasePid) peakDb = Math.max(peakDb, rssMb(databasePid));
    const base = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
    if (base) {
      listeningMs ??= performance.now() - started;
      const asked = performance.now();
      try {
        const response = await fetch(`${base}v1/status`, { signal: AbortSignal.timeout(30_000) });
        const text = await response.text();
        const at = performance.now() - started;
        statusTimes.push(performance.now() - asked);
        if (response.status === 200) {
          const warming = Boolean((JSON.parse(text) as { warming?: boolean }).warming);
          firstStatus ??= { ms: at, warming, bytes: text.length };
          if (!warming && completeMs === undefined) completeMs = at;
        }
      } catch {
        // Not answering yet.
      }
    }
    if (vigie.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  vigie.kill("SIGTERM");
  await exited;
  target.close();
  rmSync(dir, { recursive: true, force: true });
  const fmt = (ms: number | undefined) => (ms === undefined ? "never" : `${(ms / 1000).toFixed(2)} s`);
  console.log(`scale: ${PROBES} probes × 1 region every 1m, vigie start on a fresh folder (${os.cpus().length} CPUs, ${SECONDS} s watched, ${hits} target requests)`);
  const sinceListening = firstStatus && listeningMs !== undefined ? firstStatus.ms - listeningMs : undefined;
  console.log(`  listening ${fmt(listeningMs)} after the spawn (loading the code and validating the config included)`);
  console.log(`  first GET /v1/status 200: ${fmt(sinceListening)} after it listened, ${fmt(firstStatus?.ms)} after the spawn${firstStatus ? ` (${firstStatus.warming ? "warming" : "complete"} model, ${(firstStatus.bytes / 1024).toFixed(0)} KiB)` : ""} (goal ≤ 2 s: ${sinceListening !== undefined && sinceListening <= 2_000 ? "met" : "missed"}); first complete model ${fmt(completeMs)} after the spawn`);
  const sorted = [...statusTimes].sort((a, b) => a - b);
  if (sorted.length > 0) console.log(`  /v1/status answer times while watched: median ${sorted[sorted.length >> 1]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${sorted.length} requests, one every 200 ms)`);
  console.log(`  peak resident memory: vigie ${peakVigie.toFixed(0)} MB (goal < 500 MB: ${peakVigie < 500 ? "met" : "missed"}), its database process ${peakDb.toFixed(0)} MB, together ${(peakVigie + peakDb).toFixed(0)} MB`);
  if (!firstStatus) console.log(`  vigie stderr (tail): ${stderr.slice(-2_000)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await measureScale();
