// What the handlers build from the stack's environment, given as an argument (process.env is never touched), and from
// the config the deploy wrote beside their bundle (core/plan/home-config.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Alerts } from "../../core/alerting/schema.ts";
import { defaultAlerts } from "../../core/alerting/defaults.ts";
import { HOME_CONFIG_FILE, HomeConfigError, homeConfigJson, readHomeConfig } from "../../core/plan/home-config.ts";
import { drillLambdaDeps } from "../../functions/drill.ts";
import { lambdaDeps, type HomeConfig } from "../../functions/lambda-deps.ts";
import { runnerDepsIn } from "../../functions/runner-deps.ts";
import { runnerGroup } from "../../core/plan/runner-group.ts";
import { Config } from "../../index.ts";
import exampleConfig from "../../vigie.config.ts";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:vigie-pages";
const config = Config.parse(exampleConfig);
const pkg = mkdtempSync(path.join(tmpdir(), "vigie-home-"));
writeFileSync(path.join(pkg, HOME_CONFIG_FILE), homeConfigJson(config));
afterAll(() => rmSync(pkg, { recursive: true, force: true }));
const fileJson = () => JSON.parse(homeConfigJson(config)) as { format: string; version: number; config: Record<string, any> };

describe("the home functions' config file", () => {
  it("holds the parsed config unchanged through JSON, alerts defaults filled in, a journey's script left out", () => {
    const read = readHomeConfig<HomeConfig>(fileJson(), "test");
    const { probes, ...rest } = config;
    expect(read).toEqual({ ...rest, probes: probes.map(({ script: _script, ...probe }: any) => probe) });
    expect(read.probes.find((p) => p.id === "storefront")).not.toHaveProperty("script");
    expect(JSON.stringify(read)).toContain("${env:ORDERS_TOKEN}");
    const bare = readHomeConfig<HomeConfig>(JSON.parse(homeConfigJson(Config.parse({ project: "acme", probes: [] }))), "test");
    expect(bare.alerts).toEqual(Alerts.parse({}));
  });

  it("takes its alerts defaults from plain values equal to the schema's, so no reader loads the schema for them", () => {
    expect(defaultAlerts()).toEqual(Alerts.parse({}));
  });

  it("will not write what JSON cannot carry besides a probe's functions, naming it", () => {
    const odd = { ...config, alerts: { ...config.alerts!, maintenance: [{ when: new Date(0) }] } } as unknown as Config;
    expect(() => homeConfigJson(odd)).toThrow(HomeConfigError);
    expect(() => homeConfigJson(odd)).toThrow("config.alerts.maintenance[0].when is a Date");
  });

  it("refuses a file of another version or format, naming both versions and what to do", () => {
    expect(() => readHomeConfig({ ...fileJson(), version: 0 }, "f.json")).toThrow("f.json: home config version 0, this function reads version 1; redeploy");
    expect(() => readHomeConfig({ ...fileJson(), format: "vigie.runner-group" }, "f.json")).toThrow('f.json: not a vigie home config (expected format "vigie.home-config")');
    expect(() => readHomeConfig([], "f.json")).toThrow(HomeConfigError);
  });

  it("refuses a config without what the functions read, naming the field", () => {
    const noEvery = fileJson();
    delete noEvery.config.probes[0].every;
    expect(() => readHomeConfig(noEvery, "f")).toThrow("f: config.probes[0] (api-health).every and .timeout must be numbers of ms");
    const noDelivery = fileJson();
    delete noDelivery.config.alerts.delivery;
    expect(() => readHomeConfig(noDelivery, "f")).toThrow(/config\.alerts\.delivery must hold/);
    const noDrills = fileJson();
    delete noDrills.config.drills;
    expect(() => readHomeConfig(noDrills, "f")).toThrow("f: config.drills must be a list");
  });
});

describe("a home function's deps", () => {
  const env = { LAMBDA_TASK_ROOT: pkg, VIGIE_TABLE: "acme-table", VIGIE_HOME_REGION: "us-east-1", AWS_REGION: "us-east-1" };

  it("takes the table, the home region and the stack's topic from the environment it is given, and the region from Lambda's", () => {
    const deps = lambdaDeps({ ...env, VIGIE_TOPIC_ARN: TOPIC, AWS_REGION: "eu-west-1" });
    expect(deps.region).toBe("eu-west-1");
    expect(deps.vigie.tableName).toBe("acme-table");
    expect(deps.config.alerts?.channels.stack).toEqual({ type: "sns", topicArn: TOPIC });
    // The example routes everything to "log": the stack's topic is added to the mildest severity, so it hears all.
    expect(deps.config.alerts?.routes?.low).toEqual(["log", "stack"]);
    expect(deps.config.probes.map((p) => p.id)).toEqual(config.probes.map((p) => p.id));
    expect(deps.vigie.built()).toEqual([]);
  });

  it("names the missing variable when the stack did not set the table", () => {
    expect(() => lambdaDeps({ LAMBDA_TASK_ROOT: pkg, AWS_REGION: "eu-west-1" })).toThrow("VIGIE_TABLE is not set");
  });

  it("names the file when the package has no config or a broken one", () => {
    const empty = mkdtempSync(path.join(pkg, "empty-"));
    expect(() => lambdaDeps({ ...env, LAMBDA_TASK_ROOT: empty })).toThrow(`${path.join(empty, HOME_CONFIG_FILE)}: the home functions' config cannot be read`);
    writeFileSync(path.join(empty, HOME_CONFIG_FILE), JSON.stringify({ ...fileJson(), version: 2 }));
    expect(() => lambdaDeps({ ...env, LAMBDA_TASK_ROOT: empty })).toThrow(`${path.join(empty, HOME_CONFIG_FILE)}: home config version 2`);
  });

  it("composes the drill engine into the drill Lambda only: the other home functions are built without one", () => {
    const drill = drillLambdaDeps(env);
    expect(typeof drill.vigie.drills?.advance).toBe("function");
    expect(drill.vigie.built()).toContain("drills");
    expect(lambdaDeps(env).vigie.drills).toBeUndefined();
  });
});

it("a runner refuses to queue results without the queue's URL, naming it", async () => {
  const deps = runnerDepsIn(runnerGroup(config, "http"), { VIGIE_TABLE: "acme-table", AWS_REGION: "eu-west-1" });
  await expect(deps.enqueue("[]")).rejects.toThrow("VIGIE_QUEUE_URL is not set");
});
