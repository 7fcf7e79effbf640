// GCRA, the generic cell rate algorithm: `limit` units per `periodNs` sustained, up to `burst`
// units at once. One number per key, the theoretical arrival time (TAT), and exact integer
// arithmetic, so retry-after is exact to the nanosecond.
//
// Why GCRA: it is a token bucket that needs no refill step and no separate token count (the
// bucket is empty at time TAT - burst·I and full again at TAT), so it costs one record of 16 bytes and a few
// multiplications per decision, and it answers "when could this request pass" exactly. The token
// bucket of Envoy's local_ratelimit is the same arithmetic with other parameters and another
// reset rule (token-bucket.ts extends this class).
//
// Definitions. I = periodNs / limit, the emission interval (ns per unit, a rational number kept as
// whole ns plus a remainder over `limit`, so nothing is rounded); W = burst·I, the time an empty
// bucket takes to fill. For a key whose record holds TAT, at time `now`:
//   x = max(TAT - now, 0)                      (how far the key is behind: 0 = full, W = empty)
//   cost c is allowed  iff  x + c·I <= W,  i.e. x <= (burst - c)·I
//   charging sets      TAT' = now + x + c·I    (= max(TAT, now) + c·I)
//   remaining          = floor((W - x') / I)    (x' = x + c·I when allowed, else x)
//   resetNs            = ceil(x')               (time until the key is full again; freshAfterNs too)
//   retryAfterNs       = ceil(x - (burst - c)·I) when refused; NEVER when c > burst
//   refund of c        TAT' = now + max(x - c·I, 0)
// Cost 0 is allowed iff x <= W (always, unless the record is from a clock ahead of this one).
// Guarantee (tested): over any closed span of length t, the units admitted (without refunds) are
// at most burst + t / I — proof: each admission moves TAT by its cost·I past max(TAT, now), and
// TAT never exceeds the last admission time plus W.
//
// Record (16 bytes, little-endian): i64 TAT whole ns at 0, i64 TAT remainder at 8 (in units of
// 1/limit ns, in [0, limit)). All zero = TAT 0 = a full bucket at any time. Normalisation (see
// common.ts): a remainder outside [0, limit) becomes 0; a TAT more than 2W ahead of now (a clock
// jump back, or garbage) is re-based to now + W — an empty bucket that refills from now on — and
// written even by a peek; a TAT between W and 2W ahead is used as it is (refused, with the exact
// retry-after that record implies). Bounds that keep the arithmetic in 64 bits (128 bits for the
// remaining count): limit and burst <= 2^32 - 1, periodNs <= 365 days, W <= 50 years.

import {
  Decision, Limiter, NEVER, MAX_COUNT, MAX_PERIOD_NS, MAX_FILL_TIME_NS, clampTime, clampI64, subSat,
  readField, writeField, writable, mulWide, addWide, divWide, mulDivFloor, checkCount, checkPeriod,
} from "./common";

const GCRA_BYTES: i32 = 16;

// Scratch of the mixed-number helpers: value = mixNs + mixFr / den.
let mixNs: i64 = 0;
let mixFr: i64 = 0;

/** burst clamped so that W = burst × periodNs / limit stays within MAX_FILL_TIME_NS. */
function clampBurst(limit: i64, periodNs: i64, burst: i64): i64 {
  const q = clampI64(limit, 1, MAX_COUNT);
  const p = clampI64(periodNs, 1, MAX_PERIOD_NS);
  const b = clampI64(burst, 1, MAX_COUNT);
  const m = mulDivFloor(<u64>MAX_FILL_TIME_NS, <u64>q, <u64>p); // u64.MAX_VALUE when beyond 64 bits
  const most: i64 = m > <u64>MAX_COUNT ? MAX_COUNT : <i64>m;
  return b > most ? (most < 1 ? 1 : most) : b;
}

export class Gcra extends Limiter {
  /** Units admitted at once from a full bucket. */
  readonly burst: i64;
  /** Numerator of I (ns). */
  readonly periodNs: i64;
  /** Denominator of I (units per period). */
  readonly rate: i64;
  /** I = iNs + iFr / rate. */
  protected iNs: i64 = 0;
  protected iFr: i64 = 0;
  /** W = burst × I. */
  protected wNs: i64 = 0;
  protected wFr: i64 = 0;
  /** 2W, beyond which a record is re-based. */
  protected w2Ns: i64 = 0;
  protected w2Fr: i64 = 0;
  /** (burst - 1) × I: the token bucket's reset is the time until x falls to it. */
  protected w1Ns: i64 = 0;
  protected w1Fr: i64 = 0;
  /** resetNs = time until the next whole unit (the token bucket) instead of until full. */
  protected resetToNextUnit: bool = false;
  /** Cost 0 is refused (the token bucket, as Envoy does). */
  protected refuseZeroCost: bool = false;

  /** `limit` units per `periodNs`, up to `burst` at once (clamped like checkGcra's bounds). */
  constructor(limit: i64, periodNs: i64, burst: i64) {
    super(GCRA_BYTES, clampBurst(limit, periodNs, burst));
    this.burst = this.limit;
    this.periodNs = clampI64(periodNs, 1, MAX_PERIOD_NS);
    this.rate = clampI64(limit, 1, MAX_COUNT);
    this.iNs = this.periodNs / this.rate;
    this.iFr = this.periodNs % this.rate;
    this.mulI(this.burst);
    this.wNs = mixNs;
    this.wFr = mixFr;
    this.w2Ns = this.wNs * 2;
    this.w2Fr = this.wFr * 2;
    if (this.w2Fr >= this.rate) { this.w2Fr -= this.rate; this.w2Ns++; }
    this.mulI(this.burst - 1);
    this.w1Ns = mixNs;
    this.w1Fr = mixFr;
  }

