// Point arithmetic on the NIST prime curves P-256 and P-384 (y² = x³ - 3x + b, prime order n,
// cofactor 1), for ECDSA verification (ecdsa.ts): the curve constants, the complete addition and
// doubling formulas of Renes, Costello and Batina ("Complete addition formulas for prime order
// elliptic curves", 2015, algorithms 4 and 6 for a = -3) in homogeneous projective coordinates
// (X : Y : Z), and u1·G + u2·Q by interleaved width-w NAF (one doubling chain, odd multiples of G
// and of Q added at their digits).
//
// The formulas are complete: P + Q is right for every pair of points, P + P, P + (-P) and the
// point at infinity (0 : 1 : 0) included, so no special case (a classic source of wrong verdicts)
// is left to get wrong. Field elements are in Montgomery form (ec-field.ts); all temporaries and
// tables live in one buffer per curve, allocated on the curve's first use. Table lookups and
// branches depend on the scalars, which are public in verification (computed from the digest,
// the signature and the key), so nothing here is, or needs to be, constant time.

import { MontField, bitOf, limbsFromHex } from "./ec-field";

/** Width of the NAF of u1 (the G table is built once per curve: 2^(W_G-2) = 32 odd multiples). */
const W_G: i32 = 7;
/** Width of the NAF of u2 (the Q table is built per verification: 2^(W_Q-2) = 8 odd multiples). */
const W_Q: i32 = 5;

export class EcGroup {
  /** Arithmetic modulo the field prime p. */
  readonly fp: MontField;
  /** Arithmetic modulo the group order n. */
  readonly fn: MontField;
  readonly limbs: i32;
  /** Bytes of a coordinate and of each signature half (32, 48). */
  readonly bytes: i32;
  /** b in Montgomery form. */
  readonly b: usize;
  /** The number 0. */
  private readonly zero: usize;
  // scratch field elements
  private readonly t0: usize; private readonly t1: usize; private readonly t2: usize;
  private readonly t3: usize; private readonly t4: usize;
  private readonly x3: usize; private readonly y3: usize; private readonly z3: usize;
  /** A negated table point. */
  private readonly neg: usize;
  /** Odd multiples G, 3G, 5G, ... (projective, Montgomery form). */
  private readonly gTable: usize;
  /** Odd multiples Q, 3Q, 5Q, ... of the current key. */
  private readonly qTable: usize;
  /** The NAF digits of u1 and u2 (i8 each, bits(n) + 1 of them). */
  private readonly nafG: usize;
  private readonly nafQ: usize;
  private readonly nafLen: i32;
  private readonly mem: ArrayBuffer;

  constructor(limbs: i32, pHex: string, nHex: string, bHex: string, gxHex: string, gyHex: string) {
    const fp = new MontField(limbs, pHex);
    const fn = new MontField(limbs, nHex);
    const fe = <usize>limbs << 2;
    const pt: usize = 3 * fe;
    const gCount = 1 << (W_G - 2), qCount = 1 << (W_Q - 2);
    const nafLen = fn.bits + 1;
    const nafBytes = (<usize>nafLen + 7) & ~(<usize>7);
    const mem = new ArrayBuffer(<i32>(fe * 10 + pt * (1 + <usize>gCount + <usize>qCount) + 2 * nafBytes));
    this.limbs = limbs;
    this.bytes = limbs << 2;
    this.fp = fp;
    this.fn = fn;
    this.nafLen = nafLen;
    this.mem = mem;
    let p = changetype<usize>(this.mem);
    this.b = p; p += fe;
    this.zero = p; p += fe;
    this.t0 = p; p += fe; this.t1 = p; p += fe; this.t2 = p; p += fe;
    this.t3 = p; p += fe; this.t4 = p; p += fe;
    this.x3 = p; p += fe; this.y3 = p; p += fe; this.z3 = p; p += fe;
    this.neg = p; p += pt;
    this.gTable = p; p += pt * <usize>gCount;
    this.qTable = p; p += pt * <usize>qCount;
    this.nafG = p; p += nafBytes;
    this.nafQ = p;
    const F = this.fp;
    const t = this.t0;
    limbsFromHex(t, limbs, bHex); F.toMont(this.b, t);
    const g = this.gTable;
    limbsFromHex(t, limbs, gxHex); F.toMont(g, t);
    limbsFromHex(t, limbs, gyHex); F.toMont(g + fe, t);
    F.copy(g + 2 * fe, F.one);
    this.fillTable(g, gCount);
  }

  /** Fills table[1..count-1] with 3P, 5P, ... from table[0] = P (uses `neg` as scratch). */
  private fillTable(table: usize, count: i32): void {
    const pt = this.pointSize();
    const p2 = this.neg;
    this.double(p2, table);
    for (let i = 1; i < count; i++) this.add(table + <usize>i * pt, table + <usize>(i - 1) * pt, p2);
  }

