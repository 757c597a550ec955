// `vigie test --remote`: one RequestResponse invocation of the deployed runner per region × kind (Lambda mocked),
// results printed exactly as `vigie test` prints them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, expect, it } from "vitest";
import { main } from "../../cli/main.ts";
import type { ProbeResult } from "../../core/result/index.ts";
import { memoryIo } from "../fixtures/io.ts";

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

const dir = mkdtempSync(path.join(tmpdir(), "vigie-remote-"));
writeFileSync(path.join(dir, "vigie.config.json"), JSON.stringify({
  project: "acme", regions: ["us-east-1", "eu-west-1"],
  probes: [
    { id: "api", kind: "http", url: "https://api.acme.dev/health", every: "1m" },
    { id: "docs", kind: "http", url: "https://docs.acme.dev/", every: "5m", regions: ["eu-west-1"] },
  ],
}));

const result = (probeId: string, region: string, outcome: ProbeResult["outcome"]): ProbeResult => ({
  probeId, kind: "http", region, startedAt: "2026-03-02T10:00:00.000Z", durationMs: 120, outcome, assertions: [],
  http: { status: outcome === "pass" ? 200 : 503, bytes: 2, timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 100, downloadMs: 1, totalMs: 120 } },
  ...(outcome === "pass" ? {} : { error: { category: "http" as const, message: "status 503" } }),
});

/** Answers as the deployed runner would, from the region the client was built for. */
function runnerAnswers(outcomeIn: (region: string) => ProbeResult["outcome"]) {
  const calls: Array<{ region: string; function: string; payload: unknown }> = [];
  lambda.on(InvokeCommand).callsFake(async (input, getClient) => {
    const region = await (getClient() as LambdaClient).config.region();
    const payload = JSON.parse(new TextDecoder().decode(input.Payload)) as { mode: string; probes: string[] };
    calls.push({ region, function: input.FunctionName, payload });
    const results = payload.probes.map((id) => result(id, region, outcomeIn(region)));
    return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ mode: "test", region, results })) };
  });
  return calls;
}

it("invokes the stage's runner in each region with the probes that run there, and prints their results as JSON lines", async () => {
  const calls = runnerAnswers(() => "pass");
  const cli = memoryIo({ cwd: dir });
  expect(await main(["test", "--remote", "--reporter", "json"], cli.io)).toBe(0);
  expect(calls.map((c) => `${c.region} ${c.function} ${JSON.stringify(c.payload)}`).sort()).toEqual([
    "eu-west-1 acme-prod-http-runner {\"mode\":\"test\",\"probes\":[\"api\",\"docs\"]}",
    "us-east-1 acme-prod-http-runner {\"mode\":\"test\",\"probes\":[\"api\"]}",
  ]);
  const lines = cli.stdout().trim().split("\n").map((line) => JSON.parse(line) as ProbeResult);
  expect(lines.map((r) => `${r.probeId}@${r.region}`).sort()).toEqual(["api@eu-west-1", "api@us-east-1", "docs@eu-west-1"]);
});

it("keeps to --region and --stage, and exits 1 when a remote run failed", async () => {
  const calls = runnerAnswers((region) => (region === "eu-west-1" ? "fail" : "pass"));
  const cli = memoryIo({ cwd: dir });
  expect(await main(["test", "--remote", "--stage", "dev", "--region", "eu-west-1"], cli.io)).toBe(1);
  expect(calls.map((c) => `${c.region} ${c.function}`)).toEqual(["eu-west-1 acme-dev-http-runner"]);
  expect(cli.stdout()).toMatch(/docs/);
  expect(cli.stdout()).toMatch(/2 probes|failed|fail/i);
});

it("names the function and region when an invocation fails, and exits 1", async () => {
  lambda.on(InvokeCommand).rejects(Object.assign(new Error("Function not found: acme-prod-http-runner"), { name: "ResourceNotFoundException" }));
  const cli = memoryIo({ cwd: dir });
  expect(await main(["test", "--remote", "--region", "us-east-1"], cli.io)).toBe(1);
  expect(cli.stderr()).toMatch(/remote: acme-prod-http-runner in us-east-1: ResourceNotFoundException: Function not found/);
});
