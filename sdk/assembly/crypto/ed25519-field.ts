// Arithmetic in GF(2^255 - 19), the field Ed25519's coordinates live in (RFC 8032 §5.1), for
// signature verification (ed25519.ts).
//
// Representation: an element is ten signed 64-bit limbs at a memory address (`Fe` = usize, 80
// bytes), in radix 2^25.5: limb i holds bits from ceil(25.5·i), 26 bits wide for even i and 25 for
// odd i, so value = Σ limb_i · 2^ceil(25.5·i). AssemblyScript has no 128-bit integers; with limbs
// this small every product and every sum of ten products fits in an i64 (see the bounds below).
// Elements live in static memory (`memory.data`): nothing here allocates, and callers keep their
// own temporaries the same way. Every function may be called with the output aliasing an input.
//
// Limb bounds, which the point formulas (ed25519-point.ts) respect:
//   * "tight": what feMul, feSq, feCarry and feFromBytes return — |even limb| ≤ 2^25 and
//     |odd limb| ≤ 2^24 (+ a few units on limb 1), or for feFromBytes 0 ≤ limb < 2^26 / 2^25.
//   * feAdd / feSub / feNeg do not carry: a sum or difference of n tight elements has limbs
//     ≤ n·2^25 (n·2^26 for feFromBytes' output).
//   * feMul / feSq accept limbs up to 2^27.4: the largest output coefficient is a sum of terms with
//     total weight 1 + 5·38 + 4·19 = 267 (the ×2 of two odd limbs, the ×19 of 2^255 ≡ 19), and
//     267 · (2^27.4)^2 < 2^63. So an input may be the sum/difference of up to five tight elements.
//   * feToBytes and the predicates built on it canonicalise any tight or (after feCarry) loose input.
//
// Verification handles public data only, so nothing here is constant time (feToBytes' final
// reduction is branch-free anyway, the exponentiations have a fixed sequence).

/** Address of ten i64 limbs (80 bytes). */
export type Fe = usize;

/** Bytes of one element. */
export const FE_SIZE: usize = 80;

/** d = -121665/121666 (the curve constant), tight limbs. */
export const FE_D: Fe = memory.data<i64>([
  56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712, 48412415, 21499315,
]);

/** 2·d, used by the cached form of a point. */
export const FE_D2: Fe = memory.data<i64>([
  45281625, 27714825, 36363642, 13898781, 229458, 15978800, 54557047, 27058993, 29715967, 9444199,
]);

/** 2^((p-1)/4), a square root of -1 (RFC 8032 §5.1.3 step 3). */
export const FE_SQRTM1: Fe = memory.data<i64>([
  34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654, 31548777, 326685, 11406482,
]);

// Temporaries of the exponentiations and of the canonical encoding (private to this module).
const T0: Fe = memory.data(80, 8);
const T1: Fe = memory.data(80, 8);
const T2: Fe = memory.data(80, 8);
const T3: Fe = memory.data(80, 8);
const T4: Fe = memory.data(80, 8);
const BYTES: usize = memory.data(32, 8);

