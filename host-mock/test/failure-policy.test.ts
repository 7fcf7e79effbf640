// Envoy's failure_policy after a trap (§11.14): FAIL_CLOSED answers 503 (empty body, details
// wasm_fail_stream) for the stream in flight and every later one without calling the VM again;
// FAIL_OPEN lets the stream go on as if the filter answered Continue and leaves it out afterwards.
// Without a policy the trap throws to the test.
import { describe, expect, it } from "vitest";
import { TrapError } from "../src/index.ts";
import { filterHost, info } from "./helpers/filter.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"]];
// traps on request headers whose :path is "/boom" (first byte after "/" is 'b'), adds x-seen otherwise
const BODY = `(drop (call $proxy_get_header_map_value (i32.const 0) {{:path}} (i32.const 96) (i32.const 100)))
  (if (i32.eq (i32.load8_u (i32.add (i32.load (i32.const 96)) (i32.const 1))) (i32.const 98)) (then (unreachable)))
  (drop (call $proxy_add_header_map_value (i32.const 0) {{x-seen}} {{1}}))
  (i32.const 0)`;
const bodies = { proxy_on_request_headers: BODY, proxy_on_log: info("log") };
const boom: Array<[string, string]> = [[":method", "GET"], [":path", "/boom"], [":authority", "a"]];

describe("failure policy", () => {
  it("FAIL_CLOSED: 503 for the stream in flight and every later one; the VM is not called again", () => {
    const host = filterHost(bodies, {}, { failurePolicy: "FAIL_CLOSED" });
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders(boom, true)).toBe(1);
    expect(host.failure).toBeInstanceOf(TrapError);
    expect(s.localReply).toMatchObject({ status: 503, details: "wasm_fail_stream", bodyText: "" });
    expect(s.response.headers).toEqual([[":status", "503"]]);
    expect(s.request.headers).toEqual([]); // nothing went upstream
    expect(s.sendResponseHeaders([[":status", "200"]], true)).toBeUndefined(); // the upstream answer is discarded
    s.complete();
    const later = host.newHttpStream();
    expect(later.sendRequestHeaders(REQ, true)).toBeUndefined();
    later.complete();
    expect(later.response.headers).toEqual([[":status", "503"]]);
    expect(later.callbacks).toEqual([]);
    expect(host.logsAt(2)).toEqual([]); // no proxy_on_log reached the failed VM
  });

  it("FAIL_OPEN: the stream in flight still gets the 503 (as Envoy 1.40), later streams skip the filter", () => {
    const host = filterHost(bodies, {}, { failurePolicy: "FAIL_OPEN" });
    const ok = host.newHttpStream();
    ok.sendRequestHeaders(REQ, true);
    expect(ok.request.headers).toContainEqual(["x-seen", "1"]); // the filter worked before the trap
    ok.complete();
    const s = host.newHttpStream();
    s.sendRequestHeaders(boom, true);
    expect(s.request.headers).toEqual([]); // nothing went upstream
    expect(s.localReply).toMatchObject({ status: 503, details: "wasm_fail_stream" });
    s.complete();
    const later = host.newHttpStream();
    later.sendRequestHeaders(REQ, true);
    later.sendResponseHeaders([[":status", "204"]], true);
    later.complete();
    expect(later.request.headers).toEqual(REQ); // no x-seen: the filter is out of the chain
    expect(later.response.headers).toEqual([[":status", "204"]]);
    expect(later.callbacks).toEqual([]);
  });

  it("without a policy the trap throws to the test", () => {
    const host = filterHost(bodies);
    expect(() => host.newHttpStream().sendRequestHeaders(boom, true)).toThrow(TrapError);
  });
});
