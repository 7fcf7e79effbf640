// Small timing helpers for the benchmarks: CPU nanoseconds per operation, medians over rounds.
// CPU time (user + system of this process) rather than wall time: these machines are shared, and
// time spent waiting for a core is not the code's cost.

/** Runs `fn` `count` times and returns the CPU nanoseconds per call. */
export function timeOps(count: number, fn: () => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / count;
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
