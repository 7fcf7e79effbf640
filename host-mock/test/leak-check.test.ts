// checkForLeaks passes a filter with flat memory and catches one that keeps memory per request.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkForLeaks, createHost, type MockHost } from "../src/index.ts";
import { buildModule } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/some/longer/path?with=query"], [":authority", "a"]];
const oneRequest = (host: MockHost) => {
  const s = host.newHttpStream();
  s.sendRequestHeaders(REQ, true);
  s.sendResponseHeaders([[":status", "200"]], true);
  s.complete();
};

describe("leak check", () => {
  it("passes the example filter (AssemblyScript SDK, collected between callbacks)", () => {
    const wasm = fileURLToPath(new URL("../../filters/add-header/build/release.wasm", import.meta.url));
    const host = createHost({ wasm, rootId: "add_header", pluginConfig: { name: "x-a", value: "1" } });
    const r = checkForLeaks(host, oneRequest, { warmup: 500, runs: 5_000 });
    expect(r.pagesAfterRuns).toBe(r.pagesAfterWarmup);
  });

  it("catches a filter whose allocator never frees what the host hands it", () => {
    // the helper modules' malloc is a bump allocator: every header read keeps its bytes forever
    const leaky = buildModule({
      env: ["proxy_get_header_map_value"],
      funcs: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        (drop (call $proxy_get_header_map_value (i32.const 0) {{:path}} (i32.const 96) (i32.const 100))) (i32.const 0))`,
    });
    const host = createHost({ wasm: leaky.bytes });
    expect(() => checkForLeaks(host, oneRequest, { warmup: 100, runs: 5_000 })).toThrow(/linear memory grew from \d+ to \d+ pages/);
  });
});
