// SHA-1 (FIPS 180-4 §6.1). Broken for collisions, still needed to read what exists: htpasswd
// `{SHA}` entries, HMAC-SHA1 and PBKDF2-HMAC-SHA1 (RFC 6070), none of which rely on collision
// resistance. Nothing new should be signed with it.
//
// Built like sha256.ts (static schedule, no allocation per block, copyable midstates) so that
// HMAC and PBKDF2 treat every hash the same way.

/** sqrt(2), sqrt(3), sqrt(5) and sqrt(10), times 2^30 (§4.2.1). */
const K0: u32 = 0x5a827999;
const K1: u32 = 0x6ed9eba1;
const K2: u32 = 0x8f1bbcdc;
const K3: u32 = 0xca62c1d6;

const IV = memory.data<u32>([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);

/** The message schedule, 80 words. */
const W = memory.data(80 * 4, 16);
/** A working copy of a chaining state (the PBKDF2 chain compresses from saved midstates). */
const S = memory.data(5 * 4, 16);
/** PBKDF2's running XOR of the chain. */
const T = memory.data(5 * 4, 16);

/** Loads one 64-byte block (big-endian words) from `src` into W[0..15]. */
@inline function loadBlock(src: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(W + i, bswap<u32>(load<u32>(src + i)));
}

/** One compression of W[0..15] into the five words at `h`. */
function compress(h: usize): void {
  for (let p = W; p < W + 64 * 4; p += 4) {
    const x = load<u32>(p, 13 * 4) ^ load<u32>(p, 8 * 4) ^ load<u32>(p, 2 * 4) ^ load<u32>(p);
    store<u32>(p, rotl<u32>(x, 1), 16 * 4);
  }
  let a = load<u32>(h, 0), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12), e = load<u32>(h, 16);
  let i: usize = 0;
  for (; i < 20 * 4; i += 4) {
    const t = rotl<u32>(a, 5) + (d ^ (b & (c ^ d))) + e + K0 + load<u32>(W + i);
    e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
  }
  for (; i < 40 * 4; i += 4) {
    const t = rotl<u32>(a, 5) + (b ^ c ^ d) + e + K1 + load<u32>(W + i);
    e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
  }
  for (; i < 60 * 4; i += 4) {
    const t = rotl<u32>(a, 5) + ((b & c) | (d & (b | c))) + e + K2 + load<u32>(W + i);
    e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
  }
  for (; i < 80 * 4; i += 4) {
    const t = rotl<u32>(a, 5) + (b ^ c ^ d) + e + K3 + load<u32>(W + i);
    e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
  }
  store<u32>(h, load<u32>(h, 0) + a, 0);
  store<u32>(h, load<u32>(h, 4) + b, 4);
  store<u32>(h, load<u32>(h, 8) + c, 8);
  store<u32>(h, load<u32>(h, 12) + d, 12);
  store<u32>(h, load<u32>(h, 16) + e, 16);
}

/**
 * Incremental SHA-1: `update` any number of times, then `digest`. Ranges outside the array are
 * clamped to it rather than trapping.
 */
export class Sha1 {
  /** The chaining state (five words); HMAC and PBKDF2 copy it to reuse a keyed midstate. */
  readonly h: StaticArray<u32> = new StaticArray<u32>(5);
  private buf: StaticArray<u8> = new StaticArray<u8>(64);
  private used: i32 = 0;
  private total: u64 = 0;

  constructor() {
    this.reset();
  }

  /** Digest bytes. */
  get outLen(): i32 { return 20; }

  /** Back to the empty message. */
  reset(): Sha1 {
    memory.copy(changetype<usize>(this.h), IV, 20);
    this.used = 0;
    this.total = 0;
    return this;
  }

  /** Absorbs `data[offset .. offset+length)` (`length` < 0: to the end). */
  update(data: Uint8Array, offset: i32 = 0, length: i32 = -1): Sha1 {
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
    const out = new Uint8Array(20);
    const h = changetype<usize>(this.h);
    const o = out.dataStart;
    for (let i: usize = 0; i < 20; i += 4) store<u32>(o + i, bswap<u32>(load<u32>(h + i)));
    this.reset();
    return out;
  }

  /** Makes this a copy of `other` (state, buffered bytes, length). */
  copyFrom(other: Sha1): Sha1 {
    memory.copy(changetype<usize>(this.h), changetype<usize>(other.h), 20);
    memory.copy(changetype<usize>(this.buf), changetype<usize>(other.buf), 64);
    this.used = other.used;
    this.total = other.total;
    return this;
  }

  /**
   * PBKDF2's inner loop, as Sha256.hmacChain: `count` times U = HMAC(U), acc ^= U, from the key's
   * inner (`this`) and outer midstates; `u` and `acc` are 20 bytes. False (nothing done) when the
   * arguments do not fit that shape.
   */
  hmacChain(outer: Sha1, u: Uint8Array, acc: Uint8Array, count: i32): bool {
    if (u.length != 20 || acc.length != 20
        || this.used != 0 || this.total != 64 || outer.used != 0 || outer.total != 64) return false;
    // the fixed padding of an 84-byte message: 0x80, zeros, the bit length
    store<u32>(W, 0x80000000, 5 * 4);
    for (let i: usize = 6 * 4; i < 15 * 4; i += 4) store<u32>(W + i, 0);
    store<u32>(W, (64 + 20) << 3, 15 * 4);
    for (let i: usize = 0; i < 20; i += 4) {
      store<u32>(W + i, bswap<u32>(load<u32>(u.dataStart + i)));
      store<u32>(T + i, bswap<u32>(load<u32>(acc.dataStart + i)));
    }
    const ih = changetype<usize>(this.h);
    const oh = changetype<usize>(outer.h);
    for (let c = 0; c < count; c++) {
      memory.copy(S, ih, 20);
      compress(S);
      memory.copy(W, S, 20);
      memory.copy(S, oh, 20);
      compress(S);
      memory.copy(W, S, 20);
      for (let i: usize = 0; i < 20; i += 4) store<u32>(T + i, load<u32>(T + i) ^ load<u32>(S + i));
    }
    for (let i: usize = 0; i < 20; i += 4) {
      store<u32>(u.dataStart + i, bswap<u32>(load<u32>(W + i)));
      store<u32>(acc.dataStart + i, bswap<u32>(load<u32>(T + i)));
    }
    return true;
  }
}

/** SHA-1 of `data` (20 bytes). */
export function sha1(data: Uint8Array): Uint8Array {
  return new Sha1().update(data).digest();
}
