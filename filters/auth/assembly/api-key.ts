// API keys. Keys are configured as SHA-256(salt || key) — the plaintext never sits in the
// configuration (`npm run auth:hash` makes the hashes) —, and a presented key is hashed once
// and compared in constant time with EVERY configured hash, so the time taken says nothing about
// which key, or how much of one, matched (a map lookup on the plaintext would).
import { JsonConfig, get_current_time_nanoseconds } from "@filterkit/sdk";
import { sha256 } from "@filterkit/sdk/assembly/crypto/sha256";
import { constantTimeEqual } from "@filterkit/sdk/assembly/crypto/constant-time";
import { Consumers } from "./consumers";
import { Source, extract, parseSources } from "./credential";
import { MethodResult } from "./method";
import { Outcome, Scheme } from "./outcome";
import { Request } from "./request";
import { fromHex, isVisibleAscii } from "./text";

/** Envoy api_key_auth's reply body, kept for every API key failure (the details tell them apart). */
export const API_KEY_FAILED = "Client authentication failed.";
/** Longest key looked at; a longer one is refused without hashing. */
export const MAX_API_KEY_BYTES = 1024;

export class ApiKey {
  id: string = "";
  hash: Uint8Array = new Uint8Array(0);
  consumer: string = "";
  groups: Array<string> = new Array<string>();
  scopes: Array<string> = new Array<string>();
  /** seconds since the epoch; 0 = unset */
  notBefore: i64 = 0;
  expiresAt: i64 = 0;
  enabled: bool = true;
}

export class ApiKeyMethod {
  sources: Array<Source> = new Array<Source>();
  salt: Uint8Array = new Uint8Array(0);
  keys: Array<ApiKey> = new Array<ApiKey>();

  static parse(cfg: JsonConfig): ApiKeyMethod {
    const m = new ApiKeyMethod();
    cfg.allowOnly(["sources", "salt", "keys"]);
    if (cfg.has("sources")) m.sources = parseSources(cfg.requireArray("sources", 1), false);
    else m.sources.push(Source.header("x-api-key", "", false));
    m.salt = Uint8Array.wrap(String.UTF8.encode(cfg.requireString("salt")));
    const keys = cfg.requireArray("keys", 1);
    for (let i = 0; i < keys.length; i++) {
      const o = keys.object(i);
      o.allowOnly(["id", "sha256", "consumer", "groups", "scopes", "not_before", "expires_at", "enabled"]);
      const k = new ApiKey();
      k.id = o.requireString("id");
      const hex = o.requireString("sha256");
      const h = fromHex(hex);
      if (h === null || h.length != 32) o.fail("sha256", "expected 64 hexadecimal digits (SHA-256 of salt and key: npm run auth:hash -- api-key)");
      else k.hash = h;
      k.consumer = o.requireString("consumer");
      k.groups = o.optionalStringArray("groups");
      k.scopes = o.optionalStringArray("scopes");
      k.notBefore = o.optionalInt("not_before", 0, 0);
      k.expiresAt = o.optionalInt("expires_at", 0, 0);
      k.enabled = o.optionalBool("enabled", true);
      for (let j = 0; j < m.keys.length; j++) if (unchecked(m.keys[j]).id == k.id) o.fail("id", "another key has this id");
      m.keys.push(k);
    }
    return m;
  }

  /** The key's hash as configured: SHA-256(salt || key). */
  hashOf(key: string): Uint8Array {
    const k = String.UTF8.encode(key);
    const buf = new Uint8Array(this.salt.length + k.byteLength);
    buf.set(this.salt, 0);
    buf.set(Uint8Array.wrap(k), this.salt.length);
    return sha256(buf);
  }

  /** The configured key `presented` is, or -1; the same work for every key and every input. */
  lookup(presented: string): i32 {
    const h = this.hashOf(presented);
    let found = -1;
    for (let i = 0; i < this.keys.length; i++) {
      const eq = constantTimeEqual(h, unchecked(this.keys[i]).hash);
      found = select<i32>(i, found, eq);
    }
    return found;
  }

  authenticate(req: Request, consumers: Consumers, duplicatesFirst: bool): MethodResult {
    const ex = extract(req, this.sources);
    const r = new MethodResult(ex);
    if (ex.found.length == 0) {
      r.outcome = Outcome.missing(Scheme.ApiKey, "api_key_missing", API_KEY_FAILED);
      return r;
    }
    if (ex.found.length > 1 && !duplicatesFirst) {
      r.outcome = Outcome.failed(Scheme.ApiKey, 401, "api_key_duplicate", API_KEY_FAILED);
      return r;
    }
    const f = unchecked(ex.found[0]);
    r.used = f;
    const v = f.value;
    if (v.length > MAX_API_KEY_BYTES || !isVisibleAscii(v)) {
      r.outcome = Outcome.failed(Scheme.ApiKey, 401, "api_key_malformed", API_KEY_FAILED);
      return r;
    }
    const i = this.lookup(v);
    if (i < 0) {
      r.outcome = Outcome.failed(Scheme.ApiKey, 401, "api_key_unknown", API_KEY_FAILED);
      return r;
    }
    const k = unchecked(this.keys[i]);
    // the clock is one host call: read only for a key with a validity window
    const now: i64 = k.notBefore > 0 || k.expiresAt > 0 ? <i64>get_current_time_nanoseconds() / 1_000_000_000 : 0;
    if (!k.enabled || consumers.disabled(k.consumer)) r.outcome = Outcome.failed(Scheme.ApiKey, 401, "api_key_disabled", API_KEY_FAILED);
    else if (k.notBefore > 0 && now < k.notBefore) r.outcome = Outcome.failed(Scheme.ApiKey, 401, "api_key_not_yet_valid", API_KEY_FAILED);
    else if (k.expiresAt > 0 && now >= k.expiresAt) r.outcome = Outcome.failed(Scheme.ApiKey, 401, "api_key_expired", API_KEY_FAILED);
    else r.outcome = Outcome.ok(consumers.identity(k.consumer, "api_key", k.id, k.groups, k.scopes));
    return r;
  }
}
