// What a WasmPlugin's failStrategy does when the module cannot be had — here a sha256 that is not
// the image's (a stale manifest after a re-push, the most common way to get there): pilot-agent
// refuses the pull (the digest is compared before any layer is fetched) and, instead of the
// filter, gives Envoy Istio's fallback — a deny-all RBAC filter for FAIL_CLOSE (every request 403),
// an allow-all one for FAIL_OPEN (every request passes, unauthenticated: for an auth filter,
// FAIL_OPEN means no authentication while the image is broken). Two workloads behind one xDS
// server, one per strategy, the auth filter's image pushed by filterkit, each WasmPlugin written by
// `filterkit istio --sha256` with a wrong digest.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RecordingUpstream } from "@filterkit/envoy";
import { request } from "undici";
import { startRegistry, type RegistryFixture } from "../../cli/test/registry-fixture.ts";
import { runFilterkit } from "../../cli/test/run-filterkit.ts";
import { freePort, pushFilter, startSidecar, startWorkload, startXdsServer, stopAll, untilServing, workloadResources, WORKLOAD_BODY, type Sidecar, type XdsServer } from "./mesh.ts";
import { stageTools } from "./tools.ts";

const repo = join(import.meta.dirname, "../..");
const PLUGIN_CONFIG = (parse(readFileSync(join(repo, "filters/auth/istio.yaml"), "utf8")) as { spec: { pluginConfig: unknown } }).spec.pluginConfig;
const NAMESPACE = "demo";
const STRATEGIES = ["FAIL_CLOSE", "FAIL_OPEN"] as const;
type Strategy = (typeof STRATEGIES)[number];

describe("a WasmPlugin whose image cannot be had: Istio's failStrategy", () => {
  let registry: RegistryFixture;
  let upstream: RecordingUpstream;
  let xds: XdsServer | undefined;
  const sidecars = new Map<Strategy, { sidecar: Sidecar; port: number }>();
  let digest = "";
  const scratch = mkdtempSync(join(tmpdir(), "filterkit-istio-fail-"));
  const context = () => [...sidecars].map(([s, { sidecar }]) => `--- ${s} pilot-agent and Envoy:\n${sidecar.log().slice(-6000)}`).join("\n") + `\n--- xds-server:\n${xds?.log().slice(-3000) ?? ""}`;

  beforeAll(async () => {
    const tools = stageTools();
    registry = await startRegistry({ mode: "anonymous" });
    const image = `${registry.host}/filters/auth:fail`;
    digest = pushFilter("auth", image, join(scratch, "layout"));
    const wrong = [...digest].reverse().join("");
    expect(wrong).not.toBe(digest);
    writeFileSync(join(scratch, "auth.json"), JSON.stringify(PLUGIN_CONFIG));

    upstream = await startWorkload();
    const files: string[] = [];
    const ports = new Map<Strategy, number>();
    for (const strategy of STRATEGIES) {
      const app = strategy.toLowerCase().replace("_", "-");
      const port = await freePort();
      ports.set(strategy, port);
      writeFileSync(join(scratch, `${app}.yaml`), workloadResources({ namespace: NAMESPACE, name: app, labels: { app }, port, upstreamPort: upstream.port }));
      const plugin = runFilterkit(["istio", "filters/auth", "--image", image, "--sha256", wrong, "--name", `auth-${app}`, "--namespace", NAMESPACE,
        "--selector", `app=${app}`, "--phase", "AUTHN", "--fail-strategy", strategy, "--config", join(scratch, "auth.json"), "--out", join(scratch, `plugin-${app}.yaml`)]);
      expect(plugin.code, plugin.err).toBe(0);
      files.push(join(scratch, `${app}.yaml`), join(scratch, `plugin-${app}.yaml`));
    }
    xds = await startXdsServer(tools, files);
    for (const strategy of STRATEGIES) {
      const app = strategy.toLowerCase().replace("_", "-");
      const sidecar = await startSidecar(tools, { xdsPort: xds.port, namespace: NAMESPACE, podName: `${app}-0`, labels: { app } });
      sidecars.set(strategy, { sidecar, port: ports.get(strategy)! });
    }
    // Istio's fallback in place of the filter: an RBAC filter in the ECDS config
    for (const { sidecar, port } of sidecars.values()) await untilServing(sidecar, ["envoy.extensions.filters.http.rbac.v3.RBAC"], port, context);
  }, 240_000);

  afterAll(async () => {
    await stopAll(...[...sidecars.values()].map((s) => s.sidecar), xds, upstream, registry);
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(STRATEGIES)("%s: pilot-agent refuses the module for its digest and pulls nothing", (strategy) => {
    const { sidecar } = sidecars.get(strategy)!;
    expect(sidecar.grep(new RegExp(`has checksum ${digest}, which does not match`)).length, sidecar.log().slice(-4000)).toBeGreaterThan(0);
    expect(sidecar.grep(new RegExp(`applying ${strategy === "FAIL_CLOSE" ? "deny" : "allow"} RBAC filter`)).length).toBeGreaterThan(0);
    expect(sidecar.grep(/fetching image/).length).toBeGreaterThan(0);
    const pulled = readdirSync(sidecar.dataDir, { recursive: true }).map(String).filter((f) => f.endsWith(".wasm"));
    expect(pulled).toEqual([]);
  });

  it("FAIL_CLOSE: every request is refused (403, Istio's deny-all RBAC), credential or not", async () => {
    const { port } = sidecars.get("FAIL_CLOSE")!;
    const before = upstream.received.length;
    for (const headers of [{}, { "x-api-key": "alice-secret-key" }]) {
      const r = await request(`http://127.0.0.1:${port}/orders`, { headers });
      expect(r.statusCode).toBe(403);
      expect(await r.body.text()).toBe("RBAC: access denied");
    }
    expect(upstream.received.length).toBe(before);
  });

  it("FAIL_OPEN: every request passes to the workload unauthenticated (Istio's allow-all RBAC instead of the filter)", async () => {
    const { port } = sidecars.get("FAIL_OPEN")!;
    const before = upstream.received.length;
    const r = await request(`http://127.0.0.1:${port}/orders`);
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe(WORKLOAD_BODY);
    expect(upstream.received.length).toBe(before + 1);
  });
});
