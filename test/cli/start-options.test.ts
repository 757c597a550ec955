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
});
