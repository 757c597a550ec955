import type { LookupFunction } from "node:net";
import os from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { ProbeResult } from "../../../core/result/index.ts";
import { HttpIsolateError, HttpProbe, startHttpIsolate } from "../../../probes/http/index.ts";
import { runOnce } from "../../../probes/index.ts";
import { startHttpTarget, type Target } from "../../fixtures/targets.ts";

const targets: Target[] = [];
const isolate = startHttpIsolate();
afterAll(async () => {
  await isolate.close();
  await Promise.all(targets.map((t) => t.close()));
});

describe("HTTP probes on their own thread", () => {
  it("runs probes on the thread, each result matched to its probe, timed in phases that add up, secrets scrubbed", async () => {
    const server = await startHttpTarget((req, res) => res.end(`path ${req.url} auth ${req.headers.authorization}`));
    targets.push(server);
    const probes = ["a", "b", "c"].map((id) =>
      HttpProbe.parse({ id, kind: "http", url: `${server.url}/${id}`, headers: { authorization: "Bearer ${env:TOKEN}" }, assertions: [{ source: "body", op: "contains", target: "nothing-like-this" }] }),
    );
    const results = await Promise.all(probes.map((probe) => runOnce(probe, { region: "eu-west-1", now: Date.now, env: { TOKEN: "thread-secret-value" }, httpIsolate: isolate })));
    expect(results.map((r) => r.probeId)).toEqual(["a", "b", "c"]);
    for (const result of results) {
      expect(ProbeResult.safeParse(result).success).toBe(true);
      expect(result.region).toBe("eu-west-1");
      expect(result.error?.category).toBe("assertion");
      expect(JSON.stringify(result)).not.toContain("thread-secret-value");
      const t = result.http!.timings;
      const us = (ms: number | undefined) => Math.round((ms ?? NaN) * 1000);
      expect([t.blockedMs, t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.downloadMs].map(us).reduce((a, b) => a + b, 0)).toBe(us(t.totalMs));
      expect(t.noiseMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("runs in this thread when a resolver is injected, since a function cannot cross to the other", async () => {
    const server = await startHttpTarget((_req, res) => res.end("ok"));
    targets.push(server);
    const lookup: LookupFunction = (_host, options, callback) =>
      options.all ? (callback as any)(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
    const probe = HttpProbe.parse({ id: "named", kind: "http", url: `http://api.vigie.test:${server.port}/` });
    const result = await runOnce(probe, { region: "local", now: Date.now, env: {}, lookup, httpIsolate: isolate });
    expect(result.outcome).toBe("pass");
  });

  it("rejects runs in flight with HttpIsolateError when closed, and starts a new thread for the next run", async () => {
    const own = startHttpIsolate();
    const server = await startHttpTarget(() => {});
    targets.push(server);
    const probe = HttpProbe.parse({ id: "stuck", kind: "http", url: server.url, timeout: "30s" });
    const running = own.run(probe, { region: "local", env: {} });
    await own.close();
    await expect(running).rejects.toThrow(HttpIsolateError);
    const answering = await startHttpTarget((_req, res) => res.end("ok"));
    targets.push(answering);
    const next = await own.run(HttpProbe.parse({ id: "next", kind: "http", url: answering.url }), { region: "local", env: {} });
    expect(next.outcome).toBe("pass");
    await own.close();
  });

  it("starts its thread from any current folder, not only one where tsx can be found", async () => {
    const server = await startHttpTarget((_req, res) => res.end("ok"));
    targets.push(server);
    const own = startHttpIsolate();
    const home = process.cwd();
    process.chdir(os.tmpdir());
    try {
      const result = await own.run(HttpProbe.parse({ id: "elsewhere", kind: "http", url: server.url }), { region: "local", env: {} });
      expect(result.outcome).toBe("pass");
    } finally {
      process.chdir(home);
      await own.close();
    }
  });
});
