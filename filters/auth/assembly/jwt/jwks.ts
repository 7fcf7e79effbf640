// JSON Web Keys (RFC 7517/7518/8037) parsed into verifier-ready keys: RSA (n, e), EC P-256/P-384
// (x, y — checked on the curve here, once, so an invalid-curve point never reaches a verification),
// OKP Ed25519 (x) and oct (k). A key's type decides which algorithms may use it; a JWK `alg`, when
// present, narrows that to one. Keys come from a KeySource: the inline JWKS of the configuration
// today, a fetched one later, behind the same interface.
import { JsonConfig, JsonKind, JsonObject, JsonString, JsonValue, parseJson } from "@filterkit/sdk";
import { base64UrlDecode } from "@filterkit/sdk/assembly/crypto/base64";
import { RsaPublicKey } from "@filterkit/sdk/assembly/crypto/rsa";
import { EcCurve, EcPublicKey } from "@filterkit/sdk/assembly/crypto/ecdsa";
import { Alg, algFamily, AlgFamily, parseAlg } from "./alg";

export enum KeyType {
  Rsa = 0,
  Ec = 1,
  Okp = 2,
  Oct = 3,
}

export class Jwk {
  kid: string = "";
  hasKid: bool = false;
  type: KeyType = KeyType.Rsa;
  /** the JWK's own `alg`, or Alg.None when it has none */
  alg: Alg = Alg.None;
  rsa: RsaPublicKey | null = null;
  ec: EcPublicKey | null = null;
  curve: EcCurve = EcCurve.P256;
  /** Ed25519 public key (32 bytes) or the HMAC secret */
  bytes: Uint8Array = new Uint8Array(0);

  /** Whether this key may verify a token signed with `alg`: its type, its curve and its own `alg`. */
  accepts(alg: Alg): bool {
    if (this.alg != Alg.None && this.alg != alg) return false;
    const f = algFamily(alg);
    switch (this.type) {
      case KeyType.Rsa: return f == AlgFamily.RsaPkcs1 || f == AlgFamily.RsaPss;
      case KeyType.Ec: return f == AlgFamily.Ecdsa && ((alg == Alg.ES256 && this.curve == EcCurve.P256) || (alg == Alg.ES384 && this.curve == EcCurve.P384));
      case KeyType.Okp: return alg == Alg.EdDSA;
      case KeyType.Oct: return f == AlgFamily.Hmac;
      default: return false;
    }
  }
}

/** Where a provider's keys come from. */
export abstract class KeySource {
  abstract keys(): Array<Jwk>;
}

export class InlineKeySource extends KeySource {
  list: Array<Jwk>;
  constructor(list: Array<Jwk>) {
    super();
    this.list = list;
  }
  keys(): Array<Jwk> { return this.list; }
}

/** Shortest HMAC secret accepted: RFC 7518 §3.2 wants a key at least as long as the hash (32 bytes for HS256). */
export const MIN_HMAC_KEY_BYTES = 32;

function b64(o: JsonConfig, field: string): Uint8Array {
  const s = o.requireString(field);
  const b = base64UrlDecode(s);
  if (b === null) {
    if (s.length > 0) o.fail(field, "expected base64url without padding (RFC 7515 §2)");
    return new Uint8Array(0);
  }
  return b;
}

function parseKey(o: JsonConfig): Jwk | null {
  o.allowOnly(["kty", "kid", "alg", "use", "key_ops", "n", "e", "crv", "x", "y", "k", "ext"]);
  const k = new Jwk();
  if (o.has("kid")) {
    k.kid = o.requireString("kid");
    k.hasKid = true;
  }
  if (o.has("use") && o.requireString("use") != "sig") o.fail("use", "only signature keys (\"sig\") verify tokens");
  if (o.has("alg")) {
    const a = parseAlg(o.requireString("alg"));
    if (a == Alg.None) o.fail("alg", "not an algorithm this filter verifies");
    k.alg = a;
  }
  const kty = o.optionalEnum("kty", ["RSA", "EC", "OKP", "oct"], "");
  if (kty == "") {
    o.fail("kty", "expected one of \"RSA\", \"EC\", \"OKP\", \"oct\"");
    return null;
  }
  if (kty == "RSA") {
    k.type = KeyType.Rsa;
    const n = b64(o, "n");
    const e = b64(o, "e");
    if (n.length > 0 && e.length > 0) {
      k.rsa = RsaPublicKey.fromComponents(n, e);
      if (k.rsa === null) o.fail("n", "not a usable RSA public key (2048 to 8192 bits, odd modulus, odd exponent 3 or more)");
    }
  } else if (kty == "EC") {
    k.type = KeyType.Ec;
    const crv = o.optionalEnum("crv", ["P-256", "P-384"], "");
    if (crv == "") o.fail("crv", "expected \"P-256\" or \"P-384\"");
    k.curve = crv == "P-384" ? EcCurve.P384 : EcCurve.P256;
    const x = b64(o, "x");
    const y = b64(o, "y");
    if (crv != "" && x.length > 0 && y.length > 0) {
      k.ec = EcPublicKey.fromCoordinates(k.curve, x, y);
      if (k.ec === null) o.fail("x", "not a point of " + crv + " (coordinates of the curve's length, on the curve)");
    }
  } else if (kty == "OKP") {
    k.type = KeyType.Okp;
    if (o.optionalEnum("crv", ["Ed25519"], "") != "Ed25519") o.fail("crv", "expected \"Ed25519\"");
    k.bytes = b64(o, "x");
    if (k.bytes.length != 32 && o.valid) o.fail("x", "an Ed25519 public key is 32 bytes");
  } else {
    k.type = KeyType.Oct;
    k.bytes = b64(o, "k");
    if (k.bytes.length < MIN_HMAC_KEY_BYTES && o.valid) o.fail("k", "an HMAC key must be at least 32 bytes (RFC 7518 §3.2)");
  }
  if (k.alg != Alg.None && !k.accepts(k.alg)) o.fail("alg", "does not fit the key's type");
  return k;
}

/** Keys of a JWKS given as an object ({"keys": [...]}) or as its JSON text (Envoy's inline_string). */
export function parseJwks(cfg: JsonConfig, field: string): Array<Jwk> {
  const out = new Array<Jwk>();
  let view: JsonConfig | null = null;
  const v = cfg.get(field);
  if (v !== null && v.kind == JsonKind.String) {
    const parsed = parseJson(changetype<JsonString>(v).value);
    const doc: JsonValue | null = parsed.value;
    if (doc === null || doc.kind != JsonKind.Object) {
      cfg.fail(field, "the JWKS text is not a JSON object: " + parsed.describe());
      return out;
    }
    view = new JsonConfig(changetype<JsonObject>(doc), cfg.fieldPath(field), cfg.errors);
  } else {
    view = cfg.requireObject(field);
  }
  view.allowOnly(["keys"]);
  const keys = view.requireArray("keys", 1);
  for (let i = 0; i < keys.length; i++) {
    const k = parseKey(keys.object(i));
    if (k === null) continue;
    for (let j = 0; j < out.length; j++) {
      const other = unchecked(out[j]);
      if (k.hasKid && other.hasKid && other.kid == k.kid && other.type == k.type) keys.object(i).fail("kid", "another key of this type has this kid");
    }
    out.push(k);
  }
  return out;
}
