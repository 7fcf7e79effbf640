// Leak check: after a warm-up, N identical requests must not grow the guest's linear memory.
// Linear memory never shrinks (a grown page stays for the VM's life), so steady growth under a
// repeated request is a leak in the filter or its SDK, and it ends in Envoy's 1 GiB VM limit.
import type { MockHost } from "./host.ts";

export interface LeakCheckResult {
  pagesAfterWarmup: number;
  pagesAfterRuns: number;
}

/**
 * Runs `request(host)` `warmup` times, then `runs` more times, and throws if linear memory grew in
 * the second phase. Returns the page counts either way.
 */
export function checkForLeaks(host: MockHost, request: (host: MockHost) => void, options: { warmup?: number; runs?: number } = {}): LeakCheckResult {
  const warmup = options.warmup ?? 1_000;
  const runs = options.runs ?? 10_000;
  for (let i = 0; i < warmup; i++) request(host);
  const pagesAfterWarmup = host.memoryPages();
  for (let i = 0; i < runs; i++) request(host);
  const pagesAfterRuns = host.memoryPages();
  if (pagesAfterRuns > pagesAfterWarmup) {
    throw new Error(`linear memory grew from ${pagesAfterWarmup} to ${pagesAfterRuns} pages (64 KiB each) over ${runs} requests ` +
      `after ${warmup} warm-up requests: something keeps memory per request`);
  }
  return { pagesAfterWarmup, pagesAfterRuns };
}
