// Envoy's HTTP/1 codec at the two edges of the filter chain, as measured on Envoy 1.40 (the
// differential fuzzer, integration/fuzz-diff.test.ts, and the corpus's header scenarios):
//
// client → Envoy (decodeRequestHead): a head with more than 100 header lines, or more than 60 KiB
//   on the wire (request line, header lines and the blank line), is answered 431 by the codec
//   itself, before any filter; otherwise filters see `:authority` (from host), `:path`, `:method`,
//   `:scheme`, then the other headers in wire order, names lower-cased, values without the optional
//   whitespace around them, `connection`, `keep-alive` and `transfer-encoding` removed.
// Envoy → upstream (encodeUpstreamRequest): the request goes out as the filters left it, framed
//   again: `transfer-encoding: chunked` for a body without a content-length, `content-length: 0`
//   for a bodiless request whose method usually carries a body; headers no
//   HTTP/1 peer may receive are refused by the router with its own 503 (invalidUpstreamHeader).
// upstream → Envoy (decodeResponseHead): the same limits at 100 lines and 80 KiB answer the client
//   with the router's 502 "… reset reason: protocol error" (through every filter); otherwise filters
//   see `:status`, the headers with values trimmed, `keep-alive` removed (`connection` and
//   `transfer-encoding` stay), no content-length on a 1xx or 204.
// Envoy → client (encodeClientResponse, clientParse): hop-by-hop headers dropped, `content-length: 0`
//   for a bodiless answer, and the headers written unvalidated — a value carrying "\r\n<name>: <v>"
//   reaches the client as an extra header (response splitting), anything else malformed fails the
//   client's parser.
// UTF-8 (obs-text) in values passes both ways.
import { utf8Length } from "./memory.ts";
import type { HeaderPairs } from "./pairs.ts";

/**
 * Envoy's HTTP/1 codec limits at their defaults, measured on 1.40: HttpConnectionManager
 * `max_request_headers_kb` 60 and `common_http_protocol_options.max_headers_count` 100; for answers
 * from the upstream 80 KiB and 100 lines. Sizes count the whole head on the wire (start line,
 * header lines with ": " and CRLF, the blank line); counts every header line (host included).
 */
export const ENVOY_HTTP1_LIMITS = {
  maxRequestHeadersBytes: 60 * 1024,
  maxResponseHeadersBytes: 80 * 1024,
  maxHeadersCount: 100,
} as const;

/** A message head as it is on the wire: start line and header lines as written, in order. */
export interface WireHead {
  startLine: string;
  headers: ReadonlyArray<readonly [string, string]>;
}

/** Bytes of the head on the wire: start line, each `name: value` line, the blank line. */
export function headBytes(head: WireHead): number {
  let n = utf8Length(head.startLine) + 4; // its CRLF and the blank line's
  for (const [k, v] of head.headers) n += utf8Length(k) + utf8Length(v) + 4;
  return n;
}

/** Optional whitespace a parser drops around a field value (RFC 9112 §5). */
export function trimOws(v: string): string {
  return v.replace(/^[ \t]+|[ \t]+$/g, "");
}

/** Request headers the codec consumes: filters never see them (the body's framing is re-made upstream). */
const REQUEST_HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding"]);

/** The codec's own answer to a request head it will not take. */
export interface CodecReply {
  status: number;
  headers: HeaderPairs;
  body: string;
}

/** What the codec hands the filters for a request head, or its own 431. */
export function decodeRequestHead(method: string, path: string, head: WireHead): { headers: HeaderPairs } | { reply: CodecReply } {
  if (head.headers.length > ENVOY_HTTP1_LIMITS.maxHeadersCount || headBytes(head) > ENVOY_HTTP1_LIMITS.maxRequestHeadersBytes) {
    const body = "Request Header Fields Too Large";
    return { reply: { status: 431, headers: [["content-length", String(body.length)], ["content-type", "text/plain"], ["connection", "close"]], body } };
  }
  const authority = head.headers.find(([k]) => k.toLowerCase() === "host")?.[1] ?? "";
  const rest: HeaderPairs = [];
  for (const [k, v] of head.headers) {
    const name = k.toLowerCase();
    if (name === "host" || REQUEST_HOP_BY_HOP.has(name)) continue;
    rest.push([name, trimOws(v)]);
  }
  return { headers: [[":authority", trimOws(authority)], [":path", path], [":method", method], [":scheme", "http"], ...rest] };
}

/** Methods whose requests Envoy's upstream codec sends without `content-length: 0` when they have no body. */
const BODYLESS_METHODS = new Set(["GET", "HEAD", "DELETE", "TRACE", "CONNECT"]);

/** The request headers Envoy writes upstream (`host` from `:authority`, no pseudo-headers), framing added. */
export function encodeUpstreamRequest(headers: HeaderPairs, bodyBytes: number, hasTrailers: boolean): HeaderPairs {
  const out: HeaderPairs = [["host", headers.find(([k]) => k === ":authority")?.[1] ?? ""], ...headers.filter(([k]) => !k.startsWith(":"))];
  const method = headers.find(([k]) => k === ":method")?.[1] ?? "";
  const framed = out.some(([k]) => k === "content-length" || k === "transfer-encoding");
  if (framed) return out;
  if (bodyBytes > 0 || hasTrailers) out.push(["transfer-encoding", "chunked"]);
  else if (!BODYLESS_METHODS.has(method)) out.push(["content-length", "0"]);
  return out;
}

/**
 * What the codec hands the filters for the upstream's response head, or null when it exceeds the
 * limits (the router then answers 502 "protocol error": routerReply("protocol error")).
 */
export function decodeResponseHead(status: number, head: WireHead): HeaderPairs | null {
  if (head.headers.length > ENVOY_HTTP1_LIMITS.maxHeadersCount || headBytes(head) > ENVOY_HTTP1_LIMITS.maxResponseHeadersBytes) return null;
  const noBody = status < 200 || status === 204;
  const out: HeaderPairs = [[":status", String(status)]];
  for (const [k, v] of head.headers) {
    const name = k.toLowerCase();
    if (name === "keep-alive" || (noBody && name === "content-length")) continue;
    out.push([name, trimOws(v)]);
  }
  return out;
}

/** The router's reply when the upstream's answer never became a response (Envoy 1.40's text). */
export function upstreamResetReply(reason: string): CodecReply {
  const body = `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`;
  return { status: 502, headers: [["content-length", String(utf8Length(body))], ["content-type", "text/plain"]], body };
}

const RESPONSE_HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "upgrade"]);

/**
 * The headers Envoy's HTTP/1 codec writes to the client: hop-by-hop headers dropped, and a response
 * that ends without a body, a content-length or trailers gets `content-length: 0` (unless 1xx, 204,
 * 304, or the answer to a HEAD).
 */
export function encodeClientResponse(headers: HeaderPairs, status: number, hasBodyOrTrailers: boolean, toHead = false): HeaderPairs {
  const out = headers.filter(([k]) => !RESPONSE_HOP_BY_HOP.has(k));
  // the answer to a HEAD announces nothing: its headers describe a body it never has
  return toHead ? out : http1Framing(out, status, hasBodyOrTrailers);
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
    const value = trimOws(line.slice(colon + 1));
    if (!TCHAR.test(name) || CTL.test(value)) return null;
    out.push([name.toLowerCase(), value]);
  }
  return out;
}
