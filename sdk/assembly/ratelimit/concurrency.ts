// Concurrency limit: at most `limit` units in flight at once (requests, or any cost per request).
// Not a rate: nothing refills with time; what was acquired comes back only when it is released.
// 8 bytes per key. It is a Limiter so that the filter can treat it like the rate limits: peek every
// limit, charge them all (decide with charge = acquire), refund (= release) the ones already
// charged when a later one refuses — and release again when the stream ends.
//
//   cost c is allowed iff inFlight + c <= limit; charging adds c to inFlight
//   remaining    = limit - inFlight'            (inFlight' = inFlight + c when allowed, 0 floor)
//   resetNs      = 0 (nothing happens with time); freshAfterNs = 0 when nothing is in flight,
//                  else NEVER
//   retryAfterNs = 0 when allowed, NEVER when refused: only a release can make room, and that is
//                  not a matter of time (the filter chooses what Retry-After to send, if any)
//   refund(c)    = release: inFlight - c, never below 0
// nowNs is ignored. A cost of 0 is allowed iff inFlight <= limit. inFlight may exceed the limit
// legitimately (the limit was lowered while requests were in flight): such a count is kept, and
// everything is refused until enough is released.
//
// Record (8 bytes, little-endian): i64 in-flight count. All zero = nothing in flight.
// Normalisation (common.ts): a negative count becomes 0 and one above 2^32 - 1 becomes 2^32 - 1,
// written even by a peek. A VM that dies between acquire and release leaves its units counted:
// the filter must bound that (e.g. by a slot lifetime); this file cannot know.

import { Decision, Limiter, NEVER, MAX_COUNT, clampI64, readField, writeField, writable } from "./common";

const CC_BYTES: i32 = 8;

export class ConcurrencyLimiter extends Limiter {
  /** At most `limit` units in flight. */
  constructor(limit: i64) {
    super(CC_BYTES, clampI64(limit, 1, MAX_COUNT));
  }

  /** The units in flight according to `state` (normalised). */
  inFlight(state: Uint8Array): i64 {
    return clampI64(readField(state, CC_BYTES, 0), 0, MAX_COUNT);
  }

  decide(state: Uint8Array, nowNs: i64, cost: i64, charge: bool, out: Decision): void {
    const raw = readField(state, CC_BYTES, 0);
    const n = clampI64(raw, 0, MAX_COUNT);
    const c = cost < 0 ? 0 : cost;
    const lim = this.limit;
    const allowed = c <= lim && n <= lim - c;
    const n2 = allowed ? n + c : n;
    const charged = allowed && charge && c > 0;
    let changed = false;
    if ((charged || n != raw) && writable(state, CC_BYTES)) {
      writeField(state, CC_BYTES, 0, charged ? n2 : n);
      changed = true;
    }
    const remaining = lim - n2;
    out.set(allowed, remaining < 0 ? 0 : remaining, lim, 0, allowed ? 0 : NEVER, n2 == 0 ? 0 : NEVER, changed);
  }

  /** Release: gives back `cost` units; returns whether `state` was written. */
  refund(state: Uint8Array, nowNs: i64, cost: i64): bool {
    if (cost <= 0 || !writable(state, CC_BYTES)) return false;
    const raw = readField(state, CC_BYTES, 0);
    const n = clampI64(raw, 0, MAX_COUNT);
    if (n == 0 && raw == 0) return false;
    writeField(state, CC_BYTES, 0, cost >= n ? 0 : n - cost);
    return true;
  }
}

/** Error text for a concurrency limit, or null: limit in [1, 4294967295]. */
export function checkConcurrency(limit: i64): string | null {
  if (limit < 1) return "limit must be at least 1";
  if (limit > MAX_COUNT) return "limit must be at most 4294967295";
  return null;
}
