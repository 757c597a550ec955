// The example config: probes against the demo service that `npm start` runs on 127.0.0.1:4780.
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
  ],
});
