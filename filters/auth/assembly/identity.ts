// The identity contract with the upstream: the headers this filter vouches for. Every one of them
// (and every header under the configured prefix, and every claim and payload header of every
// provider) is removed from EVERY request before anything else, also where no authentication is
// required, so a client can never supply one; after success they are set — replaced, never
// appended — from the verified identity.
import { JsonConfig, asciiLower } from "@filterkit/sdk";
import { Identity } from "./outcome";
import { Request } from "./request";
import { Provider } from "./jwt/provider";
import { claimAt } from "./jwt/claims";
import { renderClaim } from "./jwt/claims";

export class IdentityHeaders {
  consumer: string = "x-consumer";
  credential: string = "x-consumer-credential";
  method: string = "x-consumer-method";
  groups: string = "x-consumer-groups";
  scopes: string = "x-consumer-scopes";
  /** every request header under this prefix is removed on arrival ("" = none) */
  prefix: string = "x-consumer-";
  /** every header this filter may set, removed on arrival */
  owned: Array<string> = new Array<string>();

  static parse(cfg: JsonConfig | null, providers: Array<Provider>): IdentityHeaders {
    const h = new IdentityHeaders();
    if (cfg !== null) {
      cfg.allowOnly(["consumer", "credential", "method", "groups", "scopes", "prefix"]);
      h.consumer = asciiLower(cfg.optionalString("consumer", h.consumer));
      h.credential = asciiLower(cfg.optionalString("credential", h.credential));
      h.method = asciiLower(cfg.optionalString("method", h.method));
      h.groups = asciiLower(cfg.optionalString("groups", h.groups));
      h.scopes = asciiLower(cfg.optionalString("scopes", h.scopes));
      h.prefix = asciiLower(cfg.optionalString("prefix", h.prefix));
    }
    const own = [h.consumer, h.credential, h.method, h.groups, h.scopes];
    for (let i = 0; i < providers.length; i++) {
      const p = unchecked(providers[i]);
      for (let k = 0; k < p.claimHeaders.length; k++) own.push(unchecked(p.claimHeaders[k]).header);
      if (p.payloadHeader.length > 0) own.push(p.payloadHeader);
    }
    for (let i = 0; i < own.length; i++) {
      const n = unchecked(own[i]);
      if (n.length > 0 && !h.owned.includes(n)) h.owned.push(n);
    }
    return h;
  }

  /** Removes what a client might have sent in this filter's name. */
  scrub(req: Request): void {
    for (let i = 0; i < this.owned.length; i++) req.remove(unchecked(this.owned[i]));
    if (this.prefix.length > 0) req.removePrefix(this.prefix);
  }

  /** Sets the identity's headers. */
  publish(req: Request, id: Identity): void {
    if (id.consumer.length > 0) setIf(req, this.consumer, id.consumer);
    setIf(req, this.credential, id.credential);
    setIf(req, this.method, id.method);
    if (id.groups.length > 0) setIf(req, this.groups, id.groups.join(","));
    if (id.scopes.length > 0) setIf(req, this.scopes, id.scopes.join(" "));
  }

  /** Sets a verified token's payload and claim headers, as its provider says (one call per verified token). */
  publishJwt(req: Request, id: Identity, provider: Provider): void {
    // Envoy's order: the payload header, then the claim headers
    const t = id.token;
    if (provider.payloadHeader.length > 0 && t !== null) req.set(provider.payloadHeader, t.payloadSegment);
    const claims = id.claims;
    if (claims !== null) {
      for (let i = 0; i < provider.claimHeaders.length; i++) {
        const ch = unchecked(provider.claimHeaders[i]);
        const v = claimAt(claims, ch.claim);
        if (v === null) continue;
        const text = renderClaim(v);
        if (text !== null) req.set(ch.header, text);
      }
    }
  }
}

function setIf(req: Request, name: string, value: string): void {
  if (name.length > 0) req.set(name, value);
}
