// A JWT provider: who issues the tokens, where they are found, which keys and algorithms verify
// them, which claims they must carry, and what of them goes upstream. Validation runs in Envoy's
// order (format, issuer, time, audience, key, signature), every cheap check before any crypto, and
// the provider is the one the route's requirement names: a token never picks its own verifier.
import { JsonConfig, JsonKind, JsonString, StringMatcher, asciiLower } from "@filterkit/sdk";
import { Source, parseSources } from "../credential";
import { Outcome, Scheme } from "../outcome";
import { Alg, algName, parseAlg } from "./alg";
import { claimAt, claimStrings, numericDate } from "./claims";
import { InlineKeySource, Jwk, KeySource, parseJwks } from "./jwks";
import { JWT_ALG_INVALID, Token } from "./token";
import { verifySignature } from "./verify";

export const JWT_EXPIRED = "Jwt is expired";
export const JWT_NOT_YET_VALID = "Jwt not yet valid";
export const JWT_UNKNOWN_ISSUER = "Jwt issuer is not configured";
export const JWT_AUDIENCE = "Audiences in Jwt are not allowed";
export const JWT_NO_KEY = "Jwks doesn't have key to match kid or alg from Jwt";
export const JWT_VERIFY_FAILS = "Jwt verification fails";
export const JWT_LIFETIME = "Jwt lifetime is longer than allowed";
export const JWT_NO_EXPIRATION = "Jwt has no expiration";
export const JWT_TYP = "Jwt header [typ] is not allowed";
export const JWT_CLAIM = "Jwt is missing a required claim";

/** Longest token read by default (Envoy caches tokens up to 4096 bytes; real ones are rarely longer). */
export const DEFAULT_MAX_TOKEN_BYTES = 8192;

export class ClaimHeader {
  header: string = "";
  claim: string = "";
}

export class RequiredClaim {
  name: string = "";
  /** null: the claim only has to be present */
  matcher: StringMatcher | null = null;
}

export class Provider {
  name: string = "";
  issuer: string = "";
  audiences: Array<string> = new Array<string>();
  algorithms: Array<Alg> = new Array<Alg>();
  /** the allowlist was configured (else it is every algorithm some key fits) */
  explicitAlgorithms: bool = false;
  keys: KeySource = new InlineKeySource(new Array<Jwk>());
  sources: Array<Source> = new Array<Source>();
  forward: bool = false;
  clockSkew: i64 = 60;
  requireExpiration: bool = false;
  /** seconds, 0 = unbounded */
  maxLifetime: i64 = 0;
  /** the header typ required (compared case-insensitively, "application/" optional: RFC 8725 §3.11), "" = any */
  typ: string = "";
  requiredClaims: Array<RequiredClaim> = new Array<RequiredClaim>();
  claimHeaders: Array<ClaimHeader> = new Array<ClaimHeader>();
  payloadHeader: string = "";
  consumerClaim: string = "sub";
  groupsClaim: string = "";
  maxTokenBytes: i32 = DEFAULT_MAX_TOKEN_BYTES;

