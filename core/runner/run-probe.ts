// Runs one probe once, with its retries, and scrubs every secret it resolved from the result.
import type { Retries } from "../config/schema.ts";
import { redact } from "../config/secrets.ts";
import { printable, type Attempt, type ErrorCategory, type ProbeResult } from "../result/index.ts";

/** What every probe runner is given; kinds add their own dependencies on top. */
export interface ProbeDeps {
  /** The region label results carry. */
  region: string;
  /** Wall clock, epoch milliseconds. */
  now: () => number;
  /** Where `${env:NAME}` is looked up. */
  env: NodeJS.ProcessEnv;
}

/** One attempt of one probe. It records every secret it resolves in `secrets`. */
export type AttemptRunner<P, D extends ProbeDeps> = (probe: P, deps: D, secrets: Set<string>) => Promise<ProbeResult>;

/** Failures that happen before the target answers: the ones worth retrying by default. */
const NETWORK: ReadonlySet<ErrorCategory> = new Set(["timeout", "dns", "connect", "tls", "http", "browser"]);

function worthRetrying(result: ProbeResult, on: Retries["on"]): boolean {
  if (result.outcome !== "fail") return false;
  return on === "any" || NETWORK.has(result.error?.category ?? "internal");
}

export async function runProbe<P extends { retries: Retries }, D extends ProbeDeps>(
  probe: P,
  attempt: AttemptRunner<P, D>,
  deps: D,
): Promise<ProbeResult> {
  const secrets = new Set<string>();
  const attempts: Attempt[] = [];
  let result: ProbeResult;
  for (;;) {
    result = await attempt(probe, deps, secrets);
    attempts.push({ startedAt: result.startedAt, durationMs: result.durationMs, outcome: result.outcome, ...(result.error ? { error: result.error } : {}) });
    if (attempts.length > probe.retries.count || !worthRetrying(result, probe.retries.on)) break;
  }
  if (attempts.length > 1) {
    const first = attempts[0]!;
    const durationMs = deps.now() - Date.parse(first.startedAt);
    result = { ...result, startedAt: first.startedAt, durationMs: Math.max(durationMs, result.durationMs), attempts };
  }
  // Scrubbed first (a secret may hold what escaping rewrites), then every control character a target sent is made
  // visible, so no text of the result can drive a terminal.
  return printable(redact(result, secrets));
}

/** The result of a run that crashed in our own code: the probe fails (category internal) and nothing else does. */
export function internalFailure(probe: { id: string; kind: string }, region: string, startedAtMs: number, error: unknown): ProbeResult {
  return {
    probeId: probe.id, kind: probe.kind, region, startedAt: new Date(startedAtMs).toISOString(), durationMs: 0, outcome: "fail",
    error: { category: "internal", message: `runner failed: ${(error as Error).message}` }, assertions: [],
  };
}
