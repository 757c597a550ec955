// Reads a config file (.ts/.js via jiti, or .json) and validates it, collecting every problem with its path.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createJiti } from "jiti";
import type { z } from "zod";

export interface Problem {
  /** Where in the config, e.g. "probes[1].url"; empty for the file as a whole. */
  path: string;
  message: string;
}

export type Loaded<T> = { ok: true; config: T; file: string } | { ok: false; problems: Problem[]; file: string };

export const DEFAULT_CONFIG_FILES = ["vigie.config.ts", "vigie.config.mts", "vigie.config.js", "vigie.config.json"];

/**
 * How long a .ts/.js config may take to load. A config is code: one that awaits something that never settles would
 * otherwise leave the command waiting, or exiting with Node's code 13 and no word of why.
 */
export const CONFIG_LOAD_TIMEOUT_MS = 10_000;

/** `["probes", 1, "url"]` → `probes[1].url`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? String(segment) : `.${String(segment)}`))
    .join("");
}

/** Every field name a schema knows, to suggest the right one for a typo. */
function fieldNames(schema: unknown, names = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return names;
  seen.add(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def) return names;
  if (def.type === "object") {
    for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
      names.add(key);
      fieldNames(child, names, seen);
    }
  }
  for (const key of ["innerType", "in", "out", "element", "valueType", "schema"]) fieldNames(def[key], names, seen);
  for (const option of (def.options as unknown[] | undefined) ?? []) fieldNames(option, names, seen);
  if (def.left) fieldNames(def.left, names, seen);
  if (def.right) fieldNames(def.right, names, seen);
  return names;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Turns zod's issues into one problem per mistake, unknown fields one by one with a suggestion. */
export function problemsOf(error: z.ZodError, schema: z.ZodType): Problem[] {
  const problems: Problem[] = [];
  let known: string[] | undefined;
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      known ??= [...fieldNames(schema)];
      for (const key of issue.keys) {
        const close = known.filter((name) => editDistance(name, key) <= 2).sort((a, b) => editDistance(a, key) - editDistance(b, key))[0];
        problems.push({ path: formatPath([...issue.path, key]), message: `unknown field${close ? ` (did you mean "${close}"?)` : ""}` });
      }
      continue;
    }
    problems.push({ path: formatPath(issue.path), message: issue.message });
  }
  return problems;
}

/** Finds the config file: the one named, or the first default one in `cwd`. */
export function findConfigFile(named: string | undefined, cwd: string): string | undefined {
  if (named) return path.resolve(cwd, named);
  return DEFAULT_CONFIG_FILES.map((name) => path.join(cwd, name)).find((file) => existsSync(file));
}

async function readRaw(file: string): Promise<unknown> {
  if (file.endsWith(".json")) return JSON.parse(readFileSync(file, "utf8"));
  const jiti = createJiti(pathToFileURL(file).href, { moduleCache: false, fsCache: false });
  return jiti.import(file, { default: true });
}

/** Resolves to `LATE` once `ms` pass, unless `promise` settles first (its rejection then rejects). */
const LATE = Symbol("late");
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  // Referenced on purpose: while the config's code waits on nothing, this timer is what keeps the process alive.
  const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface LoadOptions {
  /** How long loading a .ts/.js config may take, ms. Default CONFIG_LOAD_TIMEOUT_MS. */
  timeoutMs?: number;
}

export async function loadConfig<S extends z.ZodType>(file: string, schema: S, options: LoadOptions = {}): Promise<Loaded<z.infer<S>>> {
  if (!existsSync(file)) return { ok: false, file, problems: [{ path: "", message: `config file ${file} not found` }] };
  let raw: unknown;
  const timeoutMs = options.timeoutMs ?? CONFIG_LOAD_TIMEOUT_MS;
  try {
    raw = await within(readRaw(file), timeoutMs);
    if (raw === LATE) {
      const seconds = `${Math.round(timeoutMs / 100) / 10}s`;
      return { ok: false, file, problems: [{ path: "", message: `${path.basename(file)} did not finish loading within ${seconds} (does it await something that never settles?): ${file}` }] };
    }
  } catch (error) {
    return { ok: false, file, problems: [{ path: "", message: `cannot read ${path.basename(file)}: ${(error as Error).message}` }] };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, file, problems: problemsOf(parsed.error, schema) };
  return { ok: true, file, config: parsed.data };
}
