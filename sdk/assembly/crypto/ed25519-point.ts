// Points of edwards25519 (-x² + y² = 1 + d·x²·y², RFC 8032 §5.1) for signature verification:
// strict decoding (§5.1.3), canonical encoding (§5.1.2), extended coordinates with the addition and
// doubling formulas of §5.1.4, and the double-scalar multiplication [a]P + [b]B the verification
// equation needs.
//
// A point is four field elements X, Y, Z, T at an address (x = X/Z, y = Y/Z, x·y = T/Z; 320 bytes).
// A "cached" point holds what an addition needs from its second operand: Y+X, Y-X, 2·Z, 2·d·T.
// Everything lives in static memory; nothing allocates. Limb bounds (see ed25519-field.ts): every
// multiplication input below is a sum or difference of at most four tight elements.
//
// Not constant time: verification handles public data only (the key, the message, the signature),
// so the scalar multiplication branches and indexes tables by the scalars' digits.
import {
  Fe, FE_D, FE_D2, FE_SQRTM1, feAdd, feSub, feNeg, feMul, feSq, feOne, feZero, feCarry,
  feFromBytes, feToBytes, feIsZero, feIsOdd, feEqual, feInvert, fePow22523,
} from "./ed25519-field";

/** Address of an extended point (X, Y, Z, T). */
export type Ge = usize;
/** Address of a cached point (Y+X, Y-X, 2Z, 2dT). */
export type GeCached = usize;

export const GE_SIZE: usize = 320;

// @ts-ignore: decorator
@inline function X(p: usize): Fe { return p; }
// @ts-ignore: decorator
@inline function Y(p: usize): Fe { return p + 80; }
// @ts-ignore: decorator
@inline function Z(p: usize): Fe { return p + 160; }
// @ts-ignore: decorator
@inline function T(p: usize): Fe { return p + 240; }

// Temporaries of the formulas (private to this module).
const FA: Fe = memory.data(80, 8);
const FB: Fe = memory.data(80, 8);
const FC: Fe = memory.data(80, 8);
const FD: Fe = memory.data(80, 8);
const FE: Fe = memory.data(80, 8);
const FF: Fe = memory.data(80, 8);
const FG: Fe = memory.data(80, 8);
const FH: Fe = memory.data(80, 8);

/** p = the neutral element (0, 1). */
export function geIdentity(p: Ge): void {
  feZero(X(p)); feOne(Y(p)); feOne(Z(p)); feZero(T(p));
}

/** p = -p (negates x: X and T). */
export function geNegate(p: Ge): void {
  feNeg(X(p), X(p));
  feNeg(T(p), T(p));
}

/** c = the cached form of p. */
export function geToCached(c: GeCached, p: Ge): void {
  feAdd(FA, Y(p), X(p)); feCarry(c, FA);
  feSub(FA, Y(p), X(p)); feCarry(c + 80, FA);
  feAdd(FA, Z(p), Z(p)); feCarry(c + 160, FA);
  feMul(c + 240, T(p), FE_D2);
}

/**
 * r = 2·p (RFC 8032 §5.1.4 doubling; r may be p). T of p is not read. `withT`: also compute T of r,
 * which only a following addition needs (a doubling followed by a doubling skips it).
 */
export function geDouble(r: Ge, p: Ge, withT: bool): void {
  feSq(FA, X(p));                      // A = X²
  feSq(FB, Y(p));                      // B = Y²
  feSq(FC, Z(p));
  feAdd(FC, FC, FC);                   // C = 2·Z²
  feAdd(FH, FA, FB);                   // H = A + B
  feAdd(FE, X(p), Y(p));
  feSq(FE, FE);
  feSub(FE, FH, FE);                   // E = H - (X + Y)²
  feSub(FG, FA, FB);                   // G = A - B
  feAdd(FF, FC, FG);                   // F = C + G
  feMul(X(r), FE, FF);
  feMul(Y(r), FG, FH);
  feMul(Z(r), FF, FG);
  if (withT) feMul(T(r), FE, FH);
}

/**
 * r = p + q, or p - q when `subtract` (RFC 8032 §5.1.4 addition with q cached; r may be p).
 * -q swaps q's Y+X and Y-X and negates its 2dT. `withT`: also compute T of r.
 */
