// The JWT method: find the token where the provider says, refuse duplicates, parse it, check the
// claims and then the signature (or find it verified in the cache), and say who it identifies.
import { get_current_time_nanoseconds } from "@filterkit/sdk";
import { Consumers } from "../consumers";
import { extract } from "../credential";
import { MethodResult } from "../method";
import { Identity, Outcome, Scheme } from "../outcome";
import { Request } from "../request";
import { claimAt, claimStrings, numericDate } from "./claims";
import { TokenCache } from "./cache";
import { Provider } from "./provider";
import { JWT_MISSING, parseToken } from "./token";

export const JWT_DUPLICATE = "Jwt is presented more than once";

/** `audiences`: the requirement's own (Envoy's provider_and_audiences), or empty for the provider's. */
export function authenticateJwt(
  req: Request, p: Provider, audiences: Array<string>, cache: TokenCache, consumers: Consumers, duplicatesFirst: bool,
): MethodResult {
  const aud = audiences.length > 0 ? audiences : p.audiences;
  const ex = extract(req, p.sources);
  const r = new MethodResult(ex);
  if (ex.found.length == 0) {
    r.outcome = Outcome.missing(Scheme.Bearer, "jwt_missing", JWT_MISSING);
    return r;
  }
  if (ex.found.length > 1 && !duplicatesFirst) {
    r.outcome = Outcome.failed(Scheme.Bearer, 401, "jwt_duplicate", JWT_DUPLICATE, "invalid_request");
    return r;
  }
  const f = unchecked(ex.found[0]);
  r.used = f;
  const nowNs = <i64>get_current_time_nanoseconds();
  const now = nowNs / 1_000_000_000;
  const key = cache.keyOf(f.value, p.name);
  let token = cache.get(key, nowNs);
  if (token === null) {
    const parsed = parseToken(f.value, p.maxTokenBytes);
    const t = parsed.token;
    if (t === null) {
      r.outcome = Outcome.failed(Scheme.Bearer, 401, parsed.details, parsed.error, "invalid_token");
      return r;
    }
    const claims = p.checkClaims(t, now, aud);
    if (claims !== null) {
      r.outcome = claims;
      return r;
    }
    const sig = p.checkSignature(t);
    if (sig !== null) {
      r.outcome = sig;
      return r;
    }
    const exp = numericDate(t.payload, "exp", -1, -1);
    cache.put(key, t, p.name, nowNs, exp >= 0 ? exp + p.clockSkew : -1);
    token = t;
  } else {
    const claims = p.checkClaims(token, now, aud);
    if (claims !== null) {
      r.outcome = claims;
      return r;
    }
  }
  const id = new Identity();
  id.method = "jwt";
  id.credential = p.name;
  const sub = claimStrings(claimAt(token.payload, p.consumerClaim), false);
  id.consumer = sub.length > 0 ? unchecked(sub[0]) : "";
  if (p.groupsClaim.length > 0) id.groups = claimStrings(claimAt(token.payload, p.groupsClaim), false);
  // OAuth scopes: "scope" (RFC 8693 §4.2, space-delimited) and "scp" (a common array form)
  const scopes = claimStrings(token.payload.get("scope"), true);
  const scp = claimStrings(token.payload.get("scp"), true);
  for (let i = 0; i < scp.length; i++) if (!scopes.includes(unchecked(scp[i]))) scopes.push(unchecked(scp[i]));
  id.scopes = scopes;
  id.claims = token.payload;
  id.token = token;
  if (id.consumer.length > 0) {
    const c = consumers.find(id.consumer);
    if (c !== null) {
      if (!c.enabled) {
        r.outcome = Outcome.failed(Scheme.Bearer, 401, "jwt_consumer_disabled", "Jwt verification fails", "invalid_token");
        return r;
      }
      for (let i = 0; i < c.groups.length; i++) if (!id.groups.includes(unchecked(c.groups[i]))) id.groups.push(unchecked(c.groups[i]));
      for (let i = 0; i < c.scopes.length; i++) if (!id.scopes.includes(unchecked(c.scopes[i]))) id.scopes.push(unchecked(c.scopes[i]));
    }
  }
  r.outcome = Outcome.ok(id);
  return r;
}
