// SHA-256 (FIPS 180-4 §6.2): JWT HS256, API keys stored as salted SHA-256, PBKDF2-SHA256 password
// hashes, and the digest of RS256, PS256 and ES256.
//
// Not @chainsafe/as-sha256: its npm package ships only prebuilt wasm modules behind a JavaScript
// wrapper (no AssemblyScript sources that could be compiled into a filter) and offers SHA-256 alone,
// without the copyable keyed midstates that HMAC and PBKDF2 need here.
//
// Speed matters (PBKDF2 runs two compressions per iteration, tens of thousands of times per login),
// so the compression works on static memory with plain loads and stores: the message schedule and
// constants live in `memory.data` segments, nothing is allocated per block, and whole blocks are
// read straight from the caller's bytes. The module is single-threaded (one wasm instance per Envoy
// worker) and no compression calls back out, so one shared schedule is safe.

/** First 32 bits of the fractional parts of the cube roots of the first 64 primes (§4.2.2). */
const K = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Initial words: square roots of the first 8 primes (§5.3.3). */
const IV = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** The message schedule, 64 words. */
const W = memory.data(64 * 4, 16);
/** A working copy of a chaining state (the PBKDF2 chain compresses from saved midstates). */
const S = memory.data(8 * 4, 16);
/** PBKDF2's running XOR of the chain. */
const T = memory.data(8 * 4, 16);

/** Loads one 64-byte block (big-endian words) from `src` into W[0..15]. */
@inline function loadBlock(src: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(W + i, bswap<u32>(load<u32>(src + i)));
}

/** One compression of W[0..15] into the eight words at `h`. */
function compress(h: usize): void {
  for (let p = W; p < W + 48 * 4; p += 4) {
    const w15 = load<u32>(p, 4);
    const w2 = load<u32>(p, 14 * 4);
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >> 10);
    store<u32>(p, load<u32>(p) + s0 + load<u32>(p, 9 * 4) + s1, 16 * 4);
  }
  let a = load<u32>(h, 0), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12);
  let e = load<u32>(h, 16), f = load<u32>(h, 20), g = load<u32>(h, 24), k = load<u32>(h, 28);
  for (let i: usize = 0; i < 64 * 4; i += 4) {
    const t1 = k + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + (g ^ (e & (f ^ g)))
      + load<u32>(K + i) + load<u32>(W + i);
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) | (c & (a | b)));
    k = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(h, load<u32>(h, 0) + a, 0);
  store<u32>(h, load<u32>(h, 4) + b, 4);
  store<u32>(h, load<u32>(h, 8) + c, 8);
  store<u32>(h, load<u32>(h, 12) + d, 12);
  store<u32>(h, load<u32>(h, 16) + e, 16);
  store<u32>(h, load<u32>(h, 20) + f, 20);
  store<u32>(h, load<u32>(h, 24) + g, 24);
  store<u32>(h, load<u32>(h, 28) + k, 28);
}

/**
 * Incremental SHA-256: `update` any number of times, then `digest`. Ranges outside the array are
 * clamped to it rather than trapping.
 */
export class Sha256 {
  /** The chaining state (eight words); HMAC and PBKDF2 copy it to reuse a keyed midstate. */
  readonly h: StaticArray<u32> = new StaticArray<u32>(8);
  private buf: StaticArray<u8> = new StaticArray<u8>(64);
  private used: i32 = 0;
  /** Bytes absorbed so far (the length field holds bits: 2^61 bytes is out of reach here). */
  private total: u64 = 0;

  constructor() {
    this.reset();
  }

  /** Digest bytes. */
  get outLen(): i32 { return 32; }

  /** Back to the empty message. */
  reset(): Sha256 {
    memory.copy(changetype<usize>(this.h), IV, 32);
    this.used = 0;
    this.total = 0;
    return this;
  }

