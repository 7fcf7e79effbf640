// What a condition reads: the request line, headers, query parameters and cookies of the stream,
// and the response status. A filter's response callbacks cannot read the request headers any more
// (Envoy hands a filter only the map of the callback it is in), so StreamMatchInput keeps what it
// read in the request phase: a condition evaluated on the response path sees the same request.
// HostRequestMatchInput reads the request from the host only as far as a condition asks.
import { HeaderPair, Headers, get_header_map_pairs, get_header_map_value_or_null } from "../headers";
import { HeaderMapType } from "../abi/enums";
import { queryValues, splitPathAndQuery } from "../http/query";
import { cookieValue } from "../http/cookie";

/** The inputs of a condition. Header names are lower-case. */
export abstract class MatchInput {
  abstract method(): string;
  /** `:path` without its query string */
  abstract path(): string;
  /** `:authority` */
  abstract host(): string;
  /** every value of request header `name`, in order */
  abstract requestHeader(name: string): Array<string>;
  /** the first value of request header `name`, or null when it is absent */
  firstRequestHeader(name: string): string | null {
    const v = this.requestHeader(name);
    return v.length > 0 ? unchecked(v[0]) : null;
  }
  /** every value of response header `name` (empty before the response) */
  abstract responseHeader(name: string): Array<string>;
  /** every value of query parameter `name`, percent-decoded */
  abstract query(name: string): Array<string>;
  /** the value of cookie `name` (first occurrence), or null */
  abstract cookie(name: string): string | null;
  /** the response status, or 0 before the response */
  abstract status(): i32;
}

function valuesOf(pairs: Headers, name: string): Array<string> {
  const out = new Array<string>();
  const want = String.UTF8.encode(name);
  const n = want.byteLength;
  for (let i = 0; i < pairs.length; i++) {
    const p = unchecked(pairs[i]);
    if (p.key.byteLength != n) continue;
    if (memory.compare(changetype<usize>(p.key), changetype<usize>(want), <usize>n) == 0) out.push(p.valueString());
  }
  return out;
}

function firstOf(pairs: Headers, name: string): string {
  const v = valuesOf(pairs, name);
  return v.length > 0 ? unchecked(v[0]) : "";
}

/**
 * A condition's inputs from header lists the caller holds: the request's (kept from the request
 * phase, so response-path conditions see it too) and the response's. A filter that edits headers
 * hands its working copies, so each rule sees what the rules before it did.
 */
export class PairsMatchInput extends MatchInput {
  request: Headers;
  response: Headers | null;

  constructor(request: Headers, response: Headers | null = null) {
    super();
    this.request = request;
    this.response = response;
  }

  method(): string { return firstOf(this.request, ":method"); }
  path(): string { return splitPathAndQuery(firstOf(this.request, ":path")).path; }
  host(): string { return firstOf(this.request, ":authority"); }
  requestHeader(name: string): Array<string> { return valuesOf(this.request, name); }
  responseHeader(name: string): Array<string> {
    const r = this.response;
    return r === null ? new Array<string>() : valuesOf(r, name);
  }
  query(name: string): Array<string> { return queryValues(splitPathAndQuery(firstOf(this.request, ":path")).query, name); }
  cookie(name: string): string | null { return cookieValue(valuesOf(this.request, "cookie"), name); }
  status(): i32 {
    const r = this.response;
    if (r === null) return 0;
    const s = firstOf(r, ":status");
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9 || n > 99999) return 0;
      n = n * 10 + d;
    }
    return n;
  }
}

/**
 * The stream's own maps, read with one host call each: `captureRequest()` in onRequestHeaders (kept
 * for the response phase), `captureResponse()` in onResponseHeaders.
 */
export class StreamMatchInput extends PairsMatchInput {
  constructor() {
    super(new Array<HeaderPair>(), null);
  }

  captureRequest(): void {
    this.request = get_header_map_pairs(HeaderMapType.RequestHeaders);
  }

  captureResponse(): void {
    this.response = get_header_map_pairs(HeaderMapType.ResponseHeaders);
  }
}

/**
 * The request's inputs read from the host only when a condition or a key asks, each at most once
 * (onRequestHeaders only: later callbacks cannot read the request map). The request line comes from
 * Envoy's pseudo-headers with one get_header_map_value each — exact, since Envoy keeps :method,
 * :path and :authority single-valued; so does a header's first value. Every value of a header (a
 * repeated X-Forwarded-For, several cookie headers) needs the whole map, which
 * get_header_map_value cannot give (Envoy returns the first value only), so requestHeader() and
 * cookie() read it with get_header_map_pairs, once. Why it matters: in Envoy 1.40 reading a header
 * map whole costs several microseconds of CPU per request (npm run bench:envoy, "header maps"), a
 * single value a fraction of that; a configuration that reads no header makes no header-map call.
 */
export class HostRequestMatchInput extends MatchInput {
  private pairs: Headers | null = null;
  private methodValue: string | null = null;
  private rawPath: string | null = null;
  private hostValue: string | null = null;

  /** The whole request map, read now unless an input already needed it. */
  headers(): Headers {
    let p = this.pairs;
    if (p === null) {
      p = get_header_map_pairs(HeaderMapType.RequestHeaders);
      this.pairs = p;
    }
    return p;
  }

  /** Whether the whole map has been read (for tests and for filters that want to reuse it). */
  readWhole(): bool {
    return this.pairs !== null;
  }

  firstRequestHeader(name: string): string | null {
    const p = this.pairs;
    if (p !== null) {
      const v = valuesOf(p, name);
      return v.length > 0 ? unchecked(v[0]) : null;
    }
    return get_header_map_value_or_null(HeaderMapType.RequestHeaders, name);
  }

  private single(name: string): string {
    const v = this.firstRequestHeader(name);
    return v === null ? "" : v;
  }

  method(): string {
    let v = this.methodValue;
    if (v === null) {
      v = this.single(":method");
      this.methodValue = v;
    }
    return v;
  }

  private fullPath(): string {
    let v = this.rawPath;
    if (v === null) {
      v = this.single(":path");
      this.rawPath = v;
    }
    return v;
  }

  path(): string { return splitPathAndQuery(this.fullPath()).path; }

  host(): string {
    let v = this.hostValue;
    if (v === null) {
      v = this.single(":authority");
      this.hostValue = v;
    }
    return v;
  }

  requestHeader(name: string): Array<string> { return valuesOf(this.headers(), name); }
  responseHeader(_name: string): Array<string> { return new Array<string>(); }
  query(name: string): Array<string> { return queryValues(splitPathAndQuery(this.fullPath()).query, name); }
  cookie(name: string): string | null { return cookieValue(valuesOf(this.headers(), "cookie"), name); }
  status(): i32 { return 0; }
}
