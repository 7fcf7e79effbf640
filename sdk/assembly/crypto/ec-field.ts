// Arithmetic modulo an odd prime of 8 or 12 32-bit limbs: the NIST P-256 / P-384 field primes
// and group orders, for ECDSA verification (ecdsa.ts). Montgomery multiplication (operand
// scanning, each limb's reduction step interleaved with its multiplication) works for any odd
// modulus, so one routine serves p and n of both curves; the special form of the NIST primes
// only makes its reduction factor 1.
//
// Numbers live in linear memory as little-endian u32 limbs and are passed as pointers. Every
// function may be given the same pointer as output and input. Field results are always fully
// reduced (in [0, m)), so equal numbers have equal limbs. The scratch space is allocated once per
// modulus: nothing here allocates after construction. Nothing here is constant time
// (verification handles public data only).

/** Bytes of `limbs` u32 limbs. */
@inline function sz(limbs: i32): usize { return <usize>limbs << 2; }

@inline function limb(p: usize, i: i32): u32 { return load<u32>(p + (<usize>i << 2)); }
@inline function setLimb(p: usize, i: i32, v: u32): void { store<u32>(p + (<usize>i << 2), v); }

/** `a` < `b`, -1; equal, 0; greater, 1 (both `n` limbs). */
export function cmpLimbs(a: usize, b: usize, n: i32): i32 {
  for (let i = n - 1; i >= 0; i--) {
    const x = limb(a, i), y = limb(b, i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

export function isZeroLimbs(a: usize, n: i32): bool {
  let acc: u32 = 0;
  for (let i = 0; i < n; i++) acc |= limb(a, i);
  return acc == 0;
}

/** out = a + b over `n` limbs; returns the carry out (0 or 1). */
export function addLimbs(out: usize, a: usize, b: usize, n: i32): u32 {
  let c: u64 = 0;
  for (let i = 0; i < n; i++) {
    const x = <u64>limb(a, i) + <u64>limb(b, i) + c;
    setLimb(out, i, <u32>x);
    c = x >> 32;
  }
  return <u32>c;
}

/** out = a - b over `n` limbs; returns the borrow out (0 or 1). */
export function subLimbs(out: usize, a: usize, b: usize, n: i32): u32 {
  let bw: i64 = 0;
  for (let i = 0; i < n; i++) {
    const y = <i64>limb(a, i) - <i64>limb(b, i) + bw;
    setLimb(out, i, <u32>y);
    bw = y >> 63;
  }
  return <u32>(-bw);
}

/** Bit `i` of the `n`-limb number at `a` (0 beyond its end). */
export function bitOf(a: usize, n: i32, i: i32): i32 {
  if (i < 0 || i >= n << 5) return 0;
  return <i32>((limb(a, i >> 5) >> <u32>(i & 31)) & 1);
}

/** Bit length of the `n`-limb number at `a` (0 for zero). */
export function bitLength(a: usize, n: i32): i32 {
  for (let i = n - 1; i >= 0; i--) {
    const x = limb(a, i);
    if (x != 0) return (i << 5) + 32 - <i32>clz(x);
  }
  return 0;
}

/**
 * Reads `len` big-endian bytes at `src` as a number into `n` limbs at `out` (len <= 4n; the
 * high limbs are zeroed).
 */
export function limbsFromBytes(out: usize, n: i32, src: usize, len: i32): void {
  memory.fill(out, 0, sz(n));
  for (let i = 0; i < len; i++) {
    const k = len - 1 - i;                 // byte position from the least significant end
    const p = out + (<usize>(k >> 2) << 2);
    store<u32>(p, load<u32>(p) | (<u32>load<u8>(src + <usize>i) << (<u32>(k & 3) << 3)));
  }
}

/** Shifts the `n`-limb number at `a` right by `s` bits, 0 <= s < 32, in place. */
export function shiftRightLimbs(a: usize, n: i32, s: i32): void {
  if (s == 0) return;
  const sh = <u32>s;
  for (let i = 0; i < n; i++) {
    const hi: u32 = i + 1 < n ? limb(a, i + 1) : 0;
    setLimb(a, i, (limb(a, i) >> sh) | (hi << (32 - sh)));
  }
}

/** Parses big-endian hex (no prefix, exactly 8n digits) into `n` limbs. For built-in constants. */
export function limbsFromHex(out: usize, n: i32, hex: string): void {
  memory.fill(out, 0, sz(n));
  const len = hex.length;
  for (let i = 0; i < len && i < n << 3; i++) {
    const c = hex.charCodeAt(len - 1 - i);
    const v: u32 = c >= 97 ? <u32>(c - 87) : c >= 65 ? <u32>(c - 55) : <u32>(c - 48);
    const p = out + (<usize>(i >> 3) << 2);
    store<u32>(p, load<u32>(p) | ((v & 15) << (<u32>(i & 7) << 2)));
  }
}

/**
 * Montgomery arithmetic modulo one odd modulus m of `limbs` limbs (R = 2^(32·limbs)). The
 * Montgomery form of x is x·R mod m.
 */
export class MontField {
  readonly limbs: i32;
  /** Bit length of m. */
  readonly bits: i32;
  /** The modulus. */
  readonly mod: usize;
  /** m - 2, the exponent of Fermat inversion. */
  readonly modMinus2: usize;
  /** R mod m: 1 in Montgomery form. */
  readonly one: usize;
  /** R² mod m: multiplying by it converts into Montgomery form. */
  readonly r2: usize;
  /** The plain number 1: multiplying by it converts out of Montgomery form. */
  readonly unit: usize;
  /** -m⁻¹ mod 2^32. */
  readonly n0: u32;
  private readonly t: usize;      // limbs + 1: the multiplication's accumulator
  private readonly d: usize;      // limbs: candidate after subtracting m
  private readonly pw: usize;     // limbs: exponentiation accumulator
  private readonly mem: ArrayBuffer;

  constructor(limbs: i32, modulusHex: string) {
    this.limbs = limbs;
    const s = sz(limbs);
    this.mem = new ArrayBuffer(<i32>(s * 8 + 8));
    const base = changetype<usize>(this.mem);
    this.mod = base;
    this.modMinus2 = base + s;
    this.one = base + 2 * s;
    this.r2 = base + 3 * s;
    this.unit = base + 4 * s;
    this.d = base + 5 * s;
    this.pw = base + 6 * s;
    this.t = base + 7 * s;          // limbs + 1 limbs (the buffer's last 8 bytes are spare)
    limbsFromHex(this.mod, limbs, modulusHex);
    this.bits = bitLength(this.mod, limbs);
    // -m⁻¹ mod 2^32 by Newton's iteration (each step doubles the correct low bits: 1, 2, ..., 32).
    const m0 = load<u32>(this.mod);
    let inv: u32 = 1;
    for (let i = 0; i < 5; i++) inv = inv * (2 - m0 * inv);
    this.n0 = 0 - inv;
    setLimb(this.unit, 0, 1);
    // m - 2 (m is odd and larger than 2)
    setLimb(this.d, 0, 2);
    subLimbs(this.modMinus2, this.mod, this.d, limbs);
    // R mod m and R² mod m by doubling 1 modulo m, 32·limbs and then 64·limbs times.
    setLimb(this.one, 0, 1);
    for (let i = 0; i < limbs << 5; i++) this.add(this.one, this.one, this.one);
    memory.copy(this.r2, this.one, s);
    for (let i = 0; i < limbs << 5; i++) this.add(this.r2, this.r2, this.r2);
  }

  /** Copies limbs. */
  @inline copy(out: usize, a: usize): void { memory.copy(out, a, sz(this.limbs)); }

  @inline isZero(a: usize): bool { return isZeroLimbs(a, this.limbs); }

  @inline eq(a: usize, b: usize): bool { return cmpLimbs(a, b, this.limbs) == 0; }

  /** a < m (for numbers read from outside). */
  @inline isReduced(a: usize): bool { return cmpLimbs(a, this.mod, this.limbs) < 0; }

  /** out = a + b mod m (a, b < m). */
  add(out: usize, a: usize, b: usize): void {
    const n = this.limbs;
    const c = addLimbs(out, a, b, n);
    const bw = subLimbs(this.d, out, this.mod, n);
    if (c != 0 || bw == 0) memory.copy(out, this.d, sz(n));
  }

  /** out = a - b mod m (a, b < m). */
  sub(out: usize, a: usize, b: usize): void {
    const n = this.limbs;
    if (subLimbs(out, a, b, n) != 0) addLimbs(out, out, this.mod, n);
  }

  /**
   * out = a·b·R⁻¹ mod m (a, b < m). With both in Montgomery form, the product's Montgomery form;
   * with one plain and one in Montgomery form, the plain product.
   */
  mul(out: usize, a: usize, b: usize): void {
    const n = this.limbs;
    const t = this.t;
    const m = this.mod;
    const n0 = this.n0;
    memory.fill(t, 0, sz(n + 1));
    // Per limb b[i]: t = (t + a·b[i] + q·m) / 2^32, q chosen so that the sum's low limb is 0.
    // Both products are accumulated in one pass (two carry chains); t stays below 2m.
    for (let i = 0; i < n; i++) {
      const bi = <u64>limb(b, i);
      let x = <u64>limb(t, 0) + <u64>limb(a, 0) * bi;
      const q = <u64>(<u32>x * n0);
      let y = (x & 0xffffffff) + q * <u64>limb(m, 0);
      let c1 = x >> 32;
      let c2 = y >> 32;
      for (let j = 1; j < n; j++) {
        x = <u64>limb(t, j) + <u64>limb(a, j) * bi + c1;
        c1 = x >> 32;
        y = (x & 0xffffffff) + q * <u64>limb(m, j) + c2;
        c2 = y >> 32;
        setLimb(t, j - 1, <u32>y);
      }
      x = <u64>limb(t, n) + c1 + c2;
      setLimb(t, n - 1, <u32>x);
      setLimb(t, n, <u32>(x >> 32));
    }
    // t < 2m: subtract m once if t >= m
    const bw = subLimbs(this.d, t, m, n);
    memory.copy(out, limb(t, n) != 0 || bw == 0 ? this.d : t, sz(n));
  }

  @inline sqr(out: usize, a: usize): void { this.mul(out, a, a); }

  /** Plain a (< m) into Montgomery form. */
  @inline toMont(out: usize, a: usize): void { this.mul(out, a, this.r2); }

  /** Montgomery form back to the plain number. */
  @inline fromMont(out: usize, a: usize): void { this.mul(out, a, this.unit); }

  /** out = a^(m-2) = a⁻¹ (Fermat, m prime), in Montgomery form if a is; 0 for a = 0. */
  inv(out: usize, a: usize): void {
    const n = this.limbs;
    const pw = this.pw;
    const e = this.modMinus2;
    this.copy(pw, this.one);
    for (let i = bitLength(e, n) - 1; i >= 0; i--) {
      this.sqr(pw, pw);
      if (bitOf(e, n, i) != 0) this.mul(pw, pw, a);
    }
    this.copy(out, pw);
  }
}
