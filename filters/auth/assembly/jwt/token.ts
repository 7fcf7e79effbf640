// A compact JWS (RFC 7515 §7.1) taken apart without trusting it: three base64url segments, a JSON
// header and payload (objects, no repeated member names: RFC 7515 §5.2 lets a parser reject them,
// and accepting them is how two parsers come to read two different tokens), and the signature
// bytes. Total: any text in, a Token or the reason it is not one out; nothing is verified here.
import { JsonArray, JsonKind, JsonNumber, JsonObject, JsonString, parseJsonAt } from "@filterkit/sdk";
import { Alg, parseAlg } from "./alg";
import { base64UrlDecode } from "@filterkit/sdk/assembly/crypto/base64";

// Envoy 1.40 jwt_authn's reply bodies (jwt_verify_lib's status texts; the oracle test pins them)
export const JWT_MISSING = "Jwt is missing";
export const JWT_BAD_FORMAT = "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections";
export const JWT_HEADER_BASE64 = "Jwt header is an invalid Base64url encoded";
export const JWT_HEADER_JSON = "Jwt header is an invalid JSON";
export const JWT_HEADER_BAD_ALG = "Jwt header [alg] field is required and must be a string";
export const JWT_ALG_INVALID = "Jwt header [alg] field value is invalid";
export const JWT_HEADER_BAD_KID = "Jwt header [kid] field is not a string";
export const JWT_PAYLOAD_BASE64 = "Jwt payload is an invalid Base64url encoded";
export const JWT_PAYLOAD_JSON = "Jwt payload is an invalid JSON";
export const JWT_SIGNATURE_BASE64 = "Jwt signature is an invalid Base64url encoded";
/** the kit's own (Envoy caches tokens up to a size but verifies longer ones) */
export const JWT_TOO_LARGE = "Jwt is too large";

export class Token {
  /** the token as presented */
  text: string = "";
  header: JsonObject = new JsonObject();
  payload: JsonObject = new JsonObject();
  /** the payload segment as sent (Envoy's forward_payload_header value) */
  payloadSegment: string = "";
  /** `<header>.<payload>` as bytes: what was signed */
  signingInput: Uint8Array = new Uint8Array(0);
  signature: Uint8Array = new Uint8Array(0);
  alg: string = "";
  kid: string = "";
  hasKid: bool = false;
  typ: string = "";
}

export class TokenResult {
  token: Token | null = null;
  /** why it is not a token (a reply body), "" when it is */
  error: string = "";
  /** stable snake_case reason */
  details: string = "";

  static fail(error: string, details: string): TokenResult {
    const r = new TokenResult();
    r.error = error;
    r.details = details;
    return r;
  }
}

/** Whether an object repeats a member name (the SDK's parser keeps every member). */
export function hasRepeatedMember(o: JsonObject): bool {
  const keys = o.keys;
  for (let i = 1; i < keys.length; i++) {
    const k = unchecked(keys[i]);
    for (let j = 0; j < i; j++) if (unchecked(keys[j]) == k) return true;
  }
  return false;
}

/** Why a segment is not a JSON object: 1 = not base64url, 2 = not a JSON object (or repeats a member). */
let decodeError = 0;

/** A JSON object from base64url text, or null with decodeError set. */
function decodeObject(segment: string): JsonObject | null {
  const bytes = base64UrlDecode(segment);
  decodeError = 1;
  if (bytes === null) return null;
  decodeError = 2;
  const parsed = parseJsonAt(bytes.dataStart, <usize>bytes.length);
  const v = parsed.value;
  if (v === null || v.kind != JsonKind.Object) return null;
  const o = changetype<JsonObject>(v);
  if (hasRepeatedMember(o)) return null;
  decodeError = 0;
  return o;
}

