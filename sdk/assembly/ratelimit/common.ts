// Shared ground of the rate-limit algorithms (token-bucket.ts, gcra.ts, sliding-window.ts,
// fixed-window.ts, concurrency.ts): the Decision a limiter fills in, the Limiter contract, the
// bounds every algorithm clamps its inputs to, and the 128-bit integer helpers that keep every
// computation exact without allocating.
//
// Why this shape. The state of one key lives in a proxy-wasm shared-data slot (a bounded slot
// table, written elsewhere, hands the algorithm the slot's payload as a Uint8Array), so each
// algorithm keeps its state in a fixed-size little-endian byte record whose size it declares
// (`stateBytes`), and an all-zero record — a key never seen — always means "fresh": a full
// bucket, an empty window. AssemblyScript has no closures, hence limiter objects with methods,
// and one caller-owned Decision filled in place (no allocation per call).
//
// Contract of every limiter (each file documents its own arithmetic):
//   * decide(state, nowNs, cost, charge, out) decides whether `cost` units may pass at `nowNs`.
//     With `charge` it also consumes them (writes the record) when allowed; without, it is a
//     peek that reports exactly what the charged call would report, and writes nothing — except
//     a record it had to normalise (below). `out.stateChanged` says whether `state` was written:
//     the caller stores the record back (compare-and-swap) only then.
//   * refund(state, nowNs, cost) gives back units charged earlier (the filter charges every
//     applicable limit in turn and refunds the earlier ones when a later one refuses). It returns
//     whether it wrote the record. A refund never makes a key better than fresh.
//   * Nothing traps and everything is defined, whatever the inputs:
//       - nowNs is clamped into [0, MAX_TIME_NS] (2^62 ns, the year 2116);
//       - a negative cost counts as 0 (what cost 0 means is per algorithm);
//       - a cost above the limit is refused with retryAfterNs = NEVER;
//       - a `state` shorter than stateBytes is read as all zero and never written (fail open:
//         the slot table hands the declared size; anything else is the caller's bug);
//       - a record holding values no decision can produce (corrupted bytes, or written by a
//         clock more than one window / one bucket-fill ahead of this one) is normalised to the
//         nearest meaningful record, and the normalised record is written even by a peek, since
//         it consumes nothing: a backward clock jump or a garbled slot costs a key at most one
//         window (or one bucket refill) of refusals, never a lock-out until the clock catches up;
//       - a record written by a clock at most one window ahead (workers read the clock one after
//         the other, so small backward steps are routine) is used as it is: the decision is the
//         one that record implies, which is never more permissive than at the writer's time;
//       - constructor parameters outside what the check* function of the algorithm accepts are
//         clamped into range (check them first; the clamped limiter is defined, not useful).
//   * Decision fields: `allowed`; `limit` (the algorithm's limit, for x-ratelimit-limit);
//     `remaining` (units still admissible right after this decision, the charge included when
//     allowed, for x-ratelimit-remaining); `resetNs` (per algorithm: time until the key is fully
//     replenished, except the Envoy token bucket's time until its next whole token, which is
//     what Envoy sends as x-ratelimit-reset); `retryAfterNs` (0 when allowed; when refused, the
//     exact wait after which the same request would be allowed if nothing else happened to the
//     key, NEVER when it can never be); `freshAfterNs` (the time after which the record, left
//     alone, decides exactly like an all-zero one: a slot table may expire it then — NEVER for a
//     concurrency count above 0, which only a release empties); `stateChanged`.

/** retryAfterNs of a request that can never be allowed (its cost exceeds the limit). */
export const NEVER: i64 = i64.MAX_VALUE;
/** nowNs is clamped into [0, MAX_TIME_NS] (2^62 ns after the epoch: the year 2116). */
export const MAX_TIME_NS: i64 = 4611686018427387904;
/** Largest count (limit, burst, max_tokens, tokens_per_fill): Envoy's uint32. */
export const MAX_COUNT: i64 = 4294967295;
/** Shortest period or window accepted by the check functions (1 ms). */
export const MIN_PERIOD_NS: i64 = 1000000;
/** Longest period, window or fill interval accepted by the check functions (365 days). */
export const MAX_PERIOD_NS: i64 = 31536000000000000;
/** Longest time an empty bucket may take to fill again (50 Julian years). */
export const MAX_FILL_TIME_NS: i64 = 1577880000000000000;

/** What a limiter decided; the caller owns it and passes it to every call. */
export class Decision {
  allowed: bool = false;
  remaining: i64 = 0;
  limit: i64 = 0;
  resetNs: i64 = 0;
  retryAfterNs: i64 = 0;
  freshAfterNs: i64 = 0;
  stateChanged: bool = false;

  /** Sets every field (the algorithms' single exit). */
  set(allowed: bool, remaining: i64, limit: i64, resetNs: i64, retryAfterNs: i64, freshAfterNs: i64, stateChanged: bool): void {
    this.allowed = allowed;
    this.remaining = remaining;
    this.limit = limit;
    this.resetNs = resetNs;
    this.retryAfterNs = retryAfterNs;
    this.freshAfterNs = freshAfterNs;
    this.stateChanged = stateChanged;
  }
}

/** A rate-limit algorithm over a fixed-size per-key record (see the contract above). */
export abstract class Limiter {
  /** Size of the per-key record in bytes. */
  readonly stateBytes: i32;
  /** The limit reported in Decision.limit. */
  readonly limit: i64;

  constructor(stateBytes: i32, limit: i64) {
    this.stateBytes = stateBytes;
    this.limit = limit;
  }

