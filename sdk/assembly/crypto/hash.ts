// One entry point for "hash these bytes with the algorithm the key or token names", so that
// callers (RSA's DigestInfo, ECDSA, the JWT layer) switch on HashAlg in one place. A value outside
// the enum gives an empty array rather than a trap: it can come from configuration or a token
// header, and the caller's length check then rejects it.
import { HashAlg } from "./hash-alg";
import { sha1 } from "./sha1";
import { sha256 } from "./sha256";
import { sha384, sha512 } from "./sha512";

/** The digest of `data` under `alg` (empty for a value outside HashAlg). */
export function digest(alg: HashAlg, data: Uint8Array): Uint8Array {
  switch (alg) {
    case HashAlg.SHA1: return sha1(data);
    case HashAlg.SHA256: return sha256(data);
    case HashAlg.SHA384: return sha384(data);
    case HashAlg.SHA512: return sha512(data);
    default: return new Uint8Array(0);
  }
}
