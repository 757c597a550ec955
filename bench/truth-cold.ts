// Where a fresh `vigie test` process's https probe loses time against the target's clock, by how long the target
// waits before answering: the same cold run (a fresh process per run) in variants, `|`-separated in COLD_FLAGS, each
// Node flags and NAME=value environment settings (e.g. "|--single-threaded|--trace-gc"). `npx tsx bench/truth-cold.ts`; COLD_N runs per case (default 11), COLD_WAITS
// (default "20,100,300"), COLD_SCHEMES (default "https,http"). Prints medians of |total − floor|, connectMs and noiseMs;
// asserts nothing.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ProbeResult } from "../core/result/index.ts";
import { makeTestPki } from "../test/fixtures/certs.ts";
import { median, startTruthTarget } from "./truth-target-client.ts";

const N = Number(process.env.COLD_N ?? 11);
/** Each a wait in ms, or a query of the target's own (e.g. "bytes=1048576" for a 1 MiB body). */
const WAITS = (process.env.COLD_WAITS ?? "20,100,300").split(",").map((w) => (/=/.test(w) ? w : Number(w)));
const FLAGS = (process.env.COLD_FLAGS ?? "|--single-threaded").split("|");
const SCHEMES = (process.env.COLD_SCHEMES ?? "https,http").split(",") as Array<"http" | "https">;
const ROOT = path.join(import.meta.dirname, "..");

const pki = makeTestPki();
const target = await startTruthTarget(pki.valid);
const dir = mkdtempSync(path.join(os.tmpdir(), "vigie-truth-cold-"));
let sequence = 0;
try {
  console.log(`(load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; ${N} fresh processes per cell, taken in turn)`);
  for (const scheme of SCHEMES) {
    for (const wait of WAITS) {
      const cells = FLAGS.map(() => ({ error: [] as number[], noise: [] as number[], connect: [] as number[], gc: [] as number[] }));
      for (let i = 0; i < N; i++) {
        for (const [index, flags] of FLAGS.entries()) {
          const id = String(++sequence);
          const href = `${scheme}://127.0.0.1:${target.ports[scheme]}/?id=${id}&${/=/.test(String(wait)) ? wait : `wait=${wait}`}`;
          const file = path.join(dir, `config-${id}.json`);
          writeFileSync(file, JSON.stringify({ project: "truth", probes: [{ id: "truth", kind: "http", url: href, timeout: "10s", ...(scheme === "https" ? { tls: { ca: pki.ca.cert } } : {}) }] }));
          // A variant's words: Node flags, and NAME=value settings of the process's environment.
          const words = flags.split(" ").filter(Boolean);
          const setting = Object.fromEntries(words.filter((w) => /^[A-Z_][A-Z0-9_]*=/.test(w)).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]));
          const args = [...words.filter((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w)), path.join(ROOT, "bin/vigie.js"), "test", "--config", file, "--reporter", "json"];
          const child = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...setting } });
          let out = "";
          child.stdout.on("data", (chunk) => (out += chunk));
          await new Promise((resolve) => child.on("close", resolve));
          const lines = out.trim().split("\n");
          const result = JSON.parse(lines.find((line) => line.startsWith("{"))!) as ProbeResult;
          const stamps = await target.stampsOf(id);
          cells[index]!.error.push(Math.abs(result.http!.timings.totalMs - (stamps.last - stamps.accept)));
          cells[index]!.noise.push(result.http!.timings.noiseMs ?? NaN);
          cells[index]!.connect.push(result.http!.timings.connectMs);
          cells[index]!.gc.push(lines.filter((line) => /Scavenge|Mark-Compact|Mark-sweep/i.test(line)).length);
        }
      }
      console.log(`${scheme} ${typeof wait === "number" ? `waits ${wait} ms` : wait}: ${FLAGS.map((flags, index) => `[${flags || "as shipped"}] |cold − floor| ${median(cells[index]!.error).toFixed(2)} (connect ${median(cells[index]!.connect).toFixed(2)}, noise ${median(cells[index]!.noise).toFixed(2)}${flags.includes("trace-gc") ? `, GCs ${median(cells[index]!.gc)}` : ""})`).join("  ")}`);
    }
  }
} finally {
  target.close();
  rmSync(dir, { recursive: true, force: true });
}
