// Where a method finds its credential — a header (optionally behind an auth scheme such as
// `Bearer`), a query parameter or a cookie — and how it takes it away before the request goes
// upstream. Every source of a method is read on every request, so a credential presented twice
// (two headers, a header and a query parameter) is seen as the duplicate it is.
import { HeaderPair, JsonConfigArray, asciiLower, cookieValues, withoutCookie, queryValues } from "@filterkit/sdk";
import { Request } from "./request";

export enum SourceKind {
  Header = 0,
  Query = 1,
  Cookie = 2,
}

export class Source {
  kind: SourceKind = SourceKind.Header;
  /** header name (lower-case), query parameter or cookie name */
  name: string = "";
  /** auth scheme before the credential ("Bearer"; compared ASCII case-insensitively), "" for none */
  scheme: string = "";
  /** a header value without the scheme is not this source's credential (else it is taken whole) */
  schemeRequired: bool = true;

  static header(name: string, scheme: string, schemeRequired: bool): Source {
    const s = new Source();
    s.name = asciiLower(name);
    s.scheme = scheme;
    s.schemeRequired = schemeRequired;
    return s;
  }

  static query(name: string): Source {
    const s = new Source();
    s.kind = SourceKind.Query;
    s.name = name;
    return s;
  }

  static cookie(name: string): Source {
    const s = new Source();
    s.kind = SourceKind.Cookie;
    s.name = name;
    return s;
  }

  /** "header authorization", "query api_key", "cookie session": for logs and details */
  describe(): string {
    return (this.kind == SourceKind.Header ? "header " : this.kind == SourceKind.Query ? "query " : "cookie ") + this.name;
  }
}

/** One credential found: its text and where it was, so exactly that can be removed. */
export class Found {
  value: string;
  source: Source;
  /** which occurrence of the header (headers only) */
  occurrence: i32;

  constructor(value: string, source: Source, occurrence: i32) {
    this.value = value;
    this.source = source;
    this.occurrence = occurrence;
  }
}

export class Extraction {
  found: Array<Found> = new Array<Found>();
  /** a source header was present with another scheme (Basic's "Expected 'Basic' authentication scheme") */
  otherScheme: bool = false;
}

/**
 * `value` without a leading `scheme` and the spaces after it, or null when it does not start with
 * the scheme followed by at least one space (RFC 9110 §11.4: `scheme 1*SP token68`).
 */
export function afterScheme(value: string, scheme: string): string | null {
  const n = scheme.length;
  if (value.length <= n) return null;
  for (let i = 0; i < n; i++) {
    let a = value.charCodeAt(i);
    let b = scheme.charCodeAt(i);
    if (a >= 0x41 && a <= 0x5a) a += 32;
    if (b >= 0x41 && b <= 0x5a) b += 32;
    if (a != b) return null;
  }
  if (value.charCodeAt(n) != 0x20) return null;
  let s = n;
  while (s < value.length && value.charCodeAt(s) == 0x20) s++;
  return value.substring(s);
}

/** Every credential the sources hold, in source order (then occurrence order); empty values are skipped. */
export function extract(req: Request, sources: Array<Source>): Extraction {
  const out = new Extraction();
  for (let i = 0; i < sources.length; i++) {
    const src = unchecked(sources[i]);
    if (src.kind == SourceKind.Header) {
      const vals = req.values(src.name);
      for (let k = 0; k < vals.length; k++) {
        const v = unchecked(vals[k]);
        let cred: string | null = v;
        if (src.scheme.length > 0) {
          const rest = afterScheme(v, src.scheme);
          if (rest !== null) cred = rest;
          else if (src.schemeRequired) {
            if (v.length > 0) out.otherScheme = true;
            cred = null;
          }
        }
        if (cred !== null && cred.length > 0) out.found.push(new Found(cred, src, k));
      }
    } else {
      const vals = src.kind == SourceKind.Query ? queryValues(req.query(), src.name) : cookieValues(req.values("cookie"), src.name);
      for (let k = 0; k < vals.length; k++) {
        const v = unchecked(vals[k]);
        if (v.length > 0) out.found.push(new Found(v, src, k));
      }
    }
  }
  return out;
}

/** Takes the credential away from the request: the header occurrence, every such parameter or cookie. */
export function strip(req: Request, f: Found): void {
  const src = f.source;
  if (src.kind == SourceKind.Header) req.removeOccurrence(src.name, f.occurrence);
  else if (src.kind == SourceKind.Query) req.removeQueryParam(src.name);
  else {
    const lines = req.values("cookie");
    req.remove("cookie");
    for (let i = 0; i < lines.length; i++) {
      const rest = withoutCookie(unchecked(lines[i]), src.name);
      if (rest.length > 0) req.headers.push(HeaderPair.of("cookie", rest));
    }
  }
}

/** Sources from a list like [{"header": "x-api-key"}, {"header": "authorization", "scheme": "Bearer"}, {"query": "k"}, {"cookie": "k"}]. */
export function parseSources(list: JsonConfigArray, schemeRequiredDefault: bool): Array<Source> {
  const out = new Array<Source>();
  for (let i = 0; i < list.length; i++) {
    const o = list.object(i);
    o.allowOnly(["header", "scheme", "scheme_required", "query", "cookie"]);
    const kinds = (o.has("header") ? 1 : 0) + (o.has("query") ? 1 : 0) + (o.has("cookie") ? 1 : 0);
    if (kinds != 1) {
      o.fail("", "expected exactly one of \"header\", \"query\", \"cookie\"");
      continue;
    }
    if (o.has("header")) {
      const name = o.requireString("header");
      out.push(Source.header(name, o.optionalString("scheme", ""), o.optionalBool("scheme_required", schemeRequiredDefault)));
    } else {
      if (o.has("scheme")) o.fail("scheme", "only a header source has a scheme");
      if (o.has("query")) out.push(Source.query(o.requireString("query")));
      else out.push(Source.cookie(o.requireString("cookie")));
    }
  }
  return out;
}
