// HTTP Basic (RFC 7617) against an htpasswd-style user list: `{SHA}` (unsalted SHA-1, what Envoy's
// basic_auth accepts) and PBKDF2-SHA256 in passlib's `$pbkdf2-sha256$rounds$salt$hash` form. The
// password is compared as a digest in constant time; an unknown user costs the same PBKDF2 work as a
// known one (no user enumeration by timing); successful PBKDF2 verifications are remembered per
// worker in a bounded table keyed by an HMAC of the credential, so the slow hash runs once per
// credential per TTL, and the table never holds the password or a plain hash of it.
import { JsonConfig, get_current_time_nanoseconds } from "@filterkit/sdk";
import { HashAlg } from "@filterkit/sdk/assembly/crypto/hash-alg";
import { sha1 } from "@filterkit/sdk/assembly/crypto/sha1";
import { hmac } from "@filterkit/sdk/assembly/crypto/hmac";
import { pbkdf2 } from "@filterkit/sdk/assembly/crypto/pbkdf2";
import { constantTimeEqual } from "@filterkit/sdk/assembly/crypto/constant-time";
import { base64Decode } from "@filterkit/sdk/assembly/crypto/base64";
import { Consumers } from "./consumers";
import { Source, extract } from "./credential";
import { MethodResult } from "./method";
import { Outcome, Scheme } from "./outcome";
import { Request } from "./request";
import { toHex } from "./text";

// Envoy basic_auth's reply bodies, word for word
export const BASIC_MISSING = "User authentication failed. Missing username and password.";
export const BASIC_SCHEME = "User authentication failed. Expected 'Basic' authentication scheme.";
export const BASIC_FORMAT = "User authentication failed. Invalid basic credential format.";
export const BASIC_INVALID = "User authentication failed. Invalid username/password combination.";

/** PBKDF2 rounds accepted in a stored hash (below: too weak to be worth it; above: a CPU trap). */
export const PBKDF2_MIN_ROUNDS = 1000;
export const PBKDF2_MAX_ROUNDS = 1_000_000;
/** Longest Authorization value decoded. */
export const MAX_BASIC_BYTES = 4096;

export enum HashKind {
  Sha1 = 0,
  Pbkdf2Sha256 = 1,
}

export class BasicUser {
  name: string = "";
  kind: HashKind = HashKind.Sha1;
  rounds: i32 = 0;
  salt: Uint8Array = new Uint8Array(0);
  digest: Uint8Array = new Uint8Array(0);
  consumer: string = "";
}

/** passlib's "adapted base64" (`.` for `+`, no padding) decoded, or null. */
function ab64Decode(s: string): Uint8Array | null {
  let t = s.replaceAll(".", "+");
  while (t.length & 3) t += "=";
  return base64Decode(t);
}

/** A stored hash parsed into `u`, or an error text. */
export function parseStoredHash(u: BasicUser, stored: string): string | null {
  if (stored.startsWith("{SHA}")) {
    const d = base64Decode(stored.substring(5));
    if (d === null || d.length != 20) return "a {SHA} hash is the base64 of 20 bytes";
    u.kind = HashKind.Sha1;
    u.digest = d;
    return null;
  }
  if (stored.startsWith("$pbkdf2-sha256$")) {
    const parts = stored.substring(15).split("$");
    if (parts.length != 3) return "expected $pbkdf2-sha256$<rounds>$<salt>$<hash>";
    const r = parseRounds(unchecked(parts[0]));
    if (r < PBKDF2_MIN_ROUNDS || r > PBKDF2_MAX_ROUNDS) return "PBKDF2 rounds must be a number from 1000 to 1000000";
    const salt = ab64Decode(unchecked(parts[1]));
    const digest = ab64Decode(unchecked(parts[2]));
    if (salt === null || salt.length == 0) return "the PBKDF2 salt is not adapted base64";
    if (digest === null || digest.length != 32) return "the PBKDF2 hash is not 32 bytes of adapted base64";
    u.kind = HashKind.Pbkdf2Sha256;
    u.rounds = r;
    u.salt = salt;
    u.digest = digest;
    return null;
  }
  return "unsupported hash: expected {SHA}… or $pbkdf2-sha256$…";
}

