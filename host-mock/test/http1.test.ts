// The HTTP/1 rules the scenario runner and chains apply at Envoy's codecs (src/http1.ts), pinned to
// what Envoy 1.40 did in integration/scenarios/header-validity.json.
import { describe, expect, it } from "vitest";
import { createChain, createHost, VirtualClock } from "../src/index.ts";
import { clientParse, invalidUpstreamHeader } from "../src/http1.ts";
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
