import { describe, expect, it } from "vitest";
import { warmHttpStack } from "../../../probes/http/index.ts";
import { HttpProbe } from "../../../probes/http/schema.ts";
import { warmUpProbe } from "../../../probes/http/warm.ts";
import { startHttpTarget } from "../../fixtures/targets.ts";

describe("warmHttpStack", () => {
  it("warms up against a loopback server of its own, never a target, and leaves nothing listening", async () => {
    let targetHits = 0;
    const target = await startHttpTarget((_req, res) => {
      targetHits++;
      res.end("ok");
    });
    const servers = () => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
    const before = servers();
    await warmHttpStack();
    // Closed handles leave the list a few loop turns after their close callbacks.
    for (let turn = 0; turn < 1000 && servers() > before; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(servers()).toBe(before);
    expect(targetHits).toBe(0);
    await target.close();
  });

  it("warms with the probe the schema makes of its input, written out so that warming loads no schema library", () => {
    expect(warmUpProbe("http://127.0.0.1:1/")).toEqual(HttpProbe.parse({ id: "warm-up", kind: "http", url: "http://127.0.0.1:1/" }));
    expect(warmUpProbe("https://127.0.0.1:1/", "PEM")).toEqual(HttpProbe.parse({ id: "warm-up", kind: "http", url: "https://127.0.0.1:1/", tls: { ca: "PEM" } }));
  });
});
