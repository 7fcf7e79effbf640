// The auth filter deployed the way Istio deploys it, end to end without Kubernetes:
//   filterkit package --push  → a real registry (docker-registry on 127.0.0.1)
//   filterkit istio           → the WasmPlugin (sha256 read from that registry)
//   Istio's xDS server        → translates it (istiod's code) into an ECDS filter of the workload's
//                               inbound listener, the code an oci:// url
//   pilot-agent               → pulls the image, checks the sha256, rewrites the code to a local file
//   Envoy 1.40 (official)     → loads the filter; requests through it get the filter's answers,
//                               the same answers the mock host gives for the same configuration
// (istio/test/mesh.ts sets up the mesh; the stage builds Istio's programs: istio/global-setup.ts.)
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RecordingUpstream } from "@filterkit/envoy";
import { createHost, type HeaderPairs } from "@filterkit/host-mock";
import { request } from "undici";
import { istioConfigurationText, type StructValue } from "../../cli/src/istio/plugin-config.ts";
import { startRegistry, type RegistryFixture } from "../../cli/test/registry-fixture.ts";
import { runFilterkit } from "../../cli/test/run-filterkit.ts";
import { signJwt } from "../../filters/auth/tools/jwt.ts";
import { ecdsName, freePort, pushFilter, startSidecar, startWorkload, startXdsServer, stopAll, untilServing, workloadResources, WORKLOAD_BODY, type Sidecar, type XdsServer } from "./mesh.ts";
import { stageTools } from "./tools.ts";

const repo = join(import.meta.dirname, "../..");
const RELEASE = readFileSync(join(repo, "filters/auth/build/release.wasm"));
/** the documented WasmPlugin of the auth filter: its configuration is what this test deploys */
const EXAMPLE = parse(readFileSync(join(repo, "filters/auth/istio.yaml"), "utf8")) as { spec: { pluginConfig: { [k: string]: StructValue } } };
const PLUGIN_CONFIG = EXAMPLE.spec.pluginConfig;
const NAMESPACE = "demo";
const LABELS = { app: "demo" };
const ECDS_NAME = ecdsName(NAMESPACE, "auth");

// The credentials of the example's configuration (filters/auth/README.md): the API key whose
// salted hash is k1's, and an HS256 JWT of the "demo" provider signed with its jwks key.
const API_KEY = "alice-secret-key";
type Provider = { issuer: string; jwks: { keys: Array<{ kid: string; k: string }> } };
const DEMO = (PLUGIN_CONFIG.jwt as { providers: { demo: Provider } }).providers.demo;
const jwt = (claims: Record<string, unknown>): string => signJwt(
  { alg: "HS256", kid: DEMO.jwks.keys[0].kid, private: Buffer.from(DEMO.jwks.keys[0].k, "base64url"), jwk: {} },
  { iss: DEMO.issuer, iat: Math.floor(Date.now() / 1000) - 5, exp: Math.floor(Date.now() / 1000) + 600, ...claims });

interface Ecds { ecds_filter: { name: string; typed_config: { config: { root_id: string; vm_config: { runtime: string; code: { local?: { filename: string } } }; configuration: { value: string } } } } }

