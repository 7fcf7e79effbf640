// Unit tests of the add-header filter on the mock host, against both its release and debug builds.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  createHost, FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus, formatFuzzTrap, fuzzChain, LogLevel, type ConfigValue, type HeaderPairs,
} from "@filterkit/host-mock";

const here = dirname(fileURLToPath(import.meta.url));
const REQUEST: HeaderPairs = [[":method", "GET"], [":path", "/hello"], [":authority", "example.com"], [":scheme", "http"]];

describe.each(["release", "debug"] as const)("add-header (%s build)", (target) => {
  const wasm = join(here, "build", `${target}.wasm`);
  const host = (pluginConfig: ConfigValue) => createHost({ wasm, rootId: "add_header", vmId: "t", pluginConfig });

  // the mock host's fuzz harness: hostile generated traffic (host-mock/src/fuzz.ts), zero traps;
  // 100,000 requests on the build Envoy runs, 20,000 on the debug build
  it("survives hostile generated traffic without a trap", { timeout: 120_000 }, () => {
    const requests = target === "release" ? 100_000 : 20_000;
    const chain = { plugins: [{ wasm, rootId: "add_header", vmId: "fuzz", configuration: { name: "x-powered-by", value: "filterkit" } }] };
    const report = fuzzChain(chain, { seed: 8, requests, profile: "hostile" });
    expect(report.traps.map(formatFuzzTrap)).toEqual([]);
    expect(report.requests).toBe(requests);
    expect(report.statuses[431]).toBeGreaterThan(0); // the traffic reached past Envoy's limits too
  });

  it("adds the configured header to the response and leaves the request alone", () => {
    const h = host({ name: "x-powered-by", value: "filterkit" });
    expect(h.configured).toBe(true);
    const s = h.newHttpStream();
    expect(s.sendRequestHeaders(REQUEST, true)).toBe(FilterHeadersStatus.Continue);
    expect(s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"]], true)).toBe(FilterHeadersStatus.Continue);
    s.complete();
    expect(s.request.headers).toEqual(REQUEST);
    expect(s.response.headers).toEqual([[":status", "200"], ["content-type", "text/plain"], ["x-powered-by", "filterkit"]]);
    expect(s.callbacks.map((c) => c.name)).toEqual([
      "proxy_on_context_create", "proxy_on_request_headers", "proxy_on_response_headers",
      "proxy_on_log", "proxy_on_done", "proxy_on_delete",
    ]);
    expect(h.logsAt(LogLevel.error)).toEqual([]);
  });

  // the kit's vitest matchers (@filterkit/host-mock/matchers, loaded by vitest.config.ts) say the same more briefly
  it("reads as the kit's matchers put it", () => {
    const s = host({ name: "x-powered-by", value: "filterkit" }).newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    s.sendResponseHeaders([[":status", "200"]], true);
    s.complete();
    expect(s.response).toHaveHeader("x-powered-by", "filterkit");
    expect(s.request).not.toHaveHeader("x-powered-by");
    expect(s).not.toHaveLocalReply();
    expect(host({ name: 42, value: "x" })).toHaveLogged(LogLevel.error, /field "name": expected a non-empty string, got number/);
  });

  it("keeps an upstream header of the same name and adds its own after it; an inline one (via) joins it, as in Envoy", () => {
    const s = host({ name: "X-Served-By", value: "filterkit" }).newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    s.sendResponseHeaders([[":status", "200"], ["x-served-by", "upstream"], ["x-a", "1"]], true);
    expect(s.response.headers).toEqual([[":status", "200"], ["x-served-by", "upstream"], ["x-a", "1"], ["x-served-by", "filterkit"]]);
    // Envoy keeps `via` in one inline slot: an add appends ",filterkit" (measured in Envoy 1.40)
    const v = host({ name: "Via", value: "filterkit" }).newHttpStream();
    v.sendRequestHeaders(REQUEST, true);
    v.sendResponseHeaders([[":status", "200"], ["via", "1.1 upstream"], ["x-a", "1"]], true);
    expect(v.response.headers).toEqual([[":status", "200"], ["via", "1.1 upstream,filterkit"], ["x-a", "1"]]);
  });

  it("passes bodies and trailers through untouched", () => {
    const s = host({ name: "x-a", value: "" }).newHttpStream();
    s.sendRequestHeaders([[":method", "POST"], [":path", "/"], [":authority", "a"]], false);
    expect(s.sendRequestBody("part one,", false)).toBe(FilterDataStatus.Continue);
    expect(s.sendRequestBody(" part two", false)).toBe(FilterDataStatus.Continue);
    expect(s.sendRequestTrailers([["x-checksum", "abc"]])).toBe(FilterTrailersStatus.Continue);
    s.sendResponseHeaders([[":status", "201"]], false);
    s.sendResponseBody("done", true);
    s.complete();
    expect(s.request.bodyText).toBe("part one, part two");
    expect(s.request.trailers).toEqual([["x-checksum", "abc"]]);
    expect(s.response.headers).toEqual([[":status", "201"], ["x-a", ""]]);
    expect(s.response.bodyText).toBe("done");
  });

  it("serves many streams from one root context", () => {
    const h = host({ name: "x-n", value: "1" });
    for (let i = 0; i < 50; i++) {
      const s = h.newHttpStream();
      s.sendRequestHeaders(REQUEST, true);
      s.sendResponseHeaders([[":status", "200"]], true);
      s.complete();
      expect(s.response.headers).toEqual([[":status", "200"], ["x-n", "1"]]);
    }
  });

  it("does not echo a hostile header name into the log (no forged log lines)", () => {
    const h = host({ name: "x\r\n[critical][wasm] forged entry", value: "v" });
    expect(h.configured).toBe(false);
    const errors = h.logsAt(LogLevel.error);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^invalid configuration: field "name": expected an HTTP header name/);
    expect(errors[0]).not.toMatch(/[\r\n]|forged/);
  });

  // Every invalid configuration is refused at configure time with one error naming the field.
  const invalid: Array<[string, ConfigValue, RegExp]> = [
    ["an empty configuration", "", /invalid configuration/],
    ["text that is not JSON", "name=x", /invalid configuration/],
    ["a JSON array", "[]", /expected a JSON object/],
    ["a missing name", { value: "v" }, /field "name": expected a non-empty string, got nothing/],
    ["a numeric name", { name: 42, value: "v" }, /field "name": expected a non-empty string, got number/],
    ["an empty name", { name: "", value: "v" }, /field "name": expected a non-empty string/],
    ["a name with a space", { name: "x bad", value: "v" }, /field "name": expected an HTTP header name/],
    ["a pseudo-header name", { name: ":status", value: "500" }, /field "name": expected an HTTP header name/],
    ["a missing value", { name: "x-a" }, /field "value": expected a string, got nothing/],
    ["a value that is not a string", { name: "x-a", value: true }, /field "value": expected a string, got bool/],
    ["a value smuggling a header (CRLF)", { name: "x-a", value: "v\r\nset-cookie: admin=1" }, /field "value": expected a header value without CR, LF or NUL/],
    ["a value with a NUL", { name: "x-a", value: "v\u0000w" }, /field "value"/],
    ["truncated JSON", '{"name": "x-a", "value": "v"', /invalid configuration/],
  ];
  for (const [what, config, message] of invalid) {
    it(`rejects ${what}`, () => {
      const h = host(config);
      expect(h.configured).toBe(false);
      const errors = h.logsAt(LogLevel.error);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    });
  }
});
