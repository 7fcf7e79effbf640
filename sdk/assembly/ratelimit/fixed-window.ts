// Fixed window: at most `limit` units per window of `windowNs`, windows aligned to the epoch
// (window n = [n·W, (n+1)·W)), one counter per key. 16 bytes per key.
//
// Why: the simplest limit to explain and to audit ("100 per minute, counted per clock minute"),
// and the one whose reset time is the same for every key. Its known weakness — `limit` at the end
// of one window and `limit` again at the start of the next — is what sliding-window.ts removes.
//
//   cost c is allowed iff C + c <= limit (C = the count of now's window; 0 in a new window)
//   charging adds c to C
//   remaining    = limit - C'                        (C' = C + c when allowed)
//   resetNs      = time until the window ends, when C' > 0; 0 when nothing is counted
//                  (freshAfterNs is the same)
//   retryAfterNs = time until the window ends (the count is 0 then); NEVER when c > limit
//   refund(c)    takes c off C (never below 0); a refund after the window ended changes nothing
// Cost 0 is allowed iff C <= limit (always, unless the record is corrupted).
// Guarantee (tested): no aligned window admits more than `limit` (without refunds).
//
// Record (16 bytes, little-endian): i64 window index at 0, i64 count at 8. All zero = window 0
// with nothing counted: a fresh key at any time. Normalisation (common.ts): a count outside
// [0, limit] is clamped; a record more than one window ahead of now (a clock jump back, or
// garbage) is re-labelled as now's window, count kept, and written even by a peek; a record one
// window ahead (clock skew between workers) is used as it is: its count applies, until the end
// of its window.

import {
  Decision, Limiter, NEVER, MAX_COUNT, MAX_PERIOD_NS, clampTime, clampI64, readField, writeField, writable,
  checkCount, checkPeriod,
} from "./common";

const FW_BYTES: i32 = 16;

// The record as seen at the decision time (set by view()).
let viewN: i64 = 0;
let viewC: i64 = 0;
let viewFix = false;

export class FixedWindow extends Limiter {
  readonly windowNs: i64;

  /** At most `limit` units per aligned window of `windowNs`. */
  constructor(limit: i64, windowNs: i64) {
    super(FW_BYTES, clampI64(limit, 1, MAX_COUNT));
    this.windowNs = clampI64(windowNs, 1, MAX_PERIOD_NS);
  }

  private view(state: Uint8Array, now: i64): void {
    let k = readField(state, FW_BYTES, 0);
    const raw = readField(state, FW_BYTES, 8);
    const count = clampI64(raw, 0, this.limit);
    let fix = count != raw;
    let n = now / this.windowNs;
    if (k > n + 1) { k = n; fix = true; }
    if (k == n + 1) n = k;
    viewN = n;
    viewC = k == n ? count : 0;
    viewFix = fix;
  }

  decide(state: Uint8Array, nowNs: i64, cost: i64, charge: bool, out: Decision): void {
    const now = clampTime(nowNs);
    const lim = this.limit;
    this.view(state, now);
    const n = viewN;
    const c = viewC;
    const end = (n + 1) * this.windowNs - now;

    const cst = cost < 0 ? 0 : cost;
    let allowed = false;
    let retry: i64 = 0;
    if (cst > lim) retry = NEVER;
    else if (c + cst <= lim) allowed = true;
    else retry = end;

    const c2 = allowed ? c + cst : c;
    const charged = allowed && charge && cst > 0;
    let changed = false;
    if ((charged || viewFix) && writable(state, FW_BYTES)) {
      writeField(state, FW_BYTES, 0, n);
      writeField(state, FW_BYTES, 8, charged ? c2 : c);
      changed = true;
    }
    const reset = c2 > 0 ? end : 0;
    out.set(allowed, lim - c2, lim, reset, retry, reset, changed);
  }

  refund(state: Uint8Array, nowNs: i64, cost: i64): bool {
    if (cost <= 0 || !writable(state, FW_BYTES)) return false;
    this.view(state, clampTime(nowNs));
    const c = viewC;
    if (c == 0 && !viewFix) return false;
    writeField(state, FW_BYTES, 0, viewN);
    writeField(state, FW_BYTES, 8, cost >= c ? 0 : c - cost);
    return true;
  }
}

/** Error text for fixed-window parameters, or null: limit in [1, 4294967295], window in [1 ms, 365 days]. */
export function checkFixedWindow(limit: i64, windowNs: i64): string | null {
  const e = checkCount("limit", limit);
  if (e !== null) return e;
  return checkPeriod("window", windowNs);
}
