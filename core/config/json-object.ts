// What the hand-written checks of JSON read back at cold start (the deploy's files, stream images, queued and stored
// results, Lambda events) start from, instead of a schema library.

/** Whether a value is an object with fields: not null, not a list. */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether a value is a finite number (JSON has no NaN or Infinity). */
export const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** Whether a value is a list of strings. */
export const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

/** Whether a value is one of `list` (an enum's values). */
export const isOneOf = <T extends string>(list: readonly T[], value: unknown): value is T => (list as readonly unknown[]).includes(value);
