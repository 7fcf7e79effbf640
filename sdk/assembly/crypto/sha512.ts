// SHA-512 and SHA-384 (FIPS 180-4 §6.4, §6.5): JWT HS512/HS384, RSA and ECDSA digests, and the
// hash inside Ed25519. The two differ only in their initial words and in how much of the final state
// is output, so they share one class and one compression function.
//
// Speed matters (Ed25519 and PBKDF2 call this in loops), so the compression works on static memory
// with plain loads and stores: the message schedule and constants live in `memory.data` segments,
// nothing is allocated per block, and whole blocks are read straight from the caller's bytes. The
// module is single-threaded (one wasm instance per Envoy worker) and no compression calls back out,
// so one shared schedule is safe.

/** First 64 bits of the fractional parts of the cube roots of the first 80 primes (§4.2.3). */
const K = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

/** SHA-512's initial words: square roots of the first 8 primes (§5.3.5). */
const IV512 = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

/** SHA-384's initial words: square roots of the 9th to 16th primes (§5.3.4). */
const IV384 = memory.data<u64>([
  0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
  0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
]);

/** The message schedule, 80 words. */
const W = memory.data(80 * 8, 16);
/** A working copy of a chaining state (the PBKDF2 chain compresses from saved midstates). */
const S = memory.data(8 * 8, 16);
/** PBKDF2's running XOR of the chain. */
const T = memory.data(8 * 8, 16);

/** Loads one 128-byte block (big-endian words) from `src` into W[0..15]. */
@inline function loadBlock(src: usize): void {
  for (let i: usize = 0; i < 128; i += 8) store<u64>(W + i, bswap<u64>(load<u64>(src + i)));
}

/** One compression of W[0..15] into the eight words at `h`. */
function compress(h: usize): void {
  for (let p = W; p < W + 64 * 8; p += 8) {
    const w15 = load<u64>(p, 8);
    const w2 = load<u64>(p, 14 * 8);
    const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >> 7);
    const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >> 6);
    store<u64>(p, load<u64>(p) + s0 + load<u64>(p, 9 * 8) + s1, 16 * 8);
  }
  let a = load<u64>(h, 0), b = load<u64>(h, 8), c = load<u64>(h, 16), d = load<u64>(h, 24);
  let e = load<u64>(h, 32), f = load<u64>(h, 40), g = load<u64>(h, 48), k = load<u64>(h, 56);
  for (let i: usize = 0; i < 80 * 8; i += 8) {
    const t1 = k + (rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41)) + (g ^ (e & (f ^ g)))
      + load<u64>(K + i) + load<u64>(W + i);
    const t2 = (rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39)) + ((a & b) | (c & (a | b)));
    k = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u64>(h, load<u64>(h, 0) + a, 0);
  store<u64>(h, load<u64>(h, 8) + b, 8);
  store<u64>(h, load<u64>(h, 16) + c, 16);
  store<u64>(h, load<u64>(h, 24) + d, 24);
  store<u64>(h, load<u64>(h, 32) + e, 32);
  store<u64>(h, load<u64>(h, 40) + f, 40);
  store<u64>(h, load<u64>(h, 48) + g, 48);
  store<u64>(h, load<u64>(h, 56) + k, 56);
}

/**
 * Incremental SHA-512 (or SHA-384, see `Sha384`): `update` any number of times, then `digest`.
 * Ranges outside the array are clamped to it rather than trapping.
 */
export class Sha512 {
  /** The chaining state (eight words); HMAC and PBKDF2 copy it to reuse a keyed midstate. */
  readonly h: StaticArray<u64> = new StaticArray<u64>(8);
  private buf: StaticArray<u8> = new StaticArray<u8>(128);
  private used: i32 = 0;
  /** Bytes absorbed so far (the length field holds bits: 2^64 bytes is out of reach here). */
  private total: u64 = 0;
  private len: i32;

  constructor(outLen: i32 = 64) {
    this.len = outLen == 48 ? 48 : 64;
    this.reset();
  }

  /** Digest bytes: 64, or 48 for SHA-384. */
  get outLen(): i32 { return this.len; }

  /** Back to the empty message. */
  reset(): Sha512 {
    memory.copy(changetype<usize>(this.h), this.len == 48 ? IV384 : IV512, 64);
    this.used = 0;
    this.total = 0;
    return this;
  }

  /** Absorbs `data[offset .. offset+length)` (`length` < 0: to the end). */
  update(data: Uint8Array, offset: i32 = 0, length: i32 = -1): Sha512 {
    const n = data.length;
    const start = offset < 0 ? 0 : (offset > n ? n : offset);
    const count = length < 0 || length > n - start ? n - start : length;
    this.updatePtr(data.dataStart + <usize>start, count);
    return this;
  }

