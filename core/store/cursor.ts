// Opaque page cursors: a DynamoDB key in base64url, accepted back only for the listing that issued it.
import { StoreError } from "./results-store.ts";

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : undefined;
}

/**
 * The key inside a cursor this store returned for the same listing: exactly the attributes `names`, all strings,
 * with `expected`'s values (the partition being listed). Anything else is a 400 `bad_cursor`.
 */
export function decodeCursor(cursor: string, names: readonly string[], expected: Record<string, string>): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    if (
      key && typeof key === "object" && Object.keys(key).length === names.length && names.every((name) => typeof key[name] === "string") &&
      Object.entries(expected).every(([name, value]) => key[name] === value)
    ) {
      return key as Record<string, string>;
    }
  } catch {
    // fall through
  }
  throw new StoreError("bad_cursor", "cursor is not one this API returned for this listing");
}
