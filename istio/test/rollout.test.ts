// Changing a deployed filter the way a platform team does, through Istio while traffic flows:
// edit the WasmPlugin's pluginConfig (Istio pushes the new configuration; pilot-agent serves the
// module from its cache, pulling nothing), point it at another image (the same filter as the
// two-layer `--variant oci` image: another manifest digest, so the agent pulls it), and delete it
// (the filter leaves the chain). After each step xds-server applies the edited file as an API
// server would (SIGHUP: create, update, delete) and the requests through Envoy show the new state.
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RecordingUpstream } from "@filterkit/envoy";
import { request } from "undici";
import { startRegistry, type RegistryFixture } from "../../cli/test/registry-fixture.ts";
import { runFilterkit } from "../../cli/test/run-filterkit.ts";
import { ecdsName, eventually, freePort, pushFilter, startSidecar, startWorkload, startXdsServer, stopAll, untilServing, workloadResources, type Sidecar, type XdsServer } from "./mesh.ts";
import { stageTools } from "./tools.ts";

const repo = join(import.meta.dirname, "../..");
const RELEASE = readFileSync(join(repo, "filters/auth/build/release.wasm"));
type Config = { rules: Array<Record<string, unknown>> } & Record<string, unknown>;
const CONFIG = (parse(readFileSync(join(repo, "filters/auth/istio.yaml"), "utf8")) as { spec: { pluginConfig: Config } }).spec.pluginConfig;
const NAMESPACE = "demo";
const ECDS = ecdsName(NAMESPACE, "auth");

describe("a deployed filter changed through Istio", () => {
  let registry: RegistryFixture;
  let upstream: RecordingUpstream;
  let xds: XdsServer | undefined;
  let sidecar: Sidecar | undefined;
  let port = 0;
  const digests = { compat: "", oci: "" };
  const scratch = mkdtempSync(join(tmpdir(), "filterkit-istio-rollout-"));
  const pluginFile = join(scratch, "wasmplugin.yaml");
  const context = () => `--- pilot-agent and Envoy:\n${sidecar?.log() ?? ""}\n--- xds-server:\n${xds?.log().slice(-4000) ?? ""}`;

  /** `filterkit istio` for `image` with `config`, written where xds-server reads it */
  const writePlugin = (image: string, config: Config) => {
    writeFileSync(join(scratch, "auth.json"), JSON.stringify(config));
    const r = runFilterkit(["istio", "filters/auth", "--image", image, "--namespace", NAMESPACE, "--selector", "app=demo",
      "--phase", "AUTHN", "--config", join(scratch, "auth.json"), "--out", pluginFile]);
    expect(r.code, r.err).toBe(0);
  };
  const status = async (path: string): Promise<number> => {
    const r = await request(`http://127.0.0.1:${port}${path}`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    await r.body.text();
    return r.statusCode;
  };
  /** the .wasm files pilot-agent holds in its cache */
  const pulled = () => readdirSync(sidecar!.dataDir, { recursive: true }).map(String).filter((f) => f.endsWith(".wasm")).sort();

  beforeAll(async () => {
    const tools = stageTools();
    registry = await startRegistry({ mode: "anonymous" });
    digests.compat = pushFilter("auth", `${registry.host}/filters/auth:compat`, join(scratch, "layout-compat"));
    const oci = runFilterkit(["package", "filters/auth", "--variant", "oci", "--out", join(scratch, "layout-oci"), "--push", `${registry.host}/filters/auth:oci`]);
    expect(oci.code, oci.err).toBe(0);
    digests.oci = /^WasmPlugin sha256: ([a-f0-9]{64})$/m.exec(oci.out)?.[1] ?? "";
    expect(digests.oci).not.toBe(digests.compat);

    writePlugin(`${registry.host}/filters/auth:compat`, CONFIG);
    upstream = await startWorkload();
    port = await freePort();
    writeFileSync(join(scratch, "workload.yaml"), workloadResources({ namespace: NAMESPACE, name: "demo", labels: { app: "demo" }, port, upstreamPort: upstream.port }));
    xds = await startXdsServer(tools, [join(scratch, "workload.yaml"), pluginFile]);
    sidecar = await startSidecar(tools, { xdsPort: xds.port, namespace: NAMESPACE, podName: "demo-0", labels: { app: "demo" } });
    await untilServing(sidecar, [ECDS], port, context);
  }, 180_000);

  afterAll(async () => {
    await stopAll(sidecar, xds, upstream, registry);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("as deployed: /orders needs a credential", async () => {
    expect(await status("/orders")).toBe(401);
    expect(pulled()).toEqual([expect.stringMatching(new RegExp(`/${digests.compat}\\.wasm$`))]);
  });

  it("a pluginConfig edit (/orders made public) reaches the filter; the module comes from the agent's cache", async () => {
    const fetches = sidecar!.grep(/fetching image/).length;
    writePlugin(`${registry.host}/filters/auth:compat`, { ...CONFIG, rules: [{ when: { path: { prefix: "/orders" } } }, ...CONFIG.rules] });
    await xds!.reload();
    await eventually("/orders answered 200 after the edit", 30_000, async () => ((await status("/orders")) === 200 ? true : undefined), context);
    expect(await status("/admin/users")).toBe(401);
    expect(sidecar!.grep(/fetching image/).length).toBe(fetches);
    expect(pulled()).toHaveLength(1);
  });

  it("another image (the oci variant of the same filter): the agent pulls it by its digest and Envoy runs it", async () => {
    writePlugin(`${registry.host}/filters/auth:oci`, CONFIG);
    await xds!.reload();
    await eventually("the filter from the oci image, /orders needing a credential again", 60_000, async () => {
      const dump = (await sidecar!.admin("/config_dump?resource=ecds_filters")).text;
      return dump.includes(`${digests.oci}.wasm`) && (await status("/orders")) === 401 ? true : undefined;
    }, context);
    const files = pulled();
    expect(files).toHaveLength(2);
    const oci = files.find((f) => f.endsWith(`${digests.oci}.wasm`));
    expect(oci).toBeDefined();
    expect(readFileSync(join(sidecar!.dataDir, oci!)).equals(RELEASE)).toBe(true);
    expect(await request(`http://127.0.0.1:${port}/orders`, { headers: { "x-api-key": "alice-secret-key" } }).then(async (r) => { await r.body.text(); return r.statusCode; })).toBe(200);
  });

  it("deleting the WasmPlugin takes the filter out of the chain: requests reach the workload unauthenticated", async () => {
    unlinkSync(pluginFile);
    writeFileSync(pluginFile, "");
    await xds!.reload();
    await eventually("/orders answered 200 without the filter", 30_000, async () => ((await status("/orders")) === 200 ? true : undefined), context);
    const listeners = (await sidecar!.admin("/config_dump?resource=dynamic_listeners")).text;
    expect(listeners).not.toContain(ECDS);
    expect(await status("/admin/users")).toBe(200);
  });
});
