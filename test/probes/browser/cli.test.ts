import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { test as vigieTest } from "../../../cli/commands/test.ts";
import type { CliIo } from "../../../cli/io.ts";
import { startPageServer, type PageServer } from "../../fixtures/browser-pages.ts";

let server: PageServer;
let dir: string;

beforeAll(async () => {
  server = await startPageServer();
  dir = await mkdtemp(path.join(os.tmpdir(), "vigie-cli-browser-"));
  const config = {
    project: "demo",
    probes: [
      { id: "home", kind: "browser", url: server.url("/typical"), quietWindow: "300ms", timeout: "10s" },
      { id: "broken", kind: "browser", url: server.url("/status/500"), quietWindow: "0", timeout: "10s" },
    ],
  };
  await writeFile(path.join(dir, "vigie.config.json"), JSON.stringify(config));
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function capture(): { io: CliIo; out: () => string } {
  let out = "";
  const sink = { write: (text: string) => (out += text) };
  return { io: { stdout: sink, stderr: sink, env: {}, cwd: dir, now: Date.now }, out: () => out };
}

describe("vigie test with browser probes", () => {
  it("starts Chromium for them, prints their metrics, and keeps a failure screenshot under .vigie/artifacts", async () => {
    const { io, out } = capture();
    const code = await vigieTest({ config: "vigie.config.json", reporter: "json" }, io);
    expect(code).toBe(1);
    const [home, broken] = out().trim().split("\n").map((line) => JSON.parse(line));
    expect(home).toMatchObject({ probeId: "home", outcome: "pass", browser: { status: 200 } });
    expect(home.browser.ttiMs).toBeGreaterThan(0);
    expect(broken).toMatchObject({ probeId: "broken", outcome: "fail", error: { category: "http" } });
    expect(path.dirname(broken.browser.screenshot)).toBe(path.join(dir, ".vigie", "artifacts"));
  });

  it("shows the phases in the table", async () => {
    const { io, out } = capture();
    await vigieTest({ config: "vigie.config.json", probe: ["home"] }, io);
    expect(out()).toMatch(/✓ pass\s+home .*ttfb [\d.]+ · fcp [\d.]+ · lcp [\d.]+ · load [\d.]+ · tti [\d.]+ · tbt 0 · cls 0\.000/);
  });
});
