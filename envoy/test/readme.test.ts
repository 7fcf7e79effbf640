// envoy/README.md's usage example runs as written against real Envoy: the block is taken from the
// README, pointed at the add-header filter's release build (its root id and configuration shape
// are the example's, renamed), and what it sent through Envoy is checked.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envoyRuntime } from "@filterkit/envoy";

const repo = join(import.meta.dirname, "../..");
const skip = envoyRuntime();

function example(): string {
  const readme = readFileSync(join(repo, "envoy/README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error("envoy/README.md has no ts block");
  return block;
}

describe.skipIf(skip !== null)(`envoy/README.md's example${skip !== null ? ` — not run: ${skip}` : ""}`, () => {
  it("starts Envoy with the filter, sends a request through it, and stops", { timeout: 60_000 }, async () => {
    const code = example();
    expect(code).toContain('wasm: "build/release.wasm", rootId: "my_filter"');
    const runnable = `${code
      .replace('"build/release.wasm"', JSON.stringify(join(repo, "filters/add-header/build/release.wasm")))
      .replace(/"my_filter"/g, '"add_header"')}\nexport { r, upstream };\n`;
    const dir = join(repo, ".cache", `readme-envoy-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "example.ts");
    writeFileSync(file, runnable);
    try {
      const { r, upstream } = (await import(file)) as { r: { status: number; headers: Array<[string, string]>; body: string }; upstream: { received: Array<{ path: string }> } };
      expect(r.status).toBe(200);
      expect(r.body).toBe("ok");
      expect(r.headers).toContainEqual(["x-a", "1"]); // the filter's configured header, added by Envoy's Wasm filter
      expect(upstream.received.map((q) => q.path)).toEqual(["/"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
