// The rate-limit filter's configuration. Parsed once per configure; every problem is one error
// line naming its field, and any problem refuses the configuration.
//
//   {"xff_num_trusted_hops": 1,
//    "limits": [
//      {"name": "per-client", "key": [{"remote_address": {}}], "algorithm": "token_bucket",
//       "max_tokens": 100, "tokens_per_fill": 10, "fill_interval_ms": 1000},
//      {"name": "login", "when": {"path": {"prefix": "/login"}}, "key": [{"masked_remote_address": {"v4_prefix_mask_len": 24}}],
//       "algorithm": "sliding_window", "limit": 5, "window_ms": 60000}]}
import { Condition, JsonConfig } from "@filterkit/sdk";
import { KeyPart, parseParts } from "./keys";

export enum Algorithm {
  TokenBucket = 0,
  Gcra = 1,
  SlidingWindow = 2,
  FixedWindow = 3,
  Concurrency = 4,
}

export enum Scope {
  /** shared data: every worker of the Envoy process counts against the same state */
  Process = 0,
  /** this worker's VM alone */
  Worker = 1,
}

export enum Missing {
  /** the limit does not apply to a request its key cannot be read from */
  Skip = 0,
  /** the missing part reads as the configured default value */
  Default = 1,
}

export class Limit {
  name: string = "";
  index: i32 = 0;
  when: Condition = Condition.always();
  key: Array<KeyPart> = new Array<KeyPart>();
  algorithm: Algorithm = Algorithm.TokenBucket;
  scope: Scope = Scope.Process;
  missing: Missing = Missing.Skip;
  defaultValue: string = "";
  shadow: bool = false;
  cost: i64 = 1;
  // algorithm parameters (those of the algorithm; the rest stay 0)
  maxTokens: i64 = 0;
  tokensPerFill: i64 = 0;
  fillIntervalNs: i64 = 0;
  limit: i64 = 0;
  windowNs: i64 = 0;
  burst: i64 = 0;
  /** the state table's name: the limit's name and every parameter, so a changed threshold starts afresh */
  fingerprint: string = "";
}

export enum Profile {
  None = 0,
  /** Envoy's x-ratelimit-limit / -remaining / -reset (local_ratelimit's DRAFT_VERSION_03) */
  Envoy = 1,
  /** RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers) */
  Ietf = 2,
}

export class Config {
  limits: Array<Limit> = new Array<Limit>();
  trustedHops: i32 = 0;
  status: i32 = 429;
  body: string = "local_rate_limited";
  profiles: Array<Profile> = new Array<Profile>();
  headersOnAllowed: bool = false;
  slots: i32 = 65536;
  probe: i32 = 4;
  casRetries: i32 = 8;
  /** admit (true) or refuse when the CAS retries run out */
  allowOnCasExhausted: bool = false;
}

const MS: i64 = 1_000_000;

function algorithms(): string[] { return ["token_bucket", "gcra", "sliding_window", "fixed_window", "concurrency"]; }

