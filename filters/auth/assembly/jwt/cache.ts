// Verified tokens, remembered per worker: key = SHA-256 of the token text (the table never holds a
// token), value = the parsed token and when the entry lapses — the token's own exp (plus skew) or
// the configured TTL, whichever comes first. Bounded; the oldest entry makes room. A hit skips the
// signature only: the claims are checked again at the time of every request.
import { sha256 } from "@filterkit/sdk/assembly/crypto/sha256";
import { toHex } from "../text";
import { Token } from "./token";

class Entry {
  token: Token;
  provider: string;
  untilNs: i64;
  constructor(token: Token, provider: string, untilNs: i64) {
    this.token = token;
    this.provider = provider;
    this.untilNs = untilNs;
  }
}

export class TokenCache {
  size: i32;
  ttlNs: i64;
  entries: Map<string, Entry> = new Map<string, Entry>();
  order: Array<string> = new Array<string>();

  constructor(size: i32, ttlSeconds: i64) {
    this.size = size;
    this.ttlNs = ttlSeconds * 1_000_000_000;
  }

  keyOf(token: string, provider: string): string {
    return provider + ":" + toHex(sha256(Uint8Array.wrap(String.UTF8.encode(token))));
  }

  /** The verified token for this text and provider, or null (absent or lapsed). */
  get(key: string, nowNs: i64): Token | null {
    if (this.size == 0 || !this.entries.has(key)) return null;
    const e = this.entries.get(key);
    return e.untilNs > nowNs ? e.token : null;
  }

  put(key: string, token: Token, provider: string, nowNs: i64, expSeconds: i64): void {
    if (this.size == 0) return;
    let until = nowNs + this.ttlNs;
    if (expSeconds >= 0) {
      const byExp = expSeconds * 1_000_000_000;
      if (byExp < until) until = byExp;
    }
    if (!this.entries.has(key)) {
      if (this.order.length >= this.size) this.entries.delete(this.order.shift());
      this.order.push(key);
    }
    this.entries.set(key, new Entry(token, provider, until));
  }
}
