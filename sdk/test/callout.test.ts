// HTTP callouts end to end: the SDK's RootContext.httpCall through host-mock's scripted router —
// the answer arrives after the calling callback returns, maps 6/7 and buffer 4 are readable in
// the response callback, continue/local reply act on the stream, failures come as Envoy sends them.
import { describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus, LogLevel, WasmResult } from "@filterkit/host-mock";
import { fixtureWasm } from "./helpers.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/orders"], [":authority", "shop"], ["authorization", "Bearer t0k"]];

describe.each(["debug", "release"] as const)("HTTP callouts (%s build)", (target) => {
  const gate = () => createHost({ wasm: fixtureWasm("callout", target), rootId: "callout" });

  it("holds the request, calls the auth cluster, and lets it go on a 200", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth", method: "GET", path: "/check", headers: { Authorization: "Bearer t0k" } },
      { status: 200, headers: [["x-user", "alice"]] });
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders(REQ, true)).toBe(FilterHeadersStatus.StopIteration);
    // the answer came after the callback returned, and the filter continued the request
    expect(s.paused("request")).toBe(false);
    expect(s.request.headers).toContainEqual(["x-auth-user", "alice"]);
    expect(host.callouts.sent).toHaveLength(1);
    expect(host.callouts.sent[0]).toMatchObject({ id: 4, cluster: "auth", method: "GET", path: "/check", authority: "auth", timeoutMs: 500 });
    expect(host.callouts.sent[0].headers).toContainEqual(["authorization", "Bearer t0k"]);
  });

  it("turns a refusal into a 403 carrying the auth service's body", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth" }, { status: 401, body: "token expired" });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(s.localReply).toMatchObject({ status: 403, bodyText: "token expired" });
    expect(s.request.headers).toEqual([]); // nothing went upstream
  });

  it("sees a connection reset before the answer as Envoy's router 503, passed on as the gate's 403", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth" }, { fail: "reset" });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(s.localReply).toMatchObject({
      status: 403, bodyText: "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
    });
  });

  it("sees a reset after the answer started as zero headers with status BrokenConnection \"reset\"", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth" }, { fail: "reset-after-headers" });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(host.logsAt(LogLevel.warn)).toContain(`auth call failed: ${WasmResult.BrokenConnection} reset`);
    expect(s.localReply?.status).toBe(503);
  });

  it("answers a slow upstream with Envoy's 504 when the call's timeout expires on the virtual clock", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth" }, { status: 200, delayMs: 2000 });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(s.paused("request")).toBe(true); // still waiting
    host.advance(499);
    expect(s.localReply).toBeNull();
    host.advance(1);
    expect(s.localReply).toMatchObject({ status: 403, bodyText: "upstream request timeout" });
  });

  it("delivers a delayed answer when the clock reaches it", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth" }, { status: 200, headers: [["x-user", "bob"]], delayMs: 120 });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    host.advance(119);
    expect(s.paused("request")).toBe(true);
    host.advance(1);
    expect(s.request.headers).toContainEqual(["x-auth-user", "bob"]);
  });

  it("gets BadArgument for a cluster Envoy does not know", () => {
    const host = gate(); // no route, no cluster
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(s.localReply).toMatchObject({ status: 500, bodyText: `status ${WasmResult.BadArgument}` });
    expect(host.callouts.sent).toEqual([]);
  });

  it("fails the test when a call matches no route", () => {
    const host = gate();
    host.callouts.cluster("auth");
    expect(() => host.newHttpStream().sendRequestHeaders(REQ, true)).toThrow(/to cluster "auth" \(GET \/check\) matched no route/);
  });
});
