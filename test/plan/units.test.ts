// The units core/plan prices are the units the real write and read paths consume on dynalite (ReturnConsumedCapacity).
import { expect, it } from "vitest";
import { measureStatusReadUnits, measureWriteUnits } from "../../bench/aws-units.ts";
import { READ_UNITS_PER_STATUS, WRITE_UNITS_PER_RESULT } from "../../core/plan/index.ts";

it("prices the write units an HTTP result really consumes, with and without SLOs", async () => {
  expect((await measureWriteUnits({ slo: false })).perResult).toBeCloseTo(WRITE_UNITS_PER_RESULT.withoutSlo, 9);
  expect((await measureWriteUnits({ slo: true })).perResult).toBeCloseTo(WRITE_UNITS_PER_RESULT.withSlo, 9);
}, 120_000);

it("prices the read units a /v1/status refresh really consumes per probe × region", async () => {
  expect((await measureStatusReadUnits(50)).perProbeRegion).toBeCloseTo(READ_UNITS_PER_STATUS.perProbeRegion, 1);
}, 180_000);
