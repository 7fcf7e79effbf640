// The three shipped filters deployed together by their documented WasmPlugins
// (filters/<name>/istio.yaml, only the url pointing at the test's registry): Istio orders them by
// phase — auth (AUTHN), rate-limit (AUTHZ), header-rewrite (UNSPECIFIED_PHASE) — and requests
// through that Envoy get the answers the mock host's chain of the same three, in the same order,
// with the configurations Istio handed them, gives. The documented sha256 must be what
// `filterkit package` pushed, or pilot-agent would refuse the pull.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { RecordingUpstream } from "@filterkit/envoy";
import { createChain, createHost, VirtualClock, type HeaderPairs, type MockHost } from "@filterkit/host-mock";
import { request } from "undici";
import { istioConfigurationText, type StructValue } from "../../cli/src/istio/plugin-config.ts";
import { startRegistry, type RegistryFixture } from "../../cli/test/registry-fixture.ts";
import { ecdsName, freePort, pushFilter, startSidecar, startWorkload, startXdsServer, stopAll, untilServing, workloadResources, WORKLOAD_BODY, type Sidecar, type XdsServer } from "./mesh.ts";
import { stageTools } from "./tools.ts";

const repo = join(import.meta.dirname, "../..");
/** in the order Istio's phases put them */
const FILTERS = ["auth", "rate-limit", "header-rewrite"] as const;
type Doc = { metadata: { name: string; namespace: string }; spec: { url: string; sha256: string; pluginName: string; phase: string; selector: { matchLabels: Record<string, string> }; pluginConfig: { [k: string]: StructValue } } };
const DOCS = Object.fromEntries(FILTERS.map((f) => [f, parse(readFileSync(join(repo, "filters", f, "istio.yaml"), "utf8")) as Doc])) as Record<(typeof FILTERS)[number], Doc>;
/** what the workload answers (startWorkload), for the mock host's chain */
const ANSWER = { headers: [[":status", "200"], ["content-type", "text/plain"]] as HeaderPairs, body: WORKLOAD_BODY };
/** header values that follow the clock or the bucket's refill, compared by shape only */
const CLOCKED = new Set(["x-request-start", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit", "ratelimit-remaining", "ratelimit-reset"]);

describe("the three shipped filters' documented WasmPlugins in one workload", () => {
  let registry: RegistryFixture;
  let upstream: RecordingUpstream;
  let xds: XdsServer | undefined;
  let sidecar: Sidecar | undefined;
  let port = 0;
  const pushed: Record<string, string> = {};
  const scratch = mkdtempSync(join(tmpdir(), "filterkit-istio-chain-"));
  const context = () => `--- pilot-agent and Envoy:\n${sidecar?.log() ?? ""}\n--- xds-server:\n${xds?.log().slice(-4000) ?? ""}`;

  beforeAll(async () => {
    const tools = stageTools();
    registry = await startRegistry({ mode: "anonymous" });
    const files: string[] = [];
    for (const f of FILTERS) {
      const image = `${registry.host}/filters/${f}:0.1.0`;
      pushed[f] = pushFilter(f, image, join(scratch, `layout-${f}`));
      const doc = { ...DOCS[f], spec: { ...DOCS[f].spec, url: `oci://${image}` } };
      writeFileSync(join(scratch, `${f}.yaml`), stringify(doc));
      files.push(join(scratch, `${f}.yaml`));
    }
    upstream = await startWorkload();
    port = await freePort();
    const { namespace } = DOCS.auth.metadata;
    const labels = DOCS.auth.spec.selector.matchLabels;
    writeFileSync(join(scratch, "workload.yaml"), workloadResources({ namespace, name: "demo", labels, port, upstreamPort: upstream.port }));
    xds = await startXdsServer(tools, [join(scratch, "workload.yaml"), ...files]);
    sidecar = await startSidecar(tools, { xdsPort: xds.port, namespace, podName: "demo-0", labels });
    await untilServing(sidecar, FILTERS.map((f) => ecdsName(namespace, DOCS[f].metadata.name)), port, context);
  }, 240_000);

  afterAll(async () => {
    await stopAll(sidecar, xds, upstream, registry);
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(FILTERS)("%s: the documented sha256 is the digest of the image filterkit pushed", (f) => {
    expect(pushed[f]).toBe(DOCS[f].spec.sha256);
  });

  it("Istio puts them in phase order in the inbound chain: auth, rate-limit, header-rewrite, then the router", async () => {
    const dump = JSON.parse((await sidecar!.admin("/config_dump?resource=dynamic_listeners")).text) as { configs: unknown[] };
    const listener = dump.configs.find((c) => JSON.stringify(c).includes(`"port_value":${port}`));
    const names = [...JSON.stringify(listener).matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]);
    const order = [...FILTERS.map((f) => names.indexOf(ecdsName(DOCS[f].metadata.namespace, DOCS[f].metadata.name))), names.indexOf("envoy.filters.http.router")];
    expect(order.every((i) => i >= 0), names.join(", ")).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  // The mock host's chain of the same three, configured with the text Istio handed each
  let chainHosts: MockHost[] | undefined;
  const mockChain = () => {
    const clock = new VirtualClock();
    chainHosts ??= FILTERS.map((f) => {
      const h = createHost({
        wasm: join(repo, "filters", f, "build/release.wasm"), rootId: DOCS[f].spec.pluginName, vmId: f,
        pluginConfig: istioConfigurationText(DOCS[f].spec.pluginConfig), clock,
        properties: { "source.address": "127.0.0.1:40000" },
      });
      expect(h.configured, h.logs.join("\n")).toBe(true);
      return h;
    });
    return createChain(chainHosts);
  };

  const requests: Array<{ name: string; path: string; headers: Record<string, string>; status: number }> = [
    { name: "no credential: auth answers, the later filters never see it", path: "/orders", headers: {}, status: 401 },
    { name: "an API key: rate-limited, rewritten, through", path: "/orders", headers: { "x-api-key": "alice-secret-key", "x-auth-role": "forged" }, status: 200 },
    { name: "a public path: through, rewritten", path: "/health", headers: { "x-auth-user": "forged" }, status: 200 },
  ];

  it.each(requests)("$name ($status), as on the mock host's chain", async ({ path, headers, status }) => {
    const authority = `127.0.0.1:${port}`;
    const sent: HeaderPairs = [[":method", "GET"], [":path", path], [":authority", authority], [":scheme", "http"], ...Object.entries(headers)];
    const mock = mockChain().run({ headers: sent }, ANSWER);
    const before = upstream.received.length;
    const r = await request(`http://${authority}${path}`, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const body = await r.body.text();
    expect(r.statusCode, body).toBe(status);
    const mockStatus = Number(mock.response.headers.find(([k]) => k === ":status")?.[1]);
    expect(mockStatus).toBe(status);
    expect(body).toBe(mock.response.bodyText);

    // response headers the filters added (those the mock's response has beyond the upstream's answer)
    const envoyHeader = (name: string): string[] => [r.headers[name] ?? []].flat();
    const value = (pairs: HeaderPairs, name: string) => pairs.filter(([k]) => k === name).map(([, v]) => v);
    const added = new Set(mock.response.headers.map(([k]) => k).filter((k) => !k.startsWith(":") && k !== "content-length" && !ANSWER.headers.some(([a]) => a === k)));
    if (status === 200) expect([...added].filter((k) => k.includes("ratelimit")).length, [...added].join(", ")).toBeGreaterThan(0);
    for (const name of added) {
      if (CLOCKED.has(name)) expect(envoyHeader(name), name).toHaveLength(value(mock.response.headers, name).length);
      else expect(envoyHeader(name), name).toEqual(value(mock.response.headers, name));
    }
    if (status === 401) expect(Object.keys(r.headers).filter((k) => k.includes("ratelimit"))).toEqual([]);

    if (mock.upstream === null) {
      expect(upstream.received.length).toBe(before);
      return;
    }
    expect(upstream.received.length).toBe(before + 1);
    const got = upstream.received[before].headers;
    const after = mock.upstream.headers;
    for (const [name] of after.filter(([k]) => !k.startsWith(":"))) {
      if (CLOCKED.has(name)) expect(value(got, name)[0] ?? "", name).toMatch(/^t=\d{13}$/);
      else expect(value(got, name), name).toEqual(value(after, name));
    }
    for (const [name] of sent.filter(([k]) => !k.startsWith(":") && value(after, k).length === 0)) expect(value(got, name), `${name} removed`).toEqual([]);
    expect(value(got, "x-client-ip")).toEqual(["127.0.0.1"]);
  });
});
