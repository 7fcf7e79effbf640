// gRPC calls and streams through the raw ABI (fixture `grpc`) against host-mock's scripted gRPC
// upstream: ids (calls 5, 9…; streams 6, 10…), delivery to the root after the calling callback,
// maps 4/5 and buffer 5 only inside their callbacks, failures and deadlines through
// proxy_on_grpc_close + proxy_get_status, Envoy's codes for send / cancel / close.
import { describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus, GrpcStatus, LogLevel, WasmResult, type GrpcStreamPeer } from "../../host-mock/src/index.ts";
import { fixtureWasm } from "./helpers.ts";

const req = (path: string, extra: Array<[string, string]> = []): Array<[string, string]> =>
  [[":method", "GET"], [":path", path], [":authority", "shop"], ...extra];

describe.each(["debug", "release"] as const)("gRPC (%s build)", (target) => {
  const host = () => createHost({ wasm: fixtureWasm("grpc", target), rootId: "grpc", now: 0 });

  it("a unary answer arrives after the callback returns, with the message in buffer 5", () => {
    const h = host();
    h.grpc.route({ cluster: "authz", serviceName: "pkg.Auth", method: "Check" }, { message: "allowed" });
    const s = h.newHttpStream();
    expect(s.sendRequestHeaders(req("/unary"), true)).toBe(FilterHeadersStatus.StopIteration);
    expect(s.request.headers).toContainEqual(["x-grpc-answer", "allowed"]);
    expect(h.grpc.sent).toHaveLength(1);
    const sent = h.grpc.sent[0];
    expect(sent).toMatchObject({ id: 5, cluster: "authz", serviceName: "pkg.Auth", method: "Check", timeoutMs: 200 });
    expect(new TextDecoder().decode(sent.message)).toBe("check /unary");
    expect(sent.initialMetadata).toEqual([["x-caller", "fixture"]]);
    expect(h.logsAt(LogLevel.info)).toEqual(["grpc_call 0 id=5", "message 5 allowed"]);
  });

  it("a non-OK status comes as proxy_on_grpc_close with the message in proxy_get_status", () => {
    const h = host();
    h.grpc.route({ cluster: "authz" }, { status: GrpcStatus.PermissionDenied, message: "no entry", delayMs: 50 });
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/unary"), true);
    expect(s.paused("request")).toBe(true);
    h.advance(50);
    expect(s.localReply).toMatchObject({ status: 503, bodyText: "grpc 7 no entry" });
  });

  it("a call slower than its deadline closes with DeadlineExceeded at the deadline", () => {
    const h = host();
    h.grpc.route({ cluster: "authz" }, { message: "too late", delayMs: 1000 });
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/unary"), true);
    h.advance(199);
    expect(s.paused("request")).toBe(true);
    h.advance(1);
    expect(s.localReply).toMatchObject({ status: 503, bodyText: "grpc 4 Deadline Exceeded" });
    h.advance(2000); // the late answer never arrives
    expect(h.logsAt(LogLevel.info).filter((l) => l.startsWith("message"))).toEqual([]);
  });

  it("a service that is neither a known cluster nor a GrpcService is ParseFailure; an unmatched call fails the test", () => {
    const h = host();
    h.grpc.cluster("authz");
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/unary", [["x-cluster", "nowhere"]]), true);
    expect(h.logsAt(LogLevel.info)).toEqual([`grpc_call ${WasmResult.ParseFailure} id=0`]);
    expect(() => h.newHttpStream().sendRequestHeaders(req("/unary"), true)).toThrow(/proxy_grpc_call 5 to cluster "authz" \(pkg.Auth\/Check\) matched no route/);
  });

  it("streams: the plugin's messages reach the peer; metadata, messages and close come back in order", () => {
    const h = host();
    let peer: GrpcStreamPeer | undefined;
    h.grpc.onStream({ cluster: "events", method: "Watch" }, (p) => { peer = p; });
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/stream"), true);
    expect(peer).toBeDefined();
    const p = peer as GrpcStreamPeer;
    expect(p.request).toMatchObject({ id: 6, cluster: "events", serviceName: "pkg.Events", method: "Watch" });
    expect(p.received.map((m) => new TextDecoder().decode(m))).toEqual(["hello", "bye"]);
    expect(p.halfClosed).toBe(true);
    p.sendInitialMetadata([["X-Md", "1"]]);
    p.send("event-1");
    p.sendTrailingMetadata([["x-done", "yes"]]);
    expect(s.paused("request")).toBe(true);
    p.close(GrpcStatus.Ok, "");
    expect(s.paused("request")).toBe(false);
    expect(h.logsAt(LogLevel.info)).toEqual([
      "grpc_stream 0 id=6",
      // send after end of stream and send to a call id are refused; the stream's own sends are Ok
      `send 0 0 after end ${WasmResult.BadArgument} to a call id ${WasmResult.BadArgument}`,
      "initial metadata 6 n=1 first=x-md:1",
      "message 6 event-1",
      "trailing metadata 6 n=1 first=x-done:yes",
      "close 6 status=0 message=",
    ]);
    expect(() => p.send("after close")).toThrow(/after the peer closed it/);
  });

  it("cancel resets a stream: Ok once, NotFound after, and nothing from the peer arrives", () => {
    const h = host();
    let peer: GrpcStreamPeer | undefined;
    h.grpc.onStream({ cluster: "events" }, (p) => { peer = p; });
    h.newHttpStream().sendRequestHeaders(req("/cancel"), true);
    expect(h.logsAt(LogLevel.info)).toEqual([
      "grpc_stream 0 id=6", `cancel 0 again ${WasmResult.NotFound}`, `send after cancel ${WasmResult.NotFound}`,
    ]);
    expect(peer).toBeUndefined(); // cancelled before the opening callback returned: never opened
    expect(h.grpc.streams[0].cancelled).toBe(true);
    expect(() => h.grpc.streams[0].send("x")).toThrow(/cancelled/);
  });

  it("maps 4/5 and buffer 5 are empty outside gRPC callbacks", () => {
    const h = host();
    h.grpc.route({ cluster: "authz" }, { message: "m" });
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/other"), true);
    expect(s.request.headers).toEqual(req("/other"));
    expect(h.logsAt(LogLevel.info)).toEqual([]);
  });
});

describe("gRPC service given as a serialized GrpcService", () => {
  it("resolves envoy_grpc.cluster_name", async () => {
    const { serviceCluster } = await import("../../host-mock/src/grpc.ts");
    // GrpcService { envoy_grpc (1) { cluster_name (1): "authz" } }
    const proto = Uint8Array.from([0x0a, 0x07, 0x0a, 0x05, ...new TextEncoder().encode("authz")]);
    expect(serviceCluster(proto, () => false)).toBe("authz");
    expect(serviceCluster(new TextEncoder().encode("authz"), (c) => c === "authz")).toBe("authz");
    expect(serviceCluster(Uint8Array.from([0x0a, 0x09, 0x0a]), () => false)).toBeNull(); // truncated
    expect(serviceCluster(new TextEncoder().encode("plain"), () => false)).toBeNull();
  });
});
