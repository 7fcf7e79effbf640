// Unsigned big integers and Montgomery arithmetic modulo an odd number: what RSA signature
// verification (rsa.ts) needs, written so that other public-key code can use it too.
//
// A `BigUint` has a fixed number of 32-bit limbs (least significant first), chosen when it is made;
// nothing grows. Products are formed in u64 (32×32 → 64 bits plus two 32-bit carries never
// overflows). Modular arithmetic goes through a `Montgomery` context made once per modulus: it
// precomputes n' = -n⁻¹ mod 2³² and R² mod n (R = 2^(32·limbs)) and owns the scratch space of its
// multiplication, so `mul` and `pow*` allocate nothing in their loops.
//
// Timing: everything here is variable time. Branches and loop counts depend on the values (the
// exponent's bits, the final subtraction of a Montgomery product, leading zero limbs). That is
// fine for RSA *verification*, where the modulus, the public exponent, the signature and the
// message are all public; do NOT use this code with secret exponents or secret operands
// (signing, decryption, ECDH private keys) without making it constant time first.
//
// API summary:
//   new BigUint(limbs)                      zero with `limbs` limbs (≥ 1)
//   BigUint.fromBytes(bytes, limbs = 0)     big-endian bytes (leading zeros allowed) → BigUint;
//                                           limbs 0 = as few as the value needs; null if it does not fit
//   BigUint.fromU64(v, limbs = 2)
//   x.writeBytes(out) / x.toBytes(len)      big-endian, left-padded with zeros; false/null if too long
//   x.bitLength(), x.isZero(), x.isOdd(), x.limb(i), x.copyFrom(y)
//   compareBig(a, b)                        -1 / 0 / 1, any limb counts
//   Montgomery.create(n)                    n odd and > 1, else null
//   m.mul(out, a, b)                        out = a·b·R⁻¹ mod n (a, b < n; every operand m.size limbs;
//                                           out may be a or b)
//   m.toMontgomery(out, a) / m.fromMontgomery(out, a)
//   m.powBytes(base, exponent) / m.powU64(base, e)
//                                           base^e mod n as a new BigUint of m.size limbs (base < n,
//                                           any limb count; null otherwise)

/** Largest limb count accepted anywhere here: 16384-bit numbers (RSA stops at 8192). */
export const BIGUINT_MAX_LIMBS: i32 = 512;

/** A fixed-capacity unsigned integer: `size` 32-bit limbs, least significant first. */
export class BigUint {
  readonly size: i32;
  /** The limbs, least significant first. Exposed for arithmetic code in this folder. */
  readonly limbs: StaticArray<u32>;

  /** Zero, with `size` limbs (clamped to 1..BIGUINT_MAX_LIMBS). */
  constructor(size: i32) {
    const s = size < 1 ? 1 : size > BIGUINT_MAX_LIMBS ? BIGUINT_MAX_LIMBS : size;
    this.size = s;
    this.limbs = new StaticArray<u32>(s);
  }

  /**
   * The big-endian unsigned integer in `bytes` (leading zero bytes allowed, empty = 0), in a
   * BigUint of `size` limbs, or of as few limbs as the value needs (at least 1) when `size` is 0.
   * Null when the value does not fit in `size` limbs or needs more than BIGUINT_MAX_LIMBS.
   */
  static fromBytes(bytes: Uint8Array, size: i32 = 0): BigUint | null {
    const len = bytes.length;
    const p = bytes.dataStart;
    let start = 0;
    while (start < len && load<u8>(p + <usize>start) == 0) start++;
    const sig = len - start;
    const need = sig == 0 ? 1 : (sig + 3) >> 2;
    if (need > BIGUINT_MAX_LIMBS) return null;
    const s = size == 0 ? need : size;
    if (s < need || s > BIGUINT_MAX_LIMBS) return null;
    const out = new BigUint(s);
    const lp = changetype<usize>(out.limbs);
    // byte at index len-1-k is bit 8k of the value
    for (let k = 0; k < sig; k++) {
      const b = <u32>load<u8>(p + <usize>(len - 1 - k));
      const at = lp + (<usize>(k >> 2) << 2);
      store<u32>(at, load<u32>(at) | (b << (<u32>(k & 3) << 3)));
    }
    return out;
  }