  /** Decides for `cost` units at `nowNs`; when allowed and `charge`, consumes them in `state`. */
  abstract decide(state: Uint8Array, nowNs: i64, cost: i64, charge: bool, out: Decision): void;

  /** Gives back `cost` units charged earlier; returns whether `state` was written. */
  abstract refund(state: Uint8Array, nowNs: i64, cost: i64): bool;
}

// ---- record access ----------------------------------------------------------------------------

/** The i64 at byte `offset` of `state`, little-endian (0 when `state` is shorter than `bytes`). */
export function readField(state: Uint8Array, bytes: i32, offset: i32): i64 {
  if (state.length < bytes) return 0;
  return load<i64>(state.dataStart + <usize>offset);
}

/** Writes `v` at byte `offset` (nothing when `state` is shorter than `bytes`). */
export function writeField(state: Uint8Array, bytes: i32, offset: i32, v: i64): void {
  if (state.length < bytes) return;
  store<i64>(state.dataStart + <usize>offset, v);
}

/** Whether `state` can hold a record of `bytes` bytes. */
export function writable(state: Uint8Array, bytes: i32): bool {
  return state.length >= bytes;
}

// ---- clamping and saturating arithmetic -------------------------------------------------------

/** nowNs clamped into [0, MAX_TIME_NS]. */
export function clampTime(nowNs: i64): i64 {
  return nowNs < 0 ? 0 : nowNs > MAX_TIME_NS ? MAX_TIME_NS : nowNs;
}

/** v clamped into [lo, hi]. */
export function clampI64(v: i64, lo: i64, hi: i64): i64 {
  return v < lo ? lo : v > hi ? hi : v;
}

/** a - b, saturated to the i64 range. */
export function subSat(a: i64, b: i64): i64 {
  const d = a - b;
  // overflow iff the operands have different signs and the result's sign differs from a's
  if (((a ^ b) & (a ^ d)) < 0) return a < 0 ? i64.MIN_VALUE : i64.MAX_VALUE;
  return d;
}

/** Whole seconds, rounded up, of a non-negative duration in ns (x-ratelimit-reset, Retry-After). */
export function ceilSeconds(ns: i64): i64 {
  if (ns <= 0) return 0;
  return (ns - 1) / 1000000000 + 1;
}

// ---- 128-bit unsigned arithmetic (no allocation: results in module globals) --------------------

/** High and low halves of the last wide result. */
export let wideHi: u64 = 0;
export let wideLo: u64 = 0;
/** Remainder of the last divWide. */
export let wideRem: u64 = 0;

/** (wideHi, wideLo) = a × b. */
export function mulWide(a: u64, b: u64): void {
  const aLo = a & 0xffffffff;
  const aHi = a >> 32;
  const bLo = b & 0xffffffff;
  const bHi = b >> 32;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const hh = aHi * bHi;
  const mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  wideLo = (mid << 32) | (ll & 0xffffffff);
  wideHi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/** (wideHi, wideLo) += c. */
export function addWide(c: u64): void {
  const lo = wideLo + c;
  if (lo < wideLo) wideHi++;
  wideLo = lo;
}

/**
 * floor((wideHi, wideLo) / d), remainder in wideRem; d > 0. When the quotient does not fit in 64
 * bits (wideHi >= d), returns u64.MAX_VALUE and sets wideRem to 0 (callers keep it in range).
 */
export function divWide(d: u64): u64 {
  if (d == 0) { wideRem = 0; return u64.MAX_VALUE; }
  if (wideHi == 0) {
    wideRem = wideLo % d;
    return wideLo / d;
  }
  if (wideHi >= d) { wideRem = 0; return u64.MAX_VALUE; }
  // restoring division, one quotient bit per step; r < d throughout, so r < 2^64
  let r = wideHi;
  let q: u64 = 0;
  for (let i = 63; i >= 0; i--) {
    const carry = r >> 63;
    r = (r << 1) | ((wideLo >> <u64>i) & 1);
    q <<= 1;
    if (carry != 0 || r >= d) {
      r -= d;
      q |= 1;
    }
  }
  wideRem = r;
  return q;
}

/** floor(a × b / d) for d > 0 (u64.MAX_VALUE when it does not fit). */
export function mulDivFloor(a: u64, b: u64, d: u64): u64 {
  mulWide(a, b);
  return divWide(d);
}

/** ceil(a × b / d) for d > 0 (u64.MAX_VALUE when it does not fit). */
export function mulDivCeil(a: u64, b: u64, d: u64): u64 {
  mulWide(a, b);
  const q = divWide(d);
  return wideRem != 0 && q != u64.MAX_VALUE ? q + 1 : q;
}

/** Whether a × b <= c × d (exact, 128-bit). */
export function mulLeq(a: u64, b: u64, c: u64, d: u64): bool {
  mulWide(a, b);
  const hi1 = wideHi;
  const lo1 = wideLo;
  mulWide(c, d);
  return hi1 < wideHi || (hi1 == wideHi && lo1 <= wideLo);
}

// ---- parameter checks ------------------------------------------------------------------------

/** Error text for a count field outside [1, MAX_COUNT], or null. */
export function checkCount(name: string, v: i64): string | null {
  if (v < 1) return name + " must be at least 1";
  if (v > MAX_COUNT) return name + " must be at most 4294967295";
  return null;
}

/** Error text for a duration field (ns) outside [MIN_PERIOD_NS, MAX_PERIOD_NS], or null. */
export function checkPeriod(name: string, ns: i64): string | null {
  if (ns <= 0) return name + " must be positive";
  if (ns < MIN_PERIOD_NS) return name + " must be at least 1 ms";
  if (ns > MAX_PERIOD_NS) return name + " must be at most 365 days";
  return null;
}
