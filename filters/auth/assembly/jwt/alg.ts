// The JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1) this filter verifies, by family. `none` is not
// among them: it parses to Alg.None, which no key and no provider accepts.
import { HashAlg } from "@filterkit/sdk/assembly/crypto/hash-alg";

export enum Alg {
  None = 0,
  HS256, HS384, HS512,
  RS256, RS384, RS512,
  PS256, PS384, PS512,
  ES256, ES384,
  EdDSA,
}

export enum AlgFamily {
  None = 0,
  Hmac,
  RsaPkcs1,
  RsaPss,
  Ecdsa,
  EdDsa,
}

/** The algorithm named `name` exactly (JWS names are case-sensitive), or Alg.None. */
export function parseAlg(name: string): Alg {
  const names = algNames();
  for (let i = 1; i < names.length; i++) if (unchecked(names[i]) == name) return <Alg>i;
  return Alg.None;
}

export function algName(a: Alg): string {
  const names = algNames();
  return <i32>a >= 0 && <i32>a < names.length ? unchecked(names[<i32>a]) : "none";
}

// built when called, not at module start (every filter linking this would pay for it)
function algNames(): string[] {
  return ["none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
}

export function algFamily(a: Alg): AlgFamily {
  if (a >= Alg.HS256 && a <= Alg.HS512) return AlgFamily.Hmac;
  if (a >= Alg.RS256 && a <= Alg.RS512) return AlgFamily.RsaPkcs1;
  if (a >= Alg.PS256 && a <= Alg.PS512) return AlgFamily.RsaPss;
  if (a == Alg.ES256 || a == Alg.ES384) return AlgFamily.Ecdsa;
  if (a == Alg.EdDSA) return AlgFamily.EdDsa;
  return AlgFamily.None;
}

/** The hash an algorithm signs (EdDSA hashes inside the scheme: SHA512 is its own). */
export function algHash(a: Alg): HashAlg {
  switch (a) {
    case Alg.HS256: case Alg.RS256: case Alg.PS256: case Alg.ES256: return HashAlg.SHA256;
    case Alg.HS384: case Alg.RS384: case Alg.PS384: case Alg.ES384: return HashAlg.SHA384;
    default: return HashAlg.SHA512;
  }
}
