// A small local service for the example config, so `npm start` shows real results with no internet.
import http from "node:http";
import type { AddressInfo } from "node:net";

export const DEMO_PORT = 4780;
/** The token /api/orders wants; the example config sends it from ${env:ORDERS_TOKEN}. */
export const DEMO_TOKEN = "demo-token";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Acme shop</h1><p id="greeting">Loading…</p><button id="add">Add to cart</button><p id="cart">0 items</p></main>
<script>
  fetch("/api/orders", { headers: { authorization: "Bearer demo-token" } }).then((r) => r.json()).then((orders) => { document.getElementById("greeting").textContent = orders.length + " orders today"; });
  let items = 0;
  document.getElementById("add").addEventListener("click", () => { document.getElementById("cart").textContent = ++items + " items"; });
</script></body></html>`;

/** Starts the demo service; `flakyEvery` makes /flaky fail one request in N. */
export async function startDemoService(port = DEMO_PORT, flakyEvery = 5): Promise<{ url: string; close(): Promise<void> }> {
  let flakyCount = 0;
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown, delayMs = 0) =>
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      }, delayMs);
    switch (req.url) {
      case "/health":
        return json(200, { status: "ok", version: "1.4.2" });
      case "/api/orders":
        if (req.headers.authorization !== `Bearer ${DEMO_TOKEN}`) return json(401, { error: "unauthorized" });
        return json(200, [{ id: 1, total: 42.5 }, { id: 2, total: 17 }], 40);
      case "/api/search":
        return json(200, { results: [] }, 450);
      case "/flaky":
        return ++flakyCount % flakyEvery === 0 ? json(503, { status: "unavailable" }) : json(200, { status: "ok" });
      case "/login":
        res.writeHead(302, { location: "/" });
        return res.end();
      case "/":
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return res.end(PAGE);
      default:
        return json(404, { error: "not found" });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
