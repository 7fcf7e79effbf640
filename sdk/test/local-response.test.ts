import { describe, expect, it } from "vitest";
import { createHost, LogLevel, WasmResult } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "local-response": { debug: fixtureWasm("local-response", "debug"), release: fixtureWasm("local-response", "release") },
};

describe.each(BUILDS)("send_local_response (%s build)", (build) => {
  function request(path: string) {
    const host = createHost({ wasm: WASM["local-response"][build], rootId: "local_response" });
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "a"]], true);
    return { host, s };
  }

  it("sends status, details, body and repeated headers without a gRPC status", () => {
    const { host, s } = request("/deny");
    expect(host.logsAt(LogLevel.info)).toEqual([`send=${WasmResult.Ok}`]);
    const r = s.localReply;
    expect(r).not.toBeNull();
    expect(r?.status).toBe(403);
    // Envoy replaces whitespace in the details with '_'.
    expect(r?.details).toBe("denied_by_filter");
    expect(r?.bodyText).toBe("access denied");
    expect(r?.headers).toEqual([
      [":status", "403"], ["x-reason", "policy"], ["x-multi", "1"], ["x-multi", "2"],
      ["content-length", "13"], ["content-type", "text/plain"],
    ]);
    expect(r?.grpcStatus).toBeNull();
  });

  it("passes a gRPC status and a string body", () => {
    const { s } = request("/grpc");
    const r = s.localReply;
    expect(r?.status).toBe(401);
    expect(r?.details).toBe("grpc_denied");
    expect(r?.bodyText).toBe("no token");
    expect(r?.headers).toEqual([[":status", "401"], ["content-length", "8"], ["content-type", "text/plain"]]);
    expect(r?.grpcStatus).toBe(16);
  });

  it("handles an empty body and empty details", () => {
    const { s } = request("/empty");
    const r = s.localReply;
    expect(r?.status).toBe(204);
    expect(r?.details).toBe("");
    expect(r?.bodyText).toBe("");
    expect(r?.headers).toEqual([[":status", "204"]]);
    expect(r?.grpcStatus).toBeNull();
  });

  it("does nothing for other paths", () => {
    const { s } = request("/ok");
    expect(s.localReply).toBeNull();
  });
});
