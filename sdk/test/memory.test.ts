import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus } from "@filterkit/host-mock";
import { fixtureNames, fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "roundtrip": { debug: fixtureWasm("roundtrip", "debug"), release: fixtureWasm("roundtrip", "release") },
};

// Every fixture, compiled at collection time (outside any test timeout).
const ALL: Array<[string, string[]]> = fixtureNames().map((n) => [n, [fixtureWasm(n, "debug"), fixtureWasm(n, "release")]]);

describe("compiled fixtures", () => {
  it.each(ALL)("%s imports only proxy_* functions from env (no abort/trace/seed)", (_name, files) => {
    for (const file of files) {
      const mod = new WebAssembly.Module(readFileSync(file));
      const imports = WebAssembly.Module.imports(mod);
      for (const i of imports) {
        expect(i.module).toBe("env");
        expect(i.name).toMatch(/^proxy_/);
      }
      const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
      expect(exports).toContain("proxy_abi_version_0_2_1");
      expect(exports).toContain("malloc");
      expect(exports).toContain("proxy_on_memory_allocate");
      expect(exports).toContain("_initialize");
      expect(exports.filter((e) => e.startsWith("proxy_abi_version_"))).toEqual(["proxy_abi_version_0_2_1"]);
    }
  });
});

describe.each(["debug", "release"] as const)("memory (%s)", (target) => {
  it("100,000 requests with a header get+add do not grow linear memory after warm-up", () => {
    const host = createHost({ wasm: WASM["roundtrip"][target], rootId: "roundtrip" });
    const request = (i: number) => {
      const s = host.newHttpStream();
      const st = s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-in", `value-${i % 1000}`]], true);
      expect(st).toBe(FilterHeadersStatus.Continue);
      s.complete();
      return s;
    };
    for (let i = 0; i < 5000; i++) request(i);
    const pages = host.memoryPages();
    let last = request(0);
    for (let i = 0; i < 100000; i++) last = request(i);
    expect(host.memoryPages()).toBe(pages);
    expect(last.request.headers).toContainEqual(["x-out", `value-${99999 % 1000}`]);
  }, 120000);
});
