// Small timing helpers for the benchmarks: nanoseconds per operation, medians over rounds.

/** Runs `fn` `count` times and returns the mean nanoseconds per call. */
export function timeOps(count: number, fn: () => unknown): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn();
  return Number(process.hrtime.bigint() - start) / count;
}

/** Collects `n` measurements of `measure`. */
export function rounds(n: number, measure: () => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(measure());
  return out;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