  static parse(name: string, o: JsonConfig): Provider {
    const p = new Provider();
    p.name = name;
    o.allowOnly([
      "issuer", "audiences", "algorithms", "jwks", "from_headers", "from_params", "from_cookies", "forward",
      "clock_skew_seconds", "require_expiration", "max_lifetime_seconds", "typ", "required_claims",
      "claim_to_headers", "forward_payload_header", "consumer_claim", "groups_claim", "max_token_bytes",
    ]);
    p.issuer = o.optionalString("issuer", "");
    p.audiences = o.optionalStringArray("audiences");
    const keys = parseJwks(o, "jwks");
    p.keys = new InlineKeySource(keys);
    if (o.has("algorithms")) {
      p.explicitAlgorithms = true;
      const names = o.requireStringArray("algorithms", 1);
      for (let i = 0; i < names.length; i++) {
        const a = parseAlg(unchecked(names[i]));
        if (a == Alg.None) o.fail("algorithms[" + i.toString() + "]", "not an algorithm this filter verifies (\"none\" never is)");
        else p.algorithms.push(a);
      }
    } else {
      // every algorithm some key accepts
      for (let a = <i32>Alg.HS256; a <= <i32>Alg.EdDSA; a++) {
        for (let k = 0; k < keys.length; k++) {
          if (unchecked(keys[k]).accepts(<Alg>a)) {
            p.algorithms.push(<Alg>a);
            break;
          }
        }
      }
    }
    for (let i = 0; i < p.algorithms.length; i++) {
      const a = unchecked(p.algorithms[i]);
      let fits = false;
      for (let k = 0; k < keys.length; k++) if (unchecked(keys[k]).accepts(a)) fits = true;
      if (!fits && o.valid) o.fail("algorithms", "no key of the JWKS verifies " + algName(a));
    }
    // token locations: Envoy's defaults (Authorization: Bearer, ?access_token=) unless any is given
    const hs = o.optionalArray("from_headers");
    for (let i = 0; i < hs.length; i++) {
      const h = hs.object(i);
      h.allowOnly(["name", "value_prefix"]);
      const prefix = h.optionalString("value_prefix", "");
      // "Bearer " as Envoy spells it: the scheme without its trailing space
      const scheme = prefix.trimEnd();
      p.sources.push(Source.header(h.requireString("name"), scheme, scheme.length > 0));
    }
    const ps = o.optionalStringArray("from_params");
    for (let i = 0; i < ps.length; i++) p.sources.push(Source.query(unchecked(ps[i])));
    const cs = o.optionalStringArray("from_cookies");
    for (let i = 0; i < cs.length; i++) p.sources.push(Source.cookie(unchecked(cs[i])));
    if (!o.has("from_headers") && !o.has("from_params") && !o.has("from_cookies")) {
      p.sources.push(Source.header("authorization", "Bearer", true));
      p.sources.push(Source.query("access_token"));
    }
    p.forward = o.optionalBool("forward", false);
    p.clockSkew = o.optionalInt("clock_skew_seconds", 60, 0, 3600);
    p.requireExpiration = o.optionalBool("require_expiration", false);
    p.maxLifetime = o.optionalInt("max_lifetime_seconds", 0, 0);
    p.typ = o.optionalString("typ", "");
    const rc = o.optionalArray("required_claims");
    for (let i = 0; i < rc.length; i++) {
      const c = rc.object(i);
      const r = new RequiredClaim();
      r.name = c.requireString("name");
      // the matcher's fields sit beside "name": parse them from a view without it
      if (c.keys().length > 1) r.matcher = StringMatcher.parse(c.without("name"));
      p.requiredClaims.push(r);
    }
    const ch = o.optionalArray("claim_to_headers");
    for (let i = 0; i < ch.length; i++) {
      const c = ch.object(i);
      c.allowOnly(["header_name", "claim_name"]);
      const h = new ClaimHeader();
      h.header = asciiLower(c.requireString("header_name"));
      h.claim = c.requireString("claim_name");
      p.claimHeaders.push(h);
    }
    p.payloadHeader = asciiLower(o.optionalString("forward_payload_header", ""));
    p.consumerClaim = o.optionalString("consumer_claim", "sub");
    p.groupsClaim = o.optionalString("groups_claim", "");
    p.maxTokenBytes = <i32>o.optionalInt("max_token_bytes", DEFAULT_MAX_TOKEN_BYTES, 64, 65536);
    return p;
  }

  allows(a: Alg): bool {
    return this.algorithms.includes(a);
  }