export function geAddCached(r: Ge, p: Ge, q: GeCached, subtract: bool, withT: bool): void {
  const qPlus = subtract ? q + 80 : q;       // Y2+X2 of ±q
  const qMinus = subtract ? q : q + 80;      // Y2-X2 of ±q
  feSub(FE, Y(p), X(p));
  feMul(FA, FE, qMinus);               // A = (Y1 - X1)·(Y2 - X2)
  feAdd(FE, Y(p), X(p));
  feMul(FB, FE, qPlus);                // B = (Y1 + X1)·(Y2 + X2)
  feMul(FC, T(p), q + 240);            // C = T1·2d·T2 (negated below for -q)
  feMul(FD, Z(p), q + 160);            // D = Z1·2·Z2
  feSub(FE, FB, FA);                   // E = B - A
  feAdd(FH, FB, FA);                   // H = B + A
  if (subtract) {
    feAdd(FF, FD, FC);                 // F = D - (-C)
    feSub(FG, FD, FC);                 // G = D + (-C)
  } else {
    feSub(FF, FD, FC);                 // F = D - C
    feAdd(FG, FD, FC);                 // G = D + C
  }
  feMul(X(r), FE, FF);
  feMul(Y(r), FG, FH);
  feMul(Z(r), FF, FG);
  if (withT) feMul(T(r), FE, FH);
}

/**
 * Whether the 32 bytes at `s` hold a y below p: y ≥ p = 2^255 - 19 only when bits 5..254 are all
 * set and the low byte is at least 0xed (the top bit, x's sign, is not part of y).
 */
export function isCanonicalY(s: usize): bool {
  if ((load<u8>(s, 31) & 0x7f) != 0x7f) return true;
  for (let i: usize = 1; i < 31; i++) if (load<u8>(s + i) != 0xff) return true;
  return load<u8>(s) < 0xed;
}

/**
 * Decodes the 32-byte encoding at `s` into p, strictly as RFC 8032 §5.1.3 says, and returns
 * whether it is a point: fails for y ≥ p, for u/v without a square root (no x on the curve), and
 * for x = 0 with the sign bit set. Small-order points decode (RFC 8032 does not exclude them).
 * On failure p is left unspecified.
 */
export function geDecode(p: Ge, s: usize): bool {
  if (!isCanonicalY(s)) return false;
  const sign = <i32>(load<u8>(s, 31) >> 7);
  const x = X(p), y = Y(p), z = Z(p), t = T(p);
  feFromBytes(y, s);
  feCarry(y, y);
  feOne(z);
  feSq(FA, y);
  feSub(FB, FA, z);                    // u = y² - 1
  feMul(FC, FA, FE_D);
  feAdd(FC, FC, z);                    // v = d·y² + 1
  feSq(FD, FC);
  feMul(FD, FD, FC);                   // v³
  feSq(FE, FD);
  feMul(FE, FE, FC);                   // v⁷
  feMul(FE, FE, FB);                   // u·v⁷
  fePow22523(FE, FE);                  // (u·v⁷)^((p-5)/8)
  feMul(FE, FE, FD);
  feMul(x, FE, FB);                    // x = u·v³·(u·v⁷)^((p-5)/8)
  feSq(FF, x);
  feMul(FF, FF, FC);                   // v·x²
  if (!feEqual(FF, FB, FG)) {
    feAdd(FG, FF, FB);
    if (!feIsZero(FG)) return false;   // v·x² ≠ ±u: u/v is not a square
    feMul(x, x, FE_SQRTM1);            // v·x² = -u: x·sqrt(-1)
  }
  if (feIsZero(x)) {
    if (sign != 0) return false;       // x = 0 has no negative
  } else if (feIsOdd(x) != sign) {
    feNeg(x, x);
  }
  feMul(t, x, y);
  return true;
}

/** Writes the canonical 32-byte encoding of p to `s` (y with x's low bit on top, §5.1.2). */
export function geEncode(s: usize, p: Ge): void {
  feInvert(FA, Z(p));
  feMul(FB, X(p), FA);
  feMul(FC, Y(p), FA);
  feToBytes(s, FC);
  store<u8>(s, load<u8>(s, 31) | <u8>(feIsOdd(FB) << 7), 31);
}

// ---- [a]P + [b]B ----------------------------------------------------------------------------

/** Window of the base point's digits: odd multiples B, 3B, …, 63B (32 cached points, 10 KB). */
const B_WINDOW: i32 = 7;
/** Window of the variable point's digits: P, 3P, …, 15P (8 cached points, built per call). */
const P_WINDOW: i32 = 5;

const B_TABLE: GeCached = memory.data(<i32>GE_SIZE << (B_WINDOW - 2), 8);
const P_TABLE: GeCached = memory.data(<i32>GE_SIZE << (P_WINDOW - 2), 8);
const ACC: Ge = memory.data(<i32>GE_SIZE, 8);
const TWICE: Ge = memory.data(<i32>GE_SIZE, 8);
const TWICE_CACHED: GeCached = memory.data(<i32>GE_SIZE, 8);
const DIGITS_A: usize = memory.data(256, 8);
const DIGITS_B: usize = memory.data(256, 8);
let baseTableReady = false;

