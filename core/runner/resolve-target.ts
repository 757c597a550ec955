// What a probe sends, made concrete: `${env:…}` filled in, and everything that may be a secret recorded first.
import { resolveEnv, safeDecodeURIComponent } from "../config/secrets.ts";
import type { ProbeError } from "../result/index.ts";

export interface Target {
  /** The URL without its credentials. */
  url: URL;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body?: string | undefined;
  /** `user:password@` of the URL, decoded; each kind decides how to send them. */
  credentials?: { username: string; password: string };
}

/**
 * Resolves the URL, headers and body of a probe, reporting every missing variable at once. Every resolved value,
 * every header value, the URL's query values and its credentials (raw and decoded) go into `secrets`, so no result
 * shows them. A URL that a resolved value breaks is reported without quoting it.
 */
export function resolveTarget(
  input: { url: string; headers: Record<string, string>; body?: string | undefined },
  env: NodeJS.ProcessEnv,
  secrets: Set<string>,
): { ok: true; target: Target } | { ok: false; error: ProbeError } {
  const missing = new Set<string>();
  const resolve = (text: string) => {
    const resolved = resolveEnv(text, env, secrets);
    if (resolved.ok) return resolved.value;
    resolved.missing.forEach((name) => missing.add(name));
    return "";
  };
  const raw = resolve(input.url);
  const headers = Object.fromEntries(Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), resolve(value)]));
  const body = input.body === undefined ? undefined : resolve(input.body);
  if (missing.size > 0) {
    return { ok: false, error: { category: "internal", message: `environment variable${missing.size > 1 ? "s" : ""} ${[...missing].join(", ")} not set` } };
  }
  for (const value of Object.values(headers)) secrets.add(value);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: { category: "internal", message: "the URL is not valid once its ${env:…} values are filled in" } };
  }
  for (const value of url.searchParams.values()) secrets.add(value);
  let credentials: Target["credentials"];
  if (url.username || url.password) {
    credentials = { username: safeDecodeURIComponent(url.username), password: safeDecodeURIComponent(url.password) };
    secrets.add(url.username).add(url.password).add(credentials.username).add(credentials.password);
    url.username = "";
    url.password = "";
  }
  return { ok: true, target: { url, headers, body, ...(credentials ? { credentials } : {}) } };
}
