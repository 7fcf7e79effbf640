// Hosts built from the Envoy configurations the kit ships: the deployed plugin settings, tested.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createChain, hostsFromEnvoyConfig, LogLevel, wasmPluginsOf } from "../src/index.ts";

const file = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const ADD_HEADER = file("filters/add-header/build/release.wasm");
const wasm = (filename: string): string => {
  if (filename !== "/etc/envoy/filters/add-header.wasm") throw new Error(`unexpected module ${filename}`);
  return ADD_HEADER;
};
const GET = [[":method", "GET"], [":path", "/"], [":authority", "example.com"]] as const;
const OK = { headers: [[":status", "200"]] as Array<[string, string]>, body: "ok" };

describe("hosts from an Envoy configuration", () => {
  it("reads every wasm filter of envoy/examples/chain.yaml with its settings, in order", () => {
    const plugins = wasmPluginsOf(readFileSync(file("envoy/examples/chain.yaml"), "utf8"));
    expect(plugins.map((p) => [p.filterName, p.pluginName, p.rootId, p.vmId, p.filename, p.failurePolicy])).toEqual([
      ["add_header_first", "powered_by", "add_header", "filterkit", "/etc/envoy/filters/add-header.wasm", "FAIL_CLOSED"],
      ["add_header_second", "served_by", "add_header", "filterkit", "/etc/envoy/filters/add-header.wasm", "FAIL_OPEN"],
    ]);
    expect(plugins.map((p) => JSON.parse(p.configuration) as unknown)).toEqual([
      { name: "x-powered-by", value: "filterkit" }, { name: "x-served-by", value: "edge" },
    ]);
  });

  it("runs the deployed chain: both filters configured, responses pass them in reverse order", () => {
    const hosts = hostsFromEnvoyConfig(readFileSync(file("envoy/examples/chain.yaml"), "utf8"), { wasm });
    expect(hosts.map((h) => h.configured)).toEqual([true, true]);
    const ex = createChain(hosts).run({ headers: GET }, OK);
    expect(ex.response.headers.filter(([k]) => k.startsWith("x-"))).toEqual([["x-served-by", "edge"], ["x-powered-by", "filterkit"]]);
  });

  it("runs a filter's own envoy.yaml, and reports a configuration the filter refuses", () => {
    const text = readFileSync(file("filters/add-header/envoy.yaml"), "utf8");
    const [host] = hostsFromEnvoyConfig(text, { wasm });
    expect(host.configured).toBe(true);
    const [bad] = hostsFromEnvoyConfig(text.replace('"x-powered-by"', "42"), { wasm });
    expect(bad.configured).toBe(false);
    expect(bad).toHaveLogged(LogLevel.error, /invalid configuration: field "name"/);
  });

  it("refuses what it cannot load, naming where", () => {
    const remote = `http_filters:
- name: w
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
    config: {vm_config: {code: {remote: {http_uri: {uri: "https://x/y.wasm"}}}}}`;
    expect(() => wasmPluginsOf(remote)).toThrow(/http_filters\[0\]: vm_config\.code\.local\.filename is required/);
    expect(() => hostsFromEnvoyConfig("static_resources: {}", { wasm })).toThrow(/no envoy\.filters\.http\.wasm filter/);
  });
});
