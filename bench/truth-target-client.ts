// Starts the truth benches' target (bench/truth-target.ts) in a process of its own, so its clock is not ours, and
// hands back its ports and each request's stamps as it reports them; and the median the truth benches sum their runs with.
import { spawn } from "node:child_process";
import path from "node:path";
import type { KeyAndCert } from "../test/fixtures/certs.ts";

/** One request as the target saw it, in ms on its own clock (`performance.now()`; `origin` is its `timeOrigin`). */
export interface ServerStamps { id: string; origin: number; accept: number; tlsStart?: number; tls?: number; parsed: number; headers: number; last: number }

export interface TruthTarget {
  ports: { http: number; https: number };
  /** The stamps of the request whose `id` query parameter is `id`, once the target has reported them (10 s at most). */
  stampsOf(id: string): Promise<ServerStamps>;
  close(): void;
}

export async function startTruthTarget(leaf: KeyAndCert): Promise<TruthTarget> {
  const target = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "truth-target.ts")], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, TRUTH_KEY: leaf.key, TRUTH_CERT: leaf.cert },
  });
  const known = new Map<string, ServerStamps>();
  const waiting = new Map<string, (s: ServerStamps) => void>();
  const ports = await new Promise<{ http: number; https: number }>((resolve) => {
    target.on("message", (message: ServerStamps | { ready: true; http: number; https: number }) => {
      if ("ready" in message) return resolve(message);
      const wake = waiting.get(message.id);
      if (wake) wake(message);
      else known.set(message.id, message);
    });
  });
  const stampsOf = (id: string) =>
    new Promise<ServerStamps>((resolve, reject) => {
      const stamps = known.get(id);
      if (stamps) return resolve(stamps);
      const timer = setTimeout(() => reject(new Error(`the target never reported request ${id}`)), 10_000);
      waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  return {
    ports,
    stampsOf,
    close: () => {
      target.disconnect();
      target.kill();
    },
  };
}

/** The median of the finite values (NaN when there are none): how the truth benches sum up their runs. */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
