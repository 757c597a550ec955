// The checks of stored results read on hot paths (core/result/probe-result-check.ts for the evaluator,
// drill-result-check.ts for the API), against the schemas they stand in for: what the schema accepts, the check
// accepts; what a reader could not read, both refuse.
import { describe, expect, it } from "vitest";
import { checkProbeResult, ProbeResultShapeError } from "../../core/result/probe-result-check.ts";
import { checkDrillResult } from "../../core/result/drill-result-check.ts";
import { DrillResult, ProbeResult } from "../../core/result/index.ts";
import { streamRecordsOf } from "../../functions/evaluator.ts";
import { sqsRecordsOf } from "../../functions/queue-consumer.ts";

const http: ProbeResult = {
  probeId: "api", kind: "http", region: "us-east-1", startedAt: "2026-03-02T10:00:00.000Z", durationMs: 41, outcome: "fail",
  error: { category: "http", message: "HTTP 503" },
  http: { status: 503, bytes: 12, timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 30, downloadMs: 5, totalMs: 41 } },
  assertions: [{ description: "status eq 200", passed: false, actual: 503 }],
  attempts: [{ startedAt: "2026-03-02T10:00:00.000Z", durationMs: 20, outcome: "fail", error: { category: "connect", message: "refused" } }],
};
const browser: ProbeResult = {
  probeId: "shop", kind: "browser", region: "eu-west-1", startedAt: "2026-03-02T10:00:00Z", durationMs: 3000, outcome: "pass", maintenance: true,
  browser: { ttfbMs: 80, fcpMs: 200, lcpMs: null, domContentLoadedMs: 300, loadMs: null, ttiMs: null, tbtMs: 0, cls: 0, jsErrors: [], failedRequests: [] },
  assertions: [],
};

describe("a stored result's check", () => {
  it("accepts what the schema accepts, unchanged", () => {
    for (const result of [http, browser, { ...http, outcome: "degraded", error: { category: "threshold", message: "slow" } }]) {
      expect(ProbeResult.safeParse(result).success).toBe(true);
      expect(checkProbeResult(result)).toBe(result);
    }
  });

  it("refuses what alerting could not read, as the schema does, naming the field", () => {
    const bad: Array<[unknown, string]> = [
      [null, "not an object"],
      [{ ...http, probeId: 7 }, "probeId must be a string"],
      [{ ...http, startedAt: undefined }, "startedAt must be a string"],
      [{ ...http, durationMs: "41" }, "durationMs must be a number"],
      [{ ...http, outcome: "broken" }, 'outcome "broken" is not one of pass, degraded, fail'],
      [{ ...http, error: { category: "oops", message: "x" } }, "error must hold a known category"],
      [{ ...http, assertions: undefined }, "assertions must be a list"],
      [{ ...http, http: { status: 200, bytes: 1, timings: {} } }, "http.timings.totalMs must be a number"],
      [{ ...browser, browser: { ...browser.browser, loadMs: "1" } }, "browser.loadMs must be a number or null"],
      [{ ...http, maintenance: "yes" }, "maintenance must be a boolean"],
    ];
    for (const [value, message] of bad) {
      expect(ProbeResult.safeParse(value).success, message).toBe(false);
      expect(() => checkProbeResult(value), message).toThrow(ProbeResultShapeError);
      expect(() => checkProbeResult(value), message).toThrow(message);
    }
    // An instant the schema takes as a string but no clock can read: the evaluator refuses it too.
    expect(() => checkProbeResult({ ...http, startedAt: "yesterday" })).toThrow('startedAt "yesterday" is not an instant');
  });
});

