import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyResult, initialState, type AlertIncident, type Page, type ProbeAlertState, type ProbeSpec } from "../../core/alerting/evaluate.ts";
import type { ProbeResult } from "../../core/result/probe-result.ts";

type Outcome = ProbeResult["outcome"];
const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"];
const T0 = Date.parse("2025-06-01T00:00:00Z");

function spec(regionCount: number, after: number, recoverAfter: number, quorum: number): ProbeSpec {
  return { id: "api", every: 60_000, regions: REGIONS.slice(0, regionCount), tags: [], severity: "critical", after, recoverAfter, quorum, objectives: [] };
}

function result(region: string, outcome: Outcome, at: number): ProbeResult {
  return {
    probeId: "api", kind: "http", region, startedAt: new Date(at).toISOString(), durationMs: 10, outcome,
    ...(outcome === "pass" ? {} : { error: { category: "http" as const, message: `${outcome} in ${region}` } }), assertions: [],
  };
}

interface Step { region: number; outcome: Outcome; maintenance?: boolean }

function run(probe: ProbeSpec, steps: readonly Step[], maintenanceAll = false) {
  let state: ProbeAlertState = initialState("api", T0);
  const pages: Array<Page & { step: number }> = [];
  const changes: Array<{ step: number; incidents: AlertIncident[]; pages: Page[] }> = [];
  const history: Record<string, Outcome[]> = {};
  steps.forEach((step, index) => {
    const region = probe.regions[step.region % probe.regions.length]!;
    (history[region] ??= []).push(step.outcome);
    const at = T0 + (index + 1) * 1000;
    const transition = applyResult(state, result(region, step.outcome, at), probe, at, maintenanceAll || Boolean(step.maintenance));
    state = transition.state;
    changes.push({ step: index, incidents: transition.incidents, pages: transition.pages });
    pages.push(...transition.pages.map((page) => ({ ...page, step: index })));
  });
  return { state, pages, changes, history };
}

const policy = fc.record({ regionCount: fc.integer({ min: 1, max: 3 }), after: fc.integer({ min: 1, max: 3 }), recoverAfter: fc.integer({ min: 1, max: 3 }), quorumPick: fc.nat() });
const steps = fc.array(fc.record({ region: fc.nat({ max: 2 }), outcome: fc.constantFrom<Outcome>("pass", "degraded", "fail", "fail"), maintenance: fc.boolean() }), { maxLength: 120 });
const probeOf = (p: { regionCount: number; after: number; recoverAfter: number; quorumPick: number }) => spec(p.regionCount, p.after, p.recoverAfter, 1 + (p.quorumPick % p.regionCount));

