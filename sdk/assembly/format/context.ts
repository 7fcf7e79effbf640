// What a template reads while it renders: FormatContext (the interface commands use) and
// StreamFormatContext (the SDK's implementation over the current stream).

import { HeaderMapType } from "../abi/enums";
import { getProperty } from "../properties";
import { get_header_map_pairs, get_header_map_value_or_null } from "../headers";
import { asciiLower } from "../header-safety";
import { queryValues, splitPathAndQuery } from "../http/query";
import { cookieValue } from "../http/cookie";

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
    if (path === null) return null;
    const values = queryValues(splitPathAndQuery(path).query, name);
    return values.length > 0 ? unchecked(values[0]) : null;
  }

  /** Cookie `name` from the request's `cookie` header(s) (Envoy's parseCookieValue rules), or null. */
  cookie(name: string): string | null {
    return cookieValue(this.requestHeaderValues("cookie"), name);
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
