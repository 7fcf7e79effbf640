// Small figures for `filterkit bench`: medians and ranges over rounds, latency percentiles, CPU time.
// A shared machine is noisy, so a figure is never one sample: each is the median of rounds, shown
// with the rounds' range.

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** The `p`-th percentile (0..100) by nearest rank of already sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * CPU microseconds (user + system of this process) per call of `fn` over `count` calls. CPU time
 * rather than wall time: time spent waiting for a core another process holds is not the filter's
 * cost (bench/stats.ts of the kit's repository measures the same way).
 */
export function cpuMicrosPerCall(count: number, fn: () => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}