/** The encoding of the base point B (y = 4/5, x even), RFC 8032 §5.1. */
const B_ENCODING: usize = memory.data<u8>([
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
]);

/** table[i] = cached (2i + 1)·p for i < count (uses ACC and TWICE; p may be ACC). */
function oddMultiples(table: GeCached, p: Ge, count: i32): void {
  memory.copy(ACC, p, GE_SIZE);
  geDouble(TWICE, p, true);
  geToCached(TWICE_CACHED, TWICE);
  geToCached(table, ACC);
  for (let i = 1; i < count; i++) {
    geAddCached(ACC, ACC, TWICE_CACHED, false, true);
    geToCached(table + <usize>i * GE_SIZE, ACC);
  }
}

/** Builds the base point's table once per instance (about 35 additions). */
function ensureBaseTable(): void {
  if (baseTableReady) return;
  geDecode(ACC, B_ENCODING);
  oddMultiples(B_TABLE, ACC, 1 << (B_WINDOW - 2));
  baseTableReady = true;
}

/**
 * Width-w non-adjacent form of the 256-bit little-endian scalar at `s` (which must be below
 * 2^255): out[i] ∈ {0, ±1, ±3, …, ±(2^(w-1) - 1)} with Σ out[i]·2^i = s and at most one non-zero
 * digit in any w consecutive positions. Returns the number of digits (the top non-zero one + 1).
 */
function wnaf(out: usize, s: usize, w: i32): i32 {
  memory.fill(out, 0, 256);
  let k0 = load<u64>(s, 0), k1 = load<u64>(s, 8), k2 = load<u64>(s, 16), k3 = load<u64>(s, 24);
  const mask = <u64>((1 << w) - 1);
  const half: i32 = 1 << (w - 1);
  let i = 0;
  while ((k0 | k1 | k2 | k3) != 0 && i < 256) {
    if ((k0 & 1) != 0) {
      let digit = <i32>(k0 & mask);
      if (digit >= half) digit -= 1 << w;
      store<i8>(out + <usize>i, <i8>digit);
      if (digit > 0) {
        k0 -= <u64>digit;              // k ≡ digit (mod 2^w), so k0 ≥ digit: no borrow
      } else {
        const add = <u64>(-digit);     // k - digit = k + |digit|, carried through the words
        k0 += add;
        if (k0 < add) { k1++; if (k1 == 0) { k2++; if (k2 == 0) k3++; } }
      }
    }
    k0 = (k0 >> 1) | (k1 << 63);
    k1 = (k1 >> 1) | (k2 << 63);
    k2 = (k2 >> 1) | (k3 << 63);
    k3 >>= 1;
    i++;
  }
  return i;
}

/** The cached entry of `table` for the odd digit d (|d| = 2i + 1 → entry i). */
// @ts-ignore: decorator
@inline function entry(table: GeCached, d: i32): GeCached {
  return table + <usize>((d < 0 ? -d : d) >> 1) * GE_SIZE;
}

/**
 * r = [a]p + [b]B for 32-byte little-endian scalars a and b below 2^255 (Straus' method: one
 * chain of doublings shared by both scalars, each recoded in wNAF — width 5 for p, whose table is
 * built here, width 7 for B, whose table is built once). p is not modified; r must not alias it.
 * T of r is left unset (nothing after the last addition needs it).
 */
export function geDoubleScalarMulVartime(r: Ge, a: usize, p: Ge, b: usize): void {
  ensureBaseTable();
  oddMultiples(P_TABLE, p, 1 << (P_WINDOW - 2));
  const na = wnaf(DIGITS_A, a, P_WINDOW);
  const nb = wnaf(DIGITS_B, b, B_WINDOW);
  geIdentity(r);
  for (let i = max(na, nb) - 1; i >= 0; i--) {
    const da = <i32>load<i8>(DIGITS_A + <usize>i);
    const db = <i32>load<i8>(DIGITS_B + <usize>i);
    geDouble(r, r, (da | db) != 0);
    if (da != 0) geAddCached(r, r, entry(P_TABLE, da), da < 0, db != 0);
    if (db != 0) geAddCached(r, r, entry(B_TABLE, db), db < 0, false);
  }
}

/** Whether p is the neutral element (X = 0 and Y = Z). */
export function geIsIdentity(p: Ge): bool {
  return feIsZero(X(p)) && feEqual(Y(p), Z(p), FA);
}