  /** Absorbs `data[offset .. offset+length)` (`length` < 0: to the end). */
  update(data: Uint8Array, offset: i32 = 0, length: i32 = -1): Sha256 {
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
      const take = min(64 - used, len);
      memory.copy(buf + <usize>used, ptr, <usize>take);
      used += take;
      ptr += <usize>take;
      len -= take;
      if (used < 64) { this.used = used; return; }
      loadBlock(buf);
      compress(h);
      used = 0;
    }
    while (len >= 64) {
      loadBlock(ptr);
      compress(h);
      ptr += 64;
      len -= 64;
    }
    if (len > 0) memory.copy(buf, ptr, <usize>len);
    this.used = len;
  }

  /** Pads and compresses the final block(s), leaving the result in `h`. */
  private finish(): void {
    const h = changetype<usize>(this.h);
    const buf = changetype<usize>(this.buf);
    let used = <usize>this.used;
    store<u8>(buf + used, 0x80);
    used++;
    if (used > 56) {
      memory.fill(buf + used, 0, 64 - used);
      loadBlock(buf);
      compress(h);
      used = 0;
    }
    memory.fill(buf + used, 0, 56 - used);
    store<u64>(buf, bswap<u64>(this.total << 3), 56);
    loadBlock(buf);
    compress(h);
  }

  /** The digest of everything absorbed since the last reset; the object is then reset for reuse. */
  digest(): Uint8Array {
    this.finish();
    const out = new Uint8Array(32);
    const h = changetype<usize>(this.h);
    const o = out.dataStart;
    for (let i: usize = 0; i < 32; i += 4) store<u32>(o + i, bswap<u32>(load<u32>(h + i)));
    this.reset();
    return out;
  }

  /** Makes this a copy of `other` (state, buffered bytes, length). */
  copyFrom(other: Sha256): Sha256 {
    memory.copy(changetype<usize>(this.h), changetype<usize>(other.h), 32);
    memory.copy(changetype<usize>(this.buf), changetype<usize>(other.buf), 64);
    this.used = other.used;
    this.total = other.total;
    return this;
  }

  /**
   * PBKDF2's inner loop (RFC 8018 §5.2), `count` times: U = HMAC(U), acc ^= U, where `this` and
   * `outer` hold the HMAC key's inner and outer midstates (exactly one block absorbed each), and `u`
   * and `acc` are 32 bytes. The message is always one digest after one key block, so each HMAC is
   * two compressions of a pre-padded block kept as words: no buffering, no byte swapping.
   * Returns false (doing nothing) when the arguments do not fit that shape.
   */
  hmacChain(outer: Sha256, u: Uint8Array, acc: Uint8Array, count: i32): bool {
    if (u.length != 32 || acc.length != 32
        || this.used != 0 || this.total != 64 || outer.used != 0 || outer.total != 64) return false;
    // the fixed padding of a 96-byte message: 0x80, zeros, the bit length
    store<u32>(W, 0x80000000, 8 * 4);
    for (let i: usize = 9 * 4; i < 15 * 4; i += 4) store<u32>(W + i, 0);
    store<u32>(W, (64 + 32) << 3, 15 * 4);
    for (let i: usize = 0; i < 32; i += 4) {
      store<u32>(W + i, bswap<u32>(load<u32>(u.dataStart + i)));
      store<u32>(T + i, bswap<u32>(load<u32>(acc.dataStart + i)));
    }
    const ih = changetype<usize>(this.h);
    const oh = changetype<usize>(outer.h);
    for (let c = 0; c < count; c++) {
      memory.copy(S, ih, 32);
      compress(S);
      memory.copy(W, S, 32);
      memory.copy(S, oh, 32);
      compress(S);
      memory.copy(W, S, 32);
      for (let i: usize = 0; i < 32; i += 4) store<u32>(T + i, load<u32>(T + i) ^ load<u32>(S + i));
    }
    for (let i: usize = 0; i < 32; i += 4) {
      store<u32>(u.dataStart + i, bswap<u32>(load<u32>(W + i)));
      store<u32>(acc.dataStart + i, bswap<u32>(load<u32>(T + i)));
    }
    return true;
  }
}

/** SHA-256 of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}
