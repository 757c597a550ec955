// A mergeable latency histogram: log-spaced buckets (10% wide), so percentiles over any window come from summed buckets.
//
// Bucket 0 holds [0, 1) ms; bucket i ≥ 1 holds [GROWTH^(i-1), GROWTH^i) ms, up to MAX_BUCKET (≈ 27 min), which
// also takes everything slower. A percentile is reported as the geometric middle of the bucket its rank falls in,
// so it is within one bucket (±10%) of the exact value. Buckets are plain counts: merging is adding.

export const GROWTH = 1.1;
export const MAX_BUCKET = 150;

/** Counts per bucket index; absent means zero. */
export type Histogram = Record<number, number>;

export function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(MAX_BUCKET, 1 + Math.floor(Math.log(ms) / Math.log(GROWTH)));
}

/** The [low, high) ms a bucket covers. */
export function bucketBounds(index: number): [number, number] {
  if (index <= 0) return [0, 1];
  return [GROWTH ** (index - 1), GROWTH ** index];
}

/** The value reported for a bucket: its geometric middle (the middle of [0, 1) for bucket 0). */
export function bucketValue(index: number): number {
  if (index <= 0) return 0.5;
  const [low, high] = bucketBounds(index);
  return Math.sqrt(low * high);
}

export function mergeInto(target: Histogram, source: Histogram): Histogram {
  for (const [index, count] of Object.entries(source)) {
    target[Number(index)] = (target[Number(index)] ?? 0) + count;
  }
  return target;
}

/** The q-quantile (0 < q ≤ 1) by nearest rank, or null for an empty histogram. Rounded to 0.1 ms. */
export function quantile(histogram: Histogram, q: number): number | null {
  const entries = Object.entries(histogram)
    .map(([index, count]) => [Number(index), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [index, count] of entries) {
    seen += count;
    if (seen >= rank) return Math.round(bucketValue(index) * 10) / 10;
  }
  return Math.round(bucketValue(entries[entries.length - 1]![0]) * 10) / 10;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export function percentiles(histogram: Histogram): Percentiles {
  return { p50: quantile(histogram, 0.5), p95: quantile(histogram, 0.95), p99: quantile(histogram, 0.99) };
}
