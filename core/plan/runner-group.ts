// What a regional runner runs: its kind's probes as the config's schema validated and normalized them, with the little
// else it reads (maintenance windows, retention). The HTTP runner is handed it at deploy as a JSON file beside its
// bundle and checks only this stamp and a cheap shape, so its cold start loads and runs no schema library. The browser
// runner reads its file too; a journey script is a function, which JSON cannot carry, so the file marks where one was
// and the runner puts back the function the config bundled with it holds (`withBundledCode`). `${env:…}` references
// stay references here: their values are read from the function's environment at run time, never written into the file.
import type { MaintenanceWindow } from "../alerting/schema.ts";
import { isObject, isStringList } from "../config/json-object.ts";

/** The file's name in the function's package (SST `copyFiles` puts it at the package root, /var/task). */
export const RUNNER_GROUP_FILE = "vigie-runner-group.json";
export const RUNNER_GROUP_FORMAT = "vigie.runner-group";
/** Bumped whenever the shape of a normalized probe or of this file changes, so a runner refuses a file of another shape. */
export const RUNNER_GROUP_VERSION = 1;

/** The fields of a normalized probe the runner's own code reads; the probe kind's runner reads the rest. */
export interface GroupedProbe {
  id: string;
  kind: string;
  every: number;
  regions: readonly string[];
  tags?: readonly string[] | undefined;
}

export interface RunnerGroup<P extends GroupedProbe = GroupedProbe> {
  format: typeof RUNNER_GROUP_FORMAT;
  version: typeof RUNNER_GROUP_VERSION;
  kind: string;
  project: string;
  home: string;
  /** Raw runs' retention in ms, when the config sets one. */
  retentionMs?: number | undefined;
  probes: P[];
  maintenance: MaintenanceWindow[];
}

/** The parts of the parsed config a runner group is made of (structural: core does not import the probe registry). */
export interface RunnerGroupConfig<P extends GroupedProbe> {
  project: string;
  home: string;
  probes: readonly P[];
  store?: { retention: number } | undefined;
  alerts?: { maintenance?: readonly MaintenanceWindow[] | undefined } | undefined;
}

/** The group of a runner kind, from the parsed (validated, normalized) config: every probe of that kind, all regions. */
export function runnerGroup<P extends GroupedProbe>(config: RunnerGroupConfig<P>, kind: string): RunnerGroup<P> {
  return {
    format: RUNNER_GROUP_FORMAT, version: RUNNER_GROUP_VERSION, kind, project: config.project, home: config.home,
    ...(config.store ? { retentionMs: config.store.retention } : {}),
    probes: config.probes.filter((probe) => probe.kind === kind),
    maintenance: [...(config.alerts?.maintenance ?? [])],
  };
}

export class RunnerGroupError extends Error {
  override name = "RunnerGroupError";
  readonly code = "runner_group_invalid";
}

/** Where in `value` JSON would drop or change something (a function, a class instance), or undefined. */
export function notJson(value: unknown, at: string): string | undefined {
  if (typeof value === "function") return `${at} is a function`;
  if (typeof value === "bigint" || typeof value === "symbol") return `${at} is a ${typeof value}`;
  if (typeof value === "number" && !Number.isFinite(value)) return `${at} is ${value}`;
  if (typeof value !== "object" || value === null) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return `${at} is a ${value.constructor?.name ?? "class instance"}`;
  for (const [key, item] of Object.entries(value)) {
    const found = notJson(item, Array.isArray(value) ? `${at}[${key}]` : `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** Throws the error of a group file (`source`) that does not fit this runner, naming what is wrong and saying to redeploy. */
function refuser(source: string): (what: string) => never {
  return (what) => {
    throw new RunnerGroupError(`${source}: ${what}; redeploy (npx sst deploy) so the runner and its probes come from the same build`);
  };
}

/**
 * Stands in the group file for a probe field whose value is code (a browser probe's journey `script`): the runner puts
 * back the function the config bundled with it holds for that probe and field (`withBundledCode`).
 */
export const BUNDLED_CODE = "vigie.bundled-code";

/**
 * The group of a runner kind as the file the deploy writes: a probe's field holding a function (a journey script) is
 * written as `BUNDLED_CODE`. Refuses, naming the field, anything else JSON cannot carry unchanged.
 */
export function runnerGroupJson<P extends GroupedProbe>(config: RunnerGroupConfig<P>, kind: string): string {
  const group = runnerGroup(config, kind);
  const probes = group.probes.map((probe, index) => {
    const marked = Object.fromEntries(Object.entries(probe).map(([key, value]) => [key, typeof value === "function" ? BUNDLED_CODE : value]));
    // A string that reads as the mark would be taken for code by the runner: refused here, where it can be named.
    const lookalike = Object.keys(probe).find((key) => (probe as unknown as Record<string, unknown>)[key] === BUNDLED_CODE);
    const found = lookalike ? `probes[${index}] (${probe.id}).${lookalike} is the string "${BUNDLED_CODE}"` : notJson(marked, `probes[${index}] (${probe.id})`);
    if (found) throw new RunnerGroupError(`the ${kind} runner's probe group cannot be written as JSON: ${found}`);
    return marked;
  });
  return JSON.stringify({ ...group, probes });
}

