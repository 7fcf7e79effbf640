import { describe, expect, it } from "vitest";
import { encodePairs, FilterDataStatus, FilterHeadersStatus, LogLevel } from "../src/index.ts";
import { filterHost, info } from "./helpers/filter.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-a", "1"]];
const names = (cbs: Array<{ name: string }>): string[] => cbs.map((c) => c.name.replace(/^proxy_on_/, ""));
const bin = (b: Uint8Array): string => String.fromCharCode(...b);
/** resume the request of stream 2 from the root's tick (as an async callout response would) */
const RESUME_FROM_TICK = `(drop (call $proxy_set_effective_context (i32.const 2))) (drop (call $proxy_continue_stream (i32.const 0)))`;

describe("call order (§5.2)", () => {
  it("a full stream with bodies and trailers, in Envoy's order, with exact args", () => {
    const host = filterHost({ proxy_on_done: "(i32.const 0)" }); // stream on_done result is ignored
    expect(host.rootContextId).toBe(1);
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders(REQ)).toBe(FilterHeadersStatus.Continue);
    expect(s.sendRequestBody("hello")).toBe(0);
    expect(s.sendRequestBody("", false)).toBe(0);
    expect(s.sendRequestTrailers([["x-t", "1"]])).toBe(0);
    expect(s.sendResponseHeaders([[":status", "200"], ["a", "b"]])).toBe(0);
    expect(s.sendResponseBody("wor")).toBe(0);
    expect(s.sendResponseBody("ld", true)).toBe(0);
    s.complete();
    expect(s.callbacks.map((c) => [c.name, c.args])).toEqual([
      ["proxy_on_context_create", [2, 1]],
      ["proxy_on_request_headers", [2, 4, 0]],
      ["proxy_on_request_body", [2, 5, 0]],
      ["proxy_on_request_body", [2, 0, 0]],
      ["proxy_on_request_trailers", [2, 1]],
      ["proxy_on_response_headers", [2, 2, 0]],
      ["proxy_on_response_body", [2, 3, 0]],
      ["proxy_on_response_body", [2, 2, 1]],
      ["proxy_on_log", [2]],
      ["proxy_on_done", [2]],
      ["proxy_on_delete", [2]],
    ]);
    expect(s.request).toEqual({ headers: REQ, trailers: [["x-t", "1"]], body: new TextEncoder().encode("hello"), bodyText: "hello" });
    expect(s.response.bodyText).toBe("world");
    expect(host.newHttpStream().sendRequestHeaders(REQ, true)).toBe(0);
  });

  it("bodyless request: no body callback; second stream gets id 3", () => {
    const host = filterHost({});
    host.newHttpStream();
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "204"]], true);
    s.complete();
    expect(s.callbacks.map((c) => [c.name, c.args])).toEqual([
      ["proxy_on_context_create", [3, 1]], ["proxy_on_request_headers", [3, 4, 1]],
      ["proxy_on_response_headers", [3, 1, 1]], ["proxy_on_log", [3]], ["proxy_on_done", [3]], ["proxy_on_delete", [3]],
    ]);
  });

  it("resetByPeer(): a client gone mid-request ends the stream with on_log, on_done, on_delete and nothing after", () => {
    const s = filterHost({}).newHttpStream();
    s.sendRequestHeaders(REQ, false);
    s.resetByPeer();
    expect(s.reset).toBe(true);
    expect(s.details).toBe("downstream_remote_disconnect");
    expect(names(s.callbacks)).toEqual(["context_create", "request_headers", "log", "done", "delete"]);
    // the stream is over: a test driving it further is told so, and a second end changes nothing
    expect(s.sendRequestBody("late", true)).toBeUndefined();
    expect(() => s.sendResponseHeaders([[":status", "200"]], true)).toThrow(/complete/);
    s.complete();
    s.resetByPeer();
    expect(names(s.callbacks)).toEqual(["context_create", "request_headers", "log", "done", "delete"]);
  });

  it("complete() on a stream the filter never saw creates the context lazily (§5.6)", () => {
    const s = filterHost({}).newHttpStream();
    s.complete();
    expect(names(s.callbacks)).toEqual(["context_create", "log", "done", "delete"]);
  });
});

