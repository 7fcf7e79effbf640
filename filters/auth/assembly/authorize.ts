// Authorization after authentication: a route's `allow` and `deny` lists over the identity — its
// consumer, groups, scopes, method and (for a JWT) claims. `allow` is any-of; within one entry every
// field must hold (scopes: every scope listed). A `deny` entry that holds refuses, first. Failing
// here is 403: the caller is known, and not allowed (401 stays for "not authenticated").
import { JsonConfig, JsonConfigArray, StringMatcher } from "@filterkit/sdk";
import { claimAt, claimStrings } from "./jwt/claims";
import { Identity, Outcome, Scheme } from "./outcome";

export class Grant {
  consumers: Array<string> = new Array<string>();
  groups: Array<string> = new Array<string>();
  scopes: Array<string> = new Array<string>();
  methods: Array<string> = new Array<string>();
  claim: string = "";
  claimMatcher: StringMatcher | null = null;

  holds(id: Identity): bool {
    if (this.consumers.length > 0 && !this.consumers.includes(id.consumer)) return false;
    if (this.methods.length > 0 && !this.methods.includes(id.method)) return false;
    if (this.groups.length > 0) {
      let any = false;
      for (let i = 0; i < this.groups.length && !any; i++) any = id.groups.includes(unchecked(this.groups[i]));
      if (!any) return false;
    }
    for (let i = 0; i < this.scopes.length; i++) if (!id.scopes.includes(unchecked(this.scopes[i]))) return false;
    if (this.claim.length > 0) {
      const claims = id.claims;
      if (claims === null) return false;
      const vals = claimStrings(claimAt(claims, this.claim), false);
      const m = this.claimMatcher;
      let any = false;
      for (let i = 0; i < vals.length && !any; i++) any = m === null || m.matches(unchecked(vals[i]));
      if (!any) return false;
    }
    return true;
  }

  static parse(o: JsonConfig): Grant {
    const g = new Grant();
    o.allowOnly(["consumers", "groups", "scopes", "methods", "claim"]);
    g.consumers = o.optionalStringArray("consumers");
    g.groups = o.optionalStringArray("groups");
    g.scopes = o.optionalStringArray("scopes");
    g.methods = o.optionalStringArray("methods");
    for (let i = 0; i < g.methods.length; i++) {
      const m = unchecked(g.methods[i]);
      if (m != "api_key" && m != "basic" && m != "jwt") o.fail("methods[" + i.toString() + "]", "expected \"api_key\", \"basic\" or \"jwt\"");
    }
    const c = o.optionalObject("claim");
    if (c !== null) {
      g.claim = c.requireString("name");
      if (c.keys().length > 1) {
        // the matcher sits beside "name"
        g.claimMatcher = StringMatcher.parse(c.without("name"));
      }
    }
    if (o.keys().length == 0) o.fail("", "an empty entry would match everyone: name consumers, groups, scopes, methods or a claim");
    return g;
  }
}

export class Authorization {
  allow: Array<Grant> = new Array<Grant>();
  deny: Array<Grant> = new Array<Grant>();

  get empty(): bool { return this.allow.length == 0 && this.deny.length == 0; }

  /** Whether the identity may pass. */
  permits(id: Identity): bool {
    for (let i = 0; i < this.deny.length; i++) if (unchecked(this.deny[i]).holds(id)) return false;
    if (this.allow.length == 0) return true;
    for (let i = 0; i < this.allow.length; i++) if (unchecked(this.allow[i]).holds(id)) return true;
    return false;
  }

  /** Whether some allow entry would hold but for its scopes (RFC 6750 insufficient_scope). */
  lacksOnlyScopes(id: Identity): bool {
    for (let i = 0; i < this.allow.length; i++) {
      const g = unchecked(this.allow[i]);
      if (g.scopes.length == 0) continue;
      const saved = g.scopes;
      g.scopes = new Array<string>();
      const rest = g.holds(id);
      g.scopes = saved;
      if (rest) return true;
    }
    return false;
  }

  static parse(allow: JsonConfigArray, deny: JsonConfigArray): Authorization {
    const a = new Authorization();
    for (let i = 0; i < allow.length; i++) a.allow.push(Grant.parse(allow.object(i)));
    for (let i = 0; i < deny.length; i++) a.deny.push(Grant.parse(deny.object(i)));
    return a;
  }
}

/** Envoy api_key_auth's body for a known client that may not pass. */
export const API_KEY_FORBIDDEN = "Client is forbidden.";
export const BASIC_FORBIDDEN = "User is not allowed.";
export const JWT_FORBIDDEN = "Jwt is not allowed for this route";
export const JWT_SCOPE = "Jwt does not carry the scopes this route requires";
export const ANONYMOUS_FORBIDDEN = "Access denied.";

/** The 403 for an identity (or none: let through by allow_missing) that `authz` does not permit. */
export function forbidden(id: Identity | null, authz: Authorization): Outcome {
  if (id === null) return Outcome.failed(Scheme.None, 403, "not_authorized", ANONYMOUS_FORBIDDEN);
  if (id.method == "api_key") return Outcome.failed(Scheme.ApiKey, 403, "api_key_forbidden", API_KEY_FORBIDDEN);
  if (id.method == "basic") return Outcome.failed(Scheme.Basic, 403, "basic_forbidden", BASIC_FORBIDDEN);
  if (authz.lacksOnlyScopes(id)) return Outcome.failed(Scheme.Bearer, 403, "jwt_insufficient_scope", JWT_SCOPE, "insufficient_scope");
  return Outcome.failed(Scheme.Bearer, 403, "jwt_forbidden", JWT_FORBIDDEN, "invalid_token");
}