// @ts-ignore: decorator
@inline function ld(f: Fe, i: i32): i64 {
  return load<i64>(f + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function st(f: Fe, i: i32, v: i64): void {
  store<i64>(f + (<usize>i << 3), v);
}

/** h = 0. */
export function feZero(h: Fe): void {
  memory.fill(h, 0, FE_SIZE);
}

/** h = 1. */
export function feOne(h: Fe): void {
  memory.fill(h, 0, FE_SIZE);
  store<i64>(h, 1);
}

/** h = f. */
export function feCopy(h: Fe, f: Fe): void {
  if (h != f) memory.copy(h, f, FE_SIZE);
}

/** h = f + g (limb-wise, no carry). */
export function feAdd(h: Fe, f: Fe, g: Fe): void {
  for (let i = 0; i < 10; i++) st(h, i, ld(f, i) + ld(g, i));
}

/** h = f - g (limb-wise, no carry). */
export function feSub(h: Fe, f: Fe, g: Fe): void {
  for (let i = 0; i < 10; i++) st(h, i, ld(f, i) - ld(g, i));
}

/** h = -f (limb-wise). */
export function feNeg(h: Fe, f: Fe): void {
  for (let i = 0; i < 10; i++) st(h, i, -ld(f, i));
}

/**
 * Stores h0..h9 into `out` after carrying them to tight limbs. The carries are rounded (limbs end
 * signed, centred on 0) and run as two interleaved chains so that no limb grows before it is
 * carried; the carry out of limb 9 re-enters limb 0 multiplied by 19 (2^255 ≡ 19).
 * Inputs up to 2^62.1 in magnitude (what feMul can produce) do not overflow.
 */
// @ts-ignore: decorator
@inline function carryStore(
  out: Fe, h0: i64, h1: i64, h2: i64, h3: i64, h4: i64, h5: i64, h6: i64, h7: i64, h8: i64, h9: i64,
): void {
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i64>(out, h0, 0); store<i64>(out, h1, 8); store<i64>(out, h2, 16); store<i64>(out, h3, 24);
  store<i64>(out, h4, 32); store<i64>(out, h5, 40); store<i64>(out, h6, 48); store<i64>(out, h7, 56);
  store<i64>(out, h8, 64); store<i64>(out, h9, 72);
}

/** h = f carried to tight limbs (same value). */
export function feCarry(h: Fe, f: Fe): void {
  carryStore(h, ld(f, 0), ld(f, 1), ld(f, 2), ld(f, 3), ld(f, 4), ld(f, 5), ld(f, 6), ld(f, 7), ld(f, 8), ld(f, 9));
}

/**
 * h = f · g. Schoolbook product of the limbs: f_i·g_j lands in limb i+j, doubled when i and j are
 * both odd (ceil(25.5·i) + ceil(25.5·j) is one more than ceil(25.5·(i+j)) then), and folded into
 * limb i+j-10 with a factor 19 when i+j ≥ 10.
 */
export function feMul(h: Fe, f: Fe, g: Fe): void {
  const f0 = load<i64>(f, 0), f1 = load<i64>(f, 8), f2 = load<i64>(f, 16), f3 = load<i64>(f, 24), f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40), f6 = load<i64>(f, 48), f7 = load<i64>(f, 56), f8 = load<i64>(f, 64), f9 = load<i64>(f, 72);
  const g0 = load<i64>(g, 0), g1 = load<i64>(g, 8), g2 = load<i64>(g, 16), g3 = load<i64>(g, 24), g4 = load<i64>(g, 32);
  const g5 = load<i64>(g, 40), g6 = load<i64>(g, 48), g7 = load<i64>(g, 56), g8 = load<i64>(g, 64), g9 = load<i64>(g, 72);
  const g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4, g5_19 = 19 * g5;
  const g6_19 = 19 * g6, g7_19 = 19 * g7, g8_19 = 19 * g8, g9_19 = 19 * g9;
  const f1_2 = 2 * f1, f3_2 = 2 * f3, f5_2 = 2 * f5, f7_2 = 2 * f7, f9_2 = 2 * f9;
  const h0 = f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19;
  const h1 = f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19;
  const h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19;
  const h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19;
  const h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19;
  const h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19;
  const h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19;
  const h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19;
  const h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19;
  const h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f² (feMul with each cross product computed once and doubled). */
export function feSq(h: Fe, f: Fe): void {
  const f0 = load<i64>(f, 0), f1 = load<i64>(f, 8), f2 = load<i64>(f, 16), f3 = load<i64>(f, 24), f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40), f6 = load<i64>(f, 48), f7 = load<i64>(f, 56), f8 = load<i64>(f, 64), f9 = load<i64>(f, 72);
  const f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3, f4_2 = 2 * f4;
  const f5_2 = 2 * f5, f6_2 = 2 * f6, f7_2 = 2 * f7, f8_2 = 2 * f8, f9_2 = 2 * f9;
  const f1_4 = 4 * f1, f3_4 = 4 * f3, f5_4 = 4 * f5, f7_4 = 4 * f7;
  const f5_19 = 19 * f5, f6_19 = 19 * f6, f7_19 = 19 * f7, f8_19 = 19 * f8, f9_19 = 19 * f9;
  const h0 = f0 * f0 + f1_4 * f9_19 + f2_2 * f8_19 + f3_4 * f7_19 + f4_2 * f6_19 + f5_2 * f5_19;
  const h1 = f0_2 * f1 + f2_2 * f9_19 + f3_2 * f8_19 + f4_2 * f7_19 + f5_2 * f6_19;
  const h2 = f0_2 * f2 + f1_2 * f1 + f3_4 * f9_19 + f4_2 * f8_19 + f5_4 * f7_19 + f6 * f6_19;
  const h3 = f0_2 * f3 + f1_2 * f2 + f4_2 * f9_19 + f5_2 * f8_19 + f6_2 * f7_19;
  const h4 = f0_2 * f4 + f1_4 * f3 + f2 * f2 + f5_4 * f9_19 + f6_2 * f8_19 + f7_2 * f7_19;
  const h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6_2 * f9_19 + f7_2 * f8_19;
  const h6 = f0_2 * f6 + f1_4 * f5 + f2_2 * f4 + f3_2 * f3 + f7_4 * f9_19 + f8 * f8_19;
  const h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8_2 * f9_19;
  const h8 = f0_2 * f8 + f1_4 * f7 + f2_2 * f6 + f3_4 * f5 + f4 * f4 + f9_2 * f9_19;
  const h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^(2^n) (n ≥ 1 squarings). */
function feSqN(h: Fe, f: Fe, n: i32): void {
  feSq(h, f);
  for (let i = 1; i < n; i++) feSq(h, h);
}

/**
 * T1 = z^(2^250 - 1) and T0 = z^11, the common prefix of feInvert and fePow22523
 * (11 multiplications, 254 squarings in all with either tail).
 */
function powPrefix(z: Fe): void {
  feSq(T0, z);             // z^2
  feSqN(T1, T0, 2);        // z^8
  feMul(T1, z, T1);        // z^9
  feMul(T0, T0, T1);       // z^11
  feSq(T2, T0);            // z^22
  feMul(T1, T1, T2);       // z^31 = z^(2^5 - 1)
  feSqN(T2, T1, 5);
  feMul(T1, T2, T1);       // z^(2^10 - 1)
  feSqN(T2, T1, 10);
  feMul(T2, T2, T1);       // z^(2^20 - 1)
  feSqN(T3, T2, 20);
  feMul(T3, T3, T2);       // z^(2^40 - 1)
  feSqN(T3, T3, 10);
  feMul(T2, T3, T1);       // z^(2^50 - 1)
  feSqN(T3, T2, 50);
  feMul(T3, T3, T2);       // z^(2^100 - 1)
  feSqN(T4, T3, 100);
  feMul(T4, T4, T3);       // z^(2^200 - 1)
  feSqN(T4, T4, 50);
  feMul(T1, T4, T2);       // z^(2^250 - 1)
}

/** h = 1/z = z^(p-2) = z^(2^255 - 21) (0 for z = 0). */
export function feInvert(h: Fe, z: Fe): void {
  powPrefix(z);
  feSqN(T1, T1, 5);        // z^(2^255 - 32)
  feMul(h, T1, T0);        // z^(2^255 - 21)
}

/** h = z^((p-5)/8) = z^(2^252 - 3), the exponent of RFC 8032's square root (§5.1.3 step 3). */
export function fePow22523(h: Fe, z: Fe): void {
  powPrefix(z);
  feSqN(T1, T1, 2);        // z^(2^252 - 4)
  feMul(h, T1, z);         // z^(2^252 - 3)
}

/**
 * h = the 255-bit little-endian number at `s` (32 bytes; the top bit is ignored, as RFC 8032's
 * decoding sets it aside as the sign of x). Not reduced: a y ≥ p stays as it is (callers check
 * canonicity on the bytes). Limb i is bits ceil(25.5·i) .. of the number, each inside one
 * (unaligned) little-endian 32-bit word.
 */
export function feFromBytes(h: Fe, s: usize): void {
  store<i64>(h, <i64>(load<u32>(s, 0) & 0x3ffffff), 0);               // bits 0..25
  store<i64>(h, <i64>((load<u32>(s, 3) >> 2) & 0x1ffffff), 8);        // 26..50
  store<i64>(h, <i64>((load<u32>(s, 6) >> 3) & 0x3ffffff), 16);       // 51..76
  store<i64>(h, <i64>((load<u32>(s, 9) >> 5) & 0x1ffffff), 24);       // 77..101
  store<i64>(h, <i64>((load<u32>(s, 12) >> 6) & 0x3ffffff), 32);      // 102..127
  store<i64>(h, <i64>(load<u32>(s, 16) & 0x1ffffff), 40);             // 128..152
  store<i64>(h, <i64>((load<u32>(s, 19) >> 1) & 0x3ffffff), 48);      // 153..178
  store<i64>(h, <i64>((load<u32>(s, 22) >> 3) & 0x1ffffff), 56);      // 179..203
  store<i64>(h, <i64>((load<u32>(s, 25) >> 4) & 0x3ffffff), 64);      // 204..229
  store<i64>(h, <i64>((load<u32>(s, 28) >> 6) & 0x1ffffff), 72);      // 230..254
}

/**
 * Writes the canonical encoding of f (its value in [0, p), 32 bytes little-endian, top bit 0) to
 * `s`. First f is carried to tight limbs, whose value lies in (-p, 2p); q = floor(f / p) ∈ {-1, 0, 1}
 * is found by propagating the carry of f + 19 through the limbs (f ≥ p exactly when f + 19 reaches
 * 2^255); then f - q·p = f + 19q - q·2^255 is carried with floor carries and the carry out of the
 * top limb (q) dropped.
 */
export function feToBytes(s: usize, f: Fe): void {
  feCarry(T0, f);
  let h0 = load<i64>(T0, 0), h1 = load<i64>(T0, 8), h2 = load<i64>(T0, 16), h3 = load<i64>(T0, 24), h4 = load<i64>(T0, 32);
  let h5 = load<i64>(T0, 40), h6 = load<i64>(T0, 48), h7 = load<i64>(T0, 56), h8 = load<i64>(T0, 64), h9 = load<i64>(T0, 72);
  let q: i64 = (19 * h9 + (1 << 24)) >> 25;
  q = (h0 + q) >> 26; q = (h1 + q) >> 25; q = (h2 + q) >> 26; q = (h3 + q) >> 25; q = (h4 + q) >> 26;
  q = (h5 + q) >> 25; q = (h6 + q) >> 26; q = (h7 + q) >> 25; q = (h8 + q) >> 26; q = (h9 + q) >> 25;
  h0 += 19 * q;
  let c: i64;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  c = h9 >> 25; h9 -= c << 25;             // c == q: the 2^255 dropped
  // Pack the ten limbs (now 0 ≤ limb < 2^26 / 2^25) into 255 bits: four 64-bit words.
  const w0 = <u64>h0 | (<u64>h1 << 26) | (<u64>h2 << 51);
  const w1 = (<u64>h2 >> 13) | (<u64>h3 << 13) | (<u64>h4 << 38);
  const w2 = <u64>h5 | (<u64>h6 << 25) | (<u64>h7 << 51);
  const w3 = (<u64>h7 >> 13) | (<u64>h8 << 12) | (<u64>h9 << 38);
  store<u64>(s, w0, 0); store<u64>(s, w1, 8); store<u64>(s, w2, 16); store<u64>(s, w3, 24);
}

/** Whether f ≡ 0 (mod p). */
export function feIsZero(f: Fe): bool {
  feToBytes(BYTES, f);
  return (load<u64>(BYTES, 0) | load<u64>(BYTES, 8) | load<u64>(BYTES, 16) | load<u64>(BYTES, 24)) == 0;
}

/** The low bit of f's canonical value (RFC 8032's "negative" x, the sign bit of an encoding). */
export function feIsOdd(f: Fe): i32 {
  feToBytes(BYTES, f);
  return <i32>(load<u8>(BYTES) & 1);
}

/** Whether f ≡ g (mod p); `scratch` is an element the caller lets this overwrite. */
export function feEqual(f: Fe, g: Fe, scratch: Fe): bool {
  feSub(scratch, f, g);
  return feIsZero(scratch);
}
