// API keys: read from the environment, compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";

/** `VIGIE_API_KEYS=key1,key2` → ["key1", "key2"] (blanks dropped). */
export function apiKeysFrom(env: NodeJS.ProcessEnv): string[] {
  return (env.VIGIE_API_KEYS ?? "").split(",").map((key) => key.trim()).filter((key) => key.length > 0);
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Whether `given` is one of `keys`. Both sides are hashed first so lengths never differ, and every key is
 * compared, so the time taken says nothing about which key or how much of it matched.
 */
export function keyMatches(given: string | undefined, keys: readonly string[]): boolean {
  if (!given) return false;
  const candidate = digest(given);
  let match = false;
  for (const key of keys) match = timingSafeEqual(candidate, digest(key)) || match;
  return match;
}

/** The key a request carries: `Authorization: Bearer KEY` or `X-API-Key: KEY`. */
export function keyOf(headers: { authorization?: string | undefined; xApiKey?: string | undefined }): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1]?.trim();
  return bearer ?? headers.xApiKey?.trim();
}