describe("alert state machine (property-based)", () => {
  it("pages only on a transition: each open page opens an incident, each resolve page resolves one, at most once each", () => {
    fc.assert(fc.property(policy, steps, (p, sequence) => {
      const { changes } = run(probeOf(p), sequence.map((s) => ({ ...s, maintenance: false })));
      const opened = new Set<string>();
      const resolved = new Set<string>();
      for (const change of changes) {
        for (const page of change.pages) {
          const record = change.incidents.find((incident) => incident.id === page.incident.id);
          expect(record).toBeDefined();
          if (page.event === "open") {
            expect(record!.resolvedAt).toBeUndefined();
            expect(opened.has(page.incident.id)).toBe(false);
            opened.add(page.incident.id);
          } else {
            expect(record!.resolvedAt).toBeDefined();
            expect(opened.has(page.incident.id)).toBe(true);
            expect(resolved.has(page.incident.id)).toBe(false);
            resolved.add(page.incident.id);
          }
        }
      }
    }), { numRuns: 300 });
  });

  it("resolves every open incident once each region has passed recoverAfter times", () => {
    fc.assert(fc.property(policy, steps, (p, sequence) => {
      const probe = probeOf(p);
      const tail: Step[] = probe.regions.flatMap((_, region) => Array.from({ length: probe.recoverAfter }, () => ({ region, outcome: "pass" as const })));
      const { state, pages, changes } = run(probe, [...sequence.map((s) => ({ ...s, maintenance: false })), ...tail]);
      expect(state.open).toEqual({});
      const resolves = new Set(pages.filter((page) => page.event === "resolve").map((page) => page.incident.id));
      // A degraded incident that escalates to down closes without a page (the down incident carries on); every other open page has its resolve.
      const superseded = new Set(changes.flatMap((change) => change.incidents).filter((incident) => incident.supersededBy).map((incident) => incident.id));
      for (const page of pages.filter((page) => page.event === "open")) {
        expect(resolves.has(page.incident.id) || superseded.has(page.incident.id)).toBe(true);
      }
    }), { numRuns: 300 });
  });

  it("never calls a probe down on fewer failing regions than its quorum", () => {
    fc.assert(fc.property(policy, steps, (p, sequence) => {
      const probe = probeOf(p);
      const { changes } = run(probe, sequence.map((s) => ({ ...s, maintenance: false })));
      const outcomes: Record<string, Outcome[]> = {};
      changes.forEach((change, index) => {
        const step = sequence[index]!;
        (outcomes[probe.regions[step.region % probe.regions.length]!] ??= []).push(step.outcome);
        for (const page of change.pages.filter((page) => page.event === "open" && page.incident.kind === "down")) {
          expect(page.incident.regions.length).toBeGreaterThanOrEqual(probe.quorum);
          for (const region of page.incident.regions) {
            const seen = outcomes[region] ?? [];
            // Failing means: `after` fails in a row at some point, and not yet `recoverAfter` non-fails in a row since.
            const lastRecovery = (() => {
              let streak = 0;
              let at = -1;
              seen.forEach((outcome, i) => { streak = outcome === "fail" ? 0 : streak + 1; if (streak >= probe.recoverAfter) at = i; });
              return at;
            })();
            const since = seen.slice(lastRecovery + 1);
            let run = 0;
            let longest = 0;
            for (const outcome of since) { run = outcome === "fail" ? run + 1 : 0; longest = Math.max(longest, run); }
            expect(longest).toBeGreaterThanOrEqual(probe.after);
          }
        }
      });
    }), { numRuns: 300 });
  });

  it("records incidents but sends no page during maintenance", () => {
    fc.assert(fc.property(policy, steps, (p, sequence) => {
      const probe = probeOf(p);
      const normal = run(probe, sequence.map((s) => ({ ...s, maintenance: false })));
      const quiet = run(probe, sequence, true);
      expect(quiet.pages).toEqual([]);
      const ids = (r: typeof normal) => [...new Set(r.changes.flatMap((c) => c.incidents.map((i) => i.id)))];
      expect(ids(quiet)).toEqual(ids(normal));
      expect(quiet.changes.flatMap((c) => c.incidents).every((incident) => incident.maintenance)).toBe(true);
    }), { numRuns: 200 });
  });

  it("pages an incident's resolve only when its open was paged, whatever windows come and go", () => {
    fc.assert(fc.property(policy, steps, (p, sequence) => {
      const { changes } = run(probeOf(p), sequence);
      const pagedOpen = new Set<string>();
      changes.forEach((change, index) => {
        for (const page of change.pages) {
          if (page.event === "open") {
            expect(sequence[index]!.maintenance).toBe(false);
            pagedOpen.add(page.incident.id);
          } else expect(pagedOpen.has(page.incident.id)).toBe(true);
        }
      });
    }), { numRuns: 200 });
  });

  it("ignores a result it has already applied (same region, same start)", () => {
    const probe = spec(2, 1, 1, 1);
    const first = applyResult(initialState("api", T0), result("us-east-1", "fail", T0 + 1000), probe, T0 + 1000, false);
    expect(first.pages).toHaveLength(1);
    const again = applyResult(first.state, result("us-east-1", "fail", T0 + 1000), probe, T0 + 1001, false);
    expect(again.duplicate).toBe(true);
    expect(again.pages).toEqual([]);
  });
});
