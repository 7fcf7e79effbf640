// The HTTP/1 rules the scenario runner and chains apply at Envoy's codecs (src/http1.ts), pinned to
// what Envoy 1.40 did in integration/scenarios/header-validity.json.
import { describe, expect, it } from "vitest";
import { createChain, createHost, VirtualClock } from "../src/index.ts";
import {
  clientParse, decodeRequestHead, decodeResponseHead, encodeClientResponse, encodeUpstreamRequest, ENVOY_HTTP1_LIMITS, headBytes, invalidUpstreamHeader,
  upstreamResetReply,
} from "../src/http1.ts";
import { clientWireHead, upstreamWireHead, type RequestShape } from "../src/scenario/peers.ts";
import { filterModule } from "./helpers/filter.ts";

describe("Envoy's HTTP/1 codecs and filter-written headers", () => {
  it("refuses request headers with non-token names or control characters in values, naming the header", () => {
    expect(invalidUpstreamHeader([[":path", "/"], ["x-ok", "a\tb ü"]])).toBeNull();
    expect(invalidUpstreamHeader([["x-a\u0000b", "v"]])).toBe("invalid header name: x-a\\u0000b");
    expect(invalidUpstreamHeader([["x a", "v"]])).toBe("invalid header name: x a");
    expect(invalidUpstreamHeader([["x:a", "v"]])).toBe("invalid header name: x:a");
    expect(invalidUpstreamHeader([["x-ok", "1"], ["x-a", "v\r\nx-b: 1"]])).toBe("invalid header value for: x-a");
    expect(invalidUpstreamHeader([["x-a", "v\u007f"]])).toBe("invalid header value for: x-a");
  });

  it("a client parses unvalidated response headers: CRLF + a header line splits, other damage fails", () => {
    expect(clientParse([["x-a", " v\t"], ["x-b", "ü"]])).toEqual([["x-a", "v"], ["x-b", "ü"]]);
    expect(clientParse([["x-a", "v\r\nx-injected: 1"]])).toEqual([["x-a", "v"], ["x-injected", "1"]]);
    expect(clientParse([["x-a", "v\r\nw"]])).toBeNull();
    expect(clientParse([["x-a", "v\nx-b: 2"]])).toBeNull();
    expect(clientParse([["x-a", "v\u0000"]])).toBeNull();
    expect(clientParse([["x a", "v"]])).toBeNull();
  });

  it("a chain answers a bad request header with the router's 503 through every plugin, and the upstream gets nothing", () => {
    const clock = new VirtualClock(0);
    const wasm = filterModule({ proxy_on_request_headers: `(drop (call $proxy_add_header_map_value (i32.const 0) {{K}} {{V}})) (i32.const 0)` }, { K: "x-a", V: "v\r\nx-b: 1" });
    const host = createHost({ wasm, clock });
    const ex = createChain([host]).run({ headers: [[":method", "GET"], [":path", "/"], [":authority", "a"]] }, () => { throw new Error("the upstream must not be asked"); });
    expect(ex.upstream).toBeNull();
    expect(ex.response.headers).toEqual([[":status", "503"], ["content-length", "29"], ["content-type", "text/plain"]]);
    expect(ex.response.bodyText).toBe("invalid header value for: x-a");
    expect(ex.streams[0].callbacks.map((c) => c.name)).toContain("proxy_on_response_headers");
  });
});

