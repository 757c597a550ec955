// The config the stack test deploys: the example config and four AWS drills (the example's only drill is a local
// postgres one, which is not deployed): two in the home region (us-east-1), one in a probe region (eu-west-1, in a VPC
// whose subnet group has the same name as the home drill's) and one in a region with no probes (ap-southeast-2). test/stacks/record-stack.ts hands it to sst.config.ts in place of vigie.config.ts.
import { defineConfig } from "../../index.ts";
import example from "../../vigie.config.ts";

export default defineConfig({
  ...example,
  drills: [
    ...(example.drills ?? []),
    {
      id: "billing-db", kind: "rds-pitr", every: "6h", timeout: "40m", objectives: { rto: "30m", rpo: "5m" },
      source: { instance: "billing" }, restore: { subnetGroup: "drills", securityGroups: ["sg-0abc"], vpcEndpoints: true },
      connect: { user: "vigie", password: "${env:BILLING_DB_PASSWORD}" },
      validate: [{ sql: "select count(*) from invoices", expect: { op: "gt", target: 0 } }],
    },
    { id: "users-table", kind: "dynamodb-pitr", every: "1d", timeout: "1h", objectives: { rto: "1h", rpo: "5m" }, source: { table: "users" } },
    {
      id: "ledger-db", kind: "rds-pitr", region: "eu-west-1", every: "6h", timeout: "40m", objectives: { rto: "30m", rpo: "5m" },
      // Outside the home region a VPC reaches the table through a NAT gateway only (endpoints cannot): vpcEndpoints false.
      source: { instance: "ledger" }, restore: { subnetGroup: "drills", securityGroups: ["sg-0def"], vpcEndpoints: false },
      connect: { user: "vigie", password: "${env:BILLING_DB_PASSWORD}" },
      validate: [{ sql: "select count(*) from entries", expect: { op: "gt", target: 0 } }],
    },
    { id: "sessions", kind: "dynamodb-pitr", region: "ap-southeast-2", every: "1d", timeout: "1h", objectives: { rto: "1h", rpo: "5m" }, source: { table: "sessions" } },
  ],
});
