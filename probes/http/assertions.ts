// Evaluates an http probe's assertions against one response; every verdict keeps the actual value it saw.
import { JSONPath } from "jsonpath-plus";
import { performance } from "node:perf_hooks";
import type { AssertionResult } from "../../core/result/index.ts";
import { matchWithin } from "./pattern-match.ts";
import type { AssertionOp, HttpAssertion } from "./schema.ts";

export interface ResponseFacts {
  status: number;
  /** A header by lower-case name. */
  header: (name: string) => string | string[] | undefined;
  body: string;
  totalMs: number;
}

const ACTUAL_MAX = 200;

/** JSON text of a value, or undefined when it cannot be written (nested deeper than the stack allows). */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Keeps no text as it is: replaces every secret in it (see `scrubber` in core/config/secrets.ts). */
export type Scrub = (text: string) => string;

/**
 * Shortens long strings so a 1 MiB body never lands in a result. Secrets are scrubbed before the cut: a cut through
 * one would leave a piece (the first 12 characters of a token echoed at offset 181) that no later scrub recognises.
 */
function forDisplay(value: unknown, scrub: Scrub): unknown {
  const cut = (text: string) => {
    const clean = scrub(text);
    return clean.length > ACTUAL_MAX ? `${clean.slice(0, ACTUAL_MAX)}…` : clean;
  };
  if (typeof value === "string") return cut(value);
  if (value !== null && typeof value === "object") {
    const text = jsonText(value);
    if (text === undefined) return "(a value nested too deeply to show)";
    return text.length > ACTUAL_MAX ? cut(text) : value;
  }
  return value;
}

/**
 * JSON.parse's message without the piece of the body V8 quotes (its first ten characters or so): a cut the scrub
 * cannot see through, so a body starting with a secret would leak its start.
 */
function jsonError(error: Error): string {
  return error.message.replace(/"[\s\S]*"(?:\.\.\.)?(?= is not valid JSON$)/, "the body");
}

function describe(a: HttpAssertion): string {
  const subject =
    a.source === "header" ? `header ${a.name}` : a.source === "json" ? `json ${a.path}` : a.source;
  return a.op === "exists" ? `${subject} ${a.target === false ? "does not exist" : "exists"}` : `${subject} ${a.op} ${JSON.stringify(a.target)}`;
}

const asNumber = (value: unknown) => (typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN);

/** Numbers compare numerically (a header "5" equals 5); strings compare with scalars by text. */
function equals(actual: unknown, target: unknown): boolean {
  if (typeof target === "number") return asNumber(actual) === target;
  if (typeof target === "string") return actual !== undefined && actual !== null && typeof actual !== "object" && String(actual) === target;
  return actual === target;
}

export function compare(op: AssertionOp, actual: unknown, target: unknown): boolean {
  switch (op) {
    case "exists":
      return target === false ? actual === undefined : actual !== undefined;
    case "eq": return equals(actual, target);
    case "neq": return !equals(actual, target);
    case "lt": return asNumber(actual) < asNumber(target);
    case "lte": return asNumber(actual) <= asNumber(target);
    case "gt": return asNumber(actual) > asNumber(target);
    case "gte": return asNumber(actual) >= asNumber(target);
    case "contains":
    case "notContains": {
      if (actual === undefined) return op === "notContains";
      const has = Array.isArray(actual) ? actual.some((item) => item === target || String(item) === String(target)) : String(actual).includes(String(target));
      return op === "contains" ? has : !has;
    }
    case "matches":
      // Decided in evaluateAssertions by `matchWithin`, off the main thread when it may be costly.
      return false;
  }
}

/** What a `matches` assertion is matched against: a string as it is, anything else as its JSON text. */
function matchText(actual: unknown): string | undefined {
  if (actual === undefined) return undefined;
  return typeof actual === "string" ? actual : jsonText(actual);
}

type Actual = { ok: true; value: unknown } | { ok: false; why: string };

export interface EvaluateOptions {
  /** Replaces the run's secrets in every actual value before it is cut to length. */
  scrub?: Scrub;
  /** What is left of the probe's timeout, ms: a `matches` not decided by then fails. Default: no bound. */
  deadlineMs?: number;
}

/** The actual value of an assertion that could not be decided in time: the run fails, naming it. */
export const UNDECIDED = "(not decided: matching took longer than the time left of the timeout)";

/**
 * Evaluates every assertion. `matches` runs within what is left of the probe's timeout, on a worker thread when the
 * work may be costly (see pattern-match.ts), so no pattern can delay another probe or the API; its result says how
 * long matching really took (`durationMs`).
 */
export async function evaluateAssertions(assertions: HttpAssertion[], response: ResponseFacts, options: EvaluateOptions = {}): Promise<AssertionResult[]> {
  const scrub = options.scrub ?? ((text: string) => text);
  const deadlineAt = performance.now() + (options.deadlineMs ?? Number.MAX_SAFE_INTEGER);
  let parsed: { ok: true; json: unknown } | { ok: false; why: string } | undefined;
  const json = () => {
    if (!parsed) {
      try {
        parsed = { ok: true, json: JSON.parse(response.body) };
      } catch (error) {
        parsed = { ok: false, why: `body is not JSON (${jsonError(error as Error)})` };
      }
    }
    return parsed;
  };

  const actualOf = (a: HttpAssertion): Actual => {
    switch (a.source) {
      case "status": return { ok: true, value: response.status };
      case "responseTime": return { ok: true, value: Math.round(response.totalMs * 100) / 100 };
      case "body": return { ok: true, value: response.body };
      case "header": {
        const value = response.header(a.name.toLowerCase());
        return { ok: true, value: Array.isArray(value) ? value.join(", ") : value };
      }
      case "json": {
        const doc = json();
        if (!doc.ok) return { ok: false, why: doc.why };
        try {
          const matches = JSONPath({ path: a.path, json: doc.json as object, wrap: true, eval: false }) as unknown[];
          return { ok: true, value: matches.length === 0 ? undefined : matches.length === 1 ? matches[0] : matches };
        } catch (error) {
          return { ok: false, why: `JSONPath ${a.path} failed: ${(error as Error).message}` };
        }
      }
    }
  };

  const withDefault: HttpAssertion[] = assertions.some((a) => a.source === "status")
    ? assertions
    : [{ source: "status", op: "lt", target: 400 }, ...assertions];

  const results: AssertionResult[] = [];
  for (const a of withDefault) {
    const description = describe(a) + (a === withDefault[0] && withDefault !== assertions ? " (default)" : "");
    const actual = actualOf(a);
    if (!actual.ok) {
      results.push({ description, passed: false, actual: scrub(actual.why) });
      continue;
    }
    const shown = actual.value === undefined ? {} : { actual: forDisplay(actual.value, scrub) };
    if (a.op === "matches") {
      const text = matchText(actual.value);
      if (text === undefined) {
        results.push({ description, passed: false, ...shown });
        continue;
      }
      const match = await matchWithin(String(a.target), text, Math.max(0, deadlineAt - performance.now()));
      const durationMs = Math.round(match.ms * 1000) / 1000;
      results.push(match.done
        ? { description, passed: match.matched, ...shown, durationMs }
        : { description, passed: false, actual: UNDECIDED, durationMs });
      continue;
    }
    results.push({ description, passed: compare(a.op, actual.value, a.target), ...shown });
  }
  return results;
}
