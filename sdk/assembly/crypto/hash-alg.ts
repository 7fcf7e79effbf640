// The hash functions the crypto pieces name. One enum so that HMAC, PBKDF2, RSA (its DigestInfo
// prefixes, PSS's MGF1), ECDSA and the JWT layer agree on what "SHA-384" is.

export enum HashAlg {
  SHA1 = 1,
  SHA256 = 2,
  SHA384 = 3,
  SHA512 = 4,
}

/** Bytes of the digest of `alg` (0 for a value outside the enum). */
export function digestLength(alg: HashAlg): i32 {
  switch (alg) {
    case HashAlg.SHA1: return 20;
    case HashAlg.SHA256: return 32;
    case HashAlg.SHA384: return 48;
    case HashAlg.SHA512: return 64;
    default: return 0;
  }
}

/** Bytes of the block `alg` compresses (HMAC pads its key to it; 0 outside the enum). */
export function blockLength(alg: HashAlg): i32 {
  switch (alg) {
    case HashAlg.SHA1:
    case HashAlg.SHA256: return 64;
    case HashAlg.SHA384:
    case HashAlg.SHA512: return 128;
    default: return 0;
  }
}