  @inline pointSize(): usize { return 3 * (<usize>this.limbs << 2); }

  /** y² = x³ - 3x + b for affine x, y in Montgomery form. */
  onCurve(x: usize, y: usize): bool {
    const F = this.fp;
    const l = this.t0, r = this.t1, t = this.t2;
    F.sqr(l, y);
    F.sqr(r, x);
    F.mul(r, r, x);        // x³
    F.add(t, x, x);
    F.add(t, t, x);        // 3x
    F.sub(r, r, t);
    F.add(r, r, this.b);
    return F.eq(l, r);
  }

  /**
   * out = P1 + P2, complete (RCB 2015, algorithm 4, a = -3): 12 multiplications and 2 by b.
   * out may be P1 or P2.
   */
  add(out: usize, p1: usize, p2: usize): void {
    const F = this.fp;
    const fe = <usize>this.limbs << 2;
    const X1 = p1, Y1 = p1 + fe, Z1 = p1 + 2 * fe;
    const X2 = p2, Y2 = p2 + fe, Z2 = p2 + 2 * fe;
    const t0 = this.t0, t1 = this.t1, t2 = this.t2, t3 = this.t3, t4 = this.t4;
    const X3 = this.x3, Y3 = this.y3, Z3 = this.z3;
    const b = this.b;
    F.mul(t0, X1, X2); F.mul(t1, Y1, Y2); F.mul(t2, Z1, Z2);
    F.add(t3, X1, Y1); F.add(t4, X2, Y2); F.mul(t3, t3, t4);
    F.add(t4, t0, t1); F.sub(t3, t3, t4);                       // t3 = X1Y2 + X2Y1
    F.add(t4, Y1, Z1); F.add(X3, Y2, Z2); F.mul(t4, t4, X3);
    F.add(X3, t1, t2); F.sub(t4, t4, X3);                       // t4 = Y1Z2 + Y2Z1
    F.add(X3, X1, Z1); F.add(Y3, X2, Z2); F.mul(X3, X3, Y3);
    F.add(Y3, t0, t2); F.sub(Y3, X3, Y3);                       // Y3 = X1Z2 + X2Z1
    F.mul(Z3, b, t2); F.sub(X3, Y3, Z3); F.add(Z3, X3, X3); F.add(X3, X3, Z3);
    F.sub(Z3, t1, X3); F.add(X3, t1, X3);
    F.mul(Y3, b, Y3);
    F.add(t1, t2, t2); F.add(t2, t1, t2);                       // t2 = 3Z1Z2
    F.sub(Y3, Y3, t2); F.sub(Y3, Y3, t0);
    F.add(t1, Y3, Y3); F.add(Y3, t1, Y3);
    F.add(t1, t0, t0); F.add(t0, t1, t0); F.sub(t0, t0, t2);    // t0 = 3X1X2 - 3Z1Z2
    F.mul(t1, t4, Y3); F.mul(t2, t0, Y3);
    F.mul(Y3, X3, Z3); F.add(Y3, Y3, t2);
    F.mul(X3, t3, X3); F.sub(X3, X3, t1);
    F.mul(Z3, t4, Z3); F.mul(t1, t3, t0); F.add(Z3, Z3, t1);
    F.copy(out, X3); F.copy(out + fe, Y3); F.copy(out + 2 * fe, Z3);
  }

  /** out = 2P, complete (RCB 2015, algorithm 6, a = -3): 11 multiplications and 2 by b. out may be P. */
  double(out: usize, p: usize): void {
    const F = this.fp;
    const fe = <usize>this.limbs << 2;
    const X = p, Y = p + fe, Z = p + 2 * fe;
    const t0 = this.t0, t1 = this.t1, t2 = this.t2, t3 = this.t3;
    const X3 = this.x3, Y3 = this.y3, Z3 = this.z3;
    const b = this.b;
    F.sqr(t0, X); F.sqr(t1, Y); F.sqr(t2, Z);
    F.mul(t3, X, Y); F.add(t3, t3, t3);
    F.mul(Z3, X, Z); F.add(Z3, Z3, Z3);
    F.mul(Y3, b, t2); F.sub(Y3, Y3, Z3);
    F.add(X3, Y3, Y3); F.add(Y3, X3, Y3);
    F.sub(X3, t1, Y3); F.add(Y3, t1, Y3);
    F.mul(Y3, X3, Y3); F.mul(X3, X3, t3);
    F.add(t3, t2, t2); F.add(t2, t2, t3);                       // t2 = 3Z²
    F.mul(Z3, b, Z3); F.sub(Z3, Z3, t2); F.sub(Z3, Z3, t0);
    F.add(t3, Z3, Z3); F.add(Z3, Z3, t3);
    F.add(t3, t0, t0); F.add(t0, t3, t0); F.sub(t0, t0, t2);    // t0 = 3X² - 3Z²
    F.mul(t0, t0, Z3); F.add(Y3, Y3, t0);
    F.mul(t0, Y, Z); F.add(t0, t0, t0);
    F.mul(Z3, t0, Z3); F.sub(X3, X3, Z3);
    F.mul(Z3, t0, t1); F.add(Z3, Z3, Z3); F.add(Z3, Z3, Z3);
    F.copy(out, X3); F.copy(out + fe, Y3); F.copy(out + 2 * fe, Z3);
  }