  /** (mixNs, mixFr) = k × I, for 0 <= k <= burst. */
  protected mulI(k: i64): void {
    const t = <u64>k * <u64>this.iFr; // < 2^32 · 2^32
    mixNs = k * this.iNs + <i64>(t / <u64>this.rate);
    mixFr = <i64>(t % <u64>this.rate);
  }

  decide(state: Uint8Array, nowNs: i64, cost: i64, charge: bool, out: Decision): void {
    const now = clampTime(nowNs);
    const q = this.rate;
    const tatFr = readField(state, GCRA_BYTES, 8);
    let fix = false;
    let xNs = subSat(readField(state, GCRA_BYTES, 0), now);
    let xFr = tatFr;
    if (tatFr < 0 || tatFr >= q) { xFr = 0; fix = true; }
    if (xNs < 0) { xNs = 0; xFr = 0; }
    else if (xNs > this.w2Ns || (xNs == this.w2Ns && xFr > this.w2Fr)) {
      xNs = this.wNs; xFr = this.wFr; fix = true;
    }

    const c = cost < 0 ? 0 : cost;
    let allowed = false;
    let retry: i64 = 0;
    if (c > this.burst || (c == 0 && this.refuseZeroCost)) {
      retry = NEVER;
    } else {
      this.mulI(this.burst - c);
      if (xNs < mixNs || (xNs == mixNs && xFr <= mixFr)) {
        allowed = true;
      } else {
        let dNs = xNs - mixNs;
        let dFr = xFr - mixFr;
        if (dFr < 0) { dFr += q; dNs--; }
        retry = dFr > 0 ? dNs + 1 : dNs;
      }
    }

    // x' after this decision (the charge included when allowed, also for a peek)
    let pNs = xNs;
    let pFr = xFr;
    if (allowed && c > 0) {
      this.mulI(c);
      pNs += mixNs;
      pFr += mixFr;
      if (pFr >= q) { pFr -= q; pNs++; }
    }

    let changed = false;
    const charged = allowed && charge && c > 0;
    if ((charged || fix) && writable(state, GCRA_BYTES)) {
      writeField(state, GCRA_BYTES, 0, now + (charged ? pNs : xNs));
      writeField(state, GCRA_BYTES, 8, charged ? pFr : xFr);
      changed = true;
    }

    // remaining = floor((W - x') / I) = floor(((W - x') in whole ns × rate + remainder) / periodNs)
    let remaining: i64 = 0;
    if (pNs < this.wNs || (pNs == this.wNs && pFr <= this.wFr)) {
      let yNs = this.wNs - pNs;
      let yFr = this.wFr - pFr;
      if (yFr < 0) { yFr += q; yNs--; }
      mulWide(<u64>yNs, <u64>q);
      addWide(<u64>yFr);
      remaining = <i64>divWide(<u64>this.periodNs);
    }

    const full: i64 = pFr > 0 ? pNs + 1 : pNs;
    let reset = full;
    if (this.resetToNextUnit) {
      if (pNs < this.w1Ns || (pNs == this.w1Ns && pFr <= this.w1Fr)) {
        reset = 0;
      } else {
        let dNs = pNs - this.w1Ns;
        let dFr = pFr - this.w1Fr;
        if (dFr < 0) { dFr += q; dNs--; }
        reset = dFr > 0 ? dNs + 1 : dNs;
      }
    }
    out.set(allowed, remaining, this.limit, reset, retry, full, changed);
  }

  refund(state: Uint8Array, nowNs: i64, cost: i64): bool {
    if (cost <= 0 || !writable(state, GCRA_BYTES)) return false;
    const now = clampTime(nowNs);
    const q = this.rate;
    const tatFr = readField(state, GCRA_BYTES, 8);
    let fix = false;
    let xNs = subSat(readField(state, GCRA_BYTES, 0), now);
    let xFr = tatFr;
    if (tatFr < 0 || tatFr >= q) { xFr = 0; fix = true; }
    if (xNs < 0) { xNs = 0; xFr = 0; }
    else if (xNs > this.w2Ns || (xNs == this.w2Ns && xFr > this.w2Fr)) {
      xNs = this.wNs; xFr = this.wFr; fix = true;
    }
    if (xNs == 0 && xFr == 0 && !fix) return false; // full already
    if (cost >= this.burst) {
      xNs = 0; xFr = 0;
    } else {
      this.mulI(cost);
      xNs -= mixNs;
      xFr -= mixFr;
      if (xFr < 0) { xFr += q; xNs--; }
      if (xNs < 0) { xNs = 0; xFr = 0; }
    }
    writeField(state, GCRA_BYTES, 0, now + xNs);
    writeField(state, GCRA_BYTES, 8, xFr);
    return true;
  }
}

/**
 * Error text for GCRA parameters (field names as the filter's configuration spells them), or null:
 * limit and burst in [1, 4294967295], period in [1 ms, 365 days], and an empty bucket must fill
 * again within 50 years (burst × period / limit).
 */
export function checkGcra(limit: i64, periodNs: i64, burst: i64): string | null {
  let e = checkCount("limit", limit);
  if (e !== null) return e;
  e = checkPeriod("period", periodNs);
  if (e !== null) return e;
  e = checkCount("burst", burst);
  if (e !== null) return e;
  if (clampBurst(limit, periodNs, burst) != burst) return "burst × period / limit (the time an empty bucket takes to fill) must be at most 50 years";
  return null;
}