  /** Absorbs `len` bytes at `ptr` (the caller vouches for the range). */
  updatePtr(ptr: usize, len: i32): void {
    if (len <= 0) return;
    this.total += <u64>len;
    const h = changetype<usize>(this.h);
    const buf = changetype<usize>(this.buf);
    let used = this.used;
    if (used > 0) {
      const take = min(128 - used, len);
      memory.copy(buf + <usize>used, ptr, <usize>take);
      used += take;
      ptr += <usize>take;
      len -= take;
      if (used < 128) { this.used = used; return; }
      loadBlock(buf);
      compress(h);
      used = 0;
    }
    while (len >= 128) {
      loadBlock(ptr);
      compress(h);
      ptr += 128;
      len -= 128;
    }
    if (len > 0) memory.copy(buf, ptr, <usize>len);
    this.used = len;
  }

  /** Pads and compresses the final block(s), leaving the result in `h` (the object needs a reset after). */
  private finish(): void {
    const h = changetype<usize>(this.h);
    const buf = changetype<usize>(this.buf);
    let used = <usize>this.used;
    store<u8>(buf + used, 0x80);
    used++;
    if (used > 112) {
      memory.fill(buf + used, 0, 128 - used);
      loadBlock(buf);
      compress(h);
      used = 0;
    }
    memory.fill(buf + used, 0, 112 - used);
    store<u64>(buf, bswap<u64>(this.total >> 61), 112);
    store<u64>(buf, bswap<u64>(this.total << 3), 120);
    loadBlock(buf);
    compress(h);
  }

  /** The digest of everything absorbed since the last reset; the object is then reset for reuse. */
  digest(): Uint8Array {
    this.finish();
    const out = new Uint8Array(this.outLen);
    const h = changetype<usize>(this.h);
    const o = out.dataStart;
    for (let i: usize = 0; i < <usize>this.outLen; i += 8) store<u64>(o + i, bswap<u64>(load<u64>(h + i)));
    this.reset();
    return out;
  }

  /** Makes this a copy of `other` (state, buffered bytes, length, variant). */
  copyFrom(other: Sha512): Sha512 {
    memory.copy(changetype<usize>(this.h), changetype<usize>(other.h), 64);
    memory.copy(changetype<usize>(this.buf), changetype<usize>(other.buf), 128);
    this.used = other.used;
    this.total = other.total;
    this.len = other.len;
    return this;
  }

  /**
   * PBKDF2's inner loop (RFC 8018 §5.2), `count` times: U = HMAC(U), acc ^= U, where `this` and
   * `outer` hold the HMAC key's inner and outer midstates (exactly one block absorbed each), and `u`
   * and `acc` are digest-sized. The message is always one digest after one key block, so each HMAC
   * is two compressions of a pre-padded block kept as words: no buffering, no byte swapping.
   * Returns false (doing nothing) when the arguments do not fit that shape.
   */
  hmacChain(outer: Sha512, u: Uint8Array, acc: Uint8Array, count: i32): bool {
    const words = this.outLen >> 3;
    if (outer.outLen != this.outLen || u.length != this.outLen || acc.length != this.outLen
        || this.used != 0 || this.total != 128 || outer.used != 0 || outer.total != 128) return false;
    const dn = <usize>words << 3;
    // the fixed padding of a (128 + outLen)-byte message: 0x80, zeros, the 128-bit bit length
    store<u64>(W + dn, 0x8000000000000000);
    for (let i = dn + 8; i < 15 * 8; i += 8) store<u64>(W + i, 0);
    store<u64>(W, <u64>(128 + this.outLen) << 3, 15 * 8);
    for (let i: usize = 0; i < dn; i += 8) {
      store<u64>(W + i, bswap<u64>(load<u64>(u.dataStart + i)));
      store<u64>(T + i, bswap<u64>(load<u64>(acc.dataStart + i)));
    }
    const ih = changetype<usize>(this.h);
    const oh = changetype<usize>(outer.h);
    for (let c = 0; c < count; c++) {
      memory.copy(S, ih, 64);
      compress(S);
      memory.copy(W, S, dn);
      memory.copy(S, oh, 64);
      compress(S);
      memory.copy(W, S, dn);
      for (let i: usize = 0; i < dn; i += 8) store<u64>(T + i, load<u64>(T + i) ^ load<u64>(S + i));
    }
    for (let i: usize = 0; i < dn; i += 8) {
      store<u64>(u.dataStart + i, bswap<u64>(load<u64>(W + i)));
      store<u64>(acc.dataStart + i, bswap<u64>(load<u64>(T + i)));
    }
    return true;
  }
}

/** Incremental SHA-384: SHA-512 with its own initial words, output truncated to 48 bytes. */
export class Sha384 extends Sha512 {
  constructor() {
    super(48);
  }
}

/** SHA-512 of `data` (64 bytes). */
export function sha512(data: Uint8Array): Uint8Array {
  return new Sha512(64).update(data).digest();
}

/** SHA-384 of `data` (48 bytes). */
export function sha384(data: Uint8Array): Uint8Array {
  return new Sha512(48).update(data).digest();
}