describe("the home functions' events", () => {
  it("gives each record's sequence number and new image", () => {
    const image = { pk: { S: "RUN#api#us-east-1" } };
    expect(streamRecordsOf({ Records: [{ eventName: "INSERT", dynamodb: { SequenceNumber: "7", NewImage: image } }, { dynamodb: { SequenceNumber: "8" } }] }))
      .toEqual([{ SequenceNumber: "7", NewImage: image }, { SequenceNumber: "8", NewImage: undefined }]);
  });

  it("refuses an event that is not a stream batch, naming what is missing", () => {
    expect(() => streamRecordsOf({})).toThrow("Records must be a list");
    expect(() => streamRecordsOf({ Records: [{ dynamodb: {} }] })).toThrow("Records[0].dynamodb.SequenceNumber must be a string");
    expect(() => streamRecordsOf({ Records: [{ dynamodb: { SequenceNumber: "1", NewImage: "x" } }] })).toThrow("Records[0].dynamodb.NewImage must be an object");
  });

  it("gives the queue consumer each message's id and body, and refuses an event that is not an SQS batch", () => {
    expect(sqsRecordsOf({ Records: [{ messageId: "a", body: "[]", attributes: {} }] })).toEqual([{ messageId: "a", body: "[]" }]);
    expect(() => sqsRecordsOf(null)).toThrow("Records must be a list");
    expect(() => sqsRecordsOf({ Records: [{ messageId: "a" }] })).toThrow("Records[0] needs a string messageId and body");
  });
});

const drill: DrillResult = {
  drillId: "orders-db", kind: "postgres", runId: "m1abc", startedAt: "2026-03-02T10:00:00.000Z", finishedAt: "2026-03-02T10:03:00.000Z", outcome: "fail",
  objectives: { rtoMs: 120_000, rpoMs: 60_000 }, achieved: { rtoMs: 90_000, rpoMs: null, restorePoint: "2026-03-02T09:59:00.000Z", newestData: null },
  stages: [{ name: "restore", startedAt: "2026-03-02T10:00:00.000Z", durationMs: 80_000, outcome: "pass" }, { name: "validate", startedAt: "2026-03-02T10:01:20.000Z", durationMs: 10, outcome: "fail", detail: "count 0" }],
  validation: [{ description: "select count(*) from orders gt 0", passed: false, actual: 0 }],
  cleanup: { outcome: "done", resources: [{ kind: "directory", id: "/tmp/vigie-drill-orders-db-m1abc" }] },
  error: { category: "validate", message: "a check failed" },
};

describe("a stored drill result's check", () => {
  it("accepts what the schema accepts, unchanged", () => {
    for (const result of [drill, { ...drill, outcome: "pass", error: undefined }]) {
      expect(DrillResult.safeParse(result).success).toBe(true);
      expect(checkDrillResult(result)).toBe(result);
    }
  });

  it("refuses what the schema refuses, naming the field", () => {
    const bad: Array<[unknown, string]> = [
      [[], "not an object"],
      [{ ...drill, runId: undefined }, "runId must be a string"],
      [{ ...drill, outcome: "ok" }, 'outcome "ok" is not one of pass, fail, error, interrupted'],
      [{ ...drill, objectives: { rtoMs: 1 } }, "objectives must hold rtoMs and rpoMs"],
      [{ ...drill, achieved: { ...drill.achieved, rpoMs: "1" } }, "achieved.rpoMs must be a number or null"],
      [{ ...drill, achieved: { ...drill.achieved, newestData: 5 } }, "achieved.newestData must be a string or null"],
      [{ ...drill, stages: [{ ...drill.stages[0], outcome: "done" }] }, "stages[0] must hold"],
      [{ ...drill, validation: [{ description: "x" }] }, "validation must be a list of checks"],
      [{ ...drill, cleanup: { outcome: "done", resources: [{ id: "x" }] } }, "cleanup must hold"],
      [{ ...drill, error: { category: "oops", message: "x" } }, "error must hold a known category"],
    ];
    for (const [value, message] of bad) {
      expect(DrillResult.safeParse(value).success, message).toBe(false);
      expect(() => checkDrillResult(value), message).toThrow(message);
    }
  });
});