function parseRounds(s: string): i32 {
  if (s.length == 0 || s.length > 7) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A bounded table of recent successful slow-hash verifications: MAC of the credential -> expiry (ns). */
class VerifiedCache {
  size: i32;
  ttlNs: i64;
  key: Uint8Array;
  entries: Map<string, i64> = new Map<string, i64>();
  /** insertion order, for evicting the oldest when full */
  order: Array<string> = new Array<string>();

  constructor(size: i32, ttlSeconds: i64, key: Uint8Array) {
    this.size = size;
    this.ttlNs = ttlSeconds * 1_000_000_000;
    this.key = key;
  }

  tag(user: string, password: Uint8Array): string {
    const u = String.UTF8.encode(user);
    const buf = new Uint8Array(u.byteLength + 1 + password.length);
    buf.set(Uint8Array.wrap(u), 0);
    buf.set(password, u.byteLength + 1);
    return toHex(hmac(HashAlg.SHA256, this.key, buf));
  }

  has(tag: string, now: i64): bool {
    if (this.size == 0 || !this.entries.has(tag)) return false;
    return this.entries.get(tag) > now;
  }

  remember(tag: string, now: i64): void {
    if (this.size == 0) return;
    if (!this.entries.has(tag)) {
      if (this.order.length >= this.size) {
        const old = this.order.shift();
        this.entries.delete(old);
      }
      this.order.push(tag);
    }
    this.entries.set(tag, now + this.ttlNs);
  }
}

export class BasicMethod {
  source: Source = Source.header("authorization", "Basic", true);
  users: Map<string, BasicUser> = new Map<string, BasicUser>();
  /** a PBKDF2 user whose work an unknown user's attempt repeats (null when none is PBKDF2) */
  decoy: BasicUser | null = null;
  cache: VerifiedCache = new VerifiedCache(0, 0, new Uint8Array(0));

  static parse(cfg: JsonConfig, cacheKey: Uint8Array): BasicMethod {
    const m = new BasicMethod();
    cfg.allowOnly(["header", "users", "htpasswd", "cache"]);
    const header = cfg.optionalEnum("header", ["authorization", "proxy-authorization"], "authorization");
    m.source = Source.header(header, "Basic", true);
    const users = cfg.optionalArray("users");
    for (let i = 0; i < users.length; i++) {
      const o = users.object(i);
      o.allowOnly(["name", "hash", "consumer"]);
      const u = new BasicUser();
      u.name = o.requireString("name");
      u.consumer = o.optionalString("consumer", u.name);
      const err = parseStoredHash(u, o.requireString("hash"));
      if (err !== null) o.fail("hash", err);
      m.add(u, o, "name");
    }
    if (cfg.has("htpasswd")) {
      const lines = cfg.requireString("htpasswd").split("\n");
      for (let i = 0; i < lines.length; i++) {
        const line = unchecked(lines[i]).trim();
        if (line.length == 0 || line.startsWith("#")) continue;
        const colon = line.indexOf(":");
        const u = new BasicUser();
        if (colon <= 0) {
          cfg.fail("htpasswd", "line " + (i + 1).toString() + ": expected user:hash");
          continue;
        }
        u.name = line.substring(0, colon);
        u.consumer = u.name;
        const err = parseStoredHash(u, line.substring(colon + 1));
        if (err !== null) cfg.fail("htpasswd", "line " + (i + 1).toString() + ": " + err);
        m.add(u, cfg, "htpasswd");
      }
    }
    if (m.users.size == 0) cfg.fail("users", "expected at least one user (in \"users\" or \"htpasswd\")");
    const c = cfg.optionalObject("cache");
    let size: i64 = 256;
    let ttl: i64 = 300;
    if (c !== null) {
      c.allowOnly(["size", "ttl_seconds"]);
      size = c.optionalInt("size", 256, 0, 100_000);
      ttl = c.optionalInt("ttl_seconds", 300, 1, 86_400);
    }
    m.cache = new VerifiedCache(<i32>size, ttl, cacheKey);
    return m;
  }

  private add(u: BasicUser, at: JsonConfig, field: string): void {
    if (u.name.includes(":")) at.fail(field, "a user name cannot hold \":\" (RFC 7617)");
    if (this.users.has(u.name)) at.fail(field, "user \"" + u.name + "\" is defined twice");
    this.users.set(u.name, u);
    if (u.kind == HashKind.Pbkdf2Sha256 && this.decoy === null) this.decoy = u;
  }

  authenticate(req: Request, consumers: Consumers, duplicatesFirst: bool): MethodResult {
    const ex = extract(req, [this.source]);
    const r = new MethodResult(ex);
    if (ex.found.length == 0) {
      r.outcome = Outcome.missing(Scheme.Basic, ex.otherScheme ? "basic_wrong_scheme" : "basic_missing", ex.otherScheme ? BASIC_SCHEME : BASIC_MISSING);
      return r;
    }
    if (ex.found.length > 1 && !duplicatesFirst) {
      r.outcome = Outcome.failed(Scheme.Basic, 401, "basic_duplicate", BASIC_INVALID);
      return r;
    }
    const f = unchecked(ex.found[0]);
    r.used = f;
    const decoded = f.value.length <= MAX_BASIC_BYTES ? base64Decode(f.value) : null;
    let colon = -1;
    if (decoded !== null) {
      for (let i = 0; i < decoded.length; i++) {
        if (unchecked(decoded[i]) == 0x3a) {
          colon = i;
          break;
        }
      }
    }
    if (decoded === null || colon < 0) {
      r.outcome = Outcome.failed(Scheme.Basic, 401, "basic_malformed", BASIC_FORMAT);
      return r;
    }
    // RFC 7617: the user-id cannot hold ":", the password can — split at the first colon
    const name = String.UTF8.decodeUnsafe(decoded.dataStart, <usize>colon);
    const password = decoded.subarray(colon + 1);
    const ok = this.verify(name, password);
    if (!ok) {
      r.outcome = Outcome.failed(Scheme.Basic, 401, "basic_invalid", BASIC_INVALID);
      return r;
    }
    const u = this.users.get(name);
    if (consumers.disabled(u.consumer)) {
      r.outcome = Outcome.failed(Scheme.Basic, 401, "basic_disabled", BASIC_INVALID);
      return r;
    }
    r.outcome = Outcome.ok(consumers.identity(u.consumer, "basic", u.name, [], []));
    return r;
  }

  /** Whether `password` is `name`'s; an unknown name does the same work as a wrong password. */
  verify(name: string, password: Uint8Array): bool {
    const known = this.users.has(name);
    const decoy = this.decoy;
    const u = known ? this.users.get(name) : decoy;
    if (u === null) {
      sha1(password); // an unknown name costs what a {SHA} check costs
      return false;
    }
    if (u.kind == HashKind.Sha1) return constantTimeEqual(sha1(password), u.digest) && known;
    const now = <i64>get_current_time_nanoseconds();
    const tag = known ? this.cache.tag(name, password) : "";
    if (known && this.cache.has(tag, now)) return true;
    const ok = constantTimeEqual(pbkdf2(HashAlg.SHA256, password, u.salt, u.rounds, 32), u.digest) && known;
    if (ok) this.cache.remember(tag, now);
    return ok;
  }
}