describe("pause and resume (§5.3, §11.6)", () => {
  it("headers Pause → body held by the host; continue_stream(0) later delivers it as one callback, then trailers", () => {
    const host = filterHost({ proxy_on_request_headers: "(i32.const 1)", proxy_on_tick: RESUME_FROM_TICK });
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders(REQ)).toBe(FilterHeadersStatus.StopIteration);
    expect(s.paused("request")).toBe(true);
    expect(s.sendRequestBody("ab")).toBeUndefined();
    expect(s.sendRequestBody("cd")).toBeUndefined();
    expect(s.sendRequestTrailers([["t", "1"]])).toBeUndefined();
    expect(names(s.callbacks)).toEqual(["context_create", "request_headers"]);
    expect(s.request.headers).toEqual([]);
    host.tick();
    expect(s.callbacks.slice(2).map((c) => [c.name, c.args])).toEqual([
      ["proxy_on_request_body", [2, 4, 0]],
      ["proxy_on_request_trailers", [2, 1]],
    ]);
    expect(s.paused("request")).toBe(false);
    expect(s.request).toMatchObject({ headers: REQ, bodyText: "abcd", trailers: [["t", "1"]] });
  });

  it("continue_stream runs only after the current callback returned", () => {
    const host = filterHost({
      proxy_on_request_headers: "(i32.const 1)",
      proxy_on_request_body: `${info("body")} (i32.const 0)`,
      proxy_on_tick: `${RESUME_FROM_TICK} ${info("tick-end")}`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ);
    s.sendRequestBody("x", true);
    host.tick();
    expect(host.logsAt(LogLevel.info)).toEqual(["tick-end", "body"]);
    expect(s.callbacks.at(-1)).toEqual({ name: "proxy_on_request_body", args: [2, 1, 1], result: 0 });
  });

  it("headers statuses 2 (ContinueAndEndStream) continue; 3, 4 and > 4 stop", () => {
    for (const [ret, paused] of [[2, false], [3, true], [4, true], [77, true]] as const) {
      const s = filterHost({ proxy_on_request_headers: `(i32.const ${ret})` }).newHttpStream();
      expect(s.sendRequestHeaders(REQ)).toBe(ret);
      expect(s.paused("request")).toBe(paused);
      expect(s.sendRequestBody("x", true)).toBe(paused ? undefined : 0);
    }
  });

  it("body StopIterationAndBuffer → the next callback sees the accumulated size and buffer 0 holds it all", () => {
    const host = filterHost({
      proxy_on_request_body: `(if (i32.eqz (local.get $c)) (then (return (i32.const 1))))
        (drop (call $proxy_get_buffer_bytes (i32.const 0) (i32.const 0) (local.get $b) (i32.const 96) (i32.const 100)))
        (call $logret) (i32.const 0)`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ);
    expect(s.sendRequestBody("ab")).toBe(FilterDataStatus.StopIterationAndBuffer);
    expect(s.paused("request")).toBe(true);
    expect(s.sendRequestBody("cd")).toBe(1);
    expect(s.request.bodyText).toBe("");
    expect(s.sendRequestBody("ef", true)).toBe(0);
    expect(s.callbacks.filter((c) => c.name === "proxy_on_request_body").map((c) => c.args)).toEqual([[2, 2, 0], [2, 4, 0], [2, 6, 1]]);
    expect(host.logsAt(LogLevel.info)).toEqual(["abcdef"]);
    expect(s.request.bodyText).toBe("abcdef");
    expect(s.paused("request")).toBe(false);
  });

  it("body StopIterationAndWatermark holds chunks without accumulating the visible size; NoBuffer drops", () => {
    const host = filterHost({ proxy_on_request_body: `(if (result i32) (local.get $c) (then (i32.const 0)) (else (i32.const 2)))` });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ);
    s.sendRequestBody("ab");
    s.sendRequestBody("cd", true);
    expect(s.callbacks.filter((c) => c.name === "proxy_on_request_body").map((c) => c.args[1])).toEqual([2, 2]);
    expect(s.request.bodyText).toBe("abcd");
    const s2 = filterHost({ proxy_on_request_body: `(if (result i32) (local.get $c) (then (i32.const 0)) (else (i32.const 3)))` }).newHttpStream();
    s2.sendRequestHeaders(REQ);
    s2.sendRequestBody("ab");
    s2.sendRequestBody("cd", true);
    expect(s2.request.bodyText).toBe("cd");
  });
});

