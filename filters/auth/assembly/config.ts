// The auth filter's configuration (reference: ../README.md). Parsed once per configure; every
// problem is one error line naming its field, and any problem refuses the configuration.
//
//   {"consumers": [{"name": "alice", "groups": ["admin"]}],
//    "api_key": {"salt": "…", "keys": [{"id": "k1", "sha256": "…", "consumer": "alice"}]},
//    "basic": {"users": [{"name": "bob", "hash": "{SHA}…"}]},
//    "jwt": {"providers": {"idp": {"issuer": "https://idp", "jwks": {"keys": […]}}}},
//    "rules": [{"when": {"path": {"prefix": "/api/"}}, "requires": {"any": [{"jwt": "idp"}, {"api_key": {}}]},
//               "allow": [{"groups": ["admin"]}]}]}
import { Condition, JsonConfig, get_current_time_nanoseconds } from "@filterkit/sdk";
import { sha256 } from "@filterkit/sdk/assembly/crypto/sha256";
import { ApiKeyMethod } from "./api-key";
import { Authorization } from "./authorize";
import { BasicMethod } from "./basic";
import { Consumers } from "./consumers";
import { IdentityHeaders } from "./identity";
import { Requirement } from "./requirement";
import { TokenCache } from "./jwt/cache";
import { Provider } from "./jwt/provider";

export class Rule {
  when: Condition = Condition.always();
  requires: Requirement | null = null;
  authz: Authorization = new Authorization();
}

export class Config {
  consumers: Consumers = new Consumers();
  apiKey: ApiKeyMethod | null = null;
  forwardApiKey: bool = false;
  basic: BasicMethod | null = null;
  forwardBasic: bool = false;
  providers: Array<Provider> = new Array<Provider>();
  tokenCache: TokenCache = new TokenCache(0, 0);
  rules: Array<Rule> = new Array<Rule>();
  identity: IdentityHeaders = new IdentityHeaders();
  /** take the first of several credentials of one method instead of refusing the request */
  duplicatesFirst: bool = false;
  /** the realm of the challenges; "" = Envoy's: the request's URL */
  realm: string = "";
  bypassCorsPreflight: bool = false;
  /** salts the hash prefix a log line may show of a credential (per configuration and VM start) */
  logSalt: Uint8Array = new Uint8Array(0);
}

/** The configuration, or null after logging every problem (one line each). */
export function parseConfig(text: string): Config | null {
  const cfg = JsonConfig.parse(text);
  const out = new Config();
  cfg.allowOnly(["consumers", "api_key", "basic", "jwt", "rules", "identity", "duplicates", "realm", "bypass_cors_preflight"]);
  out.consumers = Consumers.parse(cfg);
  const methods = new Array<string>();
  const ak = cfg.optionalObject("api_key");
  if (ak !== null) {
    out.forwardApiKey = ak.optionalBool("forward", false);
    out.apiKey = ApiKeyMethod.parse(ak.without("forward"));
    methods.push("api_key");
  }
  const basic = cfg.optionalObject("basic");
  if (basic !== null) {
    out.forwardBasic = basic.optionalBool("forward", false);
    // the verified-credential table's MAC key: per configuration and VM start (proxy-wasm has no
    // randomness; the key only keeps the table from holding a plain hash of a password)
    const seed = String.UTF8.encode(text + get_current_time_nanoseconds().toString());
    out.basic = BasicMethod.parse(basic.without("forward"), sha256(Uint8Array.wrap(seed)));
    methods.push("basic");
  }
  const names = new Array<string>();
  const jwt = cfg.optionalObject("jwt");
  if (jwt !== null) {
    jwt.allowOnly(["providers", "cache"]);
    const ps = jwt.requireObject("providers");
    const keys = ps.keys();
    if (keys.length == 0) ps.fail("", "expected at least one provider");
    for (let i = 0; i < keys.length; i++) {
      const name = unchecked(keys[i]);
      out.providers.push(Provider.parse(name, ps.requireObject(name)));
      names.push(name);
    }
    const c = jwt.optionalObject("cache");
    let size: i64 = 100;
    let ttl: i64 = 300;
    if (c !== null) {
      c.allowOnly(["size", "ttl_seconds"]);
      size = c.optionalInt("size", 100, 0, 100_000);
      ttl = c.optionalInt("ttl_seconds", 300, 1, 86_400);
    }
    out.tokenCache = new TokenCache(<i32>size, ttl);
  }
  if (methods.length == 0 && names.length == 0) cfg.fail("", "configure at least one method: \"api_key\", \"basic\" or \"jwt\"");
  const rules = cfg.requireArray("rules", 1);
  for (let i = 0; i < rules.length; i++) {
    const o = rules.object(i);
    o.allowOnly(["when", "requires", "allow", "deny"]);
    const r = new Rule();
    const w = o.optionalObject("when");
    if (w !== null) r.when = Condition.parse(w);
    const req = o.optionalObject("requires");
    if (req !== null) r.requires = Requirement.parse(req, names, methods, 0, false);
    r.authz = Authorization.parse(o.optionalArray("allow"), o.optionalArray("deny"));
    if (r.requires === null && !r.authz.empty) o.fail("allow", "allow and deny need \"requires\": without authentication there is no one to authorize");
    out.rules.push(r);
  }
  out.identity = IdentityHeaders.parse(cfg.optionalObject("identity"), out.providers);
  out.duplicatesFirst = cfg.optionalEnum("duplicates", ["reject", "first"], "reject") == "first";
  out.realm = cfg.optionalString("realm", "");
  out.bypassCorsPreflight = cfg.optionalBool("bypass_cors_preflight", false);
  out.logSalt = sha256(Uint8Array.wrap(String.UTF8.encode("log:" + text + get_current_time_nanoseconds().toString())));
  if (!cfg.checkAll()) return null;
  return out;
}
