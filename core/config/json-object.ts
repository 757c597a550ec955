// What the hand-written checks of JSON read back at cold start (the deploy's files, stream images, queued and stored
// results, Lambda events) start from, instead of a schema library.

/** Whether a value is an object with fields: not null, not a list. */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether a value is a finite number (JSON has no NaN or Infinity). */
export const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
