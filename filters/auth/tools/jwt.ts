// Tokens and keys for the auth filter's tests, scenarios and demo, made with Node's crypto: compact
// JWS signing for every algorithm the filter verifies, JWKs of the public halves, and raw segments
// for building malformed tokens. Nothing here runs inside the filter.
import { createHmac, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";

export type Alg = "HS256" | "HS384" | "HS512" | "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "EdDSA";
export type Jwk = Record<string, string>;

export const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");
export const segment = (o: unknown): string => b64url(JSON.stringify(o));

/** A signing key: the private half (or the HMAC secret) and the public JWK the filter configures. */
export interface SigningKey {
  alg: Alg;
  kid: string;
  private: KeyObject | Buffer;
  jwk: Jwk;
}

const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

/** A fresh key for `alg` (RSA 2048 bits unless `bits` says otherwise). */
export function makeKey(alg: Alg, kid: string, bits = 2048): SigningKey {
  if (alg.startsWith("HS")) {
    const secret = Buffer.alloc(Number(alg.slice(2)) / 8, kid.length + 7).map((v, i) => (v * 31 + i * 17) & 0xff);
    return { alg, kid, private: Buffer.from(secret), jwk: { kty: "oct", kid, k: b64url(Buffer.from(secret)) } };
  }
  const pair = alg.startsWith("RS") || alg.startsWith("PS")
    ? generateKeyPairSync("rsa", { modulusLength: bits })
    : alg === "EdDSA" ? generateKeyPairSync("ed25519")
    : generateKeyPairSync("ec", { namedCurve: alg === "ES256" ? "prime256v1" : "secp384r1" });
  const pub = pair.publicKey.export({ format: "jwk" }) as Jwk;
  return { alg, kid, private: pair.privateKey, jwk: { ...pub, kid } };
}

/** The signature of `input` by `key` under `alg` (JWS form: ECDSA as r || s). */
export function signInput(alg: Alg, key: KeyObject | Buffer, input: string): Buffer {
  const bits = alg === "EdDSA" ? "" : alg.slice(2);
  if (alg.startsWith("HS")) return createHmac(HASH[bits], key as Buffer).update(input).digest();
  if (alg === "EdDSA") return sign(null, Buffer.from(input), key as KeyObject);
  if (alg.startsWith("ES")) return sign(HASH[bits], Buffer.from(input), { key: key as KeyObject, dsaEncoding: "ieee-p1363" });
  if (alg.startsWith("PS")) return sign(HASH[bits], Buffer.from(input), { key: key as KeyObject, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(bits) / 8 });
  return sign(HASH[bits], Buffer.from(input), key as KeyObject);
}

/** A compact JWS of `payload` by `key` (header: alg, typ JWT, kid — `header` adds or overrides members). */
export function signJwt(key: SigningKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${segment({ alg: key.alg, typ: "JWT", kid: key.kid, ...header })}.${segment(payload)}`;
  return `${input}.${b64url(signInput(key.alg, key.private, input))}`;
}

/** A token signed with HMAC over raw bytes given as the secret (for the HS-with-a-public-key attack). */
export function signHmacWith(secret: Buffer, alg: "HS256" | "HS384" | "HS512", payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${segment({ alg, typ: "JWT", ...header })}.${segment(payload)}`;
  return `${input}.${b64url(createHmac(HASH[alg.slice(2)], secret).update(input).digest())}`;
}

/** The PEM of a key's public half (what an HS/RS confusion attack uses as the HMAC secret). */
export function publicPem(key: SigningKey): Buffer {
  if (key.private instanceof Buffer) return key.private;
  return Buffer.from(createPublicKey(key.private).export({ format: "pem", type: "spki" }) as string);
}

