// What the handlers build from the stack's environment, given as an argument (process.env is never touched).
import { expect, it } from "vitest";
import { drillLambdaDeps } from "../../functions/drill.ts";
import { lambdaDeps } from "../../functions/lambda-deps.ts";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:vigie-pages";

it("takes the table, the home region and the stack's topic from the environment it is given, and the region from Lambda's", () => {
  const deps = lambdaDeps({ VIGIE_TABLE: "acme-table", VIGIE_HOME_REGION: "us-east-1", VIGIE_TOPIC_ARN: TOPIC, AWS_REGION: "eu-west-1" });
  expect(deps.region).toBe("eu-west-1");
  expect(deps.vigie.tableName).toBe("acme-table");
  expect(deps.config.alerts?.channels.stack).toEqual({ type: "sns", topicArn: TOPIC });
  // The example routes everything to "log": the stack's topic is added to the mildest severity, so it hears all.
  expect(deps.config.alerts?.routes?.low).toEqual(["log", "stack"]);
  expect(deps.vigie.built()).toEqual([]);
});

it("names the missing variable when the stack did not set the table", () => {
  expect(() => lambdaDeps({ AWS_REGION: "eu-west-1" })).toThrow("VIGIE_TABLE is not set");
});

it("refuses to queue results without the queue's URL, naming it", async () => {
  const deps = lambdaDeps({ VIGIE_TABLE: "acme-table", AWS_REGION: "eu-west-1" });
  await expect(deps.enqueue("[]")).rejects.toThrow("VIGIE_QUEUE_URL is not set");
});

it("composes the drill engine into the drill Lambda only: the other home functions are built without one", () => {
  const env = { VIGIE_TABLE: "acme-table", VIGIE_HOME_REGION: "us-east-1", AWS_REGION: "us-east-1" };
  const drill = drillLambdaDeps(env);
  expect(typeof drill.vigie.drills?.advance).toBe("function");
  expect(drill.vigie.built()).toContain("drills");
  expect(lambdaDeps(env).vigie.drills).toBeUndefined();
});
