// The kit's vitest matchers pass and fail on the right inputs, with messages that show what was seen.
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, MetricType } from "../src/index.ts";
import { filterHost, info } from "./helpers/filter.ts";
import { buildModule } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"], ["X-Token", "t"]];

describe("vitest matchers", () => {
  it("toHaveHeader on pairs and on a request view", () => {
    const host = filterHost({});
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(s.request).toHaveHeader("x-token", "t");
    expect(s.request).toHaveHeader("X-TOKEN");
    expect(s.request).not.toHaveHeader("x-token", "other");
    expect(() => expect(s.request.headers).toHaveHeader("authorization")).toThrow(/to have a "authorization" header; they are \[\[":method"/);
  });

  it("toHaveLocalReply and toHaveLogged", () => {
    const host = filterHost({
      proxy_on_request_headers: `${info("denied")} (drop (call $proxy_send_local_response (i32.const 403) {{no}} {{body}} (i32.const 0) (i32.const 0) (i32.const -1))) (i32.const 1)`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(s).toHaveLocalReply(403);
    expect(() => expect(s).toHaveLocalReply(401)).toThrow(/it sent 403 \(no\) "body"/);
    expect(host).toHaveLogged(LogLevel.info, "denied");
    expect(host).toHaveLogged(LogLevel.info, /^den/);
    expect(host).not.toHaveLogged(LogLevel.error, /./);
  });

  it("toHaveMetric and toHaveCalledOut", () => {
    const m = buildModule({
      env: ["proxy_define_metric", "proxy_increment_metric"],
      funcs: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        (drop (call $proxy_define_metric (i32.const 0) {{hits}} (i32.const 400)))
        (drop (call $proxy_increment_metric (i32.load (i32.const 400)) (i64.const 3))) (i32.const 0))`,
    });
    const host = createHost({ wasm: m.bytes });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(host).toHaveMetric("hits", 3);
    expect(() => expect(host).toHaveMetric("hits", 4)).toThrow(/to be 4; it is 3/);
    expect(() => expect(host).toHaveMetric("hits", 3, MetricType.Gauge)).toThrow(/no filter defined it/);
    expect(host).not.toHaveCalledOut("auth");
  });
});
