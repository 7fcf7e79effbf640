// Each shipped filter's documented WasmPlugin (filters/<name>/istio.yaml) is this build's (sha256 =
// the manifest digest of its compat image, the configuration of its envoy.yaml), sits in the phase
// its README gives, and the configuration text Istio would hand the filter for it is one the
// filter accepts (on the mock host, release build).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { istioExample, PLACEMENT } from "../../scripts/istio-examples.ts";
import { istioConfigurationText, type StructValue } from "../src/istio/plugin-config.ts";

const repo = join(import.meta.dirname, "../..");

describe.each(Object.keys(PLACEMENT))("filters/%s/istio.yaml", (name) => {
  const file = join(repo, "filters", name, "istio.yaml");
  it("is this build's (npm run docs writes it)", () => {
    expect(readFileSync(file, "utf8"), `${file} is out of date: run npm run docs`).toBe(istioExample(name));
  });

  it("is a WasmPlugin in the filter's phase whose configuration the filter accepts from Istio", () => {
    const doc = parse(readFileSync(file, "utf8")) as { kind: string; spec: { phase: string; pluginName: string; pluginConfig: { [k: string]: StructValue }; sha256: string } };
    expect(doc.kind).toBe("WasmPlugin");
    expect(doc.spec.phase).toBe(PLACEMENT[name].phase);
    expect(doc.spec.sha256).toMatch(/^[a-f0-9]{64}$/);
    const host = createHost({ wasm: join(repo, "filters", name, "build", "release.wasm"), rootId: doc.spec.pluginName, vmId: "istio", pluginConfig: istioConfigurationText(doc.spec.pluginConfig) });
    expect(host.logsAt(LogLevel.error)).toEqual([]);
    expect(host.configured).toBe(true);
  });
});