  /** `v` in a BigUint of `size` limbs (at least 2, so that any u64 fits). */
  static fromU64(v: u64, size: i32 = 2): BigUint {
    const out = new BigUint(size < 2 ? 2 : size);
    unchecked(out.limbs[0] = <u32>v);
    unchecked(out.limbs[1] = <u32>(v >> 32));
    return out;
  }

  /** Limb `i` (0 = least significant); 0 outside the capacity. */
  limb(i: i32): u32 {
    return i >= 0 && i < this.size ? unchecked(this.limbs[i]) : 0;
  }

  /** Number of significant bits (0 for zero). */
  bitLength(): i32 {
    for (let i = this.size - 1; i >= 0; i--) {
      const w = unchecked(this.limbs[i]);
      if (w != 0) return (i << 5) + 32 - <i32>clz<u32>(w);
    }
    return 0;
  }

  isZero(): bool {
    for (let i = 0; i < this.size; i++) if (unchecked(this.limbs[i]) != 0) return false;
    return true;
  }

  isOdd(): bool {
    return (unchecked(this.limbs[0]) & 1) != 0;
  }

  /** Sets this to the value of `other`; false (and this unchanged) when it does not fit. */
  copyFrom(other: BigUint): bool {
    for (let i = this.size; i < other.size; i++) if (unchecked(other.limbs[i]) != 0) return false;
    const n = this.size < other.size ? this.size : other.size;
    memory.copy(changetype<usize>(this.limbs), changetype<usize>(other.limbs), <usize>n << 2);
    if (n < this.size) memory.fill(changetype<usize>(this.limbs) + (<usize>n << 2), 0, <usize>(this.size - n) << 2);
    return true;
  }

  /**
   * Writes the value big-endian into all of `out`, left-padded with zeros. False (and `out`
   * untouched) when the value needs more than out.length bytes.
   */
  writeBytes(out: Uint8Array): bool {
    const len = out.length;
    const bits = this.bitLength();
    if ((bits + 7) >> 3 > len) return false;
    const p = out.dataStart;
    const lp = changetype<usize>(this.limbs);
    const have = this.size << 2;
    for (let k = 0; k < len; k++) {
      // k-th byte from the right
      const b: u32 = k < have ? (load<u32>(lp + (<usize>(k >> 2) << 2)) >> (<u32>(k & 3) << 3)) & 0xff : 0;
      store<u8>(p + <usize>(len - 1 - k), <u8>b);
    }
    return true;
  }

  /** The value as `len` big-endian bytes, or null when it needs more. */
  toBytes(len: i32): Uint8Array | null {
    if (len < 0) return null;
    const out = new Uint8Array(len);
    return this.writeBytes(out) ? out : null;
  }
}

