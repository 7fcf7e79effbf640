// The one route-matching mechanism behind the scripted upstreams (routes.ts): HTTP callouts
// (CalloutRouter) and gRPC calls and streams (GrpcRouter) pick answers the same way.
import { describe, expect, it } from "vitest";
import { CalloutRouter, type CalloutRequest } from "../src/callouts.ts";
import { GrpcRouter, type GrpcRequest } from "../src/grpc.ts";
import { fieldMatches, headersMatch } from "../src/routes.ts";

const call = (over: Partial<CalloutRequest>): CalloutRequest => ({
  id: 4, cluster: "auth", method: "GET", path: "/check", authority: "auth", headers: [], body: new Uint8Array(0), bodyText: "", trailers: [], timeoutMs: 0, ...over,
});
const grpc = (over: Partial<GrpcRequest>): GrpcRequest => ({
  id: 5, cluster: "svc", serviceName: "pkg.Greeter", method: "Hello", initialMetadata: [], message: new Uint8Array(0), timeoutMs: 0, ...over,
});

describe("route matching", () => {
  it("field and header matchers: exact, RegExp, any; header names case-insensitive, values exact", () => {
    expect([fieldMatches(undefined, "x"), fieldMatches("x", "x"), fieldMatches("x", "y"), fieldMatches(/^\/a/, "/ab"), fieldMatches(/^\/a/, "/b")])
      .toEqual([true, true, false, true, false]);
    const h: Array<[string, string]> = [["x-a", "1"], ["x-b", "2"]];
    expect([headersMatch(undefined, h), headersMatch({ "X-A": "1" }, h), headersMatch({ "x-a": "2" }, h), headersMatch({ "x-a": "1", "x-c": "3" }, h)])
      .toEqual([true, true, false, false]);
  });

  it("HTTP callouts: first matching route in order; method, path, headers narrow it; a function answer sees the call", () => {
    const r = new CalloutRouter()
      .route({ cluster: "auth", headers: { Authorization: "Bearer admin" } }, { status: 204 })
      .route({ cluster: "auth", method: "POST" }, { status: 201 })
      .route({ cluster: "auth", path: /^\/check/ }, (req) => ({ status: 200, body: req.path }))
      .route({ cluster: "auth" }, { status: 404 });
    expect(r.answer(call({ headers: [["authorization", "Bearer admin"]] }))).toEqual({ status: 204 });
    expect(r.answer(call({ method: "POST" }))).toEqual({ status: 201 });
    expect(r.answer(call({ path: "/check?x" }))).toEqual({ status: 200, body: "/check?x" });
    expect(r.answer(call({ path: "/other" }))).toEqual({ status: 404 });
    expect(r.answer(call({ cluster: "other" }))).toBeUndefined();
    expect([r.knows("auth"), r.knows("other"), r.cluster("other").knows("other")]).toEqual([true, false, true]);
  });

  it("gRPC: calls and streams share the known clusters; service, method and initial metadata narrow a route", () => {
    const r = new GrpcRouter()
      .route({ cluster: "svc", headers: { "X-Tenant": "a" } }, { message: "tenant a" })
      .route({ cluster: "svc", method: "Hello" }, { message: "hello" })
      .route({ cluster: "svc", serviceName: "pkg.Other" }, { status: 5, message: "nope" });
    expect(r.answer(grpc({ initialMetadata: [["x-tenant", "a"]] }))).toEqual({ message: "tenant a" });
    expect(r.answer(grpc({}))).toEqual({ message: "hello" });
    expect(r.answer(grpc({ method: "Bye", serviceName: "pkg.Other" }))).toEqual({ status: 5, message: "nope" });
    expect(r.answer(grpc({ method: "Bye" }))).toBeUndefined();
    const open = (): void => undefined;
    r.onStream({ cluster: "stream-only" }, open);
    expect(r.knows("stream-only")).toBe(true);
    expect(r.streamHandler(grpc({ cluster: "stream-only" }))).toBe(open);
    expect(r.streamHandler(grpc({}))).toBeUndefined();
  });
});
