// gRPC calls and streams through the raw ABI (fixture `grpc`) against host-mock's scripted gRPC
// upstream: ids (calls 5, 9…; streams 6, 10…), delivery to the root after the calling callback,
// maps 4/5 and buffer 5 only inside their callbacks, failures and deadlines through
// proxy_on_grpc_close + proxy_get_status, Envoy's codes for send / cancel / close. What the plugin
// sees (metadata, status messages, the deadline's status, service parsing) is Envoy 1.40's, as
// integration/grpc.test.ts measured it.
import { describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus, GrpcStatus, LogLevel, WasmResult, type GrpcStreamPeer } from "@filterkit/host-mock";
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

  it("a non-OK status comes as proxy_on_grpc_close; proxy_get_status has grpc-message as on the wire + {details}", () => {
    const h = host();
    h.grpc.route({ cluster: "authz" }, { status: GrpcStatus.PermissionDenied, message: "no entry", delayMs: 50 });
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/unary"), true);
    expect(s.paused("request")).toBe(true);
    h.advance(50);
    expect(s.localReply).toMatchObject({ status: 503, bodyText: "grpc 7 no entry{via_upstream}" });
    const h2 = host();
    h2.grpc.route({ cluster: "authz" }, { status: GrpcStatus.InvalidArgument, message: "100% ü" });
    const s2 = h2.newHttpStream();
    s2.sendRequestHeaders(req("/unary"), true);
    expect(s2.localReply?.bodyText).toBe("grpc 3 100%25 %C3%BC{via_upstream}"); // percent-encoded, as Envoy passes it on
    const h3 = host();
    h3.grpc.route({ cluster: "authz" }, { status: GrpcStatus.PermissionDenied });
    const s3 = h3.newHttpStream();
    s3.sendRequestHeaders(req("/unary"), true);
    expect(s3.localReply?.bodyText).toBe("grpc 7 via_upstream"); // no grpc-message: the details alone
  });

  it("a call slower than its deadline closes at the deadline with Envoy's router timeout (Unavailable)", () => {
    const h = host();
    h.grpc.route({ cluster: "authz" }, { message: "too late", delayMs: 1000 });
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/unary"), true);
    h.advance(199);
    expect(s.paused("request")).toBe(true);
    h.advance(1);
    expect(s.localReply).toMatchObject({ status: 503, bodyText: "grpc 14 upstream request timeout{response_timeout}" });
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

  it("a failed call leaves the id where the guest pointed untouched", () => {
    const h = host();
    h.grpc.route({ cluster: "authz" }, { message: "ok" });
    h.newHttpStream().sendRequestHeaders(req("/unary"), true);
    h.newHttpStream().sendRequestHeaders(req("/unary", [["x-cluster", "nowhere"]]), true);
    expect(h.logsAt(LogLevel.info)).toEqual(["grpc_call 0 id=5", "message 5 ok", `grpc_call ${WasmResult.ParseFailure} id=5`]);
  });

  it("a GrpcService naming an unknown cluster: InternalFailure, then close(Unavailable) for the used-up id", () => {
    const h = host();
    h.grpc.route({ cluster: "authz" }, { message: "ok" });
    const hex = (name: string): string => Buffer.from([0x0a, name.length + 2, 0x0a, name.length, ...Buffer.from(name)]).toString("hex");
    const s = h.newHttpStream();
    expect(s.sendRequestHeaders(req("/unary", [["x-service-hex", hex("nowhere")]]), true)).toBe(FilterHeadersStatus.Continue);
    h.newHttpStream().sendRequestHeaders(req("/unary", [["x-service-hex", hex("authz")]]), true);
    expect(h.logsAt(LogLevel.info)).toEqual([
      `grpc_call ${WasmResult.InternalFailure} id=0`, "close 5 status=14 message=Cluster not available", "grpc_call 0 id=9", "message 9 ok",
    ]);
    expect(h.grpc.sent.map((r) => r.cluster)).toEqual(["authz"]);
  });

  it("a service whose bytes parse as a GrpcService without a target (the empty string) fails the test: Envoy aborts", () => {
    const h = host();
    h.grpc.cluster("authz");
    expect(() => h.newHttpStream().sendRequestHeaders(req("/unary", [["x-service-hex", ""]]), true)).toThrow(/panic: unset oneof/);
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
      // a send after end of stream is Ok (and dropped); a send to a call id is refused
      `send 0 0 after end 0 to a call id ${WasmResult.BadArgument}`,
      // the response headers: :status, content-type, x-md, x-envoy-upstream-service-time
      "initial metadata 6 n=4 first=:status:200",
      "message 6 event-1",
      // the trailers, with the close: grpc-status, x-done
      "trailing metadata 6 n=2 first=grpc-status:0",
      "close 6 status=0 message=via_upstream",
    ]);
    expect(p.received).toHaveLength(2); // "more" after the end of stream never reached the peer
    expect(() => p.send("after close")).toThrow(/after the peer closed it/);
  });

  it("a stream closed before anything was sent is a trailers-only answer", () => {
    const h = host();
    h.grpc.onStream({ cluster: "events" }, (p) => p.close(GrpcStatus.NotFound, "no such topic"));
    const s = h.newHttpStream();
    s.sendRequestHeaders(req("/stream"), true);
    expect(s.paused("request")).toBe(false);
    expect(h.logsAt(LogLevel.info).slice(2)).toEqual([
      "initial metadata 6 n=0 first=-",
      // :status, content-type, grpc-status, grpc-message, x-envoy-upstream-service-time
      "trailing metadata 6 n=5 first=:status:200",
      "close 6 status=5 message=no such topic{via_upstream}",
    ]);
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

describe("the service argument, as Envoy 1.40 reads it", () => {
  it("a serialized GrpcService first, else a cluster name", async () => {
    const { resolveGrpcService } = await import("../../host-mock/src/grpc.ts");
    const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
    // GrpcService { envoy_grpc (1) { cluster_name (1): "authz" } }
    const proto = Uint8Array.from([0x0a, 0x07, 0x0a, 0x05, ...enc("authz")]);
    expect(resolveGrpcService(proto, () => false)).toEqual({ kind: "cluster", cluster: "authz", fromProto: true });
    expect(resolveGrpcService(enc("authz"), (c) => c === "authz")).toEqual({ kind: "cluster", cluster: "authz", fromProto: false });
    expect(resolveGrpcService(Uint8Array.from([0x0a, 0x09, 0x0a]), () => true)).toEqual({ kind: "cluster", cluster: "\n\t\n", fromProto: false }); // truncated: a name
    expect(resolveGrpcService(Uint8Array.from([0x0a, 0x09, 0x0a]), () => false)).toEqual({ kind: "unparsable" });
    expect(resolveGrpcService(enc("plain"), () => false)).toEqual({ kind: "unparsable" });
    // bytes that are valid protobuf are a GrpcService even when a cluster has that name
    expect(resolveGrpcService(enc(""), () => true)).toEqual({ kind: "no_target" });
    const quoted = `"#${"abcdefghijklmnopqrstuvwxyz012345678"}`; // field 4, 35 bytes: an unknown field
    expect(resolveGrpcService(enc(quoted), () => true)).toEqual({ kind: "no_target" });
    expect(resolveGrpcService(Uint8Array.from([0x12, 0x00]), () => true)).toEqual({ kind: "google_grpc" });
    // a group must end with its own tag; wire types 6/7 and field 0 do not parse
    expect(resolveGrpcService(Uint8Array.from([0x23, 0x08, 0x01, 0x24]), () => false)).toEqual({ kind: "no_target" });
    expect(resolveGrpcService(Uint8Array.from([0x23, 0x08, 0x01, 0x2c]), () => false)).toEqual({ kind: "unparsable" });
    expect(resolveGrpcService(Uint8Array.from([0x0e]), () => false)).toEqual({ kind: "unparsable" });
    expect(resolveGrpcService(Uint8Array.from([0x02, 0x00]), () => false)).toEqual({ kind: "unparsable" });
    // envoy_grpc.cluster_name must be UTF-8 (proto3 strings)
    expect(resolveGrpcService(Uint8Array.from([0x0a, 0x03, 0x0a, 0x01, 0xff]), () => false)).toEqual({ kind: "unparsable" });
  });
});
