// `${env:NAME}` placeholders: resolved only when a probe runs, and scrubbed from anything it reports.
const PLACEHOLDER = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

export const REDACTED = "[redacted]";

/** The names of the environment variables a text refers to. */
export function envRefs(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/** Replaces every placeholder by its value with a stand-in, so a URL can be checked before run time. */
export function withPlaceholdersFilled(text: string, fill = "placeholder"): string {
  return text.replace(PLACEHOLDER, fill);
}

/** decodeURIComponent that keeps a malformed escape (a stray "%") as it is instead of throwing. */
export function safeDecodeURIComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A text with each placeholder replaced by its variable's value (empty when unset); for scrub lists, not for sending. */
export function fillEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(PLACEHOLDER, (_all, name: string) => env[name] ?? "");
}

export type Resolved = { ok: true; value: string } | { ok: false; missing: string[] };

/**
 * Resolves the placeholders in one text and records each value in `secrets`, so that it can be
 * scrubbed from results later. Reports every missing variable, not the first.
 */
export function resolveEnv(text: string, env: NodeJS.ProcessEnv, secrets: Set<string>): Resolved {
  if (!text.includes("${env:")) return { ok: true, value: text };
  const missing = envRefs(text).filter((name) => env[name] === undefined || env[name] === "");
  if (missing.length > 0) return { ok: false, missing: [...new Set(missing)] };
  const value = text.replace(PLACEHOLDER, (_all, name: string) => {
    const secret = env[name]!;
    secrets.add(secret);
    return secret;
  });
  return { ok: true, value };
}

/** Secrets this short are not scrubbed: "1" or "no" would rewrite ordinary text everywhere. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Fields that name things vigie itself made (ids, regions, instants, states), never text from a target: they are
 * left as they are, so a secret that happens to equal part of an id cannot break the id.
 */
const IDENTIFIER_FIELDS = new Set([
  "id", "probeId", "kind", "region", "regions", "startedAt", "resolvedAt", "generatedAt", "lastRunAt", "at",
  "outcome", "state", "category", "key", "date", "severity", "dedupKey",
]);

/**
 * A secret as a JSON encoder may write it inside a string: `"` and `\` escaped, `/` as `\/` (PHP, many Java
 * encoders), non-ASCII as `\uXXXX` in either case, and `<`, `>`, `&` as `\u003c`… (Go's encoding/json).
 */
function jsonForms(secret: string): string[] {
  const plain = JSON.stringify(secret).slice(1, -1);
  const slashed = plain.replaceAll("/", "\\/");
  const unicode = (text: string, pick: RegExp, upper: boolean) =>
    text.replace(pick, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")[upper ? "toUpperCase" : "toLowerCase"]()}`);
  return [plain, slashed].flatMap((form) => [
    form,
    unicode(form, /[^\x00-\x7f]/g, false),
    unicode(form, /[^\x00-\x7f]/g, true),
    unicode(form, /[^\x00-\x7f]|[<>&]/g, false),
    unicode(form, /[^\x00-\x7f]|[<>&]/g, true),
  ]);
}

/**
 * A secret as it may come back: as is, lower-cased (host names), percent-encoded (URLs, forms), JSON-escaped, and
 * JSON-escaped twice (a JSON body quoted in a JSON error message, or in a message that quotes it as JSON).
 */
function variants(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const once = jsonForms(secret);
  const twice = once.flatMap((form) => [JSON.stringify(form).slice(1, -1), JSON.stringify(form).slice(1, -1).replaceAll("/", "\\/")]);
  return [secret, secret.toLowerCase(), encoded, encoded.toLowerCase(), ...once, ...twice];
}

/**
 * A function that replaces every occurrence of every secret (in every form `variants` lists) by "[redacted]".
 * Build it once per result: it sorts the forms longest first, so a secret that contains another is scrubbed whole.
 * Scrub before cutting a text short: a cut through a secret leaves a piece no scrub can recognise.
 */
export function scrubber(secrets: Iterable<string>): (text: string) => string {
  const list = [...new Set([...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH).flatMap(variants))]
    .sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => list.reduce((acc, secret) => (acc.includes(secret) ? acc.split(secret).join(REDACTED) : acc), text);
}

/**
 * Deep-copies a value with every occurrence of every secret (and its lower-cased, percent-encoded and JSON-escaped
 * forms) replaced by "[redacted]". Used on whole results, so a secret echoed back by a target (in a header, a body, an
 * error) never leaves the runner. Identifier fields are kept whole.
 */
export function redact<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  if (list.length === 0) return value;
  const scrub = scrubber(list);
  const walk = (node: unknown, field?: string): unknown => {
    if (typeof node === "string") return field !== undefined && IDENTIFIER_FIELDS.has(field) ? node : scrub(node);
    if (Array.isArray(node)) return node.map((child) => walk(child, field));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, key)]));
    }
    return node;
  };
  return walk(value) as T;
}

/** Control characters a URL's percent-escapes may decode to: they stay encoded (a URL is shown, never obeyed). */
const URL_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A URL fit to show: userinfo removed and every query value replaced, since either may carry a secret. Escapes are
 * decoded for reading, except those of control characters: `%1B` stays `%1B`, never a raw ESC on a terminal.
 */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(withPlaceholdersFilled(raw, "env"));
    url.username = "";
    url.password = "";
    for (const key of [...new Set(url.searchParams.keys())]) url.searchParams.set(key, "…");
    return decodeURI(url.toString()).replace(URL_CONTROLS, (char) => encodeURIComponent(char));
  } catch {
    return "(invalid URL)";
  }
}
