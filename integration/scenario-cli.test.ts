// `npm run scenario` end to end, in real Envoy and on the mock host: a scenario whose expectations
// hold exits 0 on both hosts; the same file with a deliberately wrong expectation exits 4 and prints
// an expected/actual diff for each host. The CLI is started without the runtime's environment, so
// it must find or set up real Envoy itself, as the integration suite does (envoy/src/runtime.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { envoyRuntime } from "@filterkit/envoy";

const skip = envoyRuntime();
const repo = resolve(import.meta.dirname, "..");
const source = join(repo, "integration/scenarios/callout-denied.json");

/** The corpus file with absolute wasm paths (so it runs from a scratch directory), changed by `edit`. */
function variant(edit: (doc: { plugins: Array<{ wasm: string }>; requests: Array<{ expect: Record<string, unknown> }> }) => void): string {
  const doc = JSON.parse(readFileSync(source, "utf8"));
  for (const p of doc.plugins) p.wasm = resolve(join(repo, "integration/scenarios"), p.wasm);
  edit(doc);
  const file = join(mkdtempSync(join(tmpdir(), "scenario-cli-")), "s.json");
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

function cli(file: string): { code: number; out: Record<string, unknown>; err: string } {
  const env = { ...process.env };
  // the runtime's environment is taken away: the CLI must bootstrap it like the tests do
  for (const k of ["DOCKER_HOST", "ENVOY_IMAGE", "TESTCONTAINERS_RYUK_DISABLED"]) delete env[k];
  const r = spawnSync(process.execPath, ["--conditions=filterkit-source", "--import", "tsx", join(repo, "cli/bin/filterkit.mjs"), "scenario", file, "--host", "both"],
    { cwd: repo, env, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, out: JSON.parse(r.stdout) as Record<string, unknown>, err: r.stderr };
}

describe.skipIf(skip !== null)(`npm run scenario on both hosts${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 180_000 }, () => {
  it("expectations that hold: exit 0, no differences", () => {
    const r = cli(variant(() => undefined));
    expect(r.err).toMatch(/mock: \d+ expectation\(s\) checked, 0 failed/);
    expect(r.err).toMatch(/envoy: \d+ expectation\(s\) checked, 0 failed/);
    expect(r.code).toBe(0);
    expect(r.out.differences).toEqual([]);
  });

  it("a wrong expectation: exit 4 and an expected/actual diff for each host", () => {
    const r = cli(variant((doc) => {
      doc.requests[0].expect.status = 401;
      doc.requests[0].expect.body = { contains: "welcome" };
    }));
    expect(r.code).toBe(4);
    for (const host of ["mock", "envoy"]) {
      expect(r.err).toContain(`✗ ${host}: requests[0].expect.status  (GET /resource)\n  - expected: 401\n  + actual:   403`);
      expect(r.err).toContain(`✗ ${host}: requests[0].expect.body  (GET /resource)\n  - expected: {"contains":"welcome"}\n  + actual:   "bad token"`);
    }
    const expectations = r.out.expectations as Record<string, { failures: Array<{ at: string }> }>;
    expect(expectations.mock.failures.map((f) => f.at)).toEqual(["requests[0].expect.status", "requests[0].expect.body"]);
    expect(expectations.envoy.failures.map((f) => f.at)).toEqual(["requests[0].expect.status", "requests[0].expect.body"]);
    expect(r.out.differences).toEqual([]); // the hosts agree; the expectation was wrong
  });
});
