// Pays Node's one-off start-up costs of an HTTP request before the first probe of a process is timed.
import http from "node:http";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { runHttpAttempt } from "./run.ts";
import { HttpProbe } from "./schema.ts";

/** Requests made to warm up: the first pays module and parser initialisation, the second the runner's own first calls. */
const WARM_UP_RUNS = 2;

/**
 * The first request of a process pays for lazy initialisation (the HTTP client and parser, the socket
 * code, the runner's own first calls, the root certificate store): measured, it put 4–12 ms on a cold
 * `vigie test` or a fresh Lambda container. Running the real runner against a loopback server of our own
 * pays that once, before any target is timed. Call it once per process, before the first HTTP probe.
 */
export async function warmHttpStack(): Promise<void> {
  tls.createSecureContext();
  const server = http.createServer((_req, res) => res.end("warm"));
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    const probe = HttpProbe.parse({ id: "warm-up", kind: "http", url: `http://127.0.0.1:${port}/` });
    for (let i = 0; i < WARM_UP_RUNS; i++) await runHttpAttempt(probe, { region: "warm-up", now: Date.now, env: {} }, new Set());
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
