// The truth bench's target: an HTTP and an HTTPS server in a process of their own that time each request on their own clock.
// Started by bench/truth-target-client.ts (for bench/truth.ts and truth-align.ts) with the key and certificate in
// TRUTH_KEY / TRUTH_CERT; it sends its ports, then one message per request: { id, origin, accept, tlsStart?, tls?, parsed,
// headers, last } in ms on this process's clock, whose `performance.timeOrigin` is `origin`.
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";

/**
 * Per connection: when it was accepted, and for TLS when the handshake began (the server's TLS socket made, its
 * OpenSSL state set up: as the client's `tlsMs`, the span leaves out making each side's TLS state) and finished.
 */
const accepted = new WeakMap<Socket, { accept: number; tlsStart?: number; tls?: number }>();

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  const parsed = performance.now();
  const query = new URL(req.url ?? "/", "http://x").searchParams;
  const id = query.get("id") ?? "";
  const wait = Number(query.get("wait") ?? 0);
  const bytes = Number(query.get("bytes") ?? 2);
  const trickle = Number(query.get("trickle") ?? 0);
  const socket = req.socket as Socket & { _parent?: Socket };
  const stamps = accepted.get(socket) ?? accepted.get(socket._parent!) ?? { accept: NaN };
  let headers = NaN;
  res.on("finish", () => {
    process.send!({ id, origin: performance.timeOrigin, accept: stamps.accept, tlsStart: stamps.tlsStart, tls: stamps.tls, parsed, headers, last: performance.now() });
  });
  const respond = () => {
    res.writeHead(200, { "content-type": "application/octet-stream", ...(trickle ? {} : { "content-length": String(bytes) }) });
    res.flushHeaders();
    headers = performance.now();
    if (!trickle) return res.end(Buffer.alloc(bytes, 120));
    // A trickled body: `trickle` chunks of 100 bytes, 10 ms apart.
    let sent = 0;
    const drip = setInterval(() => {
      res.write(Buffer.alloc(100, 120));
      if (++sent === trickle) {
        clearInterval(drip);
        res.end();
      }
    }, 10);
  };
  if (wait > 0) setTimeout(respond, wait);
  else respond();
}

const plain = http.createServer(handler);
const secure = https.createServer({ key: process.env.TRUTH_KEY, cert: process.env.TRUTH_CERT }, handler);
for (const server of [plain, secure]) {
  server.keepAliveTimeout = 0;
  // First among the "connection" listeners: the servers' own (the HTTPS server's makes the connection's TLS socket
  // and its OpenSSL state) would otherwise run before the stamp, and the floor would start after them.
  server.prependListener("connection", (socket: Socket) => accepted.set(socket, { accept: performance.now() }));
}
// After the HTTPS server's own "connection" listener, which makes the TLS socket.
secure.on("connection", (socket: Socket) => {
  const stamps = accepted.get(socket);
  if (stamps) stamps.tlsStart = performance.now();
});
secure.on("secureConnection", (socket) => {
  const raw = (socket as unknown as { _parent?: Socket })._parent ?? socket;
  const stamps = accepted.get(raw) ?? { accept: NaN };
  stamps.tls = performance.now();
  accepted.set(socket, stamps);
});
await Promise.all([plain, secure].map((server) => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))));
process.send!({ ready: true, origin: performance.timeOrigin, http: (plain.address() as AddressInfo).port, https: (secure.address() as AddressInfo).port });
process.on("disconnect", () => process.exit(0));
