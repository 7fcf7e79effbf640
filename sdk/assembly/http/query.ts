// Query strings of `:path`, read and rewritten the way a proxy must: parameters split on "&" in
// order, every parameter kept byte for byte as the client encoded it unless a rule changes it, names
// and values compared after percent-decoding ("%41" is "A"; a "%" not followed by two hex digits
// stays as it is; "+" is not a space: RFC 3986 query, as Envoy's query parameter matching reads it).
// Total functions: any bytes in, no trap.
import { decodeUtf8Lossy } from "../utf8";

/** `:path` split at the first "?". */
export class PathAndQuery {
  path: string = "";
  query: string = "";
  hasQuery: bool = false;
}

export function splitPathAndQuery(p: string): PathAndQuery {
  const out = new PathAndQuery();
  const q = p.indexOf("?");
  if (q < 0) {
    out.path = p;
    return out;
  }
  out.path = p.substring(0, q);
  out.query = p.substring(q + 1);
  out.hasQuery = true;
  return out;
}

/** One parameter as written: raw name and value, and whether it had "=". */
export class QueryParam {
  rawName: string;
  rawValue: string;
  hasValue: bool;

  constructor(rawName: string, rawValue: string, hasValue: bool) {
    this.rawName = rawName;
    this.rawValue = rawValue;
    this.hasValue = hasValue;
  }

  name(): string { return percentDecode(this.rawName); }
  value(): string { return percentDecode(this.rawValue); }

  /** As it goes back on the wire. */
  toString(): string { return this.hasValue ? this.rawName + "=" + this.rawValue : this.rawName; }
}

/** The parameters of a query string (without "?"), in order; empty pieces ("a=1&&b=2") are kept. */
export function parseQuery(query: string): Array<QueryParam> {
  const out = new Array<QueryParam>();
  if (query.length == 0) return out;
  let start = 0;
  for (;;) {
    let end = query.indexOf("&", start);
    if (end < 0) end = query.length;
    const piece = query.substring(start, end);
    const eq = piece.indexOf("=");
    out.push(eq < 0 ? new QueryParam(piece, "", false) : new QueryParam(piece.substring(0, eq), piece.substring(eq + 1), true));
    if (end >= query.length) break;
    start = end + 1;
  }
  return out;
}

/** A query string from parameters (without "?"). */
export function buildQuery(params: Array<QueryParam>): string {
  const parts = new Array<string>();
  for (let i = 0; i < params.length; i++) parts.push(unchecked(params[i]).toString());
  return parts.join("&");
}

/** Every decoded value of parameter `name` (compared decoded), in order. */
export function queryValues(query: string, name: string): Array<string> {
  const out = new Array<string>();
  const params = parseQuery(query);
  for (let i = 0; i < params.length; i++) {
    const p = unchecked(params[i]);
    if (p.name() == name) out.push(p.value());
  }
  return out;
}

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes `s` to bytes and reads them as UTF-8 (each invalid subpart becomes U+FFFD, as
 * WHATWG and Node decode it: ../utf8.ts). A "%" without two hex digits after it is kept literally.
 */
export function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  const src = String.UTF8.encode(s);
  const n = src.byteLength;
  const out = new ArrayBuffer(n);
  const sp = changetype<usize>(src);
  const dp = changetype<usize>(out);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(sp + <usize>i);
    if (c == 0x25 && i + 2 < n) {
      const h = hexValue(<i32>load<u8>(sp + <usize>i + 1));
      const l = hexValue(<i32>load<u8>(sp + <usize>i + 2));
      if (h >= 0 && l >= 0) {
        store<u8>(dp + <usize>j, <u8>(h * 16 + l));
        j++;
        i += 2;
        continue;
      }
    }
    store<u8>(dp + <usize>j, <u8>c);
    j++;
  }
  return decodeUtf8Lossy(dp, <usize>j);
}

const HEX = "0123456789ABCDEF";

/** Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), as UTF-8. */
export function percentEncode(s: string): string {
  const b = String.UTF8.encode(s);
  const p = changetype<usize>(b);
  let out = "";
  for (let i = 0; i < b.byteLength; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    const unreserved = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e;
    out += unreserved ? String.fromCharCode(c) : "%" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
  }
  return out;
}
