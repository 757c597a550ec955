// `vigie start` with a drill against real PostgreSQL: it runs soon after start, is stored and served, and a missed
// objective pages through the alert routes.
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { alertingHooks, startVigie, type RunningVigie } from "../../cli/commands/start.ts";
import { Config } from "../../index.ts";
import { startSourceCluster, type SourceCluster } from "../../drills/index.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../fixtures/webhook-receiver.ts";

let dir: string;
let source: SourceCluster;
let receiver: WebhookReceiver;
let running: RunningVigie;
const KEY = "start-drills-key";

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vigie-start-drill-"));
  await chmod(dir, 0o755);
  source = await startSourceCluster({ root: path.join(dir, "source") });
  await source.client.query("create table orders (id serial primary key, created_at timestamptz not null default clock_timestamp())");
  await source.client.query("insert into orders default values");
  await source.baseBackup();
  await source.switchWal();
  receiver = await startWebhookReceiver();
  const config = Config.parse({
    project: "drills-e2e",
    drills: [{
      id: "orders-db", kind: "postgres", every: "1h", timeout: "5m",
      backup: { baseDir: source.baseDir, walDir: source.walDir },
      freshness: { sql: "select max(created_at) from orders" },
      objectives: { rto: "10m", rpo: "1ms" },
      alert: { severity: "critical" },
    }],
    alerts: { channels: { hook: { type: "webhook", url: receiver.url, format: "json" } } },
  });
  running = await startVigie(config, {
    port: 0, dataDir: path.join(dir, "data"), env: { VIGIE_API_KEYS: KEY }, hooks: alertingHooks, drillCatchUpMs: 0, log: () => {},
  });
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await receiver?.close();
  await source?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

it("runs a drill with no recent run right after start, serves it, and pages its missed objective", async () => {
  await receiver.waitFor(1);
  const page = receiver.delivered[0]!.body as { event: string; incident: { probeId: string; severity: string; firstError: { message: string } } };
  expect(page).toMatchObject({ event: "open", incident: { probeId: "orders-db", severity: "critical" } });
  expect(page.incident.firstError.message).toMatch(/^validate: RPO .* over its objective of 1 ms$/);

  const runs = await (await fetch(`${running.url}v1/drills/orders-db/runs`, { headers: { authorization: `Bearer ${KEY}` } })).json() as { items: Array<{ outcome: string; runId: string }> };
  expect(runs.items).toHaveLength(1);
  expect(runs.items[0]!.outcome).toBe("fail");
  const status = await (await fetch(`${running.url}v1/status`)).json() as { drills: Array<{ id: string; lastRun: { runId: string; outcome: string } }> };
  expect(status.drills[0]).toMatchObject({ id: "orders-db", lastRun: { runId: runs.items[0]!.runId, outcome: "fail" } });
  expect(await readdir(path.join(dir, "data", "drills"))).toEqual([]);
}, 120_000);
