// The last scrub before a result is stored or served: known secret values, and URL userinfo and query values.
import { MIN_SECRET_LENGTH, displayUrl, envRefs, fillEnv, redact, safeDecodeURIComponent } from "../config/secrets.ts";
import { escapeControls, type ProbeResult } from "../result/index.ts";

/** A URL in free text, e.g. in an error message a target or a runtime wrote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * Deep-copies a value with `secrets` (e.g. every header value in the config, resolved or literal) redacted and
 * every URL in its text shown as `displayUrl` does: no userinfo, query values replaced. Control characters (a
 * target's escape sequences) are made visible, as runners already do, for records written before they did.
 */
export function sanitize<T>(value: T, secrets: Iterable<string> = []): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") return escapeControls(node.includes("://") ? node.replace(URL_IN_TEXT, (url) => displayUrl(url)) : node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(redact(value, secrets)) as T;
}

/** Runners already redact the secrets they resolve; this is the store's and the API's belt to their braces. */
export function sanitizeResult(result: ProbeResult, secrets: Iterable<string> = []): ProbeResult {
  return sanitize(result, secrets);
}

/** A URL's userinfo and query values, raw and decoded: a target may echo its request line. */
function urlSecrets(raw: string): string[] {
  try {
    const url = new URL(raw);
    return [url.username, url.password, safeDecodeURIComponent(url.username), safeDecodeURIComponent(url.password), ...url.searchParams.values()]
      .filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Every value probes may send that must never be stored or shown: header values (as sent), resolved `${env:…}`,
 * and URL userinfo and query values.
 */
export function probeSecrets(probes: readonly unknown[], env: NodeJS.ProcessEnv): string[] {
  const secrets = new Set<string>();
  const resolved = (text: string) => fillEnv(text, env);
  const walk = (node: unknown, underHeaders: boolean): void => {
    if (typeof node === "string") {
      for (const name of envRefs(node)) if (env[name]) secrets.add(env[name]!);
      if (underHeaders) secrets.add(resolved(node));
      return;
    }
    if (Array.isArray(node)) return node.forEach((child) => walk(child, underHeaders));
    if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        if (key === "url" && typeof child === "string") urlSecrets(resolved(child)).forEach((secret) => secrets.add(secret));
        walk(child, underHeaders || key === "headers");
      }
    }
  };
  walk(probes, false);
  // Very short values ("1", "no") would scrub ordinary words from every message.
  return [...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
}
