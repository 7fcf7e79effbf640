// RSA signature verification for JWS RS256/384/512 (RSASSA-PKCS1-v1_5) and PS256/384/512
// (RSASSA-PSS), RFC 7518 §3.3 and §3.5, following RFC 8017 §8.2.2 and §8.1.2.
//
// The functions take the message's DIGEST (computed by the caller with the same hash), so a JWT
// layer hashes the signing input once. PSS needs the hash itself for MGF1 and for H', through
// `digest` in hash.ts.
//
// Why PKCS#1 v1.5 is checked the way it is: the decrypted block is never parsed. The whole expected
// encoding 00 01 FF…FF 00 DigestInfo digest is built and compared with all k bytes in constant time,
// so a block with garbage after the digest, a short padding, a wrong DigestInfo or missing
// separators simply differs (Bleichenbacher's 2006 low-exponent forgery relied on lenient parsers).
//
// Inputs are public (key, signature, digest), so the big-integer work is variable time (see
// bigint.ts). Nothing here traps on any input: wrong lengths, empty arrays, zero, all-0xFF
// signatures and unknown hash values give false.
import { BigUint, Montgomery, compareBig } from "./bigint";
import { HashAlg, digestLength } from "./hash-alg";
import { digest as hashDigest } from "./hash";

/** Smallest modulus accepted, in bits: RFC 7518 §3.3/§3.5 require a key of 2048 bits or larger. */
export const RSA_MIN_MODULUS_BITS: i32 = 2048;
/**
 * Largest modulus accepted, in bits. Larger keys are not in use for JWS, and the cost of a
 * verification grows with the square of the size: the bound keeps a hostile JWKS from making each
 * verification arbitrarily expensive.
 */
export const RSA_MAX_MODULUS_BITS: i32 = 8192;
/** Longest public exponent accepted, in bytes (every deployed exponent fits; 65537 takes 3). */
export const RSA_MAX_EXPONENT_BYTES: i32 = 8;

/** An RSA public key (n, e), checked and prepared for verification (Montgomery context for n). */
export class RsaPublicKey {
  /** Bits of the modulus n (2048..8192). */
  readonly bits: i32;
  /** Bytes of the modulus, k = ceil(bits / 8): every signature has exactly this length. */
  readonly byteLength: i32;
  /** The public exponent e (odd, ≥ 3). */
  readonly exponent: u64;
  /** Arithmetic modulo n; also holds n itself (`ctx.modulus`). */
  readonly ctx: Montgomery;

  constructor(ctx: Montgomery, exponent: u64) {
    this.ctx = ctx;
    this.bits = ctx.bits;
    this.byteLength = (ctx.bits + 7) >> 3;
    this.exponent = exponent;
  }

  /**
   * The key with modulus `n` and exponent `e`, both big-endian unsigned integers as a JWK's "n" and
   * "e" are after base64url decoding (leading zero bytes allowed). Null when the key is refused:
   * n below RSA_MIN_MODULUS_BITS or above RSA_MAX_MODULUS_BITS bits, n even, e longer than
   * RSA_MAX_EXPONENT_BYTES significant bytes, e < 3, e even, or e ≥ n.
   */
  static fromComponents(n: Uint8Array, e: Uint8Array): RsaPublicKey | null {
    // e first: it is short, and its checks need no big integer.
    const ep = e.dataStart;
    let start = 0;
    while (start < e.length && load<u8>(ep + <usize>start) == 0) start++;
    if (e.length - start > RSA_MAX_EXPONENT_BYTES) return null;
    let ev: u64 = 0;
    for (let i = start; i < e.length; i++) ev = (ev << 8) | <u64>load<u8>(ep + <usize>i);
    if (ev < 3 || (ev & 1) == 0) return null;
    // n: count its bits before converting, so that a huge array is refused without work.
    const np = n.dataStart;
    start = 0;
    while (start < n.length && load<u8>(np + <usize>start) == 0) start++;
    const sig = n.length - start;
    if (sig == 0) return null;
    const bits = (sig << 3) - (<i32>clz<u32>(<u32>load<u8>(np + <usize>start)) - 24);
    if (bits < RSA_MIN_MODULUS_BITS || bits > RSA_MAX_MODULUS_BITS) return null;
    if ((load<u8>(np + <usize>(n.length - 1)) & 1) == 0) return null;
    const nb = BigUint.fromBytes(n);
    if (nb === null) return null;
    if (compareBig(BigUint.fromU64(ev), nb) >= 0) return null; // cannot happen at ≥ 2048 bits; kept for the contract
    const ctx = Montgomery.create(nb);
    if (ctx === null) return null;
    return new RsaPublicKey(ctx, ev);
  }
}

