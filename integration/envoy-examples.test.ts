// Every Envoy configuration the kit ships (envoy/examples/*.yaml and each filter's envoy.yaml) is
// accepted by the official Envoy: `envoy --mode validate` parses it and loads its wasm plugins,
// whose onConfigure runs — so a configuration a filter would refuse fails here, not in production.
// A broken copy is refused, which shows the check can fail.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateConfig, envoyRuntime } from "@filterkit/envoy";

const skip = envoyRuntime();
const repo = fileURLToPath(new URL("..", import.meta.url));
const configs = [
  ...readdirSync(join(repo, "envoy/examples")).filter((f) => f.endsWith(".yaml")).map((f) => join("envoy/examples", f)),
  ...readdirSync(join(repo, "filters")).map((d) => join("filters", d, "envoy.yaml")).filter((f) => existsSync(join(repo, f))),
].sort();

/** The release build of every filter the configuration loads from /etc/envoy/filters/<name>.wasm. */
function filesFor(text: string): Array<{ source: string; target: string }> {
  return [...new Set([...text.matchAll(/filename: (\/etc\/envoy\/filters\/([\w-]+)\.wasm)/g)].map((m) => `${m[1]}|${m[2]}`))].map((x) => {
    const [target, name] = x.split("|");
    return { source: join(repo, "filters", name, "build", "release.wasm"), target };
  });
}

describe.skipIf(skip !== null)(`shipped Envoy configurations validate in Envoy${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 60_000 }, () => {
  it("finds the configurations", () => {
    expect(configs).toContain(join("envoy/examples", "chain.yaml"));
    expect(configs).toContain(join("filters", "add-header", "envoy.yaml"));
  });

  for (const file of configs) {
    it(file, async () => {
      const text = readFileSync(join(repo, file), "utf8");
      const r = await validateConfig(text, filesFor(text));
      expect(r.ok, r.output.split("\n").slice(-8).join("\n")).toBe(true);
    });
  }

  it("refuses a copy whose plugin configuration the filter rejects", async () => {
    const text = readFileSync(join(repo, "envoy/examples/chain.yaml"), "utf8").replace('"x-served-by"', "42");
    const r = await validateConfig(text, filesFor(text));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/Plugin served_by failed to load|Unable to create Wasm plugin served_by/);
  });
});