/** The registered claims Envoy types (RFC 7519 §4.1): strings, an audience string or list, numeric dates. */
function claimTypeError(p: JsonObject): string | null {
  const strings = ["iss", "sub", "jti"];
  for (let i = 0; i < strings.length; i++) {
    const v = p.get(unchecked(strings[i]));
    if (v !== null && v.kind != JsonKind.String) return "Jwt payload [" + unchecked(strings[i]) + "] field is not a string";
  }
  const aud = p.get("aud");
  if (aud !== null && aud.kind != JsonKind.String) {
    let ok = aud.kind == JsonKind.Array;
    if (ok) {
      const items = changetype<JsonArray>(aud).items;
      for (let i = 0; i < items.length; i++) if (unchecked(items[i]).kind != JsonKind.String) ok = false;
    }
    if (!ok) return "Jwt payload [aud] field is not a string or string list";
  }
  const dates = ["exp", "nbf", "iat"];
  for (let i = 0; i < dates.length; i++) {
    const v = p.get(unchecked(dates[i]));
    if (v === null) continue;
    // a NumericDate may have a fraction (RFC 7519 §2; Envoy 1.40 accepts 1796190969.5): whole seconds count
    const n = v.kind == JsonKind.Number ? changetype<JsonNumber>(v) : null;
    if (n === null || !isFinite<f64>(n.value) || n.value < 0 || n.value > 1e15) return "Jwt payload [" + unchecked(dates[i]) + "] field is not an integer";
  }
  return null;
}

/** Header members that would let the token pick its own key or extensions: never honoured, always refused. */
function refusedMembers(): string[] { return ["jku", "jwk", "x5u", "x5c", "crit"]; }

/** The checks in Envoy's order (jwt_verify_lib's Jwt::parseFromString), so a bad token gets Envoy's reason. */
export function parseToken(text: string, maxBytes: i32): TokenResult {
  if (text.length > maxBytes) return TokenResult.fail(JWT_TOO_LARGE, "jwt_too_large");
  const d1 = text.indexOf(".");
  const d2 = d1 < 0 ? -1 : text.indexOf(".", d1 + 1);
  if (d1 <= 0 || d2 <= d1 + 1 || d2 == text.length - 1 || text.indexOf(".", d2 + 1) >= 0) return TokenResult.fail(JWT_BAD_FORMAT, "jwt_bad_format");
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return TokenResult.fail(JWT_BAD_FORMAT, "jwt_bad_format");
  }
  const header = decodeObject(text.substring(0, d1));
  if (header === null) return decodeError == 1 ? TokenResult.fail(JWT_HEADER_BASE64, "jwt_header_not_base64url") : TokenResult.fail(JWT_HEADER_JSON, "jwt_header_not_json");
  const t = new Token();
  t.text = text;
  t.header = header;
  const alg = header.get("alg");
  if (alg === null || alg.kind != JsonKind.String) return TokenResult.fail(JWT_HEADER_BAD_ALG, "jwt_alg_not_string");
  t.alg = changetype<JsonString>(alg).value;
  if (parseAlg(t.alg) == Alg.None) return TokenResult.fail(JWT_ALG_INVALID, "jwt_alg_not_supported");
  const kid = header.get("kid");
  if (kid !== null) {
    if (kid.kind != JsonKind.String) return TokenResult.fail(JWT_HEADER_BAD_KID, "jwt_kid_not_string");
    t.kid = changetype<JsonString>(kid).value;
    t.hasKid = true;
  }
  const typ = header.get("typ");
  if (typ !== null) {
    if (typ.kind != JsonKind.String) return TokenResult.fail(JWT_HEADER_JSON, "jwt_typ_not_string");
    t.typ = changetype<JsonString>(typ).value;
  }
  const refused = refusedMembers();
  for (let i = 0; i < refused.length; i++) {
    const name = unchecked(refused[i]);
    if (header.has(name)) return TokenResult.fail("Jwt header [" + name + "] field is not allowed", "jwt_header_" + name + "_refused");
  }
  t.payloadSegment = text.substring(d1 + 1, d2);
  const payload = decodeObject(t.payloadSegment);
  if (payload === null) return decodeError == 1 ? TokenResult.fail(JWT_PAYLOAD_BASE64, "jwt_payload_not_base64url") : TokenResult.fail(JWT_PAYLOAD_JSON, "jwt_payload_not_json");
  const typeError = claimTypeError(payload);
  if (typeError !== null) return TokenResult.fail(typeError, "jwt_claim_type");
  t.payload = payload;
  const sig = base64UrlDecode(text.substring(d2 + 1));
  if (sig === null || sig.length == 0) return TokenResult.fail(JWT_SIGNATURE_BASE64, "jwt_signature_not_base64url");
  t.signature = sig;
  t.signingInput = Uint8Array.wrap(String.UTF8.encode(text.substring(0, d2)));
  const r = new TokenResult();
  r.token = t;
  return r;
}