  /** acc += d·P for an odd NAF digit d (|d| < 2^(w-1)) and table = P, 3P, 5P, ... */
  private addDigit(acc: usize, table: usize, d: i32): void {
    const pt = this.pointSize();
    if (d > 0) {
      this.add(acc, acc, table + <usize>((d - 1) >> 1) * pt);
    } else {
      const F = this.fp;
      const fe = <usize>this.limbs << 2;
      const src = table + <usize>((-d - 1) >> 1) * pt;
      F.copy(this.neg, src);
      F.sub(this.neg + fe, this.zero, src + fe);
      F.copy(this.neg + 2 * fe, src + 2 * fe);
      this.add(acc, acc, this.neg);
    }
  }

  /**
   * Width-w NAF of the `limbs`-limb scalar k (< 2^(nafLen-1)) into nafLen i8 digits at `out`:
   * k = Σ d_i·2^i, each d_i zero or odd with |d_i| < 2^(w-1), any nonzero digit followed by at
   * least w-1 zeros. `carry` is what the digits so far have borrowed from the bits above them.
   * A negative digit (carry out 1) needs bit i+w-1 of k set, so i + w <= bits(k) < nafLen and
   * the digit paying it back still has a place: every digit written is at an index below nafLen.
   */
  private naf(out: usize, k: usize, w: i32): void {
    const len = this.nafLen;
    const n = this.limbs;
    memory.fill(out, 0, <usize>len);
    let carry = 0;
    let i = 0;
    while (i < len) {
      if (bitOf(k, n, i) == carry) { i++; continue; }   // the remaining value is even here
      let word = carry;
      for (let j = 0; j < w; j++) word += bitOf(k, n, i + j) << j;
      // word is odd, in [1, 2^w - 1]
      carry = (word >> (w - 1)) & 1;
      word -= carry << w;
      store<i8>(out + <usize>i, <i8>word);
      i += w;
    }
  }

  /**
   * out = u1·G + u2·Q (projective, Montgomery form) for scalars u1, u2 < n (plain limbs) and
   * Q given by affine x, y in Montgomery form.
   */
  mulAdd(out: usize, u1: usize, u2: usize, qx: usize, qy: usize): void {
    const F = this.fp;
    const fe = <usize>this.limbs << 2;
    const q = this.qTable;
    F.copy(q, qx); F.copy(q + fe, qy); F.copy(q + 2 * fe, F.one);
    this.fillTable(q, 1 << (W_Q - 2));
    this.naf(this.nafG, u1, W_G);
    this.naf(this.nafQ, u2, W_Q);
    // the point at infinity
    memory.fill(out, 0, this.pointSize());
    F.copy(out + fe, F.one);
    let top = this.nafLen - 1;
    while (top >= 0 && load<i8>(this.nafG + <usize>top) == 0 && load<i8>(this.nafQ + <usize>top) == 0) top--;
    for (let i = top; i >= 0; i--) {
      if (i != top) this.double(out, out);
      const dg = <i32>load<i8>(this.nafG + <usize>i);
      if (dg != 0) this.addDigit(out, this.gTable, dg);
      const dq = <i32>load<i8>(this.nafQ + <usize>i);
      if (dq != 0) this.addDigit(out, this.qTable, dq);
    }
  }
}

let p256: EcGroup | null = null;
let p384: EcGroup | null = null;

/** NIST P-256 (FIPS 186-4 D.1.2.3, SEC 2 secp256r1), built on first use. */
export function groupP256(): EcGroup {
  let g = p256;
  if (g === null) {
    g = new EcGroup(8,
      "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
      "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
      "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
      "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
      "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    p256 = g;
  }
  return g;
}

/** NIST P-384 (FIPS 186-4 D.1.2.4, SEC 2 secp384r1), built on first use. */
export function groupP384(): EcGroup {
  let g = p384;
  if (g === null) {
    g = new EcGroup(12,
      "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
      "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
      "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
      "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
      "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f");
    p384 = g;
  }
  return g;
}
