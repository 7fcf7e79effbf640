// The add-header template filter's twins on other SDKs (compat/rust-add-header, compat/go-add-header:
// what npm run bench:envoy compares the AssemblyScript SDK with) must do what filters/add-header
// does, on the mock host: the same header on the same answers, the same configurations refused.
// Each twin's test file calls describeAddHeaderTwin; the fixture is built by its build.sh
// (compat/foreign.ts: not run without the toolchain, never skipped in CI).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type HeaderPairs } from "@filterkit/host-mock";
import { repoRoot } from "../sdk/test/helpers.ts";
import { foreignFixture } from "./foreign.ts";

const AS = join(repoRoot, "filters/add-header/build/release.wasm");
const CONFIG = { name: "X-Powered-By", value: "filterkit" };

function answer(wasm: string): HeaderPairs {
  const h = createHost({ wasm, rootId: "add_header", pluginConfig: CONFIG });
  expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
  const headers: HeaderPairs[] = [];
  // several streams: a twin that kept state between them (or lost its configuration) shows here
  for (let i = 0; i < 3; i++) {
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", `/${i}`], [":authority", "a"]], true);
    s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"]], true);
    s.complete();
    headers.push(s.response.headers);
  }
  expect(headers[1]).toEqual(headers[0]);
  expect(headers[2]).toEqual(headers[0]);
  return headers[0]!;
}

/** `dir`: the fixture's folder under compat/; `sdk`: its name in the test titles; `hint`: what building it needs. */
export function describeAddHeaderTwin(dir: string, sdk: string, hint: string): void {
  const fixture = foreignFixture(dir, hint);
  describe.skipIf(fixture.notRun !== null)(`add-header on the ${sdk}${fixture.notRun !== null ? ` — not run: ${fixture.notRun}` : ""}`, () => {
    it("adds the configured header (name lower-cased) exactly as the AssemblyScript filter does", () => {
      const twin = answer(fixture.wasm());
      expect(twin).toEqual([[":status", "200"], ["content-type", "text/plain"], ["x-powered-by", "filterkit"]]);
      expect(twin).toEqual(answer(AS));
    });

    it.each([
      [{ name: "not a name", value: "x" }, /field "name"/],
      [{ name: ":status", value: "x" }, /field "name"/],
      [{ name: "x-a", value: "a\r\nb" }, /field "value"/],
      [{ name: "x-a", value: "a\u0000b" }, /field "value"/],
      [{ value: "x" }, /field "name"/],
      [{ name: "x-a" }, /field "value"/],
    ])("refuses %j at configure time, naming the field, as the AssemblyScript filter does", (config, error) => {
      for (const wasm of [fixture.wasm(), AS]) {
        const h = createHost({ wasm, rootId: "add_header", pluginConfig: config });
        expect(h.configured, wasm).toBe(false);
        expect(h.logsAt(LogLevel.error).join("\n"), wasm).toMatch(error);
      }
    });
  });
}
