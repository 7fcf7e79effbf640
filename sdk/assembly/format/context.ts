// What a template reads while it renders: FormatContext (the interface commands use) and
// StreamFormatContext (the SDK's implementation over the current stream).

import { HeaderMapType } from "../abi/enums";
import { getProperty } from "../properties";
import { get_header_map_pairs, get_header_map_value_or_null } from "../headers";
import { asciiLower } from "../header-safety";
import { decodeUtf8Lossy } from "../utf8";

/** Which side of the exchange a template renders for. */
export enum FormatPhase {
  /** request headers are being processed: no response yet (%RESP% is empty, %RESPONSE_CODE% 0) */
  Request = 0,
  /** response headers are being processed */
  Response = 1,
}

/**
 * Everything a command reads. Header names arrive lower-cased. Every getter returns null for
 * "absent"; the template decides what an absent value renders as (Envoy's rule per command).
 * `queryParam` and `cookie` have default implementations on top of `requestHeader(":path")` and
 * `requestHeaderValues("cookie")`; captures default to none.
 */
export abstract class FormatContext {
  abstract phase(): FormatPhase;
  /** First value of request header `name`, or null. */
  abstract requestHeader(name: string): string | null;
  /** First value of response header `name`, or null (always null in the request phase). */
  abstract responseHeader(name: string): string | null;
  /** Raw bytes of an Envoy attribute (`["source", "address"]`), or null when absent. */
  abstract property(path: Array<string>): ArrayBuffer | null;

  /** Every value of request header `name`, in order (default: the first value only). */
  requestHeaderValues(name: string): Array<string> {
    const out = new Array<string>();
    const v = this.requestHeader(name);
    if (v !== null) out.push(v);
    return out;
  }

  /** Query parameter `name` of the request's `:path`, percent-decoded (Envoy's %QUERY_PARAM%), or null. */
  queryParam(name: string): string | null {
    const path = this.requestHeader(":path");
    return path === null ? null : queryParamOf(path, name);
  }

  /** Cookie `name` from the request's `cookie` header(s) (Envoy's parseCookieValue rules), or null. */
  cookie(name: string): string | null {
    const values = this.requestHeaderValues("cookie");
    for (let i = 0; i < values.length; i++) {
      const v = cookieOf(unchecked(values[i]), name);
      if (v !== null) return v;
    }
    return null;
  }

  /** Capture group `index` (0 = the whole match) of a pattern the caller matched, or null. */
  capture(index: i32): string | null {
    return null;
  }

  /** Named capture group `name`, or null. */
  namedCapture(name: string): string | null {
    return null;
  }
}

// ---- query and cookie parsing -----------------------------------------------------------------------

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Envoy's PercentEncoding::decode of units [from, to) of `s`: `%XX` → that byte; anything else kept. */
export function percentDecode(s: string, from: i32, to: i32): string {
  let plain = true;
  for (let i = from; i < to; i++) {
    if (s.charCodeAt(i) == 0x25) { plain = false; break; }
  }
  if (plain) return s.substring(from, to);
  // decode into UTF-8 bytes, then back to a string
  const src = String.UTF8.encode(s.substring(from, to));
  const n = src.byteLength;
  const bytes = new Uint8Array(n);
  const p = changetype<usize>(src);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c == 0x25 && i + 2 < n) {
      const h = hexValue(<i32>load<u8>(p + <usize>i + 1));
      const l = hexValue(<i32>load<u8>(p + <usize>i + 2));
      if (h >= 0 && l >= 0) {
        bytes[o++] = <u8>((h << 4) | l);
        i += 2;
        continue;
      }
    }
    bytes[o++] = <u8>c;
  }
  return decodeUtf8Lossy(bytes.dataStart, <usize>o);
}

/** The first value of query parameter `name` in `path` (key and value percent-decoded), or null. */
export function queryParamOf(path: string, name: string): string | null {
  const q = path.indexOf("?");
  if (q < 0) return null;
  const n = path.length;
  let start = q + 1;
  while (start <= n) {
    let end = path.indexOf("&", start);
    if (end < 0) end = n;
    if (end > start) {
      let eq = path.indexOf("=", start);
      if (eq < 0 || eq > end) eq = -1;
      const keyEnd = eq < 0 ? end : eq;
      if (percentDecode(path, start, keyEnd) == name) {
        return eq < 0 ? "" : percentDecode(path, eq + 1, end);
      }
    }
    start = end + 1;
  }
  return null;
}