function parseLimit(o: JsonConfig, i: i32): Limit {
  const l = new Limit();
  l.index = i;
  o.allowOnly([
    "name", "when", "key", "algorithm", "scope", "missing", "default_value", "shadow", "cost",
    "max_tokens", "tokens_per_fill", "fill_interval_ms", "limit", "window_ms", "burst", "max",
  ]);
  l.name = o.optionalString("name", "limit-" + i.toString());
  const w = o.optionalObject("when");
  if (w !== null) l.when = Condition.parse(w);
  l.key = parseParts(o.optionalArray("key"));
  const a = o.optionalEnum("algorithm", algorithms(), "token_bucket");
  l.algorithm = <Algorithm>algorithms().indexOf(a);
  l.scope = o.optionalEnum("scope", ["process", "worker"], "process") == "worker" ? Scope.Worker : Scope.Process;
  l.missing = o.optionalEnum("missing", ["skip", "default"], "skip") == "default" ? Missing.Default : Missing.Skip;
  l.defaultValue = o.optionalString("default_value", "");
  if (l.missing == Missing.Default && !o.has("default_value")) o.fail("default_value", "missing: \"default\" needs a default_value");
  l.shadow = o.optionalBool("shadow", false);
  l.cost = o.optionalInt("cost", 1, 1, 1_000_000);
  switch (l.algorithm) {
    case Algorithm.TokenBucket:
      l.maxTokens = o.requireInt("max_tokens", 1, 1_000_000_000);
      l.tokensPerFill = o.optionalInt("tokens_per_fill", 1, 1, 1_000_000_000);
      // Envoy refuses fill intervals under 50 ms
      l.fillIntervalNs = o.requireInt("fill_interval_ms", 50, 86_400_000) * MS;
      l.limit = l.maxTokens;
      break;
    case Algorithm.Gcra:
      l.limit = o.requireInt("limit", 1, 1_000_000_000);
      l.windowNs = o.requireInt("window_ms", 1, 86_400_000) * MS;
      l.burst = o.optionalInt("burst", l.limit, 1, 1_000_000_000);
      break;
    case Algorithm.SlidingWindow:
    case Algorithm.FixedWindow:
      l.limit = o.requireInt("limit", 1, 1_000_000_000);
      l.windowNs = o.requireInt("window_ms", 1, 86_400_000) * MS;
      break;
    case Algorithm.Concurrency:
      l.limit = o.requireInt("max", 1, 1_000_000);
      break;
  }
  l.fingerprint = l.name + "|" + a + "|" + l.maxTokens.toString() + "|" + l.tokensPerFill.toString() + "|" +
    l.fillIntervalNs.toString() + "|" + l.limit.toString() + "|" + l.windowNs.toString() + "|" + l.burst.toString();
  return l;
}

/** The configuration, or null after logging every problem (one line each). */
export function parseConfig(text: string): Config | null {
  const cfg = JsonConfig.parse(text);
  const out = new Config();
  cfg.allowOnly(["limits", "xff_num_trusted_hops", "status", "body", "headers", "headers_on_allowed", "table", "on_cas_exhausted"]);
  const limits = cfg.requireArray("limits", 1);
  for (let i = 0; i < limits.length; i++) {
    const l = parseLimit(limits.object(i), i);
    for (let k = 0; k < out.limits.length; k++) if (unchecked(out.limits[k]).name == l.name) limits.object(i).fail("name", "another limit has this name");
    out.limits.push(l);
  }
  out.trustedHops = <i32>cfg.optionalInt("xff_num_trusted_hops", 0, 0, 16);
  // Envoy's local_ratelimit: a status below 400 falls back to 429; here it is refused instead
  out.status = <i32>cfg.optionalInt("status", 429, 400, 599);
  out.body = cfg.optionalString("body", "local_rate_limited");
  const hs = cfg.has("headers") ? cfg.requireStringArray("headers") : ["envoy"];
  for (let i = 0; i < hs.length; i++) {
    const h = unchecked(hs[i]);
    if (h == "envoy") out.profiles.push(Profile.Envoy);
    else if (h == "ietf") out.profiles.push(Profile.Ietf);
    else if (h != "none") cfg.fail("headers[" + i.toString() + "]", "expected \"envoy\", \"ietf\" or \"none\"");
  }
  out.headersOnAllowed = cfg.optionalBool("headers_on_allowed", false);
  const t = cfg.optionalObject("table");
  if (t !== null) {
    t.allowOnly(["slots", "probe", "cas_retries"]);
    out.slots = <i32>t.optionalInt("slots", 65536, 16, 4_194_304);
    out.probe = <i32>t.optionalInt("probe", 4, 1, 16);
    out.casRetries = <i32>t.optionalInt("cas_retries", 8, 1, 64);
  }
  out.allowOnCasExhausted = cfg.optionalEnum("on_cas_exhausted", ["deny", "allow"], "deny") == "allow";
  if (!cfg.checkAll()) return null;
  return out;
}
