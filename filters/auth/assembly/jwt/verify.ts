// One signature check: the token's algorithm on one key the algorithm fits (Jwk.accepts has been
// asked already). The hash is computed once per call here; the SDK's crypto does the rest.
import { digest } from "@filterkit/sdk/assembly/crypto/hash";
import { digestLength } from "@filterkit/sdk/assembly/crypto/hash-alg";
import { hmac } from "@filterkit/sdk/assembly/crypto/hmac";
import { constantTimeEqual } from "@filterkit/sdk/assembly/crypto/constant-time";
import { verifyPkcs1v15, verifyPss } from "@filterkit/sdk/assembly/crypto/rsa";
import { verifyEcdsa } from "@filterkit/sdk/assembly/crypto/ecdsa";
import { verifyEd25519 } from "@filterkit/sdk/assembly/crypto/ed25519";
import { Alg, AlgFamily, algFamily, algHash } from "./alg";
import { Jwk } from "./jwks";

export function verifySignature(alg: Alg, key: Jwk, signingInput: Uint8Array, signature: Uint8Array): bool {
  const family = algFamily(alg);
  const hash = algHash(alg);
  switch (family) {
    case AlgFamily.Hmac:
      // the MAC is compared whole and in constant time (Kong compares strings with ==)
      return constantTimeEqual(hmac(hash, key.bytes, signingInput), signature);
    case AlgFamily.RsaPkcs1: {
      const rsa = key.rsa;
      return rsa !== null && verifyPkcs1v15(rsa, hash, digest(hash, signingInput), signature);
    }
    case AlgFamily.RsaPss: {
      const rsa = key.rsa;
      // RFC 7518 §3.5: the salt is as long as the hash
      return rsa !== null && verifyPss(rsa, hash, digest(hash, signingInput), signature, digestLength(hash));
    }
    case AlgFamily.Ecdsa: {
      const ec = key.ec;
      return ec !== null && verifyEcdsa(ec, digest(hash, signingInput), signature);
    }
    case AlgFamily.EdDsa:
      return verifyEd25519(key.bytes, signingInput, signature);
    default:
      return false;
  }
}
