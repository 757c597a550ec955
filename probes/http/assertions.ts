// Evaluates an http probe's assertions against one response; every verdict keeps the actual value it saw.
import { JSONPath } from "jsonpath-plus";
import { RE2JS } from "re2js";
import type { AssertionResult } from "../../core/result/index.ts";
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

/** Shortens long strings so a 1 MiB body never lands in a result. */
function forDisplay(value: unknown): unknown {
  if (typeof value === "string") return value.length > ACTUAL_MAX ? `${value.slice(0, ACTUAL_MAX)}…` : value;
  if (value !== null && typeof value === "object") {
    const text = jsonText(value);
    if (text === undefined) return "(a value nested too deeply to show)";
    return text.length > ACTUAL_MAX ? `${text.slice(0, ACTUAL_MAX)}…` : value;
  }
  return value;
}

/**
 * `matches` runs on RE2's linear-time engine: a pattern from the config cannot make a hostile 1 MiB body take
 * exponential time (and so stall every other probe of the process). Patterns are compiled once.
 */
const compiled = new Map<string, RE2JS>();
export function compileMatcher(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = RE2JS.compile(pattern)));
  return re;
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
    case "matches": {
      if (actual === undefined) return false;
      const text = typeof actual === "string" ? actual : jsonText(actual);
      return text !== undefined && compileMatcher(String(target)).matcher(text).find();
    }
  }
}

type Actual = { ok: true; value: unknown } | { ok: false; why: string };

export function evaluateAssertions(assertions: HttpAssertion[], response: ResponseFacts): AssertionResult[] {
  let parsed: { ok: true; json: unknown } | { ok: false; why: string } | undefined;
  const json = () => {
    if (!parsed) {
      try {
        parsed = { ok: true, json: JSON.parse(response.body) };
      } catch (error) {
        parsed = { ok: false, why: `body is not JSON (${(error as Error).message})` };
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

  return withDefault.map((a) => {
    const description = describe(a) + (a === withDefault[0] && withDefault !== assertions ? " (default)" : "");
    const actual = actualOf(a);
    if (!actual.ok) return { description, passed: false, actual: actual.why };
    const passed = compare(a.op, actual.value, a.target);
    return actual.value === undefined ? { description, passed } : { description, passed, actual: forDisplay(actual.value) };
  });
}
