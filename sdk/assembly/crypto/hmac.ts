// HMAC (RFC 2104, FIPS 198-1) over SHA-1/256/384/512: JWT HS256/384/512 and the PRF of PBKDF2.
//
// A key is turned once into two midstates (the hash after absorbing key ^ ipad and key ^ opad),
// because both JWT verification with a configured secret and PBKDF2's iterations reuse one key
// many times: each MAC then costs only the compressions of its message plus one for the outer hash.
import { HashAlg, blockLength } from "./hash-alg";
import { Sha1 } from "./sha1";
import { Sha256 } from "./sha256";
import { Sha384, Sha512 } from "./sha512";
import { constantTimeEqual } from "./constant-time";

/**
 * A key's inner and outer midstates for the hash class H (Sha1, Sha256, Sha384 or Sha512).
 * Generic rather than virtual so that every call is direct (AssemblyScript instantiates it per H).
 */
export class HmacState<H> {
  readonly inner: H;
  readonly outer: H;
  private work: H;

  constructor(key: Uint8Array, block: i32) {
    // keys longer than the block are replaced by their digest (RFC 2104 §2)
    const k = key.length > block ? instantiate<H>().update(key).digest() : key;
    const pad = new Uint8Array(block);
    memory.copy(pad.dataStart, k.dataStart, <usize>k.length);
    const p = pad.dataStart;
    for (let i = 0; i < block; i++) store<u8>(p + <usize>i, load<u8>(p + <usize>i) ^ 0x36);
    const inner = instantiate<H>();
    inner.update(pad);
    for (let i = 0; i < block; i++) store<u8>(p + <usize>i, load<u8>(p + <usize>i) ^ (0x36 ^ 0x5c));
    const outer = instantiate<H>();
    outer.update(pad);
    memory.fill(p, 0, <usize>block); // do not leave the key lying in freed memory
    this.inner = inner;
    this.outer = outer;
    this.work = instantiate<H>();
  }

  /** HMAC of `data[offset .. offset+length)` (`length` < 0: to the end; clamped to the array). */
  mac(data: Uint8Array, offset: i32 = 0, length: i32 = -1): Uint8Array {
    const w = this.work;
    w.copyFrom(this.inner);
    w.update(data, offset, length);
    const ih = w.digest();
    w.copyFrom(this.outer);
    w.update(ih);
    return w.digest();
  }
}

/**
 * An HMAC key prepared for one algorithm, for keys used many times (a configured JWT secret):
 * the key is hashed and padded once, here, not per message.
 */
export class HmacKey {
  readonly alg: HashAlg;
  private s1: HmacState<Sha1> | null = null;
  private s256: HmacState<Sha256> | null = null;
  private s384: HmacState<Sha384> | null = null;
  private s512: HmacState<Sha512> | null = null;

  constructor(alg: HashAlg, key: Uint8Array) {
    this.alg = alg;
    const block = blockLength(alg);
    switch (alg) {
      case HashAlg.SHA1: this.s1 = new HmacState<Sha1>(key, block); break;
      case HashAlg.SHA256: this.s256 = new HmacState<Sha256>(key, block); break;
      case HashAlg.SHA384: this.s384 = new HmacState<Sha384>(key, block); break;
      case HashAlg.SHA512: this.s512 = new HmacState<Sha512>(key, block); break;
      default: break;
    }
  }

  /** The tag of `data[offset .. offset+length)` (empty for an algorithm outside HashAlg). */
  mac(data: Uint8Array, offset: i32 = 0, length: i32 = -1): Uint8Array {
    const s1 = this.s1;
    if (s1 !== null) return s1.mac(data, offset, length);
    const s256 = this.s256;
    if (s256 !== null) return s256.mac(data, offset, length);
    const s384 = this.s384;
    if (s384 !== null) return s384.mac(data, offset, length);
    const s512 = this.s512;
    if (s512 !== null) return s512.mac(data, offset, length);
    return new Uint8Array(0);
  }

  /**
   * True when `tag` is the full tag of the data, compared in constant time. False for an
   * algorithm outside HashAlg (whose empty tag must not match an empty signature).
   */
  verify(data: Uint8Array, tag: Uint8Array, offset: i32 = 0, length: i32 = -1): bool {
    const expected = this.mac(data, offset, length);
    return expected.length > 0 && constantTimeEqual(expected, tag);
  }
}

/** HMAC of `data` under `key` with `alg` (empty for an algorithm outside HashAlg). */
export function hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new HmacKey(alg, key).mac(data);
}
