// `vigie test` runs HTTP probes on the HTTP thread when a browser probe runs in the same invocation.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CliIo } from "../../../cli/io.ts";
import { main } from "../../../cli/main.ts";
import { ProbeResult } from "../../../core/result/index.ts";
import { startPageServer, type PageServer } from "../../fixtures/browser-pages.ts";
import { startHttpTarget, type Target } from "../../fixtures/targets.ts";

/** Every probe id the HTTP thread was asked to run: the real thread, watched. */
const onThread: string[] = [];
vi.mock("../../../probes/http/index.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../probes/http/index.ts")>();
  return {
    ...real,
    startHttpIsolate: () => {
      const isolate = real.startHttpIsolate();
      return { ...isolate, run: (probe: Parameters<typeof isolate.run>[0], deps: Parameters<typeof isolate.run>[1]) => (onThread.push(probe.id), isolate.run(probe, deps)) };
    },
  };
});

const dir = mkdtempSync(path.join(tmpdir(), "vigie-isolate-"));
let api: Target;
let pages: PageServer;
beforeAll(async () => {
  api = await startHttpTarget((_req, res) => res.end("ok"));
  pages = await startPageServer();
});
afterAll(async () => {
  await api.close();
  await pages.close();
});

async function vigieTest(probes: unknown[]) {
  const file = path.join(dir, `config-${onThread.length}-${probes.length}.json`);
  writeFileSync(file, JSON.stringify({ project: "acme", probes }));
  let stdout = "";
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => undefined }, env: {}, cwd: dir, now: Date.now };
  const code = await main(["test", "--config", file, "--reporter", "json"], io);
  return { code, results: stdout.trim().split("\n").map((line) => ProbeResult.parse(JSON.parse(line))) };
}

describe("vigie test and the HTTP thread", () => {
  it("runs HTTP probes on the HTTP thread when a browser probe runs alongside, the browser probe on this one", async () => {
    onThread.length = 0;
    const { code, results } = await vigieTest([
      { id: "api", kind: "http", url: `${api.url}/` },
      { id: "page", kind: "browser", url: pages.url("/") },
      { id: "api-2", kind: "http", url: `${api.url}/2` },
    ]);
    expect(code).toBe(0);
    expect(results.map((r) => [r.probeId, r.outcome])).toEqual([["api", "pass"], ["page", "pass"], ["api-2", "pass"]]);
    expect(onThread.sort()).toEqual(["api", "api-2"]);
  });

  it("runs HTTP probes on this thread when no browser probe runs", async () => {
    onThread.length = 0;
    const { code, results } = await vigieTest([{ id: "api", kind: "http", url: `${api.url}/` }]);
    expect(code).toBe(0);
    expect(results[0]!.outcome).toBe("pass");
    expect(onThread).toEqual([]);
  });
});