// Envoy's HTTP/1 codec at the chain's edges (src/http1.ts), pinned to what Envoy 1.40 did with the
// differential fuzzer's traffic and integration/scenarios/{ows-trimmed,empty-body-content-length,header-limits}.json.
describe("Envoy's HTTP/1 codec: heads in and out", () => {
  const head = (headers: Array<[string, string]>, startLine = "GET / HTTP/1.1") => ({ startLine, headers });
  const oneHeader = (bytes: number) => {
    // "GET / HTTP/1.1" + CRLF, "host: h" + CRLF, "x-big: " + value + CRLF, blank line
    const fixed = 16 + 9 + 9 + 2;
    return head([["host", "h"], ["x-big", "v".repeat(bytes - fixed)]]);
  };

  it("counts the whole head on the wire", () => {
    expect(headBytes(head([["host", "h"]]))).toBe(16 + 9 + 2);
    expect(headBytes(oneHeader(61_440))).toBe(61_440);
    expect(headBytes(head([["x", "ü"]], "GET / HTTP/1.1"))).toBe(16 + 7 + 2); // UTF-8 bytes
  });

  it("requests: 60 KiB and 100 lines pass, one byte or line more is the codec's own 431", () => {
    expect("headers" in decodeRequestHead("GET", "/", oneHeader(ENVOY_HTTP1_LIMITS.maxRequestHeadersBytes))).toBe(true);
    expect(decodeRequestHead("GET", "/", oneHeader(ENVOY_HTTP1_LIMITS.maxRequestHeadersBytes + 1))).toEqual({
      reply: { status: 431, headers: [["content-length", "31"], ["content-type", "text/plain"], ["connection", "close"]], body: "Request Header Fields Too Large" },
    });
    const lines = (n: number) => head([["host", "h"], ...Array.from({ length: n - 1 }, (_, i) => [`x-${i}`, "v"] as [string, string])]);
    expect("headers" in decodeRequestHead("GET", "/", lines(100))).toBe(true);
    expect("reply" in decodeRequestHead("GET", "/", lines(101))).toBe(true);
  });

  it("requests: pseudo-headers first, then the rest in wire order, trimmed, without connection framing", () => {
    const decoded = decodeRequestHead("POST", "/p?q", head([
      ["X-First", " \t a b \t"], ["Host", "h.example"], ["connection", "keep-alive"], ["keep-alive", "5"], ["transfer-encoding", "chunked"], ["x-last", ""],
    ]));
    expect(decoded).toEqual({ headers: [[":authority", "h.example"], [":path", "/p?q"], [":method", "POST"], [":scheme", "http"], ["x-first", "a b"], ["x-last", ""]] });
  });

  it("answers: 80 KiB and 100 lines pass; past them the router answers 502; keep-alive goes, connection stays; a 204 loses content-length", () => {
    const answer = (n: number) => head([["x-big", "v".repeat(n - 17 - 9 - 2)]], "HTTP/1.1 200 OK"); // status line, the header, blank line
    expect(decodeResponseHead(200, answer(ENVOY_HTTP1_LIMITS.maxResponseHeadersBytes))).not.toBeNull();
    expect(decodeResponseHead(200, answer(ENVOY_HTTP1_LIMITS.maxResponseHeadersBytes + 1))).toBeNull();
    expect(decodeResponseHead(200, head([["X-A", " 1 "], ["Connection", "keep-alive"], ["Keep-Alive", "timeout=5"]], "HTTP/1.1 200 OK")))
      .toEqual([[":status", "200"], ["x-a", "1"], ["connection", "keep-alive"]]);
    expect(decodeResponseHead(204, head([["content-length", "0"], ["x-a", "1"]], "HTTP/1.1 204 No Content"))).toEqual([[":status", "204"], ["x-a", "1"]]);
    expect(upstreamResetReply("protocol error")).toEqual({
      status: 502, headers: [["content-length", "87"], ["content-type", "text/plain"]],
      body: "upstream connect error or disconnect/reset before headers. reset reason: protocol error",
    });
  });

  it("upstream framing: chunked for a body without length, content-length: 0 for a bodiless OPTIONS/POST, none for GET/HEAD/DELETE", () => {
    const req = (method: string, extra: Array<[string, string]> = []): Array<[string, string]> => [[":authority", "h"], [":path", "/"], [":method", method], [":scheme", "http"], ...extra];
    expect(encodeUpstreamRequest(req("POST"), 3, false)).toEqual([["host", "h"], ["transfer-encoding", "chunked"]]);
    expect(encodeUpstreamRequest(req("POST", [["content-length", "3"]]), 3, false)).toEqual([["host", "h"], ["content-length", "3"]]);
    expect(encodeUpstreamRequest(req("GET"), 0, true)).toEqual([["host", "h"], ["transfer-encoding", "chunked"]]);
    for (const m of ["OPTIONS", "POST", "PUT", "PATCH"]) expect(encodeUpstreamRequest(req(m), 0, false), m).toEqual([["host", "h"], ["content-length", "0"]]);
    for (const m of ["GET", "HEAD", "DELETE", "TRACE"]) expect(encodeUpstreamRequest(req(m), 0, false), m).toEqual([["host", "h"]]);
  });

  it("to the client: hop-by-hop headers dropped, content-length: 0 for a bodiless answer, not for 204 or a HEAD", () => {
    expect(encodeClientResponse([["connection", "keep-alive"], ["x-a", "1"]], 200, false)).toEqual([["x-a", "1"], ["content-length", "0"]]);
    expect(encodeClientResponse([["x-a", "1"]], 204, false)).toEqual([["x-a", "1"]]);
    expect(encodeClientResponse([["x-a", "1"]], 200, false, true)).toEqual([["x-a", "1"]]);
    expect(encodeClientResponse([["transfer-encoding", "chunked"]], 200, true)).toEqual([["transfer-encoding", "chunked"]]);
  });
});

