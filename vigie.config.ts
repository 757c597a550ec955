// The example config: probes against the demo service that `npm start` runs on 127.0.0.1:4780.
import path from "node:path";
import { defineConfig } from "./index.ts";

const demo = "http://127.0.0.1:4780";

export default defineConfig({
  project: "acme",
  home: "us-east-1",
  regions: ["us-east-1", "eu-west-1"],
  probes: [
    {
      id: "api-health",
      name: "API health",
      kind: "http",
      url: `${demo}/health`,
      every: "30s",
      timeout: "5s",
      thresholds: { degradedMs: 200, failMs: 1000 },
      assertions: [
        { source: "status", op: "eq", target: 200 },
        { source: "json", path: "$.status", op: "eq", target: "ok" },
        { source: "header", name: "content-type", op: "contains", target: "json" },
      ],
      retries: { count: 1, on: "network" },
      alert: { severity: "critical", after: 2, quorum: 2 },
      tags: ["api"],
    },
    {
      id: "orders-api",
      name: "Orders API",
      kind: "http",
      url: `${demo}/api/orders`,
      headers: { authorization: "Bearer ${env:ORDERS_TOKEN}" },
      every: "1m",
      assertions: [
        { source: "json", path: "$[0].id", op: "exists" },
        { source: "responseTime", op: "lt", target: 500 },
      ],
      tags: ["api"],
    },
    {
      id: "search-api",
      name: "Search API",
      kind: "http",
      url: `${demo}/api/search`,
      every: "1m",
      thresholds: { degradedMs: 300, failMs: 2000 },
      tags: ["api"],
    },
    {
      id: "login-redirect",
      name: "Login redirect",
      kind: "http",
      url: `${demo}/login`,
      every: "5m",
      assertions: [{ source: "body", op: "contains", target: "Acme shop" }],
      tags: ["web"],
    },
    {
      id: "storefront",
      name: "Storefront",
      kind: "browser",
      url: `${demo}/`,
      every: "5m",
      timeout: "30s",
      quietWindow: "2s",
      waitFor: "#greeting",
      thresholds: { loadMs: { degraded: 3000, fail: 10000 }, ttiMs: { degraded: 5000, fail: 15000 } },
      script: async ({ page, step }) => {
        await step("add to cart", () => page.click("#add"));
        await step("cart shows 1 item", () => page.locator("#cart", { hasText: "1 items" }).waitFor());
      },
      tags: ["web"],
    },
  ],
  drills: [
    {
      // `npm start` runs this PostgreSQL (examples/orders-db.ts): WAL archived at least every 30 s, a base backup every 10 min.
      id: "orders-db",
      name: "Orders database",
      kind: "postgres",
      every: "15m",
      timeout: "5m",
      backup: { baseDir: path.resolve(".vigie/demo-orders/base"), walDir: path.resolve(".vigie/demo-orders/wal") },
      restoreTo: "latest",
      validate: [
        { sql: "select count(*) from orders", expect: { op: "gt", target: 0 } },
        { sql: "select count(*) from orders where item is null", expect: { op: "eq", target: 0 } },
      ],
      freshness: { sql: "select max(created_at) from orders" },
      objectives: { rto: "2m", rpo: "1m" },
      alert: { severity: "high" },
      tags: ["db"],
    },
  ],
  alerts: {
    // Locally pages go to stderr as JSON lines; on AWS add an SNS topic or a webhook here.
    channels: { log: { type: "log" } },
    routes: { low: ["log"] },
    slos: [{ tags: ["api"], availability: 99.9, window: "30d" }],
  },
});