  /**
   * Everything but the signature, at `now` (seconds), with `audiences` (a requirement's own, else
   * the provider's): the failure, or null when the claims hold.
   */
  checkClaims(t: Token, now: i64, audiences: Array<string>): Outcome | null {
    const pl = t.payload;
    if (this.issuer.length > 0) {
      const iss = pl.get("iss");
      if (iss === null || iss.kind != JsonKind.String || changetype<JsonString>(iss).value != this.issuer) {
        return invalid(401, "jwt_unknown_issuer", JWT_UNKNOWN_ISSUER);
      }
    }
    // parseToken has checked they are non-negative integers
    const exp = numericDate(pl, "exp", -1, -1);
    const nbf = numericDate(pl, "nbf", -1, -1);
    const iat = numericDate(pl, "iat", -1, -1);
    if (exp >= 0 && now > exp + this.clockSkew) return invalid(401, "jwt_expired", JWT_EXPIRED);
    if (nbf >= 0 && now + this.clockSkew < nbf) return invalid(401, "jwt_not_yet_valid", JWT_NOT_YET_VALID);
    // stricter than Envoy: a token issued in the future (beyond the skew) is not yet valid either
    if (iat >= 0 && now + this.clockSkew < iat) return invalid(401, "jwt_issued_in_future", JWT_NOT_YET_VALID);
    if (exp < 0 && (this.requireExpiration || this.maxLifetime > 0)) return invalid(401, "jwt_no_expiration", JWT_NO_EXPIRATION);
    if (this.maxLifetime > 0 && exp - (iat >= 0 ? iat : now) > this.maxLifetime) return invalid(401, "jwt_lifetime_too_long", JWT_LIFETIME);
    if (audiences.length > 0) {
      const aud = claimStrings(pl.get("aud"), false);
      let ok = false;
      for (let i = 0; i < aud.length && !ok; i++) ok = audiences.includes(unchecked(aud[i]));
      if (!ok) return invalid(403, "jwt_audience_not_allowed", JWT_AUDIENCE);
    }
    if (this.typ.length > 0 && !typMatches(t.typ, this.typ)) return invalid(401, "jwt_typ_not_allowed", JWT_TYP);
    for (let i = 0; i < this.requiredClaims.length; i++) {
      const rc = unchecked(this.requiredClaims[i]);
      const v = claimAt(pl, rc.name);
      if (v === null) return invalid(401, "jwt_claim_missing", JWT_CLAIM);
      const m = rc.matcher;
      if (m === null) continue;
      const vals = claimStrings(v, false);
      let ok = false;
      for (let k = 0; k < vals.length && !ok; k++) ok = m.matches(unchecked(vals[k]));
      if (!ok) return invalid(401, "jwt_claim_mismatch", JWT_CLAIM);
    }
    return null;
  }

  /** The signature, on the keys the token's kid and alg select: the failure, or null when one verifies. */
  checkSignature(t: Token): Outcome | null {
    const alg = parseAlg(t.alg);
    // an algorithm outside a configured allowlist is refused as such; without one, as Envoy says
    // it: no key of the JWKS fits the token's kid and alg
    if (alg == Alg.None || !this.allows(alg)) return invalid(401, "jwt_alg_not_allowed", this.explicitAlgorithms ? JWT_ALG_INVALID : JWT_NO_KEY);
    const keys = this.keys.keys();
    let candidates = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (!k.accepts(alg)) continue;
      if (t.hasKid && k.hasKid && k.kid != t.kid) continue;
      candidates++;
      if (verifySignature(alg, k, t.signingInput, t.signature)) return null;
    }
    if (candidates == 0) return invalid(401, "jwt_no_matching_key", JWT_NO_KEY);
    return invalid(401, "jwt_signature_invalid", JWT_VERIFY_FAILS);
  }
}

function invalid(status: i32, details: string, body: string): Outcome {
  return Outcome.failed(Scheme.Bearer, status, details, body, "invalid_token");
}

/** RFC 8725 §3.11 / RFC 7515 §4.1.9: "JWT" and "application/jwt" are one media type, case-insensitively. */
function typMatches(got: string, want: string): bool {
  let g = asciiLower(got);
  let w = asciiLower(want);
  if (g.startsWith("application/")) g = g.substring(12);
  if (w.startsWith("application/")) w = w.substring(12);
  return g == w;
}
