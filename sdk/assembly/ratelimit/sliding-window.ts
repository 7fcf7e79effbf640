// Sliding-window counter: at most `limit` units per `windowNs`, estimated from two adjacent fixed
// windows (aligned to the epoch) with the previous one weighted by how much of it the sliding
// window still covers. 24 bytes per key, no timestamps per request.
//
// Why: a fixed window admits `limit` at the end of one window and `limit` again at the start of
// the next (2·limit within a moment). Weighting the previous window removes that double burst at
// the edge while keeping the state to two counters.
//
// Definitions. Window n = [n·W, (n+1)·W), W = windowNs; at time t in window n, e = t - n·W. With
// P the count of window n-1 and C the count of window n, the estimate is
//   est(t) = C + P·(W - e)/W                     (P is assumed spread evenly over its window)
// and cost c is allowed iff est(t) + c <= limit, decided exactly (C + c + ceil(P·(W - e)/W) <=
// limit, in 128-bit integers). Charging adds c to C.
//   remaining    = max(0, limit - C' - ceil(P·(W - e)/W))      (C' = C + c when allowed)
//   resetNs      time until est is 0: the end of window n+1 if C' > 0, else the end of window n
//                if P > 0, else 0 (freshAfterNs is the same)
//   retryAfterNs exact: the first nanosecond at which est + c <= limit, assuming no other
//                traffic: later in window n as P's weight shrinks, or in window n+1 (C becomes
//                the weighted previous count), at the latest at the start of window n+2;
//                NEVER when c > limit
//   refund(c)    takes c off C, the rest off P (charged before a window edge), never below 0
// Cost 0 is allowed iff est(t) <= limit (always, unless the record is corrupted or from a clock
// ahead of this one).
//
// The approximation, exactly (tested): in any span (t - W, t] with t at offset e in window n,
// the units admitted are at most limit + floor(P·e/W), P being what window n-1 admitted. The
// excess over `limit` is 0 at a window's start and when window n-1's traffic was even; it nears P
// (at most `limit`, so 2·limit in all) only when window n-1's units came at its very end and the
// span ends near the end of window n. A fixed window (fixed-window.ts) allows 2·limit in any
// span straddling an edge.
//
// Record (24 bytes, little-endian): i64 window index of C at 0, i64 C at 8, i64 P at 16.
// All zero = window 0 with nothing counted: a fresh key at any time. Normalisation (common.ts):
// counts outside [0, limit] are clamped; a record for a window more than one ahead of now (a
// clock jump back, or garbage) is re-labelled as now's window, counts kept, and written even by
// a peek; a record one window ahead (clock skew between workers) is used as of the start of its
// window — weight 1 for P, never more permissive than at the writer's time.

import {
  Decision, Limiter, NEVER, MAX_COUNT, MAX_PERIOD_NS, clampTime, clampI64, readField, writeField, writable,
  mulDivCeil, mulDivFloor, checkCount, checkPeriod,
} from "./common";

const SW_BYTES: i32 = 24;

// The record as seen at the decision time (set by view()).
let viewN: i64 = 0;      // window of now (or of the record, when it is one ahead)
let viewNowEff: i64 = 0; // now, or the start of that window when the record is one ahead
let viewC: i64 = 0;
let viewP: i64 = 0;
let viewFix = false;

export class SlidingWindow extends Limiter {
  readonly windowNs: i64;

  /** At most `limit` units in any window of `windowNs` (approximately: see the file header). */
  constructor(limit: i64, windowNs: i64) {
    super(SW_BYTES, clampI64(limit, 1, MAX_COUNT));
    this.windowNs = clampI64(windowNs, 1, MAX_PERIOD_NS);
  }

  /** Reads and normalises the record, rolls it to now's window (into the view* globals). */
  private view(state: Uint8Array, now: i64): void {
    const w = this.windowNs;
    const lim = this.limit;
    let k = readField(state, SW_BYTES, 0);
    const rawC = readField(state, SW_BYTES, 8);
    const rawP = readField(state, SW_BYTES, 16);
    const curr = clampI64(rawC, 0, lim);
    const prev = clampI64(rawP, 0, lim);
    let fix = curr != rawC || prev != rawP;
    let n = now / w;
    if (k > n + 1) { k = n; fix = true; }
    let nowEff = now;
    if (k == n + 1) { n = k; nowEff = k * w; }
    if (k == n) { viewC = curr; viewP = prev; }
    else if (k == n - 1) { viewC = 0; viewP = curr; }
    else { viewC = 0; viewP = 0; }
    viewN = n;
    viewNowEff = nowEff;
    viewFix = fix;
  }

  decide(state: Uint8Array, nowNs: i64, cost: i64, charge: bool, out: Decision): void {
    const now = clampTime(nowNs);
    const w = this.windowNs;
    const lim = this.limit;
    this.view(state, now);
    const n = viewN;
    const c = viewC;
    const p = viewP;
    const e = viewNowEff - n * w;
    const weighted: i64 = p == 0 ? 0 : <i64>mulDivCeil(<u64>p, <u64>(w - e), <u64>w);

    const cst = cost < 0 ? 0 : cost;
    let allowed = false;
    let retry: i64 = 0;
    if (cst > lim) {
      retry = NEVER;
    } else if (c + cst + weighted <= lim) {
      allowed = true;
    } else {
      const r = lim - c - cst;
      let at: i64;
      if (r >= 0) {
        // later in window n: P·(W - e') <= r·W  ⇔  e' >= W - floor(r·W / P)   (P > 0 here)
        at = n * w + w - <i64>mulDivFloor(<u64>r, <u64>w, <u64>p);
      } else {
        // window n+1, where C is the previous count: C·(W - e') <= (limit - cost)·W   (C > 0 here)
        at = (n + 1) * w + w - <i64>mulDivFloor(<u64>(lim - cst), <u64>w, <u64>c);
      }
      retry = at - now;
    }

    const c2 = allowed ? c + cst : c;
    const charged = allowed && charge && cst > 0;
    let changed = false;
    if ((charged || viewFix) && writable(state, SW_BYTES)) {
      writeField(state, SW_BYTES, 0, n);
      writeField(state, SW_BYTES, 8, charged ? c2 : c);
      writeField(state, SW_BYTES, 16, p);
      changed = true;
    }

    let remaining = lim - c2 - weighted;
    if (remaining < 0) remaining = 0;
    let reset: i64 = 0;
    if (c2 > 0) reset = (n + 2) * w - now;
    else if (p > 0) reset = (n + 1) * w - now;
    out.set(allowed, remaining, lim, reset, retry, reset, changed);
  }

  refund(state: Uint8Array, nowNs: i64, cost: i64): bool {
    if (cost <= 0 || !writable(state, SW_BYTES)) return false;
    this.view(state, clampTime(nowNs));
    let c = viewC;
    let p = viewP;
    if (c == 0 && p == 0 && !viewFix) return false;
    if (cost <= c) {
      c -= cost;
    } else {
      const rest = cost - c;
      c = 0;
      p = rest >= p ? 0 : p - rest;
    }
    writeField(state, SW_BYTES, 0, viewN);
    writeField(state, SW_BYTES, 8, c);
    writeField(state, SW_BYTES, 16, p);
    return true;
  }
}

/** Error text for sliding-window parameters, or null: limit in [1, 4294967295], window in [1 ms, 365 days]. */
export function checkSlidingWindow(limit: i64, windowNs: i64): string | null {
  const e = checkCount("limit", limit);
  if (e !== null) return e;
  return checkPeriod("window", windowNs);
}
