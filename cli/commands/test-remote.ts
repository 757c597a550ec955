// `vigie test --remote`: runs the selected probes now in the deployed runner of each region (Lambda, RequestResponse)
// and prints their results exactly as `vigie test` does, so a team sees its probes from the real regions before merging.
import { performance } from "node:perf_hooks";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ProbeResult } from "../../core/result/index.ts";
import { runnerFunctionName, type RunnerKind } from "../../core/plan/index.ts";
import type { Probe } from "../../index.ts";
import type { CliIo } from "../io.ts";
import { formatResult, formatSummary, painter } from "../reporters/table.ts";

export interface RemoteOptions {
  project: string;
  stage: string;
  reporter: "table" | "json";
  /** Only this region. */
  region?: string | undefined;
}

/** A Lambda client for a region; tests hand in mocked ones. */
export type LambdaFor = (region: string) => LambdaClient;

interface Invocation { region: string; kind: RunnerKind; probes: Probe[] }

export async function testRemote(probes: readonly Probe[], options: RemoteOptions, io: CliIo, lambdaFor: LambdaFor = (region) => new LambdaClient({ region })): Promise<number> {
  // One invocation per region × runner kind, with the probes that run there.
  const invocations: Invocation[] = [];
  for (const probe of probes) {
    for (const region of probe.regions) {
      if (options.region !== undefined && region !== options.region) continue;
      const kind = probe.kind as RunnerKind;
      const found = invocations.find((i) => i.region === region && i.kind === kind);
      if (found) found.probes.push(probe);
      else invocations.push({ region, kind, probes: [probe] });
    }
  }
  const started = performance.now();
  const answers = await Promise.all(invocations.map(async (invocation) => {
    const name = runnerFunctionName(options.project, options.stage, invocation.kind);
    try {
      const answer = await lambdaFor(invocation.region).send(new InvokeCommand({
        FunctionName: name, InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify({ mode: "test", probes: invocation.probes.map((p) => p.id) })),
      }));
      const payload = answer.Payload ? JSON.parse(new TextDecoder().decode(answer.Payload)) as { results?: unknown[]; errorMessage?: string } : {};
      if (answer.FunctionError) return { invocation, name, error: `${answer.FunctionError}: ${payload.errorMessage ?? "no message"}` };
      return { invocation, name, results: (payload.results ?? []).map((result) => ProbeResult.parse(result)) };
    } catch (error) {
      return { invocation, name, error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  }));

  const paint = painter(io.stdout, io.env);
  const idWidth = Math.max(8, ...probes.map((p) => p.id.length));
  const results: ProbeResult[] = [];
  let failedInvocations = 0;
  for (const answer of answers) {
    if ("error" in answer && answer.error !== undefined) {
      failedInvocations++;
      io.stderr.write(`remote: ${answer.name} in ${answer.invocation.region}: ${answer.error}\n`);
      continue;
    }
    for (const result of answer.results ?? []) {
      results.push(result);
      io.stdout.write(options.reporter === "json" ? `${JSON.stringify(result)}\n` : `${formatResult(result, paint, idWidth)}\n`);
    }
  }
  if (options.reporter === "table") {
    if (invocations.length === 0) io.stdout.write("no probes selected\n");
    else io.stdout.write(`${formatSummary(results, performance.now() - started, paint)}\n`);
  }
  return failedInvocations > 0 || results.some((r) => r.outcome === "fail") ? 1 : 0;
}