describe("local reply (§5.4)", () => {
  const reply = (status: number, body: string, headers: Array<[string, string]>, grpc = -1): string =>
    `(drop (call $proxy_send_local_response (i32.const ${status}) {{access denied\tnow}} ${body === "" ? "(i32.const 0) (i32.const 0)" : `{{${body}}}`} {{${bin(encodePairs(headers))}}} (i32.const ${grpc})))`;

  it("from request headers: runs through the filter's response callbacks with Envoy's headers", () => {
    const host = filterHost({ proxy_on_request_headers: `${reply(403, "nope", [["X-Reason", "r"], ["Content-Type", "text/x"], ["x-reason", "s"]])} (i32.const 0)` });
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders(REQ)).toBe(0); // raw value; the host treats it as a stop
    const expectedHeaders = [[":status", "403"], ["x-reason", "r"], ["content-type", "text/x"], ["x-reason", "s"], ["content-length", "4"]];
    expect(s.callbacks.map((c) => [c.name, c.args])).toEqual([
      ["proxy_on_context_create", [2, 1]], ["proxy_on_request_headers", [2, 4, 0]],
      ["proxy_on_response_headers", [2, 5, 0]], ["proxy_on_response_body", [2, 4, 1]],
    ]);
    expect(s.localReply).toEqual({
      status: 403, details: "access_denied_now", headers: expectedHeaders,
      body: new TextEncoder().encode("nope"), bodyText: "nope", grpcStatus: null,
    });
    expect(s.response.headers).toEqual(expectedHeaders);
    expect(s.response.bodyText).toBe("nope");
    expect(s.request.headers).toEqual([]); // nothing went upstream
    expect(s.sendRequestBody("x", true)).toBeUndefined();
    expect(s.sendResponseHeaders([[":status", "200"]], true)).toBeUndefined();
    s.complete();
    expect(names(s.callbacks).slice(4)).toEqual(["log", "done", "delete"]);
  });

  it("text/plain is added for a body; content-length/-type are removed for an empty body", () => {
    const s = filterHost({ proxy_on_request_headers: `${reply(401, "x", [])} (i32.const 0)` }).newHttpStream();
    s.sendRequestHeaders(REQ);
    expect(s.response.headers).toEqual([[":status", "401"], ["content-length", "1"], ["content-type", "text/plain"]]);
    const s2 = filterHost({ proxy_on_request_headers: `${reply(204, "", [["content-type", "a"], ["content-length", "9"], ["k", "v"]])} (i32.const 0)` }).newHttpStream();
    s2.sendRequestHeaders(REQ);
    expect(s2.response.headers).toEqual([[":status", "204"], ["k", "v"]]);
    expect(s2.callbacks.at(-1)).toMatchObject({ name: "proxy_on_response_headers", args: [2, 2, 1] });
  });

  it("gRPC request → trailers-only reply with grpc-status mapped from the HTTP code", () => {
    const s = filterHost({ proxy_on_request_headers: `${reply(403, "no way%", [])} (i32.const 0)` }).newHttpStream();
    s.sendRequestHeaders([...REQ, ["content-type", "application/grpc"]]);
    expect(s.response.headers).toEqual([[":status", "200"], ["content-type", "application/grpc"], ["grpc-status", "7"], ["grpc-message", "no way%25"]]);
    expect(s.response.bodyText).toBe("");
    const s2 = filterHost({ proxy_on_request_headers: `${reply(403, "", [], 16)} (i32.const 0)` }).newHttpStream();
    s2.sendRequestHeaders([...REQ, ["content-type", "application/grpc+proto"]]);
    expect(s2.localReply?.grpcStatus).toBe(16);
    expect(s2.response.headers).toContainEqual(["grpc-status", "16"]);
  });

  it("from response headers: sent directly, no response callbacks for it", () => {
    const host = filterHost({ proxy_on_response_headers: `${reply(500, "bad", [])} (i32.const 0)` });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"], ["up", "1"]]);
    expect(s.sendResponseBody("upstream", true)).toBeUndefined();
    expect(names(s.callbacks)).toEqual(["context_create", "request_headers", "response_headers"]);
    expect(s.response.headers).toEqual([[":status", "500"], ["content-length", "3"], ["content-type", "text/plain"]]);
    expect(s.response.bodyText).toBe("bad");
  });

  it("the first reply wins; a reply from the root (no stream) is Ok and does nothing", () => {
    const host = filterHost({
      proxy_on_request_headers: `${reply(401, "a", [])} ${reply(402, "b", [])} (i32.const 0)`,
      proxy_on_tick: `(call $report ${reply(403, "c", []).replace("(drop ", "").replace(/\)$/, "")})`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ);
    expect(s.localReply?.status).toBe(401);
    host.tick();
    expect(host.logsAt(LogLevel.trace)).toEqual(["00"]);
  });
});

describe("close_stream (§5.5)", () => {
  it("resets the stream after the callback; later sends return undefined; on_log/done/delete still run", () => {
    const host = filterHost({ proxy_on_request_headers: `(drop (call $proxy_close_stream (i32.const 0))) ${info("after")} (i32.const 0)` });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ);
    expect(host.logsAt(LogLevel.info)).toEqual(["after"]);
    expect(s.reset).toBe(true);
    expect(s.details).toBe("wasm_close_stream");
    expect(s.sendRequestBody("x", true)).toBeUndefined();
    expect(s.sendResponseHeaders([[":status", "200"]], true)).toBeUndefined();
    s.complete();
    expect(names(s.callbacks)).toEqual(["context_create", "request_headers", "log", "done", "delete"]);
  });

  it("stream types > 3 → BadArgument; continue_stream(3) → Unimplemented", () => {
    const host = filterHost({
      proxy_on_request_headers: `(call $report (call $proxy_close_stream (i32.const 4))) (call $report (call $proxy_continue_stream (i32.const 4)))
        (call $report (call $proxy_continue_stream (i32.const 3))) (call $report (call $proxy_continue_stream (i32.const 1))) (i32.const 0)`,
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["02", "02", "12", "00"]);
  });
});
