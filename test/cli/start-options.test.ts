import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.ts";
import type { CliIo } from "../../cli/io.ts";

function io(): CliIo & { err: () => string } {
  let err = "";
  return {
    stdout: { write: () => true },
    stderr: { write: (text: string) => { err += text; return true; } },
    env: {}, cwd: process.cwd(), now: Date.now, err: () => err,
  };
}

describe("vigie start options", () => {
  it("rejects a port that is not 0..65535 before starting anything", async () => {
    for (const port of ["http", "-1", "70000", "1.5"]) {
      const cli = io();
      expect(await main(["start", `--port=${port}`], cli)).toBe(2);
      expect(cli.err()).toContain("--port: must be a port number from 0 to 65535");
    }
  });

  it("exits 2 with the config's problems when the config is invalid", async () => {
    const cli = io();
    expect(await main(["start", "--config", "does-not-exist.config.json", "--port", "0"], cli)).toBe(2);
    expect(cli.err()).toContain("not found");
  });

  it("exits 1 naming the address when the port is taken, leaving nothing running", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const { port } = blocker.address() as AddressInfo;
    const dir = mkdtempSync(path.join(tmpdir(), "vigie-busy-"));
    const config = path.join(dir, "vigie.config.json");
    writeFileSync(config, JSON.stringify({ project: "busy", probes: [{ id: "a", kind: "http", url: "http://127.0.0.1:9/" }] }));
    // A child process: it exits by itself only if the database, writer and hooks it started were all closed.
    const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ["bin/vigie.js", "start", "--config", config, "--port", String(port), "--data", path.join(dir, "data")], { timeout: 20_000 }, (error, _stdout, stderr) => {
        resolve({ code: error ? (error as { code?: number }).code ?? null : 0, stderr });
      });
    });
    blocker.close();
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`start: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
  });
});
