// HTTP/1 at the edges of the chain: what a client adds (content-length), what Envoy's codec adds
// (content-length: 0), and what HTTP/1 peers make of the header maps filters leave behind, as measured on Envoy 1.40 with
// the header-validity scenario (integration/scenarios/header-validity.json):
//   - toward the upstream, Envoy's codec refuses a header whose name is not an RFC 9110 token or
//     whose value holds a control character other than HTAB; the router answers the client 503
//     "invalid header name: <name>" / "invalid header value for: <name>" and nothing goes upstream;
//   - toward the client, Envoy writes the headers as they are: a value carrying "\r\n<name>: <v>"
//     reaches the client as an extra header (response splitting), anything else malformed makes
//     the client's parser fail the response.
// UTF-8 (obs-text) in values passes both ways.

import { utf8Length } from "./memory.ts";

/** A client sending a body announces its length (unless the headers already carry one). */
export function withContentLength(headers: Array<[string, string]>, body: string): Array<[string, string]> {
  if (body.length === 0 || headers.some(([k]) => k.toLowerCase() === "content-length")) return headers;
  return [...headers, ["content-length", String(utf8Length(body))]];
}

/**
 * The framing header a client adds to a request: `transfer-encoding: chunked` when trailers follow
 * the body (HTTP/1 carries trailers only in chunked encoding), else the content-length of a body.
 */
export function withRequestFraming(headers: Array<[string, string]>, body: string, hasTrailers: boolean): Array<[string, string]> {
  if (!hasTrailers) return withContentLength(headers, body);
  if (headers.some(([k]) => k.toLowerCase() === "transfer-encoding")) return headers;
  return [...headers, ["transfer-encoding", "chunked"]];
}

/**
 * The framing Envoy's HTTP/1 codec adds on the way to the client: a response that ends without a
 * body, a content-length or trailers gets `content-length: 0` (unless 1xx/204/304).
 */
export function http1Framing(headers: Array<[string, string]>, status: number, hasBodyOrTrailers: boolean): Array<[string, string]> {
  const noBodyAllowed = status < 200 || status === 204 || status === 304;
  if (noBodyAllowed || hasBodyOrTrailers || headers.some(([k]) => k === "content-length" || k === "transfer-encoding")) return headers;
  return [...headers, ["content-length", "0"]];
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// any control character except HTAB, and DEL
const CTL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Control characters as \u00XX, as Envoy writes a bad name into its reply. */
function escaped(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Why Envoy would refuse to send these request headers upstream, or null (pseudo-headers skipped). */
export function invalidUpstreamHeader(headers: ReadonlyArray<readonly [string, string]>): string | null {
  for (const [k, v] of headers) {
    if (k.startsWith(":")) continue;
    if (!TCHAR.test(k)) return `invalid header name: ${escaped(k)}`;
    if (CTL.test(v)) return `invalid header value for: ${escaped(k)}`;
  }
  return null;
}

/**
 * The header list an HTTP/1 client parses from Envoy's unvalidated serialization of `headers`
 * (`name: value\r\n` each), or null when its parser rejects the response. Values lose surrounding
 * spaces and tabs, as parsers trim them.
 */
export function clientParse(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> | null {
  const block = headers.map(([k, v]) => `${k}: ${v}`).join("\r\n");
  const out: Array<[string, string]> = [];
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!TCHAR.test(name) || CTL.test(value)) return null;
    out.push([name.toLowerCase(), value]);
  }
  return out;
}
