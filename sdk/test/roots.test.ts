import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "headers": { debug: fixtureWasm("headers", "debug"), release: fixtureWasm("headers", "release") },
  "roots": { debug: fixtureWasm("roots", "debug"), release: fixtureWasm("roots", "release") },
};

describe.each(BUILDS)("root context selection (%s build)", (build) => {
  it("uses the factory registered for plugin_root_id", () => {
    const host = createHost({ wasm: WASM["roots"][build], rootId: "first", pluginConfig: "cfg-text" });
    expect(host.configured).toBe(true);
    expect(host.logsAt(LogLevel.info)).toEqual([`first configured with [cfg-text] id=${host.rootContextId}`]);
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
    expect(s.request.headers).toContainEqual(["x-root", "first"]);

    const other = createHost({ wasm: WASM["roots"][build], rootId: "second" });
    expect(other.logsAt(LogLevel.info)).toEqual(["second configured"]);
    const s2 = other.newHttpStream();
    s2.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
    expect(s2.request.headers).toContainEqual(["x-root", "second"]);
  });

  it("rejects an unknown root id with a critical log instead of trapping", () => {
    const host = createHost({ wasm: WASM["roots"][build], rootId: "nope" });
    expect(host.configured).toBe(false);
    expect(host.logsAt(LogLevel.critical)).toEqual([
      'no root context registered for root id "nope" (registered: "first", "second"); rejecting the configuration',
    ]);
  });

  it("an empty root id selects the only registered factory", () => {
    const host = createHost({ wasm: WASM["headers"][build], rootId: "" });
    expect(host.configured).toBe(true);
  });

  it("stream contexts are created per stream and deleted after complete()", () => {
    const host = createHost({ wasm: WASM["roots"][build], rootId: "first" });
    for (let i = 0; i < 3; i++) {
      const s = host.newHttpStream();
      s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
      s.sendResponseHeaders([[":status", "200"]], true);
      s.complete();
      expect(s.callbacks.map((c) => c.name)).toEqual([
        "proxy_on_context_create", "proxy_on_request_headers", "proxy_on_response_headers",
        "proxy_on_log", "proxy_on_done", "proxy_on_delete",
      ]);
    }
    host.shutdown();
    expect(host.rootDeleted).toBe(true);
  });
});
