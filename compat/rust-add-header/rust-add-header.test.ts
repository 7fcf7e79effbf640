// The add-header template filter written on the proxy-wasm Rust SDK (the twin npm run bench:envoy
// compares the AssemblyScript SDK with) does what filters/add-header does, on the mock host: the
// same header on the same answers, the same configurations refused. Built by
// `bash compat/rust-add-header/build.sh` (compat/foreign.ts: not run without Rust, never skipped in CI).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type HeaderPairs } from "../../host-mock/src/index.ts";
import { repoRoot } from "../../sdk/test/helpers.ts";
import { foreignFixture } from "../foreign.ts";

const FIXTURE = foreignFixture("rust-add-header", "needs cargo and the wasm32-wasip1 target");
const AS = join(repoRoot, "filters/add-header/build/release.wasm");
const CONFIG = { name: "X-Powered-By", value: "filterkit" };

function answer(wasm: string, rootId: string): HeaderPairs {
  const h = createHost({ wasm, rootId, pluginConfig: CONFIG });
  expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
  const s = h.newHttpStream();
  s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
  s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"]], true);
  s.complete();
  return s.response.headers;
}

describe.skipIf(FIXTURE.notRun !== null)(`add-header on the Rust SDK${FIXTURE.notRun !== null ? ` — not run: ${FIXTURE.notRun}` : ""}`, () => {
  it("adds the configured header (name lower-cased) exactly as the AssemblyScript filter does", () => {
    const rust = answer(FIXTURE.wasm(), "add_header");
    expect(rust).toEqual([[":status", "200"], ["content-type", "text/plain"], ["x-powered-by", "filterkit"]]);
    expect(rust).toEqual(answer(AS, "add_header"));
  });

  it.each([
    [{ name: "not a name", value: "x" }, /field "name"/],
    [{ name: "x-a", value: "a\r\nb" }, /field "value"/],
    [{ value: "x" }, /field "name"/],
  ])("refuses %j at configure time, naming the field", (config, error) => {
    const h = createHost({ wasm: FIXTURE.wasm(), rootId: "add_header", pluginConfig: config });
    expect(h.configured).toBe(false);
    expect(h.logsAt(LogLevel.error).join("\n")).toMatch(error);
  });
});