/** -1, 0 or 1 as a < b, a = b, a > b (the limb counts may differ). */
export function compareBig(a: BigUint, b: BigUint): i32 {
  const n = a.size > b.size ? a.size : b.size;
  for (let i = n - 1; i >= 0; i--) {
    const x = a.limb(i);
    const y = b.limb(i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/** -1, 0, 1 comparing `s` limbs at `a` with `s` limbs at `b` (raw pointers). */
// @ts-ignore: decorator
@inline function compareLimbs(a: usize, b: usize, s: i32): i32 {
  for (let i = s - 1; i >= 0; i--) {
    const off = <usize>i << 2;
    const x = load<u32>(a + off);
    const y = load<u32>(b + off);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/** out = a - b over `s` limbs (raw pointers; out may be a), modulo 2^(32s); returns the borrow. */
function subLimbs(out: usize, a: usize, b: usize, s: i32): u32 {
  let borrow: i64 = 0;
  for (let i = 0; i < s; i++) {
    const off = <usize>i << 2;
    const d = <i64>load<u32>(a + off) - <i64>load<u32>(b + off) + borrow;
    store<u32>(out + off, <u32>d);
    borrow = d >> 32; // 0 or -1
  }
  return <u32>(-borrow);
}

/**
 * Arithmetic modulo an odd n > 1 in Montgomery form (R = 2^(32·size)): x is held as x·R mod n.
 * One context per modulus; it is not re-entrant (its scratch space is shared by its methods), which
 * cannot matter in a single-threaded wasm VM unless a caller nests calls on the same context.
 */
export class Montgomery {
  /** The modulus, in exactly `size` limbs (its top limb is non-zero). */
  readonly modulus: BigUint;
  /** Limbs of every operand. */
  readonly size: i32;
  /** Bits of the modulus. */
  readonly bits: i32;
  /** -n⁻¹ mod 2³². */
  readonly nPrime: u32;
  /** R² mod n (turns x into x·R mod n in one multiplication). */
  readonly rSquared: BigUint;
  /** R mod n: 1 in Montgomery form. */
  readonly rModN: BigUint;
  // Scratch: the product accumulator (size + 1 limbs), the constant 1, and pow's base and accumulator.
  private t: StaticArray<u32>;
  private one: BigUint;
  private pb: BigUint;
  private pa: BigUint;

  private constructor(n: BigUint, size: i32) {
    this.size = size;
    this.bits = n.bitLength();
    const m = new BigUint(size);
    m.copyFrom(n);
    this.modulus = m;
    this.nPrime = negInverse32(unchecked(m.limbs[0]));
    this.t = new StaticArray<u32>(size + 1);
    const one = new BigUint(size);
    unchecked(one.limbs[0] = 1);
    this.one = one;
    this.pb = new BigUint(size);
    this.pa = new BigUint(size);
    this.rModN = new BigUint(size);
    this.rSquared = new BigUint(size);
  }

  /** A context for the odd modulus n > 1 (any limb count; leading zero limbs are dropped), or null. */
  static create(n: BigUint): Montgomery | null {
    if (!n.isOdd()) return null;
    const bits = n.bitLength();
    if (bits < 2) return null; // n = 1
    const size = (bits + 31) >> 5;
    const ctx = new Montgomery(n, size);
    ctx.precompute();
    return ctx;
  }

  /** Fills rModN and rSquared (runs once, from create). */
  private precompute(): void {
    const s = this.size;
    const x = this.rModN;
    const xp = changetype<usize>(x.limbs);
    // x = 2^(bits-1) < n, then doubled up to 2^(32s) mod n = R mod n.
    const top = this.bits - 1;
    store<u32>(xp + (<usize>(top >> 5) << 2), <u32>1 << <u32>(top & 31));
    const toR = (s << 5) - top;
    for (let i = 0; i < toR; i++) this.double(x);
    // 32s = odd · 2^j. Double R mod n `odd` times (2^odd in Montgomery form), then square j times:
    // each Montgomery squaring doubles the power, ending at 2^(32s) in Montgomery form = R² mod n.
    let odd = s << 5;
    let j = 0;
    while ((odd & 1) == 0) { odd >>= 1; j++; }
    const y = this.rSquared;
    y.copyFrom(x);
    for (let i = 0; i < odd; i++) this.double(y);
    for (let i = 0; i < j; i++) this.mul(y, y, y);
  }

  /** x = 2x mod n, for x < n. */
  private double(x: BigUint): void {
    const s = this.size;
    const xp = changetype<usize>(x.limbs);
    let carry: u32 = 0;
    for (let i = 0; i < s; i++) {
      const off = <usize>i << 2;
      const w = load<u32>(xp + off);
      store<u32>(xp + off, (w << 1) | carry);
      carry = w >> 31;
    }
    const np = changetype<usize>(this.modulus.limbs);
    if (carry != 0 || compareLimbs(xp, np, s) >= 0) subLimbs(xp, xp, np, s);
  }

  /**
   * out = a·b·R⁻¹ mod n (Montgomery product, word-serial with the reduction interleaved: one pass
   * over the limbs per word of b). a and b must be < n and, like out, have exactly `size` limbs;
   * out may be a or b. Returns false (computing nothing) when a limb count differs.
   */
  mul(out: BigUint, a: BigUint, b: BigUint): bool {
    const s = this.size;
    if (out.size != s || a.size != s || b.size != s) return false;
    const t = changetype<usize>(this.t);
    const ap = changetype<usize>(a.limbs);
    const bp = changetype<usize>(b.limbs);
    const np = changetype<usize>(this.modulus.limbs);
    const nPrime = this.nPrime;
    const topOff = <usize>s << 2;
    memory.fill(t, 0, topOff + 4);
    const a0 = <u64>load<u32>(ap);
    const n0 = <u64>load<u32>(np);
    for (let i = 0; i < s; i++) {
      const bi = <u64>load<u32>(bp + (<usize>i << 2));
      // Column 0 fixes m so that t + a·bi + m·n is divisible by 2³²; its low word is dropped.
      let x = <u64>load<u32>(t) + a0 * bi;
      const m = <u64>(<u32>x * nPrime);
      let y = (x & 0xffffffff) + m * n0;
      let c1 = x >> 32;
      let c2 = y >> 32;
      for (let j = 1; j < s; j++) {
        const off = <usize>j << 2;
        x = <u64>load<u32>(t + off) + <u64>load<u32>(ap + off) * bi + c1;
        c1 = x >> 32;
        y = (x & 0xffffffff) + m * <u64>load<u32>(np + off) + c2;
        c2 = y >> 32;
        store<u32>(t + off - 4, <u32>y);
      }
      x = <u64>load<u32>(t + topOff) + c1;
      y = (x & 0xffffffff) + c2;
      store<u32>(t + topOff - 4, <u32>y);
      store<u32>(t + topOff, <u32>((x >> 32) + (y >> 32)));
    }
    // t < 2n: one conditional subtraction (variable time, see the header).
    const op = changetype<usize>(out.limbs);
    if (load<u32>(t + topOff) != 0 || compareLimbs(t, np, s) >= 0) subLimbs(op, t, np, s);
    else memory.copy(op, t, topOff);
    return true;
  }

  /** out = a·R mod n (a < n, `size` limbs). */
  toMontgomery(out: BigUint, a: BigUint): bool {
    return this.mul(out, a, this.rSquared);
  }

  /** out = a·R⁻¹ mod n: the ordinary value of a Montgomery-form a. */
  fromMontgomery(out: BigUint, a: BigUint): bool {
    return this.mul(out, a, this.one);
  }

  /**
   * base^e mod n for the big-endian exponent `exponent` (leading zeros allowed; empty = 0), by
   * left-to-right square-and-multiply: variable time, for public exponents only (see the header).
   * base may have any limb count but must be < n. A new BigUint of `size` limbs, or null.
   */
  powBytes(base: BigUint, exponent: Uint8Array): BigUint | null {
    if (!this.loadBase(base)) return null;
    const acc = this.pa;
    acc.copyFrom(this.rModN);
    const p = exponent.dataStart;
    let started = false;
    for (let k = 0; k < exponent.length; k++) {
      const byte = <u32>load<u8>(p + <usize>k);
      for (let bit = 7; bit >= 0; bit--) {
        if (started) this.mul(acc, acc, acc);
        if (((byte >> <u32>bit) & 1) != 0) {
          if (started) this.mul(acc, acc, this.pb);
          else { acc.copyFrom(this.pb); started = true; }
        }
      }
    }
    const out = new BigUint(this.size);
    this.fromMontgomery(out, acc);
    return out;
  }

  /** base^e mod n for a u64 exponent; as powBytes. */
  powU64(base: BigUint, e: u64): BigUint | null {
    if (!this.loadBase(base)) return null;
    const acc = this.pa;
    if (e == 0) acc.copyFrom(this.rModN);
    else {
      acc.copyFrom(this.pb);
      for (let bit = 62 - <i32>clz<u64>(e); bit >= 0; bit--) {
        this.mul(acc, acc, acc);
        if (((e >> <u64>bit) & 1) != 0) this.mul(acc, acc, this.pb);
      }
    }
    const out = new BigUint(this.size);
    this.fromMontgomery(out, acc);
    return out;
  }

  /** pb = base in Montgomery form; false when base ≥ n or wider than the modulus. */
  private loadBase(base: BigUint): bool {
    if (compareBig(base, this.modulus) >= 0) return false;
    const b = this.pa; // pa is free until the caller sets it
    b.copyFrom(base); // fits: base < n
    return this.toMontgomery(this.pb, b);
  }
}

/** -x⁻¹ mod 2³² for odd x (Newton's iteration: each step doubles the correct low bits). */
function negInverse32(x: u32): u32 {
  let inv = x; // x·x ≡ 1 mod 8 for odd x: 3 bits
  inv *= 2 - x * inv; // 6
  inv *= 2 - x * inv; // 12
  inv *= 2 - x * inv; // 24
  inv *= 2 - x * inv; // 48 ≥ 32
  return 0 - inv;
}
