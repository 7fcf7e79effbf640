// Ed25519 signature verification (RFC 8032 §5.1.7), for JWTs signed with EdDSA and OKP/Ed25519
// keys (RFC 8037): `verifyEd25519(publicKey, message, signature)`.
//
// The checks, in order (each failure returns false; nothing traps, whatever the input):
//   1. the key is 32 bytes and the signature 64 (R = its first half, S = its second);
//   2. S < L (a non-canonical S, e.g. S + L, is rejected: signatures are not malleable);
//   3. the key decodes strictly (§5.1.3): y < p, x = 0 only with the sign bit clear, u/v a square;
//   4. k = SHA-512(R || A || M) mod L, with R and A exactly as given;
//   5. the cofactorless equation [S]B = R + [k]A, checked as encode([S]B - [k]A) == R byte for byte.
//
// Edge-case policy (tested against Node's crypto.verify, i.e. OpenSSL 3, in
// sdk/test/crypto-ed25519.test.ts):
//   * Small-order and mixed-order keys and R values are accepted when the equation holds: RFC 8032
//     does not exclude them, and OpenSSL does not either.
//   * Cofactorless equation (RFC 8032 allows it, "sufficient but not required" to multiply by 8),
//     as OpenSSL: a signature whose R or A carries a small-order component verifies only when the
//     cofactorless equation holds exactly.
//   * R is compared as bytes with the canonical encoding of [S]B - [k]A, as OpenSSL does. That is
//     the same verdict as decoding R strictly and comparing points: a strict decoding of R succeeds
//     exactly for the canonical encodings, and those re-encode to themselves. So a non-canonical R
//     (y ≥ p, or x = 0 with the sign bit set) and an R that is no point are rejected, by OpenSSL too.
//   * The one difference from OpenSSL: OpenSSL decodes the key leniently (y is taken mod p, and x = 0
//     with the sign bit set is accepted as x = 0), so it accepts signatures made for a non-canonical
//     key encoding (e.g. y = p + 1 for the neutral point, which verifies forged signatures for every
//     message). RFC 8032 §5.1.3 says such a decoding fails; this follows the RFC and rejects them.
//
// Verification handles public data only and is not constant time (see ed25519-point.ts).
// Memory: the hash input R || A || M is one allocation per call; the arithmetic uses static memory.
import { sha512 } from "./sha512";
import { GE_SIZE, geDecode, geNegate, geDoubleScalarMulVartime, geEncode, isCanonicalY } from "./ed25519-point";
import { scIsCanonical, scReduce512 } from "./ed25519-scalar";

/** Bytes of an Ed25519 public key (RFC 8032 §5.1.5). */
export const ED25519_PUBLIC_KEY_LENGTH: i32 = 32;
/** Bytes of an Ed25519 signature (R || S, RFC 8032 §5.1.6). */
export const ED25519_SIGNATURE_LENGTH: i32 = 64;

const MINUS_A = memory.data(<i32>GE_SIZE, 8);
const CHECK = memory.data(<i32>GE_SIZE, 8);
const K = memory.data(32, 8);
const CHECK_BYTES = memory.data(32, 8);

/**
 * Whether `signature` is a valid Ed25519 signature of `message` under `publicKey` (RFC 8032
 * §5.1.7, pure Ed25519: no context, no prehash). False for a key other than 32 bytes or a
 * signature other than 64 bytes. See the file header for the policy on edge cases.
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): bool {
  if (publicKey.length != ED25519_PUBLIC_KEY_LENGTH || signature.length != ED25519_SIGNATURE_LENGTH) return false;
  const key = publicKey.dataStart;
  const r = signature.dataStart;
  const s = r + 32;
  if (!scIsCanonical(s)) return false;
  if (!isCanonicalY(r)) return false;          // early exit only: step 5 would reject it as well
  if (!geDecode(MINUS_A, key)) return false;
  geNegate(MINUS_A);

  const n = message.length;
  const input = new Uint8Array(64 + n);
  const base = input.dataStart;
  memory.copy(base, r, 32);
  memory.copy(base + 32, key, 32);
  memory.copy(base + 64, message.dataStart, <usize>n);
  const digest = sha512(input);
  if (digest.length != 64) return false;
  scReduce512(K, digest.dataStart);

  geDoubleScalarMulVartime(CHECK, K, MINUS_A, s);   // [k](-A) + [S]B
  geEncode(CHECK_BYTES, CHECK);
  return load<u64>(CHECK_BYTES, 0) == load<u64>(r, 0) && load<u64>(CHECK_BYTES, 8) == load<u64>(r, 8)
    && load<u64>(CHECK_BYTES, 16) == load<u64>(r, 16) && load<u64>(CHECK_BYTES, 24) == load<u64>(r, 24);
}