/**
 * RSAVP1 on a signature octet string (RFC 8017 §8.2.2 steps 1–2, §5.2.2): the k-byte encoded
 * message s^e mod n, or null when the signature is not exactly k bytes or, as an integer, ≥ n.
 */
function publicOp(key: RsaPublicKey, signature: Uint8Array): Uint8Array | null {
  const k = key.byteLength;
  if (signature.length != k) return null;
  const ctx = key.ctx;
  const s = BigUint.fromBytes(signature, ctx.size);
  if (s === null) return null;
  const m = ctx.powU64(s, key.exponent); // null when s ≥ n
  if (m === null) return null;
  return m.toBytes(k); // m < n < 256^k: always fits
}

// DER DigestInfo prefixes (RFC 8017 §9.2, note 1): SEQUENCE { AlgorithmIdentifier { OID, NULL },
// OCTET STRING of the digest length }, followed by the digest itself. In functions so that the
// bytes are in a module only when it verifies PKCS#1 v1.5 signatures.
function digestInfoPrefix(alg: HashAlg): Uint8Array | null {
  let p: usize = 0;
  let len = 0;
  switch (alg) {
    case HashAlg.SHA1: {
      p = memory.data<u8>([0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14]);
      len = 15;
      break;
    }
    case HashAlg.SHA256: {
      p = memory.data<u8>([0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]);
      len = 19;
      break;
    }
    case HashAlg.SHA384: {
      p = memory.data<u8>([0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]);
      len = 19;
      break;
    }
    case HashAlg.SHA512: {
      p = memory.data<u8>([0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]);
      len = 19;
      break;
    }
    default: return null;
  }
  const out = new Uint8Array(len);
  memory.copy(out.dataStart, p, <usize>len);
  return out;
}

/** True when a and b (same length n) are equal; the time depends only on n. */
function equalConstantTime(a: usize, b: usize, n: i32): bool {
  let diff: u32 = 0;
  for (let i = 0; i < n; i++) diff |= <u32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
  return diff == 0;
}

/**
 * RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2, EMSA-PKCS1-v1_5 §9.2) of `signature` over a
 * message whose `hash` digest is `digest`. False for a signature that is not exactly
 * key.byteLength bytes or is ≥ n, a digest of the wrong length, or a hash outside HashAlg.
 */
export function verifyPkcs1v15(key: RsaPublicKey, hash: HashAlg, digest: Uint8Array, signature: Uint8Array): bool {
  const prefix = digestInfoPrefix(hash);
  if (prefix === null) return false;
  const hLen = digestLength(hash);
  if (digest.length != hLen) return false;
  const k = key.byteLength;
  const tLen = prefix.length + hLen;
  if (k < tLen + 11) return false; // "intended encoded message length too short" (not at ≥ 2048 bits)
  const em = publicOp(key, signature);
  if (em === null) return false;
  // Expected EM = 00 01 FF…FF 00 || DigestInfo prefix || digest.
  const expected = new Uint8Array(k);
  const xp = expected.dataStart;
  store<u8>(xp + 1, 0x01);
  const psEnd = k - tLen - 1; // index of the 00 separator
  memory.fill(xp + 2, 0xff, <usize>(psEnd - 2));
  memory.copy(xp + <usize>(psEnd + 1), prefix.dataStart, <usize>prefix.length);
  memory.copy(xp + <usize>(psEnd + 1 + prefix.length), digest.dataStart, <usize>hLen);
  return equalConstantTime(em.dataStart, xp, k);
}

/**
 * MGF1 (RFC 8017 §B.2.1) with `alg`: `maskLen` bytes of Hash(seed || counter) for counter 0, 1, …
 * (4 bytes big-endian), XORed into the `maskLen` bytes at `out`.
 */
