// A handler's deps are built on its first invocation and kept for the container's life.

/** Builds a value on first call and keeps it for the container's life. */
export function once<T>(build: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: build() }).v;
}