describe("a WasmPlugin through Istio's control plane and pilot-agent to Envoy", () => {
  let registry: RegistryFixture;
  let upstream: RecordingUpstream;
  let xds: XdsServer | undefined;
  let sidecar: Sidecar | undefined;
  let port = 0;
  let digest = "";
  let wasmPlugin: Record<string, unknown> = {};
  const scratch = mkdtempSync(join(tmpdir(), "filterkit-istio-mesh-"));
  const context = () => `--- pilot-agent and Envoy:\n${sidecar?.log() ?? ""}\n--- xds-server:\n${xds?.log().slice(-4000) ?? ""}`;

  beforeAll(async () => {
    const tools = stageTools();
    registry = await startRegistry({ mode: "anonymous" });
    const image = `${registry.host}/filters/auth:mesh`;
    digest = pushFilter("auth", image, join(scratch, "layout"));

    writeFileSync(join(scratch, "auth.json"), JSON.stringify(PLUGIN_CONFIG));
    const plugin = runFilterkit(["istio", "filters/auth", "--image", image, "--namespace", NAMESPACE, "--selector", "app=demo",
      "--phase", "AUTHN", "--priority", "1000", "--config", join(scratch, "auth.json"), "--out", join(scratch, "wasmplugin.yaml")]);
    expect(plugin.code, plugin.err).toBe(0);
    wasmPlugin = parse(readFileSync(join(scratch, "wasmplugin.yaml"), "utf8")) as Record<string, unknown>;

    upstream = await startWorkload();
    port = await freePort();
    writeFileSync(join(scratch, "mesh.yaml"), workloadResources({ namespace: NAMESPACE, name: "demo", labels: LABELS, port, upstreamPort: upstream.port }));

    xds = await startXdsServer(tools, [join(scratch, "mesh.yaml"), join(scratch, "wasmplugin.yaml")]);
    sidecar = await startSidecar(tools, { xdsPort: xds.port, namespace: NAMESPACE, podName: "demo-0", labels: LABELS });
    // ready: the filter loaded (its ECDS resource is in Envoy's config) and the listener is bound
    await untilServing(sidecar, [ECDS_NAME], port, context);
  }, 180_000);

  afterAll(async () => {
    await stopAll(sidecar, xds, upstream, registry);
    rmSync(scratch, { recursive: true, force: true });
  });

  const ecds = async (): Promise<Ecds> => {
    const dump = JSON.parse((await sidecar!.admin("/config_dump?resource=ecds_filters")).text) as { configs: Ecds[] };
    const mine = dump.configs.filter((c) => c.ecds_filter.name === ECDS_NAME);
    expect(mine, JSON.stringify(dump).slice(0, 2000)).toHaveLength(1);
    return mine[0];
  };

  it("Istio made the WasmPlugin an ECDS filter, and pilot-agent pulled the image and gave Envoy the release build", async () => {
    const config = (await ecds()).ecds_filter.typed_config.config;
    expect(config.root_id).toBe("auth");
    expect(config.vm_config.runtime).toBe("envoy.wasm.runtime.v8");
    // the agent's cache names the module after the manifest digest filterkit printed
    const file = config.vm_config.code.local?.filename ?? "";
    expect(file).toMatch(new RegExp(`^/var/lib/istio/data/[0-9a-f]{64}/${digest}\\.wasm$`));
    const pulled = join(sidecar!.dataDir, file.slice("/var/lib/istio/data/".length));
    expect(readFileSync(pulled).equals(RELEASE)).toBe(true);
    expect(readdirSync(sidecar!.dataDir)).toHaveLength(1);
  });

  it("the configuration Envoy got is the text filterkit says Istio hands the filter (compact, keys sorted, Go's escapes)", async () => {
    const config = (await ecds()).ecds_filter.typed_config.config;
    expect(config.configuration.value).toBe(istioConfigurationText(PLUGIN_CONFIG));
    expect((wasmPlugin.spec as { sha256: string }).sha256).toBe(digest);
  });

  it("the filter sits in the workload's inbound HTTP chain, before the router", async () => {
    const dump = JSON.parse((await sidecar!.admin("/config_dump?resource=dynamic_listeners")).text) as { configs: Array<{ name: string; active_state?: { listener: unknown } }> };
    const listener = dump.configs.find((c) => JSON.stringify(c).includes(`"port_value":${port}`));
    expect(listener, JSON.stringify(dump.configs.map((c) => c.name))).toBeDefined();
    const chain = JSON.stringify(listener!.active_state?.listener ?? {});
    const names = [...chain.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]);
    const filter = names.indexOf(ECDS_NAME);
    const router = names.indexOf("envoy.filters.http.router");
    expect(filter, names.join(", ")).toBeGreaterThanOrEqual(0);
    expect(router).toBeGreaterThan(filter);
  });

  // Each request through the sidecar, and the same request on the mock host with the text Istio
  // handed the filter: the same status and body, the same challenge; when let through, the
  // workload receives the headers the filter set and not the ones it removed.
  const requests: Array<{ name: string; path: string; headers: Record<string, string>; status: number }> = [
    { name: "no credential", path: "/orders", headers: {}, status: 401 },
    { name: "a public path, no credential", path: "/health", headers: {}, status: 200 },
    { name: "alice's API key", path: "/orders", headers: { "x-api-key": API_KEY }, status: 200 },
    { name: "a wrong API key", path: "/orders", headers: { "x-api-key": "mallory-guess" }, status: 401 },
    { name: "alice's API key on an admin path (she is in group admin)", path: "/admin/users", headers: { "x-api-key": API_KEY }, status: 200 },
    { name: "a JWT on an admin path, which needs an API key", path: "/admin/users", headers: { authorization: `Bearer ${jwt({ sub: "user-7" })}` }, status: 401 },
    { name: "a valid JWT", path: "/orders", headers: { authorization: `Bearer ${jwt({ sub: "user-7" })}` }, status: 200 },
    { name: "an expired JWT", path: "/orders", headers: { authorization: `Bearer ${jwt({ sub: "user-7", exp: Math.floor(Date.now() / 1000) - 120 })}` }, status: 401 },
    { name: "a spoofed identity header without a credential", path: "/orders", headers: { "x-jwt-sub": "admin" }, status: 401 },
    { name: "a spoofed identity header beside a valid JWT", path: "/orders", headers: { "x-jwt-sub": "admin", authorization: `Bearer ${jwt({ sub: "user-7" })}` }, status: 200 },
    { name: "Basic with a wrong password", path: "/orders", headers: { authorization: `Basic ${Buffer.from("demo:wrong").toString("base64")}` }, status: 401 },
  ];

  it.each(requests)("$name: $status, as on the mock host", async ({ path, headers, status }) => {
    const authority = `127.0.0.1:${port}`;
    const host = createHost({ wasm: join(repo, "filters/auth/build/release.wasm"), rootId: "auth", vmId: "mesh", pluginConfig: istioConfigurationText(PLUGIN_CONFIG), now: BigInt(Date.now()) * 1_000_000n });
    expect(host.configured).toBe(true);
    const stream = host.newHttpStream();
    const sent: HeaderPairs = [[":method", "GET"], [":path", path], [":authority", authority], [":scheme", "http"], ...Object.entries(headers)];
    stream.sendRequestHeaders(sent, true);
    const mock = stream.localReply;

    const before = upstream.received.length;
    const r = await request(`http://${authority}${path}`, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const body = await r.body.text();
    expect(r.statusCode, body).toBe(status);
    if (mock !== null) {
      expect(mock.status).toBe(status);
      expect(body).toBe(mock.bodyText);
      const challenge = (h: HeaderPairs | Record<string, string | string[] | undefined>) => (Array.isArray(h) ? h.filter(([k]) => k === "www-authenticate").map(([, v]) => v) : [h["www-authenticate"] ?? []].flat());
      expect(challenge(r.headers as Record<string, string | string[] | undefined>)).toEqual(challenge(mock.headers));
      expect(upstream.received.length).toBe(before);
      return;
    }
    expect(status).toBe(200);
    expect(body).toBe(WORKLOAD_BODY);
    expect(upstream.received.length).toBe(before + 1);
    const got = upstream.received[before].headers;
    const value = (pairs: HeaderPairs, name: string) => pairs.filter(([k]) => k === name).map(([, v]) => v);
    const after = stream.request.headers;
    for (const [name] of after.filter(([k]) => !k.startsWith(":"))) expect(value(got, name), name).toEqual(value(after, name));
    for (const [name] of sent.filter(([k]) => !k.startsWith(":") && value(after, k).length === 0)) expect(value(got, name), `${name} removed by the filter`).toEqual([]);
  });
});
