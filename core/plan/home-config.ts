// What the home functions (API, evaluator, housekeeping, queue consumer, drill steps) run from: the config as its schema
// validated and normalized it at deploy, the alerts block's defaults filled in, written as a JSON file beside each
// function's bundle. A home function checks only this stamp and the shape of what it reads, so its cold start loads
// and runs no schema library. A probe's function fields (a browser journey's `script`) are left out: no home function
// runs a probe, and JSON cannot carry a function (the browser runner takes them from its bundled config).
// `${env:…}` references stay references: their values are read from the function's environment at run time.
import { alertsOf } from "../alerting/rules.ts";
import type { Alerts } from "../alerting/schema.ts";
import { isObject, isStringList } from "../config/json-object.ts";
import { notJson } from "./runner-group.ts";

/** The file's name in the function's package (SST `copyFiles` puts it at the package root, /var/task). */
export const HOME_CONFIG_FILE = "vigie-home.json";
export const HOME_CONFIG_FORMAT = "vigie.home-config";
/** Bumped whenever the shape of the normalized config or of this file changes, so a function refuses a file of another shape. */
export const HOME_CONFIG_VERSION = 1;

/** The parts of the parsed config the home functions read (structural: core does not import the probe registry). */
export interface HomeConfigShape {
  project: string;
  home: string;
  regions: readonly string[];
  probes: ReadonlyArray<{ id: string; kind: string; every: number; regions: readonly string[] }>;
  drills: ReadonlyArray<{ id: string; kind: string }>;
  alerts?: Alerts | undefined;
}

export interface HomeConfigFile<C> {
  format: typeof HOME_CONFIG_FORMAT;
  version: typeof HOME_CONFIG_VERSION;
  config: C;
}

export class HomeConfigError extends Error {
  override name = "HomeConfigError";
  readonly code = "home_config_invalid";
}

/**
 * The home functions' config as the file the deploy writes: the parsed config with its alerts defaults filled in and
 * each probe's function fields left out. Refuses, naming the field, anything else JSON cannot carry unchanged.
 */
export function homeConfigJson<C extends HomeConfigShape>(config: C): string {
  const probes = config.probes.map((probe) => Object.fromEntries(Object.entries(probe).filter(([, value]) => typeof value !== "function")));
  const file = { format: HOME_CONFIG_FORMAT, version: HOME_CONFIG_VERSION, config: { ...config, probes, alerts: alertsOf(config) } };
  const found = notJson(file.config, "config");
  if (found) throw new HomeConfigError(`the home functions' config cannot be written as JSON: ${found}`);
  return JSON.stringify(file);
}

const positive = (value: unknown) => typeof value === "number" && value > 0;

/**
 * Checks a home config read back from its file: the stamp (format, version) and the fields the home functions read.
 * Deeper validation happened at deploy (the config's schema); this refuses a file of another shape, a hand edit or a
 * mix-up, naming what is wrong. `source` names the file in the message.
 */
export function readHomeConfig<C extends HomeConfigShape>(value: unknown, source: string): C {
  const refuse = (what: string): never => {
    throw new HomeConfigError(`${source}: ${what}; redeploy (npx sst deploy) so the functions and their config come from the same build`);
  };
  if (!isObject(value) || value.format !== HOME_CONFIG_FORMAT) refuse(`not a vigie home config (expected format "${HOME_CONFIG_FORMAT}")`);
  const file = value as Record<string, unknown>;
  if (file.version !== HOME_CONFIG_VERSION) refuse(`home config version ${JSON.stringify(file.version)}, this function reads version ${HOME_CONFIG_VERSION}`);
  if (!isObject(file.config)) refuse("config must be an object");
  const config = file.config as Record<string, unknown>;
  if (typeof config.project !== "string" || typeof config.home !== "string") refuse("config.project and config.home must be strings");
  if (!isStringList(config.regions)) refuse("config.regions must be a list of regions");
  if (config.store !== undefined && !(isObject(config.store) && positive(config.store.retention))) refuse("config.store.retention must be a positive number of ms");
  if (!Array.isArray(config.probes)) refuse("config.probes must be a list");
  (config.probes as unknown[]).forEach((probe, index) => {
    const where = `config.probes[${index}]`;
    if (!isObject(probe) || typeof probe.id !== "string" || probe.id === "" || typeof probe.kind !== "string") return refuse(`${where} needs a string id and kind`);
    const named = `${where} (${probe.id})`;
    if (!positive(probe.every) || !(typeof probe.timeout === "number" && probe.timeout >= 0)) refuse(`${named}.every and .timeout must be numbers of ms`);
    if (!isStringList(probe.regions) || (probe.regions as string[]).length === 0) refuse(`${named}.regions must be a list of regions`);
    if (!isStringList(probe.tags)) refuse(`${named}.tags must be a list of strings`);
    if (probe.alert !== undefined && !(isObject(probe.alert) && typeof probe.alert.severity === "string" && positive(probe.alert.after) && positive(probe.alert.recoverAfter))) {
      refuse(`${named}.alert must hold its severity, after and recoverAfter`);
    }
  });
  if (!Array.isArray(config.drills)) refuse("config.drills must be a list");
  (config.drills as unknown[]).forEach((drill, index) => {
    const where = `config.drills[${index}]`;
    if (!isObject(drill) || typeof drill.id !== "string" || typeof drill.kind !== "string") return refuse(`${where} needs a string id and kind`);
    if (!positive(drill.every) || !isStringList(drill.tags) || !(isObject(drill.alert) && typeof drill.alert.severity === "string")) refuse(`${where} (${drill.id}) must hold every, tags and alert.severity`);
  });
  const alerts = config.alerts;
  if (!isObject(alerts)) return refuse("config.alerts must be an object (the deploy fills in its defaults)");
  if (!isObject(alerts.channels) || !Object.values(alerts.channels).every((channel) => isObject(channel) && typeof channel.type === "string")) refuse("config.alerts.channels must map names to channels");
  if (alerts.routes !== undefined && !(isObject(alerts.routes) && Object.values(alerts.routes).every(isStringList))) refuse("config.alerts.routes must map severities to channel names");
  if (!Array.isArray(alerts.maintenance) || !alerts.maintenance.every(isObject)) refuse("config.alerts.maintenance must be a list of windows");
  if (!Array.isArray(alerts.slos) || !alerts.slos.every(isObject)) refuse("config.alerts.slos must be a list of objectives");
  const delivery = alerts.delivery;
  if (!isObject(delivery) || !positive(delivery.expireAfter) || !positive(delivery.backoff) || !positive(delivery.maxBackoff)) refuse("config.alerts.delivery must hold expireAfter, backoff and maxBackoff in ms");
  return config as unknown as C;
}
