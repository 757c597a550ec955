// Opaque page cursors: a DynamoDB key in base64url, accepted back only for the listing that issued it.
import { StoreError } from "./results-store.ts";

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : undefined;
}

/** DynamoDB's limit on a sort key (a partition key may be 2048 bytes; no key of ours comes near either). */
const MAX_KEY_BYTES = 1024;

/** What else a key must satisfy to be one the listing could have returned. */
export interface CursorRules {
  /** Attributes whose value must lie in `[from, to]` (string order): the query's key condition. */
  within?: Record<string, readonly [from: string, to: string]>;
  /** Attributes whose value must start with a prefix (the table key of an index listing: the same probe). */
  prefixes?: Record<string, string>;
  /** How the attributes relate (an index key is made from the table key of the same item). */
  consistent?: (key: Record<string, string>) => boolean;
}

/**
 * The key inside a cursor this store returned for the same listing: exactly the attributes `names`, all non-empty
 * strings, with `expected`'s values (the partition being listed) and inside `rules`. Anything else, including a
 * cursor edited into the right shape, is a 400 `bad_cursor`: DynamoDB would refuse such a key with an error that
 * is no fault of ours.
 */
export function decodeCursor(cursor: string, names: readonly string[], expected: Record<string, string>, rules: CursorRules = {}): Record<string, string> {
  let key: Record<string, unknown> | undefined;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    // fall through
  }
  const valid = (name: string) => {
    const value = key?.[name];
    if (typeof value !== "string" || value === "" || Buffer.byteLength(value) > MAX_KEY_BYTES) return false;
    const range = rules.within?.[name];
    if (range && (value < range[0] || value > range[1])) return false;
    const prefix = rules.prefixes?.[name];
    return prefix === undefined || value.startsWith(prefix);
  };
  if (
    key && typeof key === "object" && !Array.isArray(key) && Object.keys(key).length === names.length && names.every(valid) &&
    Object.entries(expected).every(([name, value]) => key[name] === value) &&
    (rules.consistent?.(key as Record<string, string>) ?? true)
  ) {
    return key as Record<string, string>;
  }
  throw new StoreError("bad_cursor", "cursor is not one this API returned for this listing");
}