function mgf1Xor(alg: HashAlg, seed: usize, seedLen: i32, out: usize, maskLen: i32): void {
  const input = new Uint8Array(seedLen + 4);
  memory.copy(input.dataStart, seed, <usize>seedLen);
  const cp = input.dataStart + <usize>seedLen;
  let done = 0;
  let counter: u32 = 0;
  while (done < maskLen) {
    store<u8>(cp, <u8>(counter >> 24));
    store<u8>(cp + 1, <u8>(counter >> 16));
    store<u8>(cp + 2, <u8>(counter >> 8));
    store<u8>(cp + 3, <u8>counter);
    const block = hashDigest(alg, input);
    const bp = block.dataStart;
    let take = block.length;
    if (take == 0) return; // cannot happen for a HashAlg value
    if (take > maskLen - done) take = maskLen - done;
    for (let i = 0; i < take; i++) {
      const at = out + <usize>(done + i);
      store<u8>(at, load<u8>(at) ^ load<u8>(bp + <usize>i));
    }
    done += take;
    counter++;
  }
}

/**
 * RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with MGF1 over the same hash,
 * of `signature` over a message whose `hash` digest is `digest`, for a salt of exactly
 * `saltLength` bytes (JWS PS256/384/512: the digest length, RFC 7518 §3.5). emBits = modBits - 1:
 * for a modulus of 8m+1 bits the encoded message is one byte shorter than the signature, whose
 * leading byte must then be zero. False on any mismatch, including a signature that is not exactly
 * key.byteLength bytes or is ≥ n, a digest of the wrong length, a negative salt length, or a hash
 * outside HashAlg.
 */
export function verifyPss(key: RsaPublicKey, hash: HashAlg, digest: Uint8Array, signature: Uint8Array, saltLength: i32): bool {
  const hLen = digestLength(hash);
  if (hLen == 0 || digest.length != hLen) return false;
  if (saltLength < 0) return false;
  const k = key.byteLength;
  const emBits = key.bits - 1;
  const emLen = (emBits + 7) >> 3;
  if (<i64>emLen < <i64>hLen + <i64>saltLength + 2) return false; // "inconsistent"
  const full = publicOp(key, signature);
  if (full === null) return false;
  // I2OSP(m, emLen): with k = emLen + 1 the leading byte must be zero.
  const skip = k - emLen; // 0 or 1
  const fp = full.dataStart;
  if (skip == 1 && load<u8>(fp) != 0) return false;
  const em = fp + <usize>skip;
  if (load<u8>(em + <usize>(emLen - 1)) != 0xbc) return false;
  const dbLen = emLen - hLen - 1;
  const hp = em + <usize>dbLen; // H
  // The leftmost 8·emLen - emBits bits of maskedDB must be zero.
  const zeroBits = <u32>((emLen << 3) - emBits); // 0..7
  const topMask = <u32>(0xff >> zeroBits); // the bits of the first byte that belong to DB
  if ((<u32>load<u8>(em) & ~topMask & 0xff) != 0) return false;
  // DB = maskedDB XOR MGF1(H, dbLen), in place (full is ours), top bits cleared.
  mgf1Xor(hash, hp, hLen, em, dbLen);
  store<u8>(em, <u8>(<u32>load<u8>(em) & topMask));
  // DB = PS (zeros) || 01 || salt.
  const psLen = dbLen - saltLength - 1;
  let bad: u32 = 0;
  for (let i = 0; i < psLen; i++) bad |= <u32>load<u8>(em + <usize>i);
  if (bad != 0 || load<u8>(em + <usize>psLen) != 0x01) return false;
  // H' = Hash(00×8 || mHash || salt).
  const mPrime = new Uint8Array(8 + hLen + saltLength);
  const mp = mPrime.dataStart;
  memory.copy(mp + 8, digest.dataStart, <usize>hLen);
  memory.copy(mp + <usize>(8 + hLen), em + <usize>(dbLen - saltLength), <usize>saltLength);
  const h2 = hashDigest(hash, mPrime);
  if (h2.length != hLen) return false;
  return equalConstantTime(hp, h2.dataStart, hLen);
}