/** Cookie `name` in one `cookie` header value: `k=v` pairs split on ';', leading spaces skipped, quotes stripped. */
export function cookieOf(header: string, name: string): string | null {
  const n = header.length;
  let start = 0;
  while (start <= n) {
    let end = header.indexOf(";", start);
    if (end < 0) end = n;
    let s = start;
    while (s < end && (header.charCodeAt(s) == 0x20 || header.charCodeAt(s) == 0x09)) s++;
    const eq = header.indexOf("=", s);
    if (eq >= 0 && eq < end && eq - s == name.length && header.substring(s, eq) == name) {
      let vs = eq + 1;
      let ve = end;
      if (ve - vs >= 2 && header.charCodeAt(vs) == 0x22 && header.charCodeAt(ve - 1) == 0x22) {
        vs++;
        ve--;
      }
      return header.substring(vs, ve);
    }
    start = end + 1;
  }
  return null;
}

// ---- stashed request headers and captures ------------------------------------------------------------

/**
 * Request-header values kept for the response phase (a proxy-wasm filter cannot read request
 * headers from its response callbacks). Fill it in the request phase with `HeaderStash.capture(
 * template.requestHeadersUsed())`, hand it to the response-phase context.
 */
export class HeaderStash {
  names: Array<string> = new Array<string>();
  values: Array<string> = new Array<string>();

  /** Adds one value (names are matched lower-cased). */
  add(name: string, value: string): void {
    this.names.push(asciiLower(name));
    this.values.push(value);
  }

  /** Keeps every value of each of `names` from the current request headers (one host call). */
  static capture(names: Array<string>): HeaderStash {
    const stash = new HeaderStash();
    if (names.length == 0) return stash;
    const pairs = get_header_map_pairs(HeaderMapType.RequestHeaders);
    for (let i = 0; i < pairs.length; i++) {
      const p = unchecked(pairs[i]);
      const k = asciiLower(p.keyString());
      if (names.includes(k)) {
        stash.names.push(k);
        stash.values.push(p.valueString());
      }
    }
    return stash;
  }

  first(name: string): string | null {
    for (let i = 0; i < this.names.length; i++) {
      if (unchecked(this.names[i]) == name) return unchecked(this.values[i]);
    }
    return null;
  }

  all(name: string): Array<string> {
    const out = new Array<string>();
    for (let i = 0; i < this.names.length; i++) {
      if (unchecked(this.names[i]) == name) out.push(unchecked(this.values[i]));
    }
    return out;
  }
}

/**
 * The SDK's context: headers of the current stream (stream_context's maps), properties through
 * proxy_get_property, the query from `:path`, cookies from the `cookie` header(s). In the response
 * phase request headers come from `stash` when one is set (else the host is asked, which Envoy
 * answers only in the request phase). Captures are whatever the caller set last.
 */
export class StreamFormatContext extends FormatContext {
  current: FormatPhase;
  stash: HeaderStash | null = null;
  captureValues: Array<string | null> = new Array<string | null>();
  captureNames: Array<string> = new Array<string>();

  constructor(phase: FormatPhase = FormatPhase.Request, stash: HeaderStash | null = null) {
    super();
    this.current = phase;
    this.stash = stash;
  }

  static request(): StreamFormatContext {
    return new StreamFormatContext(FormatPhase.Request, null);
  }

  static response(stash: HeaderStash | null = null): StreamFormatContext {
    return new StreamFormatContext(FormatPhase.Response, stash);
  }

  /**
   * Sets the capture groups of the match the caller made: `values[i]` is group i (0 = the whole
   * match; null = did not participate), `names[i]` its name ("" for an unnamed group).
   */
  setCaptures(values: Array<string | null>, names: Array<string> | null = null): StreamFormatContext {
    this.captureValues = values;
    this.captureNames = names !== null ? names : new Array<string>();
    return this;
  }

  phase(): FormatPhase {
    return this.current;
  }

  requestHeader(name: string): string | null {
    const stash = this.stash;
    if (this.current == FormatPhase.Response && stash !== null) return stash.first(name);
    return get_header_map_value_or_null(HeaderMapType.RequestHeaders, name);
  }

  requestHeaderValues(name: string): Array<string> {
    const stash = this.stash;
    if (this.current == FormatPhase.Response && stash !== null) return stash.all(name);
    const out = new Array<string>();
    const pairs = get_header_map_pairs(HeaderMapType.RequestHeaders);
    for (let i = 0; i < pairs.length; i++) {
      const p = unchecked(pairs[i]);
      if (asciiLower(p.keyString()) == name) out.push(p.valueString());
    }
    return out;
  }

  responseHeader(name: string): string | null {
    if (this.current != FormatPhase.Response) return null;
    return get_header_map_value_or_null(HeaderMapType.ResponseHeaders, name);
  }

  property(path: Array<string>): ArrayBuffer | null {
    return getProperty<Array<string>>(path);
  }

  capture(index: i32): string | null {
    if (index < 0 || index >= this.captureValues.length) return null;
    return unchecked(this.captureValues[index]);
  }

  namedCapture(name: string): string | null {
    for (let i = 0; i < this.captureNames.length; i++) {
      if (unchecked(this.captureNames[i]) == name) return this.capture(i);
    }
    return null;
  }
}
