// The rate-limit filter's state across Istio's configuration pushes (filters/rate-limit/README.md,
// State: "a configuration push keeps unchanged limits' state"; "a changed threshold takes effect
// at once, on fresh state"), shown where it matters: a WasmPlugin edited while clients are limited.
// Istio sends the new pluginConfig as an ECDS update; Envoy configures a new root context in the
// same VM (the code and vm_config are unchanged), whose limits find their tables in shared data.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordingUpstream } from "@filterkit/envoy";
import { request } from "undici";
import { startRegistry, type RegistryFixture } from "../../cli/test/registry-fixture.ts";
import { runFilterkit } from "../../cli/test/run-filterkit.ts";
import { ecdsName, eventually, freePort, pushFilter, startSidecar, startWorkload, startXdsServer, stopAll, untilServing, workloadResources, type Sidecar, type XdsServer } from "./mesh.ts";
import { stageTools } from "./tools.ts";

const NAMESPACE = "demo";
/** two requests per client, no refill within the test */
const PER_CLIENT = { name: "per-client", key: [{ remote_address: {} }], algorithm: "token_bucket", max_tokens: 2, tokens_per_fill: 1, fill_interval_ms: 3_600_000 };
const TABLE = { slots: 1024 };

describe("rate-limit state across Istio's configuration pushes", () => {
  let registry: RegistryFixture;
  let upstream: RecordingUpstream;
  let xds: XdsServer | undefined;
  let sidecar: Sidecar | undefined;
  let port = 0;
  let image = "";
  const scratch = mkdtempSync(join(tmpdir(), "filterkit-istio-ratelimit-"));
  const pluginFile = join(scratch, "wasmplugin.yaml");
  const context = () => `--- pilot-agent and Envoy:\n${sidecar?.log() ?? ""}\n--- xds-server:\n${xds?.log().slice(-4000) ?? ""}`;

  const writePlugin = (config: Record<string, unknown>) => {
    writeFileSync(join(scratch, "config.json"), JSON.stringify(config));
    const r = runFilterkit(["istio", "filters/rate-limit", "--image", image, "--namespace", NAMESPACE, "--selector", "app=demo",
      "--phase", "AUTHZ", "--config", join(scratch, "config.json"), "--out", pluginFile]);
    expect(r.code, r.err).toBe(0);
  };
  const get = async (path = "/orders") => {
    const r = await request(`http://127.0.0.1:${port}${path}`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    await r.body.text();
    return { status: r.statusCode, limit: r.headers["x-ratelimit-limit"] };
  };

  beforeAll(async () => {
    const tools = stageTools();
    registry = await startRegistry({ mode: "anonymous" });
    image = `${registry.host}/filters/rate-limit:push`;
    pushFilter("rate-limit", image, join(scratch, "layout"));
    writePlugin({ headers: ["none"], table: TABLE, limits: [PER_CLIENT] });
    upstream = await startWorkload();
    port = await freePort();
    writeFileSync(join(scratch, "workload.yaml"), workloadResources({ namespace: NAMESPACE, name: "demo", labels: { app: "demo" }, port, upstreamPort: upstream.port }));
    xds = await startXdsServer(tools, [join(scratch, "workload.yaml"), pluginFile]);
    sidecar = await startSidecar(tools, { xdsPort: xds.port, namespace: NAMESPACE, podName: "demo-0", labels: { app: "demo" } });
    await untilServing(sidecar, [ecdsName(NAMESPACE, "rate-limit")], port, context);
  }, 180_000);

  afterAll(async () => {
    await stopAll(sidecar, xds, upstream, registry);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("as deployed: two requests, then 429 (no rate-limit headers: profile none)", async () => {
    expect([await get(), await get(), await get()]).toEqual([{ status: 200, limit: undefined }, { status: 200, limit: undefined }, { status: 429, limit: undefined }]);
  });

  it("an edit elsewhere in the configuration (headers on, a second limit) keeps the client limited", async () => {
    writePlugin({ headers: ["envoy"], table: TABLE, limits: [PER_CLIENT, { name: "other", when: { path: { prefix: "/other" } }, max_tokens: 5, tokens_per_fill: 1, fill_interval_ms: 3_600_000 }] });
    await xds!.reload();
    // the new configuration shows in the refusal's headers; the count is the old one
    const refused = await eventually("a refusal with the envoy header profile", 30_000, async () => {
      const r = await get();
      return r.limit !== undefined ? r : undefined;
    }, context);
    expect(refused.status).toBe(429);
    expect(await get()).toMatchObject({ status: 429 });
  });

  it("a changed threshold takes effect at once, on fresh state", async () => {
    writePlugin({ headers: ["envoy"], table: TABLE, limits: [{ ...PER_CLIENT, max_tokens: 3 }] });
    await xds!.reload();
    await eventually("the first request admitted under the new threshold", 30_000, async () => ((await get()).status === 200 ? true : undefined), context);
    expect([(await get()).status, (await get()).status, (await get()).status]).toEqual([200, 200, 429]);
  });
});
