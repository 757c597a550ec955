// End to end in `vigie start`: one failing region pages no one, two do, recovery sends the resolve page.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { alertingHooks, startVigie, type RunningVigie } from "../../cli/commands/start.ts";
import { Config } from "../../index.ts";
import { startHttpTarget, type Target } from "../fixtures/targets.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../fixtures/webhook-receiver.ts";

const failing = new Set<string>();
let target: Target;
let receiver: WebhookReceiver;
let running: RunningVigie;
const logs: string[] = [];

/** Polls a condition until it holds or the deadline passes (the probes run on real timers, every second). */
async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** True once `count` runs of the region started after `since`, all with the outcome wanted. */
async function ranSince(region: string, since: number, count: number, outcome: "pass" | "fail") {
  const page = await running.store.listRuns({ probeId: "api", region, limit: count });
  const recent = page.items.filter((run) => Date.parse(run.startedAt) > since);
  return recent.length >= count && recent.every((run) => run.outcome === outcome);
}

beforeAll(async () => {
  target = await startHttpTarget((req, res) => {
    // The probe's user agent names its region, so the target can fail for some regions only.
    const region = /region ([a-z0-9-]+)/.exec(String(req.headers["user-agent"]))?.[1] ?? "";
    res.statusCode = failing.has(region) ? 503 : 200;
    res.end(failing.has(region) ? "unavailable" : "ok");
  });
  receiver = await startWebhookReceiver();
  const config = Config.parse({
    project: "e2e",
    regions: ["us-east-1", "eu-west-1", "ap-south-1"],
    probes: [{ id: "api", kind: "http", url: `${target.url}/health`, every: "1s", timeout: "500ms", alert: { severity: "critical", after: 2, recoverAfter: 2 } }],
    alerts: { channels: { hook: { type: "webhook", url: receiver.url, format: "json" } } },
  });
  running = await startVigie(config, {
    port: 0,
    dataDir: mkdtempSync(path.join(tmpdir(), "vigie-alert-e2e-")),
    env: {},
    hooks: alertingHooks,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await running?.stop();
  await receiver?.close();
  await target?.close();
});

it("pages once when a second region fails, never for one, and once more on recovery", { timeout: 60_000 }, async () => {
  // One region down: it counts as failing after 2 runs, but quorum is 2 of 3 regions, so nobody is paged.
  failing.add("eu-west-1");
  let since = Date.now();
  await until("3 failed runs in eu-west-1", () => ranSince("eu-west-1", since, 3, "fail"));
  await until("passing runs elsewhere", () => ranSince("us-east-1", since, 3, "pass"));
  expect(receiver.delivered).toHaveLength(0);

  // A second region down: the probe is down, one page opens the incident.
  failing.add("ap-south-1");
  await until("the open page", () => receiver.delivered.length >= 1);
  const open = receiver.delivered[0]!.body as { event: string; dedupKey: string; incident: { probeId: string; kind: string; severity: string; regions: string[] } };
  expect(open.event).toBe("open");
  expect(open.incident).toMatchObject({ probeId: "api", kind: "down", severity: "critical" });
  expect(open.incident.regions).toEqual(expect.arrayContaining(["eu-west-1", "ap-south-1"]));
  const listed = await fetch(`${running.url}v1/incidents?status=open`).then((r) => r.json() as Promise<{ items: Array<{ id: string }> }>);
  expect(listed.items.map((i) => i.id)).toEqual([open.dedupKey]);

  // Recovery: after 2 passing runs in enough regions, one resolve page with the same dedup key.
  failing.clear();
  await until("the resolve page", () => receiver.delivered.length >= 2);
  const resolved = receiver.delivered[1]!.body as { event: string; dedupKey: string };
  expect(resolved).toMatchObject({ event: "resolve", dedupKey: open.dedupKey });

  // Steady again: no further page.
  since = Date.now();
  await until("more passing runs", () => ranSince("ap-south-1", since, 2, "pass"));
  expect(receiver.delivered).toHaveLength(2);
});
