// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-1/256/384/512: checking stored password hashes for Basic
// auth. It is slow by design (the iteration count is the point), so the iterations run inside the
// hash module on the key's precomputed midstates (`hmacChain`): two compressions per iteration,
// no key hashing, padding or allocation in the loop.
import { HashAlg, blockLength } from "./hash-alg";
import { HmacState } from "./hmac";
import { Sha1 } from "./sha1";
import { Sha256 } from "./sha256";
import { Sha384, Sha512 } from "./sha512";

/**
 * Longest derived key produced, in bytes. RFC 8018 allows up to (2^32 - 1) digests; a password
 * check needs one digest's worth, and a bound keeps a bad configuration from asking for gigabytes.
 * 1024 bytes is 32 SHA-256 blocks, far past any real use.
 */
export const PBKDF2_MAX_LENGTH: i32 = 1024;

function derive<H>(password: Uint8Array, salt: Uint8Array, iterations: i32, length: i32, block: i32): Uint8Array {
  const key = new HmacState<H>(password, block);
  const work = instantiate<H>();
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  const hLen = work.outLen;
  let index: u32 = 1;
  for (let offset = 0; offset < length; offset += hLen) {
    store<u32>(counter.dataStart, bswap<u32>(index++));
    // U1 = PRF(P, S || INT(i))
    work.copyFrom(key.inner);
    work.update(salt);
    work.update(counter);
    const ih = work.digest();
    work.copyFrom(key.outer);
    work.update(ih);
    const u = work.digest();
    const acc = u.slice(0);
    key.inner.hmacChain(key.outer, u, acc, iterations - 1);
    const take = min(hLen, length - offset);
    memory.copy(out.dataStart + <usize>offset, acc.dataStart, <usize>take);
  }
  return out;
}

/**
 * PBKDF2-HMAC-`alg` of `password` and `salt`: `length` bytes after `iterations` rounds. Empty when
 * iterations < 1, length < 1, length > PBKDF2_MAX_LENGTH or `alg` is outside HashAlg. The iteration
 * count is not capped here (it costs time, not memory): bound it where it is configured.
 */
export function pbkdf2(alg: HashAlg, password: Uint8Array, salt: Uint8Array, iterations: i32, length: i32): Uint8Array {
  if (iterations < 1 || length < 1 || length > PBKDF2_MAX_LENGTH) return new Uint8Array(0);
  const block = blockLength(alg);
  switch (alg) {
    case HashAlg.SHA1: return derive<Sha1>(password, salt, iterations, length, block);
    case HashAlg.SHA256: return derive<Sha256>(password, salt, iterations, length, block);
    case HashAlg.SHA384: return derive<Sha384>(password, salt, iterations, length, block);
    case HashAlg.SHA512: return derive<Sha512>(password, salt, iterations, length, block);
    default: return new Uint8Array(0);
  }
}
