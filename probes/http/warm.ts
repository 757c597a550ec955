// Pays Node's one-off start-up costs of an HTTP request before the first probe of a process is timed.
import crypto, { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { runHttpAttempt } from "./run.ts";
import { warmUpCertificate } from "./warm-certificate.ts";
import type { HttpProbe } from "./schema.ts";

/**
 * Requests made to warm up, per scheme. The first pays module and parser initialisation, the second the runner's own
 * first calls; the rest get the code a probe runs past its first, unoptimised, calls. `npx tsx bench/truth-cold.ts`
 * (fresh `vigie test` processes, 15 a cell, 2026-12-02 21:20 UTC, load 0.9, this constant edited locally to read an
 * environment variable for the run): with 5 runs instead of 2, cold
 * `connectMs` 0.37–0.56 ms against 0.53–0.64 and |total − floor| 0.71–0.90 against 0.78–0.95, for about 40 ms more
 * warm-up; with none at all, `connectMs` 8.3–9.6 ms and |total − floor| 2.3–2.7.
 */
const WARM_UP_RUNS = 5;

/**
 * The warm-up probe of `url`: what `HttpProbe.parse({ id: "warm-up", kind: "http", url, tls: { ca } })` gives (a test
 * holds the two equal), written out so that warming loads no schema library: the Lambda HTTP runner warms too, and
 * carries none.
 */
export function warmUpProbe(url: string, ca?: string): HttpProbe {
  return {
    id: "warm-up", every: 60_000, timeout: 10_000, tags: [], retries: { count: 0, on: "network" }, kind: "http", url,
    method: "GET", headers: {}, maxRedirects: 5, maxBodyBytes: 1024 * 1024, tls: { ...(ca !== undefined ? { ca } : {}), insecure: false },
    thresholds: {}, assertions: [],
  };
}

/**
 * The first request of a process pays for lazy initialisation (the HTTP client and parser, the socket
 * code, the runner's own first calls, the root certificate store): measured, it put 4–12 ms on a cold
 * `vigie test` or a fresh Lambda container. Running the real runner against a loopback server of our own
 * pays that once, before any target is timed. Call it once per process (or Lambda container), before the first
 * HTTP probe.
 */
export async function warmHttpStack(): Promise<void> {
  // Each step on its own: one that fails (an OpenSSL without PSK ciphers, say) does not skip the others.
  const steps: Array<[string, () => unknown]> = [
    ["TLS context", () => tls.createSecureContext()],
    ["TLS record layer", warmTls],
    ["http runner", () => runnerAgainst(http.createServer(warmAnswers()), "http")],
    ["https runner", warmVerifiedTls],
  ];
  const failed: string[] = [];
  for (const [name, step] of steps) await Promise.resolve().then(step).catch((error: unknown) => failed.push(`${name}: ${(error as Error).message}`));
  if (failed.length > 0) throw new Error(`HTTP warm-up: ${failed.join("; ")}`);
}

/**
 * The runner's own HTTPS path, as a probe of an https target takes it: a TLS 1.3 handshake whose certificate is
 * verified against a CA (the chain, the name), then the request. The pre-shared-key warm-up above cannot reach that
 * code: measured, a fresh `vigie test`'s first https probe spent about 1 ms more in its TLS phase than later ones.
 * The certificate is made in memory for 127.0.0.1 (warm-certificate.ts), never written anywhere.
 */
async function warmVerifiedTls(): Promise<void> {
  const { key, cert } = warmUpCertificate();
  await runnerAgainst(https.createServer({ key, cert }, warmAnswers()), "https", cert);
}

/**
 * The warm-up target's answers: headers written apart from the body, as most servers do, and every other body 256 KiB,
 * so that the runner's paths for a large body (reads that grow, held back a turn in a bulk transfer) are not first
 * taken by a timed probe. `COLD_WAITS="bytes=1048576,20" npx tsx bench/truth-cold.ts` (fresh `vigie test` processes,
 * 11 a cell, two runs, 2026-12-03 01:03 UTC, load 1.2, against small answers only, interleaved): cold |total − floor|
 * on 1 MiB over http 1.46 / 1.42 ms against 2.00 / 2.14, on a 20 ms wait 0.74 / 0.44 against 1.18 / 1.56; over https
 * 0.81 / 1.17 against 1.19 / 1.73 on the wait, and 1.94 / 2.64 against 2.34 / 2.15 on 1 MiB.
 */
function warmAnswers(): http.RequestListener {
  let answered = 0;
  const large = Buffer.alloc(256 * 1024, 120);
  return (_req, res) => {
    res.writeHead(200);
    res.flushHeaders();
    res.end(++answered % 2 === 0 ? large : "warm");
  };
}

/** Runs the real runner `WARM_UP_RUNS` times against `server` on 127.0.0.1, then closes it. */
async function runnerAgainst(server: http.Server, scheme: "http" | "https", ca?: string): Promise<void> {
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    const probe = warmUpProbe(`${scheme}://127.0.0.1:${port}/`, ca);
    for (let i = 0; i < WARM_UP_RUNS; i++) await runHttpAttempt(probe, { region: "warm-up", now: Date.now, env: {} }, new Set());
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * The TLS client's first handshake and record layer, warmed over a pre-shared key: a certificate would
 * have to be generated (Node cannot) or shipped with its private key. The algorithms a certificate
 * handshake adds (X25519 and P-256 key exchange, ECDSA and RSA signatures) are warmed directly: OpenSSL
 * sets each up on first use (the first X25519 key pair of a process took 9 ms here, the next 0.1 ms).
 */
async function warmTls(): Promise<void> {
  crypto.generateKeyPairSync("x25519");
  const data = Buffer.from("warm-up");
  for (const pair of [crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }), crypto.generateKeyPairSync("rsa", { modulusLength: 1024 })]) {
    const padding = pair.publicKey.asymmetricKeyType === "rsa" ? { padding: crypto.constants.RSA_PKCS1_PSS_PADDING } : {};
    crypto.verify("sha256", data, { key: pair.publicKey, ...padding }, crypto.sign("sha256", data, { key: pair.privateKey, ...padding }));
  }
  const key = randomBytes(32);
  const suite = { ciphers: "PSK-AES128-GCM-SHA256", minVersion: "TLSv1.2", maxVersion: "TLSv1.2" } as const;
  const server = tls.createServer({ ...suite, pskCallback: () => key }, (socket) => {
    socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\nwarm"));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    const connect = () => tls.connect({ host: "127.0.0.1", port, ...suite, pskCallback: () => ({ psk: key, identity: "vigie-warm-up" }), checkServerIdentity: () => undefined });
    for (let i = 0; i < WARM_UP_RUNS; i++) {
      await new Promise<void>((resolve, reject) => {
        const request = https.request({ host: "127.0.0.1", port, path: "/", createConnection: connect }, (res) => res.resume().on("end", resolve)).on("error", reject);
        request.setTimeout(5_000, () => request.destroy(new Error("the warm-up request got no answer in 5 s")));
        request.end();
      });
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