// The harness's real HTTP peers as they write their heads (src/scenario/peers.ts), read off the wire.
describe("the scenario's client and upstream on the wire", () => {
  const request = (over: Partial<RequestShape>): RequestShape => ({ method: "GET", path: "/", authority: "h.example", headers: [], body: "", trailers: [], ...over });

  it("undici: host, connection: keep-alive (close after HEAD), the headers, content-length last (0 for POST/PUT/PATCH without a body)", () => {
    expect(clientWireHead(request({ method: "POST", headers: [["x-a", "1"], ["content-length", "0"]] })).headers)
      .toEqual([["host", "h.example"], ["connection", "keep-alive"], ["x-a", "1"], ["content-length", "0"]]);
    expect(clientWireHead(request({ method: "PUT" })).headers).toEqual([["host", "h.example"], ["connection", "keep-alive"], ["content-length", "0"]]);
    expect(clientWireHead(request({ method: "DELETE" })).headers).toEqual([["host", "h.example"], ["connection", "keep-alive"]]);
    expect(clientWireHead(request({ method: "HEAD" })).headers).toEqual([["host", "h.example"], ["connection", "close"]]);
    expect(clientWireHead(request({ method: "POST", body: "abc", headers: [["x-a", "1"]] }))).toEqual({
      startLine: "POST / HTTP/1.1", headers: [["host", "h.example"], ["connection", "keep-alive"], ["x-a", "1"], ["content-length", "3"]],
    });
  });

  it("node:http for a request with trailers: chunked, then Connection: close", () => {
    expect(clientWireHead(request({ method: "POST", body: "abc", trailers: [["x-t", "1"]], headers: [["x-a", "1"]] })).headers)
      .toEqual([["host", "h.example"], ["x-a", "1"], ["transfer-encoding", "chunked"], ["Connection", "close"]]);
  });

  it("the Node upstream: its headers, content-length, Connection, Keep-Alive, chunked framing for trailers (none for a HEAD)", () => {
    const answer = { status: 418, headers: [["x-a", "1"]] as Array<[string, string]>, body: "tea", trailers: [] as Array<[string, string]> };
    expect(upstreamWireHead(answer)).toEqual({
      startLine: "HTTP/1.1 418 I'm a Teapot", headers: [["x-a", "1"], ["content-length", "3"], ["Connection", "keep-alive"], ["Keep-Alive", "timeout=5"]],
    });
    expect(upstreamWireHead({ ...answer, trailers: [["x-t", "1"]] }).headers).toEqual([["x-a", "1"], ["Connection", "keep-alive"], ["Keep-Alive", "timeout=5"], ["Transfer-Encoding", "chunked"]]);
    expect(upstreamWireHead({ ...answer, trailers: [["x-t", "1"]] }, "HEAD").headers).toEqual([["x-a", "1"], ["Connection", "keep-alive"], ["Keep-Alive", "timeout=5"]]);
  });
});
