// The kit's images judged by Istio's own code: `filterkit package --push` to a real registry
// (docker-registry, anonymous and with htpasswd), then Istio's Wasm image fetcher
// (istio.io/istio/pkg/wasm, built as .cache/istio/bin/istio-fetch by scripts/build-istio-tools.sh)
// pulls it as Istio's agent would: the bytes it hands Envoy must be the filter's release build and
// the digest it compares a WasmPlugin's sha256 with must be the one `filterkit package` printed and
// `filterkit istio` wrote. Both variants; a push of another module is caught by `filterkit istio`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFilterkit } from "./run-filterkit.ts";
import { parse } from "yaml";
import { foreignBuild } from "../../compat/foreign.ts";
import { registryTools, startRegistry, type RegistryFixture, type RegistryMode } from "./registry-fixture.ts";

const repo = join(import.meta.dirname, "../..");
const RELEASE = readFileSync(join(repo, "filters/add-header/build/release.wasm"));
const fetcher = foreignBuild("istio/tools", ".cache/istio/bin/istio-fetch", "bash scripts/build-istio-tools.sh", "needs Go 1.26");
const tools = registryTools();
const skip = tools ?? fetcher.notRun;

const filterkit = (args: string[], env: Record<string, string> = {}) => runFilterkit(args, { env });

function istioFetch(ref: string, dockerConfig?: string) {
  const out = join(scratch, `fetched-${Math.random().toString(36).slice(2)}.wasm`);
  const r = spawnSync(fetcher.wasm(), [...(dockerConfig !== undefined ? ["--docker-config", dockerConfig] : []), "--out", out, ref], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, json: r.status === 0 ? (JSON.parse(r.stdout.trim()) as { manifestDigest: string; bytes: number; sha256: string }) : null, err: r.stderr, bytes: r.status === 0 ? readFileSync(out) : null };
}

const scratch = mkdtempSync(join(tmpdir(), "filterkit-istio-fetch-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(skip !== null).each(["anonymous", "basic"] as RegistryMode[])(`Istio's fetcher pulls what filterkit pushed (%s registry)${skip !== null ? ` — not run: ${skip}` : ""}`, (mode) => {
  let registry: RegistryFixture;
  let env: Record<string, string> = {};
  let dockerConfig: string | undefined;
  beforeAll(async () => {
    registry = await startRegistry({ mode });
    if (mode === "basic") {
      env = { FILTERKIT_REGISTRY_USERNAME: registry.username, FILTERKIT_REGISTRY_PASSWORD: registry.password };
      // what Istio's agent reads a pull secret from: a dockerconfigjson
      dockerConfig = join(scratch, `config-${mode}.json`);
      writeFileSync(dockerConfig, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString("base64") } } }));
    }
  });
  afterAll(async () => { await registry?.stop(); });

  it.each(["compat", "oci"] as const)("the %s variant: Istio gets the release build, under the digest filterkit printed and wrote into the WasmPlugin", { timeout: 120_000 }, (variant) => {
    const ref = `${registry.host}/filters/add-header:${variant}`;
    const pushed = filterkit(["package", "filters/add-header", "--variant", variant, "--out", join(scratch, `layout-${mode}-${variant}`), "--push", ref], env);
    expect(pushed.code, pushed.err).toBe(0);
    const digest = /^WasmPlugin sha256: ([a-f0-9]{64})$/m.exec(pushed.out)?.[1];
    expect(digest, pushed.out).toBeDefined();

    const got = istioFetch(ref, dockerConfig);
    expect(got.code, got.err).toBe(0);
    expect(got.json?.manifestDigest).toBe(digest);
    expect(Buffer.from(got.bytes ?? []).equals(RELEASE)).toBe(true);

    const manifest = filterkit(["istio", "filters/add-header", "--image", ref, "--namespace", "demo", "--phase", "STATS", "--selector", "app=demo"], env);
    expect(manifest.code, manifest.err).toBe(0);
    const plugin = parse(manifest.out) as { kind: string; spec: { url: string; sha256: string; pluginName: string; pluginConfig: unknown } };
    expect(plugin.kind).toBe("WasmPlugin");
    expect(plugin.spec.url).toBe(`oci://${ref}`);
    expect(plugin.spec.sha256).toBe(got.json?.manifestDigest);
    expect(plugin.spec.pluginName).toBe("add_header");
    expect(plugin.spec.pluginConfig).toEqual(JSON.parse(readFileSync(join(repo, "filters/add-header/config.json"), "utf8")));
  });

  it("filterkit istio refuses an image holding another module than this build", { timeout: 120_000 }, () => {
    // rate-limit's module pushed under add-header's name: the WasmPlugin would deploy the wrong filter
    const ref = `${registry.host}/filters/add-header:stale`;
    const pushed = filterkit(["package", "filters/rate-limit", "--out", join(scratch, `layout-${mode}-stale`), "--push", ref], env);
    expect(pushed.code, pushed.err).toBe(0);
    const r = filterkit(["istio", "filters/add-header", "--image", ref], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds another module than this build of add-header/);
    expect(r.out).toBe("");
  });

  if (mode === "basic") {
    it("Istio's fetcher is refused without the pull secret", { timeout: 60_000 }, () => {
      const got = istioFetch(`${registry.host}/filters/add-header:compat`);
      expect(got.code).toBe(1);
      expect(got.err).toMatch(/UNAUTHORIZED: authentication required/);
    });
  }
});
