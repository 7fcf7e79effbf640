// The request as the filter edits it: a working copy of the request headers, read and changed by
// name, written back to the host once at the end of onRequestHeaders (one host call instead of one
// per edit, and every later reader sees the edits of the ones before it).
import {
  HeaderPair, Headers, HeaderMapType, get_header_map_pairs, set_header_map_pairs, splitPathAndQuery,
  parseQuery, buildQuery, QueryParam,
} from "@filterkit/sdk";

/** Byte equality of a pair's key and an encoded lower-case name. */
function keyIs(p: HeaderPair, name: ArrayBuffer): bool {
  const n = name.byteLength;
  if (p.key.byteLength != n) return false;
  return memory.compare(changetype<usize>(p.key), changetype<usize>(name), <usize>n) == 0;
}

export class Request {
  headers: Headers;
  changed: bool = false;

  constructor(headers: Headers) {
    this.headers = headers;
  }

  static fromHost(): Request {
    return new Request(get_header_map_pairs(HeaderMapType.RequestHeaders));
  }

  /** Every value of header `name` (lower-case), in order. */
  values(name: string): Array<string> {
    const want = String.UTF8.encode(name);
    const out = new Array<string>();
    for (let i = 0; i < this.headers.length; i++) {
      const p = unchecked(this.headers[i]);
      if (keyIs(p, want)) out.push(p.valueString());
    }
    return out;
  }

  /** The first value of header `name`, or "". */
  first(name: string): string {
    const v = this.values(name);
    return v.length > 0 ? unchecked(v[0]) : "";
  }

  /** Removes every occurrence of header `name`. */
  remove(name: string): void {
    const want = String.UTF8.encode(name);
    const kept = new Array<HeaderPair>();
    for (let i = 0; i < this.headers.length; i++) {
      const p = unchecked(this.headers[i]);
      if (keyIs(p, want)) this.changed = true;
      else kept.push(p);
    }
    this.headers = kept;
  }

  /** Removes every header whose name starts with `prefix` (lower-case). */
  removePrefix(prefix: string): void {
    const want = String.UTF8.encode(prefix);
    const n = want.byteLength;
    const kept = new Array<HeaderPair>();
    for (let i = 0; i < this.headers.length; i++) {
      const p = unchecked(this.headers[i]);
      const hit = p.key.byteLength >= n && memory.compare(changetype<usize>(p.key), changetype<usize>(want), <usize>n) == 0;
      if (hit) this.changed = true;
      else kept.push(p);
    }
    this.headers = kept;
  }

  /** Removes occurrence `k` (0-based, counting only header `name`). */
  removeOccurrence(name: string, k: i32): void {
    const want = String.UTF8.encode(name);
    let seen = 0;
    for (let i = 0; i < this.headers.length; i++) {
      if (!keyIs(unchecked(this.headers[i]), want)) continue;
      if (seen++ == k) {
        this.headers.splice(i, 1);
        this.changed = true;
        return;
      }
    }
  }

  /** Replaces occurrence `k` of header `name` with `value`. */
  replaceOccurrence(name: string, k: i32, value: string): void {
    const want = String.UTF8.encode(name);
    let seen = 0;
    for (let i = 0; i < this.headers.length; i++) {
      const p = unchecked(this.headers[i]);
      if (!keyIs(p, want)) continue;
      if (seen++ == k) {
        p.value = String.UTF8.encode(value);
        this.changed = true;
        return;
      }
    }
  }

  /** Sets header `name` to exactly one value (replacing, never appending). */
  set(name: string, value: string): void {
    this.remove(name);
    this.headers.push(HeaderPair.of(name, value));
    this.changed = true;
  }

  /** The raw query string of `:path` ("" without one). */
  query(): string {
    return splitPathAndQuery(this.first(":path")).query;
  }

  /** Drops every query parameter whose decoded name is `name`, keeping the others as written. */
  removeQueryParam(name: string): void {
    const pq = splitPathAndQuery(this.first(":path"));
    if (!pq.hasQuery) return;
    const params = parseQuery(pq.query);
    const kept = new Array<QueryParam>();
    for (let i = 0; i < params.length; i++) {
      const p = unchecked(params[i]);
      if (p.name() != name) kept.push(p);
    }
    if (kept.length == params.length) return;
    const q = buildQuery(kept);
    this.replaceOccurrence(":path", 0, q.length > 0 ? pq.path + "?" + q : pq.path);
  }

  /** Writes the copy back when anything changed. */
  flush(): void {
    if (!this.changed) return;
    set_header_map_pairs(HeaderMapType.RequestHeaders, this.headers);
    this.changed = false;
  }
}