/**
 * The group with each `BUNDLED_CODE` field given back its function from `config`, the config bundled with the runner
 * (unparsed: its probes as written, found by id). The file and the bundle come from one deploy; where they disagree
 * (a probe's code in one and not the other) this refuses, naming the probe and field. `source` names the file.
 */
export function withBundledCode<P extends GroupedProbe>(group: RunnerGroup<P>, config: unknown, source: string): RunnerGroup<P> {
  const refuse = refuser(source);
  const written = new Map<string, Record<string, unknown>>();
  if (isObject(config) && Array.isArray(config.probes)) {
    for (const probe of config.probes) if (isObject(probe) && typeof probe.id === "string") written.set(probe.id, probe);
  }
  const probes = group.probes.map((probe) => {
    const bundled = written.get(probe.id) ?? {};
    const fields = new Set([...Object.keys(probe), ...Object.keys(bundled).filter((key) => typeof bundled[key] === "function")]);
    const code: Record<string, unknown> = {};
    for (const key of fields) {
      const marked = (probe as unknown as Record<string, unknown>)[key] === BUNDLED_CODE;
      const isCode = typeof bundled[key] === "function";
      if (marked && !isCode) refuse(`probe "${probe.id}": the group file marks its ${key} as code, but the bundled config holds no function there`);
      if (!marked && isCode) refuse(`probe "${probe.id}": the bundled config holds a function in its ${key}, which the group file does not mark`);
      if (marked) code[key] = bundled[key];
    }
    return Object.keys(code).length > 0 ? { ...probe, ...code } : probe;
  });
  return { ...group, probes };
}


/**
 * Checks a runner group read back from its file: the stamp (format, version, kind) and the fields the runner reads.
 * Deeper validation happened at deploy (the config's schema); this refuses a file of another shape, a hand edit or a
 * mix-up, naming what is wrong. `source` names the file in the message. A field marked as code (`BUNDLED_CODE`) is
 * refused unless `options.bundledCode` says the caller puts the code back (`withBundledCode`).
 */
export function readRunnerGroup<P extends GroupedProbe = GroupedProbe>(value: unknown, kind: string, source: string, options: { bundledCode?: boolean } = {}): RunnerGroup<P> {
  const refuse = refuser(source);
  if (!isObject(value) || value.format !== RUNNER_GROUP_FORMAT) refuse(`not a vigie runner group (expected format "${RUNNER_GROUP_FORMAT}")`);
  const group = value as Record<string, unknown>;
  if (group.version !== RUNNER_GROUP_VERSION) refuse(`runner group version ${JSON.stringify(group.version)}, this runner reads version ${RUNNER_GROUP_VERSION}`);
  if (group.kind !== kind) refuse(`a group of ${JSON.stringify(group.kind)} probes, handed to the ${kind} runner`);
  if (typeof group.project !== "string" || typeof group.home !== "string") refuse("project and home must be strings");
  if (group.retentionMs !== undefined && !(typeof group.retentionMs === "number" && group.retentionMs > 0)) refuse("retentionMs must be a positive number");
  if (!Array.isArray(group.maintenance) || !group.maintenance.every(isObject)) refuse("maintenance must be a list of windows");
  if (!Array.isArray(group.probes)) refuse("probes must be a list");
  (group.probes as unknown[]).forEach((probe, index) => {
    const where = `probes[${index}]`;
    if (!isObject(probe)) return refuse(`${where} is not an object`);
    if (typeof probe.id !== "string" || probe.id === "") refuse(`${where}.id must be a non-empty string`);
    if (probe.kind !== kind) refuse(`${where} (${String(probe.id)}) is a ${JSON.stringify(probe.kind)} probe in the ${kind} group`);
    if (typeof probe.every !== "number" || !(probe.every > 0)) refuse(`${where} (${String(probe.id)}).every must be a positive number of ms`);
    if (!isStringList(probe.regions)) refuse(`${where} (${String(probe.id)}).regions must be a list of regions`);
    if (probe.tags !== undefined && !isStringList(probe.tags)) refuse(`${where} (${String(probe.id)}).tags must be a list of strings`);
    // Code marked in the file reaches a runner only through `withBundledCode`; a runner that does not call it refuses the mark.
    const code = Object.keys(probe).find((key) => probe[key] === BUNDLED_CODE);
    if (code && !options.bundledCode) refuse(`${where} (${String(probe.id)}).${code} is code from the config, which the ${kind} runner does not carry`);
  });
  return group as unknown as RunnerGroup<P>;
}
